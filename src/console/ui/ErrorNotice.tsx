// An error from the hub in plain words, chosen by its code and parameters (ui/errors.ts), with what
// a person can quote underneath: the code and the request number; in English also the hub's own
// message. role="alert" so a screen reader announces it where it appears.
import type { ApiError } from '../api/client.ts';
import { useT } from '../i18n/index.tsx';
import { errorReference, errorSentence } from './errors.ts';

export function ErrorNotice({ error, id }: { error: ApiError | null; id?: string }) {
  const t = useT();
  if (!error) return null;
  const rows = error.errors.flatMap((e) => e.extensions?.rows ?? []);
  return (
    <div className="notice notice-error" role="alert" id={id}>
      <p className="notice-title">
        <strong>{t('error.title')}:</strong> {errorSentence(t, error)}
      </p>
      <p className="notice-detail">
        <span className="visually-hidden">{t('error.details')}: </span>
        {t.language === 'en' ? `${error.errors.map((e) => e.message).join(' ')} — ` : ''}
        {errorReference(t, error)}
      </p>
      {rows.length > 0 && (
        <ul>
          {rows.slice(0, 20).map((row) => (
            <li key={`${row.row}-${row.field}`}>
              {t.language === 'en'
                ? `${row.row}: ${row.field} — ${row.message}`
                : row.row > 0
                  ? t('error.row', { row: row.row, field: row.field })
                  : t('error.rowWhole', { field: row.field })}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
