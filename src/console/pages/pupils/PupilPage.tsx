// One pupil, as far as the caller's organisation may see it. The hub refuses a whole operation that
// selects a category the caller's kind and role may never read, so the page first asks which
// categories it sees for this pupil, then one query per category in
// viewer.readableCategories ∩ pupil.visibleCategories. A field the link does not cover comes back
// null with FORBIDDEN on its path: shown as "not visible to you", never guessed at.
import { useId, type ReactNode } from 'react';
import type { PageProps } from '../../app/App.tsx';
import { type ApiErrorEntry, forbiddenAt, useQuery } from '../../api/client.ts';
import { Link } from '../../app/router.tsx';
import { useSession } from '../../app/session.tsx';
import {
  PupilBsnDocument,
  PupilContactAttemptsDocument,
  PupilContactDocument,
  PupilIdentityDocument,
  PupilNotesDocument,
  PupilReferralsDocument,
  PupilSchoolingDocument,
  PupilTimelineDocument,
  PupilVisibilityDocument,
  type DataCategory,
  type PupilIdentityQuery,
} from '../../gql/graphql.ts';
import { useT } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Hidden, Loading, Page } from '../../ui/Page.tsx';
import { Pager } from '../../ui/Pager.tsx';
import { DATA_CATEGORIES, PAGE_SIZE, ReferralTable, useKeyedPaging } from '../referrals/shared.tsx';

