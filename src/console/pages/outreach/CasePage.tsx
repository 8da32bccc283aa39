// One case of a pupil out of view: the facts, the next step the hub's rule table recommends, the
// contact attempts so far, and what the officer does next: record an attempt, print the letter or
// the door note, close the case. What the caller may do is decided by the hub; the forms only keep
// to what can work (a school records calls; the Leerlingzaken that holds the case closes it).
import { useId, useState, type ReactNode } from 'react';
import type { PageProps } from '../../app/App.tsx';
import { Link } from '../../app/router.tsx';
import { useSession } from '../../app/session.tsx';
import { forbiddenAt, useQuery } from '../../api/client.ts';
import { OutreachCaseDocument, type OutreachCaseQuery } from '../../gql/graphql.ts';
import { useT, type Translate } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Hidden, Loading, Page } from '../../ui/Page.tsx';
import { Pager, usePaging } from '../../ui/Pager.tsx';
import { CloseCaseForm, PrintLetterForm, RecordAttemptForm } from './CaseForms.tsx';
import { ATTEMPTS_BY_KIND } from './vocabulary.ts';
import './outreach.css';

const ATTEMPTS_PAGE = 25;

export type OutreachCase = NonNullable<OutreachCaseQuery['outOfViewCase']>;

export function CasePage({ params }: PageProps) {
  const t = useT();
  const { viewer } = useSession();
  const id = params.id ?? '';
  const paging = usePaging();
  const { data, partialErrors, error, loading, refetch } = useQuery(OutreachCaseDocument, { id, attemptsFirst: ATTEMPTS_PAGE, attemptsAfter: paging.after });
  const [announcement, setAnnouncement] = useState('');

  const found = data?.outOfViewCase;
  const existenceOnly = found?.visibility === 'EXISTENCE_ONLY';
  const title = found?.pupil?.displayName ? t('outreach.case.titleNamed', { name: found.pupil.displayName }) : t('outreach.case.title');
  const back = (
    <Link to="/out-of-view" className="outreach-back">
      {t('outreach.case.back')}
    </Link>
  );

  if (error)
    return (
      <Page title={t('outreach.case.title')} actions={back}>
        <ErrorNotice error={error} />
      </Page>
    );
  if (!data)
    return (
      <Page title={t('outreach.case.title')} actions={back}>
        <Loading />
      </Page>
    );
  if (!found)
    return (
      <Page title={t('outreach.case.notFoundTitle')} actions={back}>
        <p>{t('outreach.case.notFound')}</p>
      </Page>
    );

  const hidden = (...path: (string | number)[]) => forbiddenAt(partialErrors, 'outOfViewCase', ...path);
  const open = found.status === 'OPEN';
  const attemptKinds = ATTEMPTS_BY_KIND[viewer.organisation.kind] ?? [];
  const holdsCase = viewer.organisation.id === found.assignedTo.id;

  return (
    <Page title={title} actions={back}>
      <p role="status" aria-live="polite" className="outreach-announcement">
        {announcement}
      </p>
      {existenceOnly ? (
        <div className="notice notice-warning">
          <p>
            <strong>{t('outreach.existenceOnly.title')}</strong>
          </p>
          <p>{t('outreach.existenceOnly.explained', { organisation: found.assignedTo.name })}</p>
        </div>
      ) : null}

      <Facts found={found} hidden={hidden} existenceOnly={existenceOnly} />

      {existenceOnly ? null : (
        <>
          <NextStepCard found={found} hidden={hidden('nextStep')} />
          <Reports found={found} hidden={hidden('reports')} />
          <Attempts found={found} hidden={hidden('attempts')} paging={paging} loading={loading} />
          {open && found.attempts && attemptKinds.length > 0 ? (
            <RecordAttemptForm
              found={found}
              kinds={attemptKinds}
              onRecorded={(message) => {
                setAnnouncement(message);
                refetch();
              }}
            />
          ) : null}
          {open && viewer.organisation.kind === 'LEERLINGZAKEN' && found.pupil ? <PrintLetterForm found={found} onPrinted={setAnnouncement} /> : null}
          {open && holdsCase ? (
            <CloseCaseForm
              found={found}
              onClosed={(message) => {
                setAnnouncement(message);
                refetch();
              }}
            />
          ) : null}
          {open && !holdsCase ? <p className="muted">{t('outreach.case.closedByOther', { organisation: found.assignedTo.name })}</p> : null}
        </>
      )}
    </Page>
  );
}

