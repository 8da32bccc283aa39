// An error from the hub in plain words (by its code), with the hub's own message, which says what
// to fix, underneath. role="alert" so a screen reader announces it where it appears.
import type { ApiError } from '../api/client.ts';
import { useT, type TextKey } from '../i18n/index.tsx';

export function plainError(t: ReturnType<typeof useT>, error: ApiError): string {
  const code = error.code ?? 'other';
  return t.dynamic('error', code) === code ? t('error.other') : t(`error.${code}` as TextKey);
}

export function ErrorNotice({ error, id }: { error: ApiError | null; id?: string }) {
  const t = useT();
  if (!error) return null;
  const requestId = error.errors.find((e) => typeof e.extensions?.requestId === 'string')?.extensions?.requestId as string | undefined;
  const rows = error.errors.flatMap((e) => e.extensions?.rows ?? []);
  return (
    <div className="notice notice-error" role="alert" id={id}>
      <p className="notice-title">
        <strong>{t('error.title')}:</strong> {plainError(t, error)}
      </p>
      <p className="notice-detail">
        <span className="visually-hidden">{t('error.details')}: </span>
        {error.errors.map((e) => e.message).join(' ')}
        {requestId ? ` (${requestId})` : ''}
      </p>
      {rows.length > 0 && (
        <ul>
          {rows.slice(0, 20).map((row) => (
            <li key={`${row.row}-${row.field}`}>
              {row.row}: {row.field} — {row.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
