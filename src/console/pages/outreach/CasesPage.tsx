// Pupils out of view (leerlingen uit beeld): the cases Leerlingzaken works and the cases a school
// reported. Filters live in the address, so back, forward and bookmarks keep them. Overdue and due
// come from the hub (its clock), never from the browser's.
import { useState, type FormEvent } from 'react';
import type { PageProps } from '../../app/App.tsx';
import { navigate, Link } from '../../app/router.tsx';
import { useSession } from '../../app/session.tsx';
import { forbiddenAt, useQuery } from '../../api/client.ts';
import { OutreachCasesDocument, type NextStepAction, type OutOfViewCaseFilter, type OutOfViewCaseStatus, type OutreachCasesQuery } from '../../gql/graphql.ts';
import { useT } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { SelectField } from '../../ui/Field.tsx';
import { Hidden, Loading, Page } from '../../ui/Page.tsx';
import { Pager, usePaging } from '../../ui/Pager.tsx';
import { OverviewSection } from './OverviewSection.tsx';
import { CASE_STATUSES, NEXT_STEPS } from './vocabulary.ts';
import './outreach.css';

const PAGE_SIZE = 25;

interface Filters {
  status: string;
  urgent: boolean;
  overdue: boolean;
  step: string;
  mine: boolean;
}

function filtersFrom(query: URLSearchParams): Filters {
  return {
    status: CASE_STATUSES.includes(query.get('status') as OutOfViewCaseStatus) ? query.get('status')! : '',
    urgent: query.get('urgent') === '1',
    overdue: query.get('overdue') === '1',
    step: NEXT_STEPS.includes(query.get('step') as NextStepAction) ? query.get('step')! : '',
    mine: query.get('mine') === '1',
  };
}

function apiFilter(filters: Filters): OutOfViewCaseFilter {
  const filter: OutOfViewCaseFilter = {};
  if (filters.status) filter.status = filters.status as OutOfViewCaseStatus;
  if (filters.urgent) filter.urgent = true;
  if (filters.overdue) filter.overdue = true;
  if (filters.step) filter.nextStep = [filters.step as NextStepAction];
  if (filters.mine) filter.assignedToMe = true;
  return filter;
}

function addressOf(filters: Filters) {
  return { status: filters.status, urgent: filters.urgent ? 1 : null, overdue: filters.overdue ? 1 : null, step: filters.step, mine: filters.mine ? 1 : null };
}