function Facts({ found, hidden, existenceOnly }: { found: OutreachCase; hidden: (...path: (string | number)[]) => boolean; existenceOnly: boolean }) {
  const t = useT();
  const headingId = useId();
  const orHidden = (value: ReactNode, ...path: (string | number)[]) => (value !== null && value !== undefined ? value : hidden(...path) ? <Hidden /> : '—');
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('outreach.case.facts')}</h2>
      <dl className="facts">
        {existenceOnly ? null : (
          <>
            <dt>{t('outreach.case.pupil')}</dt>
            <dd>
              {found.pupil ? (
                found.pupil.displayName ? (
                  <Link to={`/pupils/${encodeURIComponent(found.pupil.id)}`}>{found.pupil.displayName}</Link>
                ) : (
                  <>
                    <Link to={`/pupils/${encodeURIComponent(found.pupil.id)}`}>{t('outreach.case.pupilPage')}</Link> <Hidden />
                  </>
                )
              ) : (
                orHidden(null, 'pupil')
              )}
            </dd>
            <dt>{t('outreach.case.school')}</dt>
            <dd>{orHidden(found.pupil?.school?.name, 'pupil', 'school')}</dd>
          </>
        )}
        <dt>{t('outreach.case.reportingSchool')}</dt>
        <dd>{found.reportingSchool.name}</dd>
        <dt>{t('outreach.case.assignedTo')}</dt>
        <dd>{found.assignedTo.name}</dd>
        <dt>{t('outreach.case.opened')}</dt>
        <dd>{t.dateTime(found.openedAt)}</dd>
        {existenceOnly ? null : (
          <>
            <dt>{t('outreach.case.status')}</dt>
            <dd>{found.status ? t.dynamic('caseStatus', found.status) : orHidden(null, 'status')}</dd>
            <dt>{t('outreach.case.urgent')}</dt>
            <dd>
              {found.urgent === null ? (
                orHidden(null, 'urgent')
              ) : found.urgent ? (
                <span className="badge badge-urgent">{t('outreach.urgent')}</span>
              ) : (
                t('app.no')
              )}
            </dd>
            <dt>{t('outreach.case.letterLanguage')}</dt>
            <dd>{found.letterLanguage ? t.dynamic('language', found.letterLanguage) : orHidden(null, 'letterLanguage')}</dd>
            {found.closedAt ? (
              <>
                <dt>{t('outreach.case.closed')}</dt>
                <dd>{t.dateTime(found.closedAt)}</dd>
                <dt>{t('outreach.case.outcome')}</dt>
                <dd>{found.outcome ? t.dynamic('caseOutcome', found.outcome) : orHidden(null, 'outcome')}</dd>
                {found.closingRemark ? (
                  <>
                    <dt>{t('outreach.case.closingRemark')}</dt>
                    <dd>{found.closingRemark}</dd>
                  </>
                ) : null}
              </>
            ) : null}
            {found.referral ? (
              <>
                <dt>{t('outreach.case.referral')}</dt>
                <dd>
                  <Link to={`/referrals/${encodeURIComponent(found.referral.id)}`}>{t('outreach.case.referralTo', { organisation: found.referral.receiver.name })}</Link>
                </dd>
              </>
            ) : null}
          </>
        )}
      </dl>
    </section>
  );
}

