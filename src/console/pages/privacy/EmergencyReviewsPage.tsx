// Emergency accesses (break the glass) waiting for the privacy officer's verdict (NEN 7513: every
// one is reviewed). A partner's privacy officer sees her own organisation's, the municipality's
// everyone's. No pupil data here: who opened it, why, when; the access log shows what was read.
import { useRefusalFocus } from '../../ui/focus.ts';
import { useId, useState, type FormEvent } from 'react';
import type { PageProps } from '../../app/App.tsx';
import { Link } from '../../app/router.tsx';
import { useMutation, useQuery } from '../../api/client.ts';
import { PrivacyEmergencyAccessesDocument, PrivacyReviewEmergencyAccessDocument, type EmergencyAccessVerdict, type PrivacyEmergencyAccessesQuery } from '../../gql/graphql.ts';
import { ENUM_VALUES } from '../../gql/enums.ts';
import { useT } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { fieldErrorsOf } from '../../ui/errors.ts';
import { TextArea } from '../../ui/Field.tsx';
import { Loading, Page } from '../../ui/Page.tsx';
import { Pager, usePaging } from '../../ui/Pager.tsx';
import './privacy.css';

const PAGE_SIZE = 25;
const VERDICTS: readonly EmergencyAccessVerdict[] = ENUM_VALUES.EmergencyAccessVerdict;

type Access = PrivacyEmergencyAccessesQuery['emergencyAccessesAwaitingReview']['edges'][number]['node'];

export function EmergencyReviewsPage(_props: PageProps) {
  const t = useT();
  const paging = usePaging();
  const { data, error, loading, refetch } = useQuery(PrivacyEmergencyAccessesDocument, { first: PAGE_SIZE, after: paging.after });
  const [announcement, setAnnouncement] = useState('');
  const connection = data?.emergencyAccessesAwaitingReview;

  return (
    <Page title={t('privacy.reviews.title')}>
      <p>{t('privacy.reviews.intro')}</p>
      <p role="status" aria-live="polite" className="privacy-announcement">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {loading && !connection ? <Loading /> : null}
      {connection ? (
        <>
          <p className="muted">{t.count('privacy.reviews.waiting', connection.totalCount)}</p>
          {connection.edges.length === 0 ? (
            <p className="notice notice-ok">{t('privacy.reviews.none')}</p>
          ) : (
            connection.edges.map(({ node }) => (
              <ReviewCard
                key={node.id}
                access={node}
                onReviewed={(message) => {
                  setAnnouncement(message);
                  refetch();
                }}
              />
            ))
          )}
          {connection.totalCount > PAGE_SIZE || paging.page > 1 ? <Pager paging={paging} pageInfo={connection.pageInfo} totalCount={connection.totalCount} /> : null}
        </>
      ) : null}
    </Page>
  );
}

function ReviewCard({ access, onReviewed }: { access: Access; onReviewed: (message: string) => void }) {
  const t = useT();
  const id = useId();
  const [verdict, setVerdict] = useState<EmergencyAccessVerdict | ''>('');
  const [note, setNote] = useState('');
  const [missingVerdict, setMissingVerdict] = useState(false);
  const [review, state, reset] = useMutation(PrivacyReviewEmergencyAccessDocument);
  const errors = fieldErrorsOf(t, state.error);
  const { form, refused } = useRefusalFocus();
  const verdictError = missingVerdict ? t('privacy.reviews.verdictMissing') : errors.verdict;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (state.running) return;
    if (!verdict) {
      reset();
      setMissingVerdict(true);
      refused();
      return;
    }
    setMissingVerdict(false);
    const result = await review({ input: { id: access.id, verdict, note: note.trim() ? note : null } });
    if (!result) refused();
    if (result)
      onReviewed(
        t('privacy.reviews.done', {
          verdict: t.dynamic('verdict', result.reviewEmergencyAccess.verdict ?? verdict),
          subject: access.subject,
          organisation: access.organisation.name,
        }),
      );
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('privacy.reviews.itemTitle', { subject: access.subject, organisation: access.organisation.name })}</h2>
      <dl className="facts">
        <dt>{t('privacy.reviews.person')}</dt>
        <dd className="mono">{access.subject}</dd>
        <dt>{t('privacy.reviews.organisation')}</dt>
        <dd>{access.organisation.name}</dd>
        <dt>{t('privacy.reviews.role')}</dt>
        <dd>{t.dynamic('role', access.role)}</dd>
        <dt>{t('privacy.reviews.reason')}</dt>
        <dd>{access.reason}</dd>
        <dt>{t('privacy.reviews.opened')}</dt>
        <dd>{t.dateTime(access.openedAt)}</dd>
        <dt>{t('privacy.reviews.expires')}</dt>
        <dd>{t.dateTime(access.expiresAt)}</dd>
      </dl>
      <p>
        <Link to="/access-log" query={{ person: access.subject, emergency: 'yes' }}>
          {t('privacy.reviews.logLink', { subject: access.subject })}
        </Link>
      </p>
      <form ref={form} className="privacy-review" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
        <ErrorNotice error={state.error} />
        <fieldset className={`field${verdictError ? ' field-invalid' : ''}`} aria-describedby={verdictError ? `${id}-verdict-error` : undefined}>
          <legend>
            {t('privacy.reviews.verdict')} <span className="field-required">({t('app.required')})</span>
          </legend>
          {VERDICTS.map((value) => (
            <div className="privacy-radio" key={value}>
              <input
                type="radio"
                id={`${id}-${value}`}
                name={`${id}-verdict`}
                value={value}
                checked={verdict === value}
                aria-invalid={verdictError ? true : undefined}
                onChange={() => setVerdict(value)}
              />
              <label htmlFor={`${id}-${value}`}>{t.dynamic('verdict', value)}</label>
            </div>
          ))}
          {verdictError ? (
            <p className="field-error" id={`${id}-verdict-error`}>
              {verdictError}
            </p>
          ) : null}
        </fieldset>
        <TextArea
          label={`${t('privacy.reviews.note')} (${t('app.optional')})`}
          hint={t('privacy.reviews.noteHint')}
          name="note"
          value={note}
          error={errors.note}
          maxLength={2000}
          onChange={(event) => setNote(event.target.value)}
        />
        <div className="form-actions">
          <button type="submit" className="primary" aria-disabled={state.running || undefined}>
            {t('privacy.reviews.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
