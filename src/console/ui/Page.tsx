// A page's frame: its heading (focused after navigation, so keyboard and screen-reader users start
// at the top of the new page) and the document title.
import { useEffect, useRef, type ReactNode } from 'react';
import { useT } from '../i18n/index.tsx';

/**
 * Whether a page has been shown since the console loaded. The first page leaves focus where the
 * browser puts it (so the skip link is the first Tab stop); every later one (after signing in, after
 * each navigation) moves focus to its heading.
 */
let pageShownBefore = false;

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const t = useT();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — ${t('app.name')}`;
  }, [title, t]);
  useEffect(() => {
    if (pageShownBefore) heading.current?.focus();
    pageShownBefore = true;
  }, []);
  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {children}
    </>
  );
}

export function Loading() {
  const t = useT();
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}

/** A field the caller may not see for this pupil: said so, never guessed at. */
export function Hidden() {
  const t = useT();
  return <span className="hidden-value">{t('error.fieldHidden')}</span>;
}