function NextStepCard({ found, hidden }: { found: OutreachCase; hidden: boolean }) {
  const t = useT();
  const headingId = useId();
  const step = found.nextStep;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('outreach.nextStep.title')}</h2>
      {step ? (
        <>
          <p className="outreach-step">
            <strong>{t.dynamic('nextStep', step.action)}</strong>{' '}
            {step.overdue ? <span className="badge badge-overdue">{t('outreach.overdue')}</span> : <span className="badge badge-ok">{t('outreach.onTime')}</span>}
          </p>
          <p>{ruleText(t, step)}</p>
          <dl className="facts">
            <dt>{t('outreach.nextStep.notBefore')}</dt>
            <dd>{step.notBefore ? t.dateTime(step.notBefore) : t('outreach.nextStep.now')}</dd>
            <dt>{t('outreach.nextStep.dueAt')}</dt>
            <dd>{t.dateTime(step.dueAt)}</dd>
            <dt>{t('outreach.nextStep.rule')}</dt>
            <dd>
              <code>{step.rule}</code>
            </dd>
          </dl>
        </>
      ) : hidden ? (
        <p>
          <Hidden />
        </p>
      ) : (
        <p className="muted">{t('outreach.nextStep.none')}</p>
      )}
    </section>
  );
}

function Reports({ found, hidden }: { found: OutreachCase; hidden: boolean }) {
  const t = useT();
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('outreach.reports.title')}</h2>
      {found.reports ? (
        <ol className="timeline">
          {found.reports.map((report) => (
            <li key={report.id}>
              <span className="when">{t.dateTime(report.reportedAt)}</span>
              <br />
              {t('outreach.reports.by', { school: report.school.name })}
              {report.absentSince ? ` · ${t('outreach.reports.absentSince', { date: t.date(report.absentSince) })}` : ''}
              {report.urgent ? (
                <>
                  {' '}
                  <span className="badge badge-urgent">{t('outreach.urgent')}</span>
                </>
              ) : null}
              {report.remark ? <p className="outreach-remark">{report.remark}</p> : null}
            </li>
          ))}
        </ol>
      ) : hidden ? (
        <Hidden />
      ) : (
        <p className="muted">{t('app.none')}</p>
      )}
    </section>
  );
}

function Attempts({ found, hidden, paging, loading }: { found: OutreachCase; hidden: boolean; paging: ReturnType<typeof usePaging>; loading: boolean }) {
  const t = useT();
  const headingId = useId();
  const attempts = found.attempts;
  return (
    <section className="card" aria-labelledby={headingId} aria-busy={loading || undefined}>
      <h2 id={headingId}>{t('outreach.attempts.title')}</h2>
      {!attempts ? (
        hidden ? (
          <Hidden />
        ) : (
          <p className="muted">{t('app.none')}</p>
        )
      ) : attempts.edges.length === 0 && paging.page === 1 ? (
        <p className="muted">{t('outreach.attempts.none')}</p>
      ) : (
        <>
          <table>
            <caption>{t('outreach.attempts.caption', { count: attempts.totalCount })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('outreach.attempts.when')}</th>
                <th scope="col">{t('outreach.attempts.kind')}</th>
                <th scope="col">{t('outreach.attempts.outcome')}</th>
                <th scope="col">{t('outreach.attempts.by')}</th>
                <th scope="col">{t('outreach.attempts.remark')}</th>
              </tr>
            </thead>
            <tbody>
              {attempts.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>{t.dateTime(node.occurredAt)}</td>
                  <td>
                    {t.dynamic('attemptKind', node.kind)}
                    {node.letterLanguage ? <span className="muted"> ({t.dynamic('language', node.letterLanguage)})</span> : null}
                  </td>
                  <td>{t.dynamic('attemptOutcome', node.outcome)}</td>
                  <td>
                    {node.organisation.name}
                    <br />
                    <span className="muted">{t.dynamic('role', node.role)}</span>
                  </td>
                  <td>{node.remark ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {attempts.totalCount > ATTEMPTS_PAGE || paging.page > 1 ? <Pager paging={paging} pageInfo={attempts.pageInfo} totalCount={attempts.totalCount} /> : null}
        </>
      )}
    </section>
  );
}

/** The rule behind the next step in the officer's words, by its id; the hub's words only in English. */
function ruleText(t: Translate, step: { rule: string; description: string }): string {
  const text = t.dynamic('nextStepRule', step.rule);
  return text !== step.rule ? text : t.language === 'en' ? step.description : '';
}
