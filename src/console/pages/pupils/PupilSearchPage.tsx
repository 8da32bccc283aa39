// Finding a pupil among those the caller's organisation has a lawful link to. Filters live in the
// address (?name=jans&dob=2014-05-31&bsn=…); only filters of categories the viewer reads are offered.
import type { PageProps } from '../../app/App.tsx';
import { useT } from '../../i18n/index.tsx';
import { Page } from '../../ui/Page.tsx';
import { PupilFinder } from './PupilFinder.tsx';

export function PupilSearchPage({ query }: PageProps) {
  const t = useT();
  return (
    <Page title={t('pupils.title')}>
      <p>{t('pupils.intro')}</p>
      <PupilFinder path="/pupils" query={query} />
    </Page>
  );
}
