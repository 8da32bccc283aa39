// The access log for privacy officers: who touched which pupil's data, when, why and with what
// outcome. The filter lives in the address (bookmarkable: an inzageverzoek is "?pupil=<id>"); the
// same filter exports the records as CSV. A partner's privacy officer sees her own organisation's
// records only, the municipality's (Leerlingzaken) all: the hub decides, the page says so.
import { useState, type FormEvent } from 'react';
import type { PageProps } from '../../app/App.tsx';
import { Link, navigate } from '../../app/router.tsx';
import { useSession } from '../../app/session.tsx';
import { useLazyQuery, useQuery } from '../../api/client.ts';
import {
  PrivacyAccessLogDocument,
  PrivacyAccessLogExportDocument,
  PrivacyOrganisationsDocument,
  PrivacyTenantPupilIdsDocument,
  type TenantPupilSearch,
  type AccessAction,
  type AccessLogFilter,
  type AccessOutcome,
  type PrivacyAccessLogQuery,
} from '../../gql/graphql.ts';
import { ENUM_VALUES } from '../../gql/enums.ts';
import { useT, type Translate } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { errorSentence, fieldErrorsOf } from '../../ui/errors.ts';
import { SelectField, TextField, DateField } from '../../ui/Field.tsx';
import { Loading, Page } from '../../ui/Page.tsx';
import { ShortId } from '../../ui/ShortId.tsx';
import { Pager, usePaging } from '../../ui/Pager.tsx';
import { downloadText } from '../../ui/download.ts';
import { endOfDay, startOfDay } from './time.ts';
import './privacy.css';

const PAGE_SIZE = 50;
const ACTIONS: readonly AccessAction[] = ENUM_VALUES.AccessAction;
const OUTCOMES: readonly AccessOutcome[] = ENUM_VALUES.AccessOutcome;
const EXPORT_FILE = 'toegangslogboek.csv';

