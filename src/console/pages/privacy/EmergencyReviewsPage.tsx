// TODO(issue 11): stub, replaced by the real page.
import type { PageProps } from '../../app/App.tsx';
import { Page } from '../../ui/Page.tsx';

export function EmergencyReviewsPage(_props: PageProps) {
  return <Page title="EmergencyReviewsPage">{null}</Page>;
}
