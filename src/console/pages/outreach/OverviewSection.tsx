// The coordinators' overview of pupils out of view, per reporting school or per home municipality.
// A count resting on a few cases whose pupils the coordinator may not see is hidden by the hub
// (null): said so in words, never shown as 0.
import { useId, useState } from 'react';
import { useQuery } from '../../api/client.ts';
import { OutreachOverviewDocument, type OverviewGrouping, type OutreachOverviewQuery } from '../../gql/graphql.ts';
import { useT } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { SelectField } from '../../ui/Field.tsx';
import { Loading } from '../../ui/Page.tsx';

type Row = Omit<OutreachOverviewQuery['outOfViewOverview']['rows'][number], 'school' | 'municipality'>;

export function OverviewSection() {
  const t = useT();
  const headingId = useId();
  const [groupBy, setGroupBy] = useState<OverviewGrouping>('SCHOOL');
  const { data, error, loading } = useQuery(OutreachOverviewDocument, { groupBy });
  const overview = data?.outOfViewOverview;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('outreach.overview.title')}</h2>
      <p className="muted">{t('outreach.overview.intro')}</p>
      <SelectField
        label={t('outreach.overview.groupBy')}
        value={groupBy}
        onChange={(event) => setGroupBy(event.target.value as OverviewGrouping)}
        options={[
          { value: 'SCHOOL', label: t('outreach.overview.bySchool') },
          { value: 'MUNICIPALITY', label: t('outreach.overview.byMunicipality') },
        ]}
      />
      <ErrorNotice error={error} />
      {loading && !overview ? <Loading /> : null}
      {overview ? (
        <div className="outreach-scroll" role="region" aria-labelledby={`${headingId}-caption`} tabIndex={0}>
          <table>
            <caption id={`${headingId}-caption`}>{t(overview.grouping === 'SCHOOL' ? 'outreach.overview.captionSchool' : 'outreach.overview.captionMunicipality')}</caption>
            <thead>
              <tr>
                <th scope="col">{t(overview.grouping === 'SCHOOL' ? 'outreach.overview.school' : 'outreach.overview.municipality')}</th>
                <th scope="col">{t('outreach.overview.reported')}</th>
                <th scope="col">{t('outreach.overview.backInView')}</th>
                <th scope="col">{t('outreach.overview.stillOutOfView')}</th>
                <th scope="col">{t('outreach.overview.referred')}</th>
                <th scope="col">{t('outreach.overview.overdue')}</th>
              </tr>
            </thead>
            <tbody>
              {overview.rows.map((row, index) => (
                <OverviewRow key={row.school?.id ?? row.municipality?.code ?? index} name={row.school?.name ?? row.municipality?.name ?? '—'} row={row} />
              ))}
            </tbody>
            <tfoot>
              <OverviewRow name={t('outreach.overview.total')} row={overview.total} header />
            </tfoot>
          </table>
        </div>
      ) : null}
      {overview && [...overview.rows, overview.total].some((row) => row.smallGroupsHidden) ? <p className="muted">{t('outreach.overview.smallGroups')}</p> : null}
    </section>
  );
}

function OverviewRow({ name, row, header }: { name: string; row: Row; header?: boolean }) {
  const t = useT();
  const count = (value: number | null | undefined) => (typeof value === 'number' ? value : <span className="hidden-value">{t('outreach.overview.hidden')}</span>);
  return (
    <tr>
      {header ? <th scope="row">{name}</th> : <td>{name}</td>}
      <td>{count(row.reported)}</td>
      <td>{count(row.backInView)}</td>
      <td>{count(row.stillOutOfView)}</td>
      <td>{count(row.referredToPartner)}</td>
      <td>{count(row.overdueNextSteps)}</td>
    </tr>
  );
}
