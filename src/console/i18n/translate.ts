// Texts by key in the console's two languages, and the translate function the pages use. Dutch first,
// English as a choice. Each domain keeps its own texts (common, errors, referrals, pupils, outreach,
// privacy); every module has the same keys in both languages, which the types enforce. The names of
// the API's codes come from the hub's one vocabulary (vocabulary.ts). No React here: tests use it too.
import * as common from './common.ts';
import * as errors from './errors.ts';
import * as outreach from './outreach.ts';
import * as privacy from './privacy.ts';
import * as pupils from './pupils.ts';
import * as referrals from './referrals.ts';
import * as signin from './signin.ts';
import * as vocabulary from './vocabulary.ts';

const nl = { ...common.nl, ...errors.nl, ...referrals.nl, ...pupils.nl, ...outreach.nl, ...privacy.nl, ...signin.nl };
const en: Record<keyof typeof nl, string> = { ...common.en, ...errors.en, ...referrals.en, ...pupils.en, ...outreach.en, ...privacy.en, ...signin.en };

export type Language = 'nl' | 'en';
export type TextKey = keyof typeof nl;
/** A text with plural forms: `KEY.one` and `KEY.other` (Intl.PluralRules' categories for nl and en). */
export type CountedKey = { [K in TextKey]: K extends `${infer Base}.other` ? (`${Base}.one` extends TextKey ? Base : never) : never }[TextKey];
export const LANGUAGES: readonly Language[] = ['nl', 'en'];
const DICTIONARIES: Record<Language, Record<TextKey, string>> = { nl: { ...vocabulary.nl, ...nl }, en: { ...vocabulary.en, ...en } };
export interface Translate {
  (key: TextKey, values?: Record<string, string | number>): string;
  /** A text whose key is built from an API value, e.g. `status.ACCEPTED`; the value itself when unknown. */
  dynamic(prefix: string, value: string): string;
  /** A text about a number of things, in the plural form the number takes: "1 registratie", "2 registraties". */
  count(key: CountedKey, count: number, values?: Record<string, string | number>): string;
  language: Language;
  /** Dates and times as officers read them: 16-03-2026 09:00, in the Dutch wall clock. */
  dateTime(value: string | null | undefined): string;
  date(value: string | null | undefined): string;
}

export function makeTranslate(language: Language): Translate {
  const dictionary = DICTIONARIES[language];
  const fill = (text: string, values?: Record<string, string | number>) =>
    values ? text.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match)) : text;
  const locale = language === 'nl' ? 'nl-NL' : 'en-GB';
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Amsterdam' });
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const t = ((key: TextKey, values?: Record<string, string | number>) => fill(dictionary[key] ?? key, values)) as Translate;
  t.dynamic = (prefix, value) => (dictionary as Record<string, string>)[`${prefix}.${value}`] ?? value;
  const plurals = new Intl.PluralRules(locale);
  t.count = (key, count, values) => {
    const form = plurals.select(count) === 'one' ? 'one' : 'other';
    return t(`${key}.${form}` as TextKey, { count, ...values });
  };
  t.language = language;
  t.dateTime = (value) => (value ? dateTimeFormat.format(new Date(value)) : '—');
  // A calendar date (YYYY-MM-DD) is a day, not a moment: format it in UTC so it never shifts.
  t.date = (value) => (value ? dateFormat.format(new Date(`${value.slice(0, 10)}T00:00:00Z`)) : '—');
  return t;
}
