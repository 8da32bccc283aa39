// Response deadlines. Urgent: received within 24 hours, accepted or rejected within 48. Normal:
// accepted or rejected within 5 working days (Monday to Friday in the Netherlands; public holidays
// are not yet counted).
import type { Urgency } from '../policy/vocabulary.ts';

const HOUR = 3600_000;
export const URGENT_RECEIVE_HOURS = 24;
export const URGENT_DECIDE_HOURS = 48;
export const NORMAL_DECIDE_WORKING_DAYS = 5;

const weekday = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', weekday: 'short' });
const isWorkingDay = (date: Date) => !['Sat', 'Sun'].includes(weekday.format(date));

export function addWorkingDays(from: Date, days: number): Date {
  let date = new Date(from);
  let left = days;
  while (left > 0) {
    date = new Date(date.getTime() + 24 * HOUR);
    if (isWorkingDay(date)) left--;
  }
  return date;
}

export interface Deadlines {
  /** Urgent referrals only: by when the receiver must have opened it. */
  receiveBy: Date | null;
  /** By when the receiver must accept or reject. */
  decideBy: Date;
}

export function deadlinesFor(createdAt: Date, urgency: Urgency): Deadlines {
  if (urgency === 'URGENT')
    return {
      receiveBy: new Date(createdAt.getTime() + URGENT_RECEIVE_HOURS * HOUR),
      decideBy: new Date(createdAt.getTime() + URGENT_DECIDE_HOURS * HOUR),
    };
  return { receiveBy: null, decideBy: addWorkingDays(createdAt, NORMAL_DECIDE_WORKING_DAYS) };
}
