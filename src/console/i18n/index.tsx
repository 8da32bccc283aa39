// Dutch first, English as a choice. Each domain keeps its own texts (common, referrals, pupils,
// outreach, privacy); every module has the same keys in both languages, which the types enforce.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import * as common from './common.ts';
import * as outreach from './outreach.ts';
import * as privacy from './privacy.ts';
import * as pupils from './pupils.ts';
import * as referrals from './referrals.ts';
import * as signin from './signin.ts';

const nl = { ...common.nl, ...referrals.nl, ...pupils.nl, ...outreach.nl, ...privacy.nl, ...signin.nl };
const en: Record<keyof typeof nl, string> = { ...common.en, ...referrals.en, ...pupils.en, ...outreach.en, ...privacy.en, ...signin.en };

export type Language = 'nl' | 'en';
export type TextKey = keyof typeof nl;
export const LANGUAGES: readonly Language[] = ['nl', 'en'];
const DICTIONARIES: Record<Language, Record<TextKey, string>> = { nl, en };
const STORAGE_KEY = 'ketenhub.language';

export interface Translate {
  (key: TextKey, values?: Record<string, string | number>): string;
  /** A text whose key is built from an API value, e.g. `status.ACCEPTED`; the value itself when unknown. */
  dynamic(prefix: string, value: string): string;
  language: Language;
  /** Dates and times as officers read them: 16-03-2026 09:00, in the Dutch wall clock. */
  dateTime(value: string | null | undefined): string;
  date(value: string | null | undefined): string;
}

interface I18nContextValue {
  t: Translate;
  language: Language;
  setLanguage: (language: Language) => void;
}

const I18nContext = createContext<I18nContextValue | null>(null);

function initialLanguage(): Language {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  return stored === 'en' ? 'en' : 'nl';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = useCallback((next: Language) => {
    window.localStorage.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);
  const t = useMemo(() => makeTranslate(language), [language]);
  return <I18nContext.Provider value={{ t, language, setLanguage }}>{children}</I18nContext.Provider>;
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
  t.language = language;
  t.dateTime = (value) => (value ? dateTimeFormat.format(new Date(value)) : '—');
  // A calendar date (YYYY-MM-DD) is a day, not a moment: format it in UTC so it never shifts.
  t.date = (value) => (value ? dateFormat.format(new Date(`${value.slice(0, 10)}T00:00:00Z`)) : '—');
  return t;
}

export function useI18n(): I18nContextValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

export function useT(): Translate {
  return useI18n().t;
}
