// How the console words the hub's errors: by `extensions.code` and the parameters beside it, never by
// the English `message` (which is for integrators). In English the hub's message may still follow as
// detail; in Dutch only the code and the request number do, so a person can quote them.
import { hubWords, type ApiError, type ApiErrorEntry } from '../api/client.ts';
import type { TextKey, Translate } from '../i18n/index.tsx';

const names = (t: Translate, prefix: string, codes: unknown): string =>
  Array.isArray(codes) ? codes.map((code) => t.dynamic(prefix, String(code))).join(', ') : '';

/** Whether the dictionary has `key` (t.dynamic answers the value itself when it has not). */
const has = (t: Translate, prefix: string, value: string) => t.dynamic(prefix, value) !== value;

/** One sentence for the error as a whole: what went wrong, in the officer's words. */
export function errorSentence(t: Translate, error: ApiError): string {
  const entry = error.errors[0];
  const code = entry?.extensions?.code ?? 'other';
  const extensions = entry?.extensions ?? {};
  if (code === 'FORBIDDEN' && Array.isArray(extensions.categories))
    return t('error.FORBIDDEN.categories', { categories: names(t, 'category', extensions.categories) });
  if (code === 'BAD_USER_INPUT') {
    if (Array.isArray(extensions.rows)) return t.count('error.BAD_USER_INPUT.rows', extensions.rows.length);
    if (Array.isArray(extensions.categories)) return t('error.BAD_USER_INPUT.categories', { categories: names(t, 'category', extensions.categories) });
    if (Array.isArray(extensions.allowed)) return t('error.BAD_USER_INPUT.allowed', { allowed: names(t, 'statusReason', extensions.allowed) });
  }
  return has(t, 'error', code) ? t(`error.${code}` as TextKey) : t('error.other');
}

/** The text under a form field that the hub refused (`extensions.argument`, or a variable's path). */
export function fieldErrorText(t: Translate, entry: ApiErrorEntry): string {
  const extensions = entry.extensions ?? {};
  if (Array.isArray(extensions.categories))
    return t(extensions.code === 'BAD_USER_INPUT' ? 'error.field.neverReadable' : 'error.field.categories', { categories: names(t, 'category', extensions.categories) });
  if (Array.isArray(extensions.allowed)) return t('error.field.allowed', { allowed: names(t, 'statusReason', extensions.allowed) });
  const problem = typeof extensions.problem === 'string' ? extensions.problem : null;
  if (problem && has(t, 'error.field', problem)) return t(`error.field.${problem}` as TextKey, { limit: String(extensions.limit ?? '') });
  if (extensions.code === 'FORBIDDEN') return t('error.field.FORBIDDEN');
  // English readers may have the hub's own words, which are more precise than ours.
  return t.language === 'en' ? hubWords(entry) : t('error.field.other');
}

/** Every refused field of a form, worded in the console's language. */
export function fieldErrorsOf(t: Translate, error: ApiError | null | undefined): Record<string, string> {
  return error ? error.fieldErrors((entry) => fieldErrorText(t, entry)) : {};
}

/** What a person can quote to the hub's operators: the code and, when there is one, the request number. */
export function errorReference(t: Translate, error: ApiError): string {
  const code = error.code;
  if (!code) return '';
  const requestId = error.errors.find((e) => typeof e.extensions?.requestId === 'string')?.extensions?.requestId as string | undefined;
  return requestId ? t('error.referenceWithRequest', { code, requestId }) : t('error.reference', { code });
}
