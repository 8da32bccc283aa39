// Response deadlines. Urgent: received within 24 hours, accepted or rejected within 48. Normal:
// accepted or rejected within 5 working days (Monday to Friday in the Netherlands, not on a public
// holiday: holidays.ts).
import type { Urgency } from '../policy/vocabulary.ts';
import { isPublicHoliday } from './holidays.ts';

const HOUR = 3600_000;
export const URGENT_RECEIVE_HOURS = 24;
export const URGENT_DECIDE_HOURS = 48;
export const NORMAL_DECIDE_WORKING_DAYS = 5;

const weekday = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', weekday: 'short' });
const dutchDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' });
export const isWorkingDay = (date: Date) => !['Sat', 'Sun'].includes(weekday.format(date)) && !isPublicHoliday(dutchDay.format(date));

// The wall clock in the Netherlands, to move by calendar days across the change to and from summer
// time: five working days after 10:00 in March is 10:00, also when the clocks moved in between.
const wallClock = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Amsterdam',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
/** Minutes the Netherlands is ahead of UTC at `date` (60 in winter, 120 in summer). */
function amsterdamOffsetMinutes(date: Date): number {
  const parts = Object.fromEntries(wallClock.formatToParts(date).map((part) => [part.type, part.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

/** The same wall-clock time `days` calendar days later in the Netherlands. */
export function addDutchDays(from: Date, days: number): Date {
  const naive = new Date(from.getTime() + days * 24 * HOUR);
  return new Date(naive.getTime() + (amsterdamOffsetMinutes(from) - amsterdamOffsetMinutes(naive)) * 60_000);
}

export function addWorkingDays(from: Date, days: number): Date {
  let date = new Date(from);
  let left = days;
  let step = 0;
  while (left > 0) {
    step += 1;
    date = addDutchDays(from, step);
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