/** The filter as the address holds it: what the officer typed and chose, days as YYYY-MM-DD. */
interface Filters {
  pupil: string;
  person: string;
  org: string;
  from: string;
  to: string;
  action: string;
  outcome: string;
  emergency: string;
  employees: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function filtersFrom(query: URLSearchParams): Filters {
  const get = (name: string) => query.get(name)?.trim() ?? '';
  return {
    pupil: get('pupil'),
    person: get('person'),
    org: get('org'),
    from: DAY.test(get('from')) ? get('from') : '',
    to: DAY.test(get('to')) ? get('to') : '',
    action: ACTIONS.includes(get('action') as AccessAction) ? get('action') : '',
    outcome: OUTCOMES.includes(get('outcome') as AccessOutcome) ? get('outcome') : '',
    emergency: ['yes', 'no'].includes(get('emergency')) ? get('emergency') : '',
    employees: get('employees') === '1',
  };
}

function addressOf(filters: Filters) {
  return {
    pupil: filters.pupil.trim(),
    person: filters.person.trim(),
    org: filters.org,
    from: filters.from,
    to: filters.to,
    action: filters.action,
    outcome: filters.outcome,
    emergency: filters.emergency,
    employees: filters.employees ? 1 : null,
  };
}

/** The API's filter: days become instants of the Dutch day (the end exclusive: the next day's start). */
function apiFilter(filters: Filters): AccessLogFilter {
  const filter: AccessLogFilter = {};
  if (filters.pupil) filter.pupilId = filters.pupil;
  if (filters.person) filter.actorSubject = filters.person;
  if (filters.org) filter.organisationId = filters.org;
  if (filters.from) filter.from = startOfDay(filters.from);
  if (filters.to) filter.to = endOfDay(filters.to);
  if (filters.action) filter.action = filters.action as AccessAction;
  if (filters.outcome) filter.outcome = filters.outcome as AccessOutcome;
  if (filters.emergency) filter.emergency = filters.emergency === 'yes';
  return filter;
}

export function AccessLogPage({ query }: PageProps) {
  const t = useT();
  const { viewer } = useSession();
  const wholeRegion = viewer.organisation.kind === 'LEERLINGZAKEN';
  const filters = filtersFrom(query);
  const filterKey = JSON.stringify(filters);

  // Another filter starts at the first page (reset while rendering: no request with the old cursor).
  const paging = usePaging();
  const [pagedFor, setPagedFor] = useState(filterKey);
  if (pagedFor !== filterKey) {
    setPagedFor(filterKey);
    paging.reset();
  }

  const variables = { filter: apiFilter(filters), includeEmployees: wholeRegion && filters.employees };
  const { data, error, loading } = useQuery(PrivacyAccessLogDocument, { ...variables, first: PAGE_SIZE, after: paging.after });
  const connection = data?.accessLog;

  return (
    <Page title={t('privacy.log.title')}>
      <p>{t('privacy.log.intro')}</p>
      <p className="notice">{wholeRegion ? t('privacy.log.scopeRegion') : t('privacy.log.scopeOwn', { organisation: viewer.organisation.name })}</p>
      {wholeRegion ? <PupilLookup /> : null}
      <FilterForm filters={filters} filterKey={filterKey} fieldErrors={fieldErrorsOf(t, error)} wholeRegion={wholeRegion} />
      <ExportCsv variables={variables} filterKey={filterKey} />
      <ErrorNotice error={error} />
      {loading && !connection ? <Loading /> : null}
      {connection ? (
        <>
          <p role="status" className="muted">
            {t.count('privacy.log.found', connection.totalCount)}
          </p>
          {connection.edges.length === 0 ? <p>{t('privacy.log.none')}</p> : <RecordsTable edges={connection.edges} />}
          <Pager paging={paging} pageInfo={connection.pageInfo} totalCount={connection.totalCount} />
        </>
      ) : null}
    </Page>
  );
}

function FilterForm({ filters, filterKey, fieldErrors, wholeRegion }: { filters: Filters; filterKey: string; fieldErrors: Record<string, string>; wholeRegion: boolean }) {
  const t = useT();
  const [draft, setDraft] = useState(filters);
  // Back and forward change the address: the form follows it.
  const [syncedWith, setSyncedWith] = useState(filterKey);
  if (syncedWith !== filterKey) {
    setSyncedWith(filterKey);
    setDraft(filters);
  }
  const organisations = useQuery(PrivacyOrganisationsDocument);
  const known = organisations.data?.organisations.edges.map((edge) => edge.node) ?? [];
  const orgOptions = known.map((org) => ({ value: org.id, label: `${org.name} (${t.dynamic('kind', org.kind)})` }));
  // Keep an organisation from the address selectable while the list loads (or if it is unknown).
  if (draft.org && !known.some((org) => org.id === draft.org)) orgOptions.push({ value: draft.org, label: draft.org });
  const set = (patch: Partial<Filters>) => setDraft((previous) => ({ ...previous, ...patch }));

  function submit(event: FormEvent) {
    event.preventDefault();
    navigate('/access-log', addressOf(draft));
  }

  return (
    <form className="filters" onSubmit={submit} aria-label={t('privacy.filter.label')} noValidate>
      <TextField
        label={t('privacy.filter.pupil')}
        hint={wholeRegion ? t('privacy.filter.pupilHintLookup') : t('privacy.filter.pupilHint')}
        name="pupil"
        value={draft.pupil}
        error={fieldErrors.pupilId}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => set({ pupil: event.target.value })}
      />
      <TextField
        label={t('privacy.filter.person')}
        hint={t('privacy.filter.personHint')}
        name="person"
        value={draft.person}
        error={fieldErrors.actorSubject}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => set({ person: event.target.value })}
      />
      <SelectField
        label={t('privacy.filter.organisation')}
        name="org"
        value={draft.org}
        error={fieldErrors.organisationId ?? (organisations.error ? errorSentence(t, organisations.error) : undefined)}
        onChange={(event) => set({ org: event.target.value })}
        options={[{ value: '', label: t('privacy.filter.allOrganisations') }, ...orgOptions]}
      />
      <DateField label={t('privacy.filter.from')} name="from" value={draft.from} error={fieldErrors.from} onValue={(from) => set({ from })} />
      <DateField label={t('privacy.filter.to')} name="to" value={draft.to} error={fieldErrors.to} onValue={(to) => set({ to })} />
      <SelectField
        label={t('privacy.filter.action')}
        name="action"
        value={draft.action}
        error={fieldErrors.action}
        onChange={(event) => set({ action: event.target.value })}
        options={[{ value: '', label: t('privacy.filter.allActions') }, ...ACTIONS.map((value) => ({ value, label: t.dynamic('accessAction', value) }))]}
      />
      <SelectField
        label={t('privacy.filter.outcome')}
        name="outcome"
        value={draft.outcome}
        error={fieldErrors.outcome}
        onChange={(event) => set({ outcome: event.target.value })}
        options={[{ value: '', label: t('privacy.filter.allOutcomes') }, ...OUTCOMES.map((value) => ({ value, label: t.dynamic('accessOutcome', value) }))]}
      />
      <SelectField
        label={t('privacy.filter.emergency')}
        name="emergency"
        value={draft.emergency}
        error={fieldErrors.emergency}
        onChange={(event) => set({ emergency: event.target.value })}
        options={[
          { value: '', label: t('privacy.filter.emergencyAll') },
          { value: 'yes', label: t('privacy.filter.emergencyYes') },
          { value: 'no', label: t('privacy.filter.emergencyNo') },
        ]}
      />
      {wholeRegion ? (
        <div className="field privacy-check">
          <div className="checkbox">
            <input type="checkbox" id="privacy-employees" checked={draft.employees} aria-describedby="privacy-employees-hint" onChange={(event) => set({ employees: event.target.checked })} />
            <label htmlFor="privacy-employees">{t('privacy.filter.employees')}</label>
          </div>
          <p className="field-hint" id="privacy-employees-hint">
            {t('privacy.filter.employeesHint')}
          </p>
        </div>
      ) : null}
      <div className="buttons">
        <button type="submit" className="primary">
          {t('privacy.filter.apply')}
        </button>
        <button type="button" onClick={() => navigate('/access-log')}>
          {t('app.clearFilters')}
        </button>
      </div>
    </form>
  );
}

