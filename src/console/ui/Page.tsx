// A page's frame: its heading (focused after navigation, so keyboard and screen-reader users start
// at the top of the new page) and the document title.
import { useEffect, useRef, type ReactNode } from 'react';
import { useT } from '../i18n/index.tsx';

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const t = useT();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — ${t('app.name')}`;
  }, [title, t]);
  useEffect(() => {
    heading.current?.focus();
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
