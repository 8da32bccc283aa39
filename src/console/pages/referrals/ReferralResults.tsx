// One page of referrals for a filter, as a table with paging (the referrals and overdue pages).
import { useQuery } from '../../api/client.ts';
import { useSession } from '../../app/session.tsx';
import { ReferralListDocument, type ReferralFilter } from '../../gql/graphql.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Loading } from '../../ui/Page.tsx';
import { Pager } from '../../ui/Pager.tsx';
import { PAGE_SIZE, ReferralTable, useKeyedPaging } from './shared.tsx';

export function ReferralResults({ filter, caption, empty }: { filter: ReferralFilter; caption: (count: number) => string; empty: string }) {
  const { viewer } = useSession();
  const paging = useKeyedPaging(JSON.stringify(filter));
  const { data, error, loading, partialErrors } = useQuery(ReferralListDocument, { first: PAGE_SIZE, after: paging.after, filter });
  if (error) return <ErrorNotice error={error} />;
  const connection = data?.referrals;
  if (!connection) return loading ? <Loading /> : null;
  return (
    <>
      {connection.edges.length === 0 ? (
        <p role="status">{empty}</p>
      ) : (
        <ReferralTable
          caption={caption(connection.totalCount)}
          rows={connection.edges.map((edge) => edge.node)}
          ownOrganisationId={viewer.organisation.id}
          partialErrors={partialErrors}
          pupilErrorPath={(index) => ['referrals', 'edges', index, 'node', 'pupil', 'displayName']}
        />
      )}
      <Pager paging={paging} pageInfo={connection.pageInfo} totalCount={connection.totalCount} />
    </>
  );
}