export function CasesPage({ query }: PageProps) {
  const t = useT();
  const { viewer } = useSession();
  const filters = filtersFrom(query);
  const filterKey = JSON.stringify(filters);

  // A new filter starts at the first page (reset while rendering: no request with the old cursor).
  const paging = usePaging();
  const [pagedFor, setPagedFor] = useState(filterKey);
  if (pagedFor !== filterKey) {
    setPagedFor(filterKey);
    paging.reset();
  }

  const { data, partialErrors, error, loading } = useQuery(OutreachCasesDocument, { first: PAGE_SIZE, after: paging.after, filter: apiFilter(filters) });
  const connection = data?.outOfViewCases;

  return (
    <Page title={t('outreach.cases.title')}>
      <p>{t(viewer.organisation.kind === 'SCHOOL' ? 'outreach.cases.introSchool' : 'outreach.cases.intro')}</p>
      <CaseFilters filters={filters} filterKey={filterKey} isLeerlingzaken={viewer.organisation.kind === 'LEERLINGZAKEN'} />
      <ErrorNotice error={error} />
      {loading && !connection ? <Loading /> : null}
      {connection ? (
        <>
          <p role="status" className="muted">
            {t.count('outreach.cases.found', connection.totalCount)}
          </p>
          {connection.edges.length === 0 ? (
            <p>{t('outreach.cases.none')}</p>
          ) : (
            <div className="outreach-scroll" role="region" aria-labelledby="cases-caption" tabIndex={0}>
              <table>
                <caption id="cases-caption">{t('outreach.cases.caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('outreach.cases.col.pupil')}</th>
                    <th scope="col">{t('outreach.cases.col.school')}</th>
                    <th scope="col">{t('outreach.cases.col.assignedTo')}</th>
                    <th scope="col">{t('outreach.cases.col.opened')}</th>
                    <th scope="col">{t('outreach.cases.col.nextStep')}</th>
                    <th scope="col">{t('outreach.cases.col.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {connection.edges.map(({ node }, index) => (
                    <CaseRow key={node.id} node={node} hidden={(...path) => forbiddenAt(partialErrors, 'outOfViewCases', 'edges', index, 'node', ...path)} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager paging={paging} pageInfo={connection.pageInfo} totalCount={connection.totalCount} />
        </>
      ) : null}
      {viewer.role === 'COORDINATOR' ? <OverviewSection /> : null}
    </Page>
  );
}

type CaseNode = OutreachCasesQuery['outOfViewCases']['edges'][number]['node'];

function CaseRow({ node, hidden }: { node: CaseNode; hidden: (...path: string[]) => boolean }) {
  const t = useT();
  const existenceOnly = node.visibility === 'EXISTENCE_ONLY';
  return (
    <tr>
      <td>
        {existenceOnly ? (
          <>
            <Link to={`/out-of-view/${encodeURIComponent(node.id)}`}>{t('outreach.cases.existenceOnlyLink', { date: t.dateTime(node.openedAt) })}</Link>
            <br />
            <span className="muted">{t('outreach.existenceOnly.short')}</span>
          </>
        ) : node.pupil?.displayName ? (
          <Link to={`/out-of-view/${encodeURIComponent(node.id)}`}>{node.pupil.displayName}</Link>
        ) : (
          <>
            <Link to={`/out-of-view/${encodeURIComponent(node.id)}`}>{t('outreach.cases.openCase')}</Link>{' '}
            {hidden('pupil') ? <Hidden /> : null}
          </>
        )}
        {node.urgent ? (
          <>
            {' '}
            <span className="badge badge-urgent">{t('outreach.urgent')}</span>
          </>
        ) : null}
      </td>
      <td>{node.reportingSchool.name}</td>
      <td>{node.assignedTo.name}</td>
      <td>{t.dateTime(node.openedAt)}</td>
      <td>
        {existenceOnly ? (
          <span className="muted">—</span>
        ) : node.nextStep ? (
          <>
            {t.dynamic('nextStep', node.nextStep.action)}
            <br />
            <span className="muted">{t('outreach.dueAt', { when: t.dateTime(node.nextStep.dueAt) })}</span>
            {node.nextStep.overdue ? (
              <>
                {' '}
                <span className="badge badge-overdue">{t('outreach.overdue')}</span>
              </>
            ) : null}
          </>
        ) : hidden('nextStep') ? (
          <Hidden />
        ) : node.outcome ? (
          t.dynamic('caseOutcome', node.outcome)
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        {existenceOnly ? (
          <span className="muted">{t('outreach.existenceOnly.status')}</span>
        ) : node.status ? (
          <>
            {t.dynamic('caseStatus', node.status)}
            {node.closedAt ? <span className="muted"> ({t.dateTime(node.closedAt)})</span> : null}
          </>
        ) : hidden('status') ? (
          <Hidden />
        ) : (
          '—'
        )}
      </td>
    </tr>
  );
}

function CaseFilters({ filters, filterKey, isLeerlingzaken }: { filters: Filters; filterKey: string; isLeerlingzaken: boolean }) {
  const t = useT();
  const [draft, setDraft] = useState(filters);
  // Back and forward change the address: the form follows it.
  const [syncedWith, setSyncedWith] = useState(filterKey);
  if (syncedWith !== filterKey) {
    setSyncedWith(filterKey);
    setDraft(filters);
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    navigate('/out-of-view', addressOf(draft));
  }
  return (
    <form className="filters" onSubmit={submit} aria-label={t('outreach.filters.label')} noValidate>
      <SelectField
        label={t('outreach.filters.status')}
        name="status"
        value={draft.status}
        onChange={(event) => setDraft({ ...draft, status: event.target.value })}
        options={[{ value: '', label: t('outreach.filters.all') }, ...CASE_STATUSES.map((status) => ({ value: status, label: t.dynamic('caseStatus', status) }))]}
      />
      <SelectField
        label={t('outreach.filters.nextStep')}
        name="step"
        value={draft.step}
        onChange={(event) => setDraft({ ...draft, step: event.target.value })}
        options={[{ value: '', label: t('outreach.filters.all') }, ...NEXT_STEPS.map((step) => ({ value: step, label: t.dynamic('nextStep', step) }))]}
      />
      <div className="field outreach-checks">
        <Check label={t('outreach.filters.urgent')} checked={draft.urgent} onChange={(urgent) => setDraft({ ...draft, urgent })} />
        <Check label={t('outreach.filters.overdue')} checked={draft.overdue} onChange={(overdue) => setDraft({ ...draft, overdue })} />
        {isLeerlingzaken ? <Check label={t('outreach.filters.mine')} checked={draft.mine} onChange={(mine) => setDraft({ ...draft, mine })} /> : null}
      </div>
      <div className="buttons">
        <button type="submit" className="primary">
          {t('outreach.filters.apply')}
        </button>
        <button type="button" onClick={() => navigate('/out-of-view')}>
          {t('app.clearFilters')}
        </button>
      </div>
    </form>
  );
}

function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <div className="checkbox">
      <label>
        <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} /> {label}
      </label>
    </div>
  );
}
