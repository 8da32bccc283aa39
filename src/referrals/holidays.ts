// Dutch public holidays (officiële feestdagen) that are not working days for the chain's deadlines:
// Nieuwjaarsdag, Tweede paasdag, Koningsdag (27 April, 26 April when the 27th is a Sunday),
// Bevrijdingsdag (5 May: a day off for government bodies in lustrum years, and most municipalities
// close on it every year; counted every year, erring towards more time for the receiver),
// Hemelvaartsdag, Tweede pinksterdag, Eerste en Tweede kerstdag. Good Friday is not a national
// holiday for government bodies.

/** Easter Sunday of a year (Gregorian; the anonymous "Meeus/Jones/Butcher" algorithm). */
export function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

const iso = (date: Date) => date.toISOString().slice(0, 10);
const cache = new Map<number, Set<string>>();

/** The public holidays of a year, as YYYY-MM-DD. */
export function publicHolidays(year: number): Set<string> {
  const known = cache.get(year);
  if (known) return known;
  const easter = easterSunday(year);
  const fromEaster = (days: number) => iso(new Date(Date.UTC(year, easter.month - 1, easter.day + days)));
  const kingsDay = new Date(Date.UTC(year, 3, 27)).getUTCDay() === 0 ? `${year}-04-26` : `${year}-04-27`;
  const days = new Set([
    `${year}-01-01`,
    fromEaster(1), // Tweede paasdag
    kingsDay,
    `${year}-05-05`,
    fromEaster(39), // Hemelvaartsdag
    fromEaster(50), // Tweede pinksterdag
    `${year}-12-25`,
    `${year}-12-26`,
  ]);
  cache.set(year, days);
  return days;
}

/** Whether the Dutch calendar day YYYY-MM-DD is a public holiday. */
export function isPublicHoliday(day: string): boolean {
  return publicHolidays(Number(day.slice(0, 4))).has(day);
}