export function PupilPage({ params }: PageProps) {
  const t = useT();
  const { viewer } = useSession();
  const id = params.id ?? '';
  const visibility = useQuery(PupilVisibilityDocument, { id });
  const visible = visibility.data?.pupil?.visibleCategories ?? [];
  const shows = (category: DataCategory) => viewer.readableCategories.includes(category) && visible.includes(category);
  // The name for the heading comes with the identity section's query (one request, both uses).
  const identity = useQuery(PupilIdentityDocument, { id }, { skip: !shows('IDENTITY') });

  if (!visibility.data) {
    return (
      <Page title={t('pupils.page.title')}>
        {visibility.error && visibility.error.code !== 'BAD_USER_INPUT' ? <ErrorNotice error={visibility.error} /> : null}
        {visibility.loading ? <Loading /> : null}
        {visibility.error?.code === 'BAD_USER_INPUT' ? <p>{t('pupils.page.notFound')}</p> : null}
      </Page>
    );
  }
  const pupil = visibility.data.pupil;
  if (!pupil) {
    return (
      <Page title={t('pupils.page.title')}>
        <p>{t('pupils.page.notFound')}</p>
      </Page>
    );
  }

  const name = identity.data?.pupil?.displayName;
  const notShared = viewer.readableCategories.filter((category) => !visible.includes(category));
  const never = DATA_CATEGORIES.filter((category) => !viewer.readableCategories.includes(category));
  const names = (categories: readonly string[]) => categories.map((category) => t.dynamic('category', category)).join(', ');
  return (
    <Page
      title={name ?? t('pupils.page.title')}
      actions={
        <Link to="/referrals/new" query={{ pupil: pupil.id }}>
          {t('pupils.page.newReferral')}
        </Link>
      }
    >
      <div className="category-note">
        <p>{t('pupils.page.visible', { categories: names(DATA_CATEGORIES.filter(shows)) })}</p>
        <p>{notShared.length > 0 ? t('pupils.page.notShared', { categories: names(notShared) }) : t('pupils.page.allShared')}</p>
        {never.length > 0 ? <p className="muted">{t('pupils.page.neverReadable', { categories: names(never) })}</p> : null}
      </div>
      {shows('IDENTITY') ? <IdentitySection state={identity} /> : null}
      {shows('BSN') ? <BsnSection id={pupil.id} /> : null}
      {shows('CONTACT') ? <ContactSection id={pupil.id} /> : null}
      {shows('SCHOOLING') ? <SchoolingSection id={pupil.id} /> : null}
      {shows('CONTACT_ATTEMPTS') ? <ContactAttemptsSection id={pupil.id} /> : null}
      {shows('REFERRAL') ? <ReferralsSection id={pupil.id} /> : null}
      {shows('CARE') ? <NotesSection id={pupil.id} category="CARE" /> : null}
      {shows('SAFETY') ? <NotesSection id={pupil.id} category="SAFETY" /> : null}
      <TimelineSection id={pupil.id} />
    </Page>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="card">
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

/** A category's section while its query runs or when the hub refused it. */
function SectionState({ error, loading }: { error: Parameters<typeof ErrorNotice>[0]['error']; loading: boolean }) {
  if (error) return <ErrorNotice error={error} />;
  return loading ? <Loading /> : null;
}

/** dt/dd of one field: the value, "—" when the pupil has none, or Hidden when withheld. */
function Fact({ label, errors, path, children }: { label: string; errors: readonly ApiErrorEntry[]; path: (string | number)[]; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{forbiddenAt(errors, ...path) ? <Hidden /> : (children ?? '—')}</dd>
    </>
  );
}

function IdentitySection({ state }: { state: { data: PupilIdentityQuery | null; partialErrors: ApiErrorEntry[]; error: Parameters<typeof ErrorNotice>[0]['error']; loading: boolean } }) {
  const t = useT();
  const pupil = state.data?.pupil;
  const errors = state.partialErrors;
  return (
    <Section title={t.dynamic('category', 'IDENTITY')}>
      {pupil ? (
        <dl className="facts">
          <Fact label={t('pupils.field.givenName')} errors={errors} path={['pupil', 'givenName']}>
            {pupil.givenName}
          </Fact>
          <Fact label={t('pupils.field.familyNamePrefix')} errors={errors} path={['pupil', 'familyNamePrefix']}>
            {pupil.familyNamePrefix}
          </Fact>
          <Fact label={t('pupils.field.familyName')} errors={errors} path={['pupil', 'familyName']}>
            {pupil.familyName}
          </Fact>
          <Fact label={t('pupils.field.dateOfBirth')} errors={errors} path={['pupil', 'dateOfBirth']}>
            {pupil.dateOfBirth ? t.date(pupil.dateOfBirth) : null}
          </Fact>
          <Fact label={t('pupils.field.municipality')} errors={errors} path={['pupil', 'municipality']}>
            {pupil.municipality?.name}
          </Fact>
        </dl>
      ) : (
        <SectionState error={state.error} loading={state.loading} />
      )}
    </Section>
  );
}

function BsnSection({ id }: { id: string }) {
  const t = useT();
  const { data, partialErrors, error, loading } = useQuery(PupilBsnDocument, { id });
  const pupil = data?.pupil;
  return (
    <Section title={t.dynamic('category', 'BSN')}>
      {pupil ? (
        <dl className="facts">
          <Fact label={t('pupils.field.bsn')} errors={partialErrors} path={['pupil', 'bsn']}>
            {pupil.bsn ? <span className="mono">{pupil.bsn}</span> : null}
          </Fact>
        </dl>
      ) : (
        <SectionState error={error} loading={loading} />
      )}
    </Section>
  );
}

function ContactSection({ id }: { id: string }) {
  const t = useT();
  const { data, partialErrors, error, loading } = useQuery(PupilContactDocument, { id });
  const pupil = data?.pupil;
  const address = pupil?.address;
  return (
    <Section title={t.dynamic('category', 'CONTACT')}>
      {pupil ? (
        <dl className="facts">
          <Fact label={t('pupils.field.address')} errors={partialErrors} path={['pupil', 'address']}>
            {address ? (
              <>
                {[address.street, address.houseNumber].filter(Boolean).join(' ')}
                <br />
                {[address.postalCode, address.city].filter(Boolean).join(' ')}
              </>
            ) : null}
          </Fact>
          <Fact label={t('pupils.field.phone')} errors={partialErrors} path={['pupil', 'phone']}>
            {pupil.phone}
          </Fact>
          <Fact label={t('pupils.field.letterLanguage')} errors={partialErrors} path={['pupil', 'letterLanguage']}>
            {pupil.letterLanguage ? t.dynamic('language', pupil.letterLanguage) : null}
          </Fact>
          <Fact label={t('pupils.field.guardians')} errors={partialErrors} path={['pupil', 'guardians']}>
            {pupil.guardians && pupil.guardians.length > 0 ? (
              <ul className="guardians">
                {pupil.guardians.map((guardian) => (
                  <li key={guardian.id}>
                    {t('pupils.guardian', { name: guardian.name, relation: t.dynamic('relation', guardian.relation).toLocaleLowerCase(t.language) })}
                    {guardian.phone || guardian.email ? <span className="muted"> · {[guardian.phone, guardian.email].filter(Boolean).join(' · ')}</span> : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </Fact>
        </dl>
      ) : (
        <SectionState error={error} loading={loading} />
      )}
    </Section>
  );
}

function SchoolingSection({ id }: { id: string }) {
  const t = useT();
  const { data, partialErrors, error, loading } = useQuery(PupilSchoolingDocument, { id });
  const pupil = data?.pupil;
  return (
    <Section title={t.dynamic('category', 'SCHOOLING')}>
      {pupil ? (
        <dl className="facts">
          <Fact label={t('pupils.field.school')} errors={partialErrors} path={['pupil', 'school']}>
            {pupil.school?.name}
          </Fact>
          <Fact label={t('pupils.field.grade')} errors={partialErrors} path={['pupil', 'grade']}>
            {pupil.grade}
          </Fact>
          <Fact label={t('pupils.field.absentSince')} errors={partialErrors} path={['pupil', 'absentSince']}>
            {pupil.absentSince ? t.date(pupil.absentSince) : null}
          </Fact>
          <Fact label={t('pupils.field.reportedMissingAt')} errors={partialErrors} path={['pupil', 'reportedMissingAt']}>
            {pupil.reportedMissingAt ? t.dateTime(pupil.reportedMissingAt) : null}
          </Fact>
        </dl>
      ) : (
        <SectionState error={error} loading={loading} />
      )}
    </Section>
  );
}

function ContactAttemptsSection({ id }: { id: string }) {
  const t = useT();
  const paging = useKeyedPaging(id);
  const { data, partialErrors, error, loading } = useQuery(PupilContactAttemptsDocument, { id, first: PAGE_SIZE, after: paging.after });
  const connection = data?.pupil?.contactAttempts;
  return (
    <Section title={t.dynamic('category', 'CONTACT_ATTEMPTS')}>
      {forbiddenAt(partialErrors, ...['pupil', 'contactAttempts']) ? (
        <p>
          <Hidden />
        </p>
      ) : connection ? (
        connection.edges.length === 0 ? (
          <p>{t('pupils.attempts.empty')}</p>
        ) : (
          <>
            <div className="table-scroll">
              <table>
                <caption>{t('pupils.attempts.caption', { count: connection.totalCount })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('pupils.attempts.when')}</th>
                    <th scope="col">{t('pupils.attempts.kind')}</th>
                    <th scope="col">{t('pupils.attempts.outcome')}</th>
                    <th scope="col">{t('pupils.attempts.by')}</th>
                    <th scope="col">{t('pupils.attempts.remark')}</th>
                  </tr>
                </thead>
                <tbody>
                  {connection.edges.map(({ node }) => (
                    <tr key={node.id}>
                      <td>{t.dateTime(node.occurredAt)}</td>
                      <td>
                        {t.dynamic('attemptKind', node.kind)}
                        {node.letterLanguage ? <span className="muted"> ({t.dynamic('language', node.letterLanguage)})</span> : null}
                      </td>
                      <td>{t.dynamic('attemptOutcome', node.outcome)}</td>
                      <td>
                        {node.organisation.name} <span className="muted">({t.dynamic('role', node.role)})</span>
                      </td>
                      <td>{node.remark ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager paging={paging} pageInfo={connection.pageInfo} totalCount={connection.totalCount} label={t('pupils.paging.attempts')} />
          </>
        )
      ) : (
        <SectionState error={error} loading={loading} />
      )}
    </Section>
  );
}

function ReferralsSection({ id }: { id: string }) {
  const t = useT();
  const { viewer } = useSession();
  const paging = useKeyedPaging(id);
  const { data, partialErrors, error, loading } = useQuery(PupilReferralsDocument, { id, first: PAGE_SIZE, after: paging.after });
  const connection = data?.pupil?.referrals;
  const involvement = data?.pupil?.involvement;
  const involvementHeading = useId();
  return (
    <Section title={t.dynamic('category', 'REFERRAL')}>
      {forbiddenAt(partialErrors, ...['pupil', 'referrals']) ? (
        <p>
          <Hidden />
        </p>
      ) : connection ? (
        connection.edges.length === 0 ? (
          <p>{t('pupils.referrals.empty')}</p>
        ) : (
          <>
            <ReferralTable
              caption={t('pupils.referrals.caption', { count: connection.totalCount })}
              rows={connection.edges.map((edge) => edge.node)}
              ownOrganisationId={viewer.organisation.id}
              showPupil={false}
            />
            <Pager paging={paging} pageInfo={connection.pageInfo} totalCount={connection.totalCount} label={t('pupils.paging.referrals')} />
          </>
        )
      ) : (
        <SectionState error={error} loading={loading} />
      )}
      {data?.pupil ? (
        <>
          <h3 id={involvementHeading}>{t('pupils.involvement')}</h3>
          {forbiddenAt(partialErrors, ...['pupil', 'involvement']) ? (
            <p>
              <Hidden />
            </p>
          ) : involvement && involvement.length > 0 ? (
            <ul className="involvement" aria-labelledby={involvementHeading}>
              {involvement.map((entry) => (
                <li key={entry.organisation.id}>
                  <strong>{entry.organisation.name}</strong> <span className="muted">({t.dynamic('kind', entry.organisation.kind)})</span>
                  {' — '}
                  {t('pupils.involvement.since', { since: t.dateTime(entry.since) })}
                  {entry.coordinating ? (
                    <>
                      {' '}
                      <span className="badge badge-ok">{t('pupils.involvement.coordinating')}</span>
                    </>
                  ) : null}
                  {entry.organisation.contactEmail || entry.organisation.contactPhone ? (
                    <>
                      <br />
                      <span className="muted">{[entry.organisation.contactEmail, entry.organisation.contactPhone].filter(Boolean).join(' · ')}</span>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : (
            <p>{t('pupils.involvement.none')}</p>
          )}
        </>
      ) : null}
    </Section>
  );
}

function NotesSection({ id, category }: { id: string; category: DataCategory }) {
  const t = useT();
  const paging = useKeyedPaging(`${id}-${category}`);
  const { data, error, loading } = useQuery(PupilNotesDocument, { id, categories: [category], first: PAGE_SIZE, after: paging.after });
  const connection = data?.pupil?.notes;
  return (
    <Section title={t.dynamic('category', category)}>
      {connection ? (
        connection.edges.length === 0 ? (
          <p>{t('pupils.notes.empty')}</p>
        ) : (
          <>
            <ul className="timeline">
              {connection.edges.map(({ node }) => (
                <li key={node.id}>
                  <span className="when">
                    {t.dateTime(node.createdAt)} · {t('pupils.notes.by', { organisation: node.organisation.name, role: t.dynamic('role', node.role) })}
                  </span>
                  <p className="text">{node.body}</p>
                  {node.referral ? (
                    <Link to={`/referrals/${node.referral.id}`}>{t('pupils.timeline.referral')}</Link>
                  ) : null}
                </li>
              ))}
            </ul>
            <Pager paging={paging} pageInfo={connection.pageInfo} totalCount={connection.totalCount} label={t('pupils.paging.notes', { category: t.dynamic('category', category) })} />
          </>
        )
      ) : (
        <SectionState error={error} loading={loading} />
      )}
    </Section>
  );
}

function TimelineSection({ id }: { id: string }) {
  const t = useT();
  const paging = useKeyedPaging(`${id}-timeline`);
  const { data, error, loading } = useQuery(PupilTimelineDocument, { id, first: PAGE_SIZE, after: paging.after });
  const connection = data?.pupil?.timeline;
  const what = (kind: string, action: string) => {
    switch (kind) {
      case 'REFERRAL_EVENT':
        return t.dynamic('referrals.event', action);
      case 'NOTE':
        return t.dynamic('category', action);
      case 'CONTACT_ATTEMPT':
        return t.dynamic('attemptKind', action);
      default:
        return t.dynamic('pupils.outOfView', action);
    }
  };
  const status = (kind: string, value: string | null) => {
    if (!value) return null;
    switch (kind) {
      case 'REFERRAL_EVENT':
        return t.dynamic('status', value);
      case 'CONTACT_ATTEMPT':
        return t.dynamic('attemptOutcome', value);
      default:
        return value === 'URGENT' ? t('pupils.outOfView.URGENT') : t.dynamic('caseOutcome', value).toLocaleLowerCase(t.language);
    }
  };
  return (
    <Section title={t('pupils.timeline')}>
      {connection ? (
        connection.edges.length === 0 ? (
          <p>{t('pupils.timeline.empty')}</p>
        ) : (
          <>
            <ol className="timeline">
              {connection.edges.map(({ node }) => {
                const after = status(node.kind, node.status ?? null);
                return (
                  <li key={`${node.kind}-${node.id}`}>
                    <span className="when">
                      {t.dateTime(node.occurredAt)} · {t('pupils.timeline.by', { organisation: node.organisation.name, role: t.dynamic('role', node.role) })}
                    </span>
                    <br />
                    <span className="what">
                      {t.dynamic('timelineKind', node.kind)}: {what(node.kind, node.action)}
                    </span>
                    {after ? <span className="muted"> — {after}</span> : null}
                    {node.text ? <p className="text">{node.text}</p> : null}
                    {node.referral ? (
                      <p className="text">
                        <Link to={`/referrals/${node.referral.id}`}>{t('pupils.timeline.referral')}</Link>
                      </p>
                    ) : null}
                  </li>
                );
              })}
            </ol>
            <Pager paging={paging} pageInfo={connection.pageInfo} totalCount={connection.totalCount} label={t('pupils.paging.timeline')} />
          </>
        )
      ) : (
        <SectionState error={error} loading={loading} />
      )}
    </Section>
  );
}
