// Days and wall-clock times as Dutch officers mean them (Europe/Amsterdam), turned into the
// instants the API takes. Never the browser's clock: "now" is the hub's, and the browser may be
// in another time zone. Used by the access-log filter (period) and the outreach forms (occurred at).
const ZONE = 'Europe/Amsterdam';

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Minutes Amsterdam is ahead of UTC at this instant (60 in winter, 120 in summer). */
function offsetMinutes(instant: number): number {
  const get = (type: string) => Number(parts.formatToParts(new Date(instant)).find((part) => part.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((wall - Math.floor(instant / 1000) * 1000) / 60_000);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** The instant of an Amsterdam wall-clock moment; null when the text is not one. */
function wallClockInstant(year: number, month: number, day: number, hour: number, minute: number): string | null {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  if (Number.isNaN(guess)) return null;
  let instant = guess - offsetMinutes(guess) * 60_000;
  // Around a clock change the offset at the guess and at the answer differ: settle on the answer's.
  instant = guess - offsetMinutes(instant) * 60_000;
  return new Date(instant).toISOString();
}

/** `2026-03-16` → the instant that day starts in Amsterdam (`2026-03-15T23:00:00.000Z`). */
export function startOfDay(date: string): string | null {
  const match = DATE.exec(date);
  if (!match) return null;
  return wallClockInstant(Number(match[1]), Number(match[2]), Number(match[3]), 0, 0);
}

/** `2026-03-16` → the instant the next day starts in Amsterdam: the exclusive end of that day. */
export function endOfDay(date: string): string | null {
  const match = DATE.exec(date);
  if (!match) return null;
  const next = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + 1));
  return wallClockInstant(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0);
}

/** A `datetime-local` value (`2026-03-16T09:30`, Amsterdam time) → an instant; null when not one. */
export function wallClock(value: string): string | null {
  const match = DATE_TIME.exec(value);
  if (!match) return null;
  return wallClockInstant(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]));
}
