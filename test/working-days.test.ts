// Working days for deadlines and next steps: Monday to Friday on the Dutch calendar, without the
// public holidays, across summer time.
import { describe, expect, it } from 'vitest';
import { addWorkingDays, isWorkingDay } from '../src/referrals/deadlines.ts';
import { easterSunday, publicHolidays } from '../src/referrals/holidays.ts';

describe('public holidays', () => {
  it('finds Easter Sunday for known years', () => {
    expect(easterSunday(2024)).toEqual({ month: 3, day: 31 });
    expect(easterSunday(2025)).toEqual({ month: 4, day: 20 });
    expect(easterSunday(2026)).toEqual({ month: 4, day: 5 });
    expect(easterSunday(2027)).toEqual({ month: 3, day: 28 });
  });

  it('lists the Dutch holidays of 2026, with Koningsdag on the 27th and on the 26th when the 27th is a Sunday', () => {
    expect([...publicHolidays(2026)].sort()).toEqual(['2026-01-01', '2026-04-06', '2026-04-27', '2026-05-05', '2026-05-14', '2026-05-25', '2026-12-25', '2026-12-26']);
    expect(publicHolidays(2025).has('2025-04-26')).toBe(true); // 27 April 2025 is a Sunday
    expect(publicHolidays(2025).has('2025-04-27')).toBe(false);
  });

  it('is not a working day on a holiday or in the weekend, in Dutch time', () => {
    expect(isWorkingDay(new Date('2026-04-06T10:00:00Z'))).toBe(false); // Tweede paasdag
    expect(isWorkingDay(new Date('2026-04-07T10:00:00Z'))).toBe(true);
    expect(isWorkingDay(new Date('2026-04-04T10:00:00Z'))).toBe(false); // Saturday
    // 31 December 23:30 UTC is already New Year's Day in the Netherlands.
    expect(isWorkingDay(new Date('2025-12-31T23:30:00Z'))).toBe(false);
  });
});

describe('addWorkingDays', () => {
  it('skips Easter Monday: five working days from Thursday 2 April 2026 end on Friday 10 April', () => {
    expect(addWorkingDays(new Date('2026-04-02T08:00:00Z'), 5).toISOString()).toBe('2026-04-10T08:00:00.000Z');
  });

  it('skips Christmas and New Year: five working days from Wednesday 23 December 2026', () => {
    // 24 (Thu), 28 (Mon), 29, 30, 31 December: 25, 26 (Sat) and 27 (Sun) do not count.
    expect(addWorkingDays(new Date('2026-12-23T09:00:00Z'), 5).toISOString()).toBe('2026-12-31T09:00:00.000Z');
  });

  it('keeps the Dutch time of day across the change to summer time', () => {
    // Thursday 26 March 10:00 CET + 5 working days = Thursday 2 April 10:00 CEST.
    expect(addWorkingDays(new Date('2026-03-26T09:00:00Z'), 5).toISOString()).toBe('2026-04-02T08:00:00.000Z');
  });
});
