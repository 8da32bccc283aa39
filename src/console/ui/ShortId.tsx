// A UUID as people compare it: its first 8 characters, so a table row does not wrap over four lines.
// The whole id stays in the title (shown on hover), for screen readers, and for copying.
import { useT } from '../i18n/index.tsx';

export const shortId = (id: string) => (id.length > 8 ? id.slice(0, 8) : id);

export function ShortId({ id }: { id: string }) {
  const t = useT();
  return (
    <span className="short-id" title={id}>
      <span aria-hidden="true">{shortId(id)}…</span>
      <span className="visually-hidden">{t('app.fullId', { id })}</span>
    </span>
  );
}
