// Cursor paging as the API does it (Relay connections): forward with `after`, back along the
// cursors already seen. Reset whenever the filter changes.
import { useCallback, useState } from 'react';
import { useT } from '../i18n/index.tsx';

export interface Paging {
  after: string | null;
  page: number;
  next: (endCursor: string | null | undefined) => void;
  previous: () => void;
  reset: () => void;
}

export function usePaging(): Paging {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const next = useCallback((endCursor: string | null | undefined) => {
    if (endCursor) setCursors((stack) => [...stack, endCursor]);
  }, []);
  const previous = useCallback(() => setCursors((stack) => (stack.length > 1 ? stack.slice(0, -1) : stack)), []);
  const reset = useCallback(() => setCursors([null]), []);
  return { after: cursors[cursors.length - 1] ?? null, page: cursors.length, next, previous, reset };
}

export function Pager({
  paging,
  pageInfo,
  totalCount,
  label,
}: {
  paging: Paging;
  /** Names the pager when a page has several (the notes', the timeline's): "Pagina's van de tijdlijn". */
  label?: string;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null } | null | undefined;
  totalCount?: number | null;
}) {
  const t = useT();
  return (
    <nav className="pager" aria-label={label ?? t('paging.label')}>
      <button type="button" onClick={paging.previous} disabled={paging.page <= 1}>
        {t('paging.previous')}
      </button>
      <span aria-live="polite">
        {t('paging.page', { page: paging.page })}
        {typeof totalCount === 'number' ? ` · ${t('paging.count', { count: totalCount })}` : ''}
      </span>
      <button type="button" onClick={() => paging.next(pageInfo?.endCursor)} disabled={!pageInfo?.hasNextPage}>
        {t('paging.next')}
      </button>
    </nav>
  );
}
