// Overdue work for a coordinator: referrals sent or received whose response deadline has passed, as
// the hub decides it (on its clock, never the browser's), in the order the hub gives them.
import type { PageProps } from '../../app/App.tsx';
import { useT } from '../../i18n/index.tsx';
import { Page } from '../../ui/Page.tsx';
import { ReferralResults } from './ReferralResults.tsx';

const OVERDUE = { overdue: true } as const;

export function OverduePage(_props: PageProps) {
  const t = useT();
  return (
    <Page title={t('referrals.overdue.title')}>
      <p>{t('referrals.overdue.intro')}</p>
      <ReferralResults filter={OVERDUE} caption={(count) => t('referrals.overdue.caption', { count })} empty={t('referrals.overdue.empty')} />
    </Page>
  );
}