/**
 * Finding the pupil of an inzageverzoek by what the family gives: family name and date of birth (the
 * given name if twins share them), or the BSN. The hub answers ids of the municipality's pupils only,
 * and logs the lookup; one match opens its access log, several are listed to choose from.
 */
function PupilLookup() {
  const t = useT();
  const [values, setValues] = useState({ familyName: '', givenName: '', dateOfBirth: '', bsn: '' });
  const [run, state, reset] = useLazyQuery(PrivacyTenantPupilIdsDocument);
  const errors = fieldErrorsOf(t, state.error);
  const set = (patch: Partial<typeof values>) => {
    setValues((previous) => ({ ...previous, ...patch }));
    reset();
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (state.running) return;
    const search: TenantPupilSearch = values.bsn.trim()
      ? { bsn: values.bsn.replace(/\s/g, '') }
      : { familyName: values.familyName, dateOfBirth: values.dateOfBirth, ...(values.givenName.trim() ? { givenName: values.givenName } : {}) };
    const data = await run({ search });
    const ids = data?.tenantPupilIds ?? [];
    if (ids.length === 1) navigate('/access-log', { pupil: ids[0]! });
  }

  const found = state.data?.tenantPupilIds;
  return (
    <form className="filters privacy-lookup" onSubmit={(event) => void submit(event)} aria-label={t('privacy.lookup.label')} noValidate>
      <p className="field-hint privacy-lookup-intro">{t('privacy.lookup.intro')}</p>
      <TextField label={t('privacy.lookup.familyName')} name="familyName" autoComplete="off" value={values.familyName} error={errors.familyName} onChange={(event) => set({ familyName: event.target.value })} />
      <DateField label={t('privacy.lookup.dateOfBirth')} name="dateOfBirth" value={values.dateOfBirth} error={errors.dateOfBirth} onValue={(dateOfBirth) => set({ dateOfBirth })} />
      <TextField
        label={t('privacy.lookup.givenName')}
        hint={t('privacy.lookup.givenNameHint')}
        name="givenName"
        autoComplete="off"
        value={values.givenName}
        error={errors.givenName}
        onChange={(event) => set({ givenName: event.target.value })}
      />
      <TextField
        label={t('privacy.lookup.bsn')}
        hint={t('privacy.lookup.bsnHint')}
        name="bsn"
        inputMode="numeric"
        autoComplete="off"
        value={values.bsn}
        error={errors.bsn}
        onChange={(event) => set({ bsn: event.target.value })}
      />
      <div className="buttons">
        <button type="submit" aria-disabled={state.running || undefined}>
          {t('privacy.lookup.submit')}
        </button>
      </div>
      <div role="status" className="privacy-lookup-status">
        {found && found.length === 0 ? <p>{t('privacy.lookup.none')}</p> : null}
        {found && found.length > 1 ? (
          <>
            <p>{t.count('privacy.lookup.several', found.length)}</p>
            <ul>
              {found.map((id) => (
                <li key={id}>
                  <Link to="/access-log" query={{ pupil: id }} className="mono" title={id}>
                    <ShortId id={id} />
                  </Link>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
      {state.error && Object.keys(errors).length === 0 ? <ErrorNotice error={state.error} /> : null}
    </form>
  );
}

/** "Export CSV": the records of the current filter, as the hub writes them; the export is logged. */
function ExportCsv({ variables, filterKey }: { variables: { filter: AccessLogFilter; includeEmployees: boolean }; filterKey: string }) {
  const t = useT();
  // A query run on demand: useMutation only sends a document when asked, which is all this needs.
  const [runExport, state, reset] = useLazyQuery(PrivacyAccessLogExportDocument);
  const [exportedFor, setExportedFor] = useState(filterKey);
  if (exportedFor !== filterKey) {
    setExportedFor(filterKey);
    reset();
  }
  const result = state.data?.accessLogExport;

  async function exportCsv() {
    if (state.running) return;
    const data = await runExport(variables);
    if (data) downloadText(EXPORT_FILE, data.accessLogExport.csv, 'text/csv');
  }

  return (
    <div className="form-actions privacy-export">
      <button type="button" onClick={() => void exportCsv()} aria-disabled={state.running || undefined}>
        {state.running ? t('privacy.export.running') : t('privacy.export.button')}
      </button>
      <div role="status" className="privacy-export-status">
        {result ? (
          <>
            <p>{t.count('privacy.export.done', result.rows, { file: EXPORT_FILE })}</p>
            {result.truncated ? <p className="notice notice-warning">{t('privacy.export.truncated', { rows: result.rows })}</p> : null}
          </>
        ) : null}
      </div>
      <ErrorNotice error={state.error} />
    </div>
  );
}

type Edge = PrivacyAccessLogQuery['accessLog']['edges'][number];

/** The activity's name from the vocabulary, in the console's language; the hub's names for one it does not know. */
function activityName(t: Translate, activity: { id: string; name: string; nameNl: string }): string {
  const name = t.dynamic('processingActivity', activity.id);
  if (name !== activity.id) return name;
  return t.language === 'nl' ? activity.nameNl : activity.name;
}

function RecordsTable({ edges }: { edges: Edge[] }) {
  const t = useT();
  // Eight columns that fit a laptop screen: what belongs together shares a cell (who: role and
  // person; why: purpose and processing activity); the field list opens on demand.
  return (
    <div className="privacy-scroll" role="region" aria-labelledby="access-log-caption" tabIndex={0}>
      <table className="privacy-log">
        <caption id="access-log-caption">{t('privacy.log.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('privacy.col.seq')}</th>
            <th scope="col">{t('privacy.col.time')}</th>
            <th scope="col">{t('privacy.col.action')}</th>
            <th scope="col">{t('privacy.col.organisation')}</th>
            <th scope="col">{t('privacy.col.person')}</th>
            <th scope="col">{t('privacy.col.why')}</th>
            <th scope="col">{t('privacy.col.pupil')}</th>
            <th scope="col">{t('privacy.col.data')}</th>
          </tr>
        </thead>
        <tbody>
          {edges.map(({ node }) => (
            <tr key={node.seq}>
              <td className="mono">{node.seq}</td>
              <td className="privacy-nowrap">{t.dateTime(node.occurredAt)}</td>
              <td>
                {t.dynamic('accessAction', node.action)}
                {node.outcome !== 'GRANTED' ? (
                  <>
                    {' '}
                    <span className={`badge ${node.outcome === 'REFUSED' ? 'badge-urgent' : ''}`}>{t.dynamic('accessOutcome', node.outcome)}</span>
                  </>
                ) : null}
                {node.emergency ? (
                  <>
                    {' '}
                    <span className="badge badge-urgent">{t('privacy.log.emergencyYes')}</span>
                  </>
                ) : null}
              </td>
              <td>{node.organisation.name}</td>
              <td>
                {t.dynamic('role', node.role)}
                <br />
                {node.actorSubject ? (
                  <Link to="/access-log" query={{ person: node.actorSubject }} className="mono privacy-id">
                    {node.actorSubject}
                  </Link>
                ) : (
                  <span className="hidden-value">{t('privacy.log.personWithheld')}</span>
                )}
                {node.onBehalfOf ? <span className="muted"> {t('privacy.log.onBehalfOf', { name: node.onBehalfOf })}</span> : null}
              </td>
              <td>
                {activityName(t, node.processingActivity)}
                <span className="muted">
                  {' '}({t('privacy.log.activityVersion', { id: node.processingActivity.id, version: node.processingActivity.version })})
                </span>
                {node.purpose ? (
                  <>
                    <br />
                    <span className="muted">{t('privacy.col.purpose')}:</span> {node.purpose}
                  </>
                ) : null}
              </td>
              <td>
                {node.pupilId ? (
                  <Link to="/access-log" query={{ pupil: node.pupilId }} className="mono" title={node.pupilId}>
                    <ShortId id={node.pupilId} />
                  </Link>
                ) : node.pupilPseudonym ? (
                  <>
                    <span className="muted">{t('privacy.log.pseudonym')}</span> <code className="privacy-id">{node.pupilPseudonym}</code>
                  </>
                ) : (
                  <span className="muted">{t('privacy.log.noPupil')}</span>
                )}
              </td>
              <td>
                {node.categories.length ? node.categories.map((category) => t.dynamic('category', category)).join(', ') : <span className="muted">—</span>}
                {node.fields.length ? (
                  <details className="privacy-fields">
                    <summary>{t('privacy.log.fields', { count: node.fields.length })}</summary>
                    <code>{node.fields.join(', ')}</code>
                  </details>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
