// Verifying the access log: the hub walks the hash chain and the signed checkpoints in the
// background (as `npm run audit:verify` does). The page shows the latest outcome prominently, the
// earlier ones below, and asks the hub again every second while a check is running.
import { useRefusalFocus } from '../../ui/focus.ts';
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { PageProps } from '../../app/App.tsx';
import { useMutation, useQuery } from '../../api/client.ts';
import { PrivacyVerificationsDocument, PrivacyVerifyAccessLogDocument, type PrivacyVerificationsQuery } from '../../gql/graphql.ts';
import { useT, type Translate } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { fieldErrorsOf } from '../../ui/errors.ts';
import { TextArea } from '../../ui/Field.tsx';
import { Loading, Page } from '../../ui/Page.tsx';
import './privacy.css';

const POLL_MS = 1000;
const HISTORY = 20;

type Verification = PrivacyVerificationsQuery['accessLogVerifications'][number];

export function VerificationPage(_props: PageProps) {
  const t = useT();
  const { data, error, loading, refetch } = useQuery(PrivacyVerificationsDocument, { first: HISTORY });
  const verifications = data?.accessLogVerifications;
  const running = verifications?.some((verification) => verification.status === 'RUNNING') ?? false;

  // Follow a running check: ask again every second until none runs; stop when the page goes.
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(refetch, POLL_MS);
    return () => window.clearInterval(timer);
  }, [running, refetch]);

  const [latest, ...earlier] = verifications ?? [];

  return (
    <Page title={t('privacy.verify.title')}>
      <p>{t('privacy.verify.intro')}</p>
      <StartForm onStarted={refetch} />
      <ErrorNotice error={error} />
      {loading && !verifications ? <Loading /> : null}
      {verifications ? (
        <>
          <section className="card" aria-labelledby="verification-latest">
            <h2 id="verification-latest">{t('privacy.verify.latest')}</h2>
            {latest ? <Latest verification={latest} /> : <p>{t('privacy.verify.never')}</p>}
          </section>
          {earlier.length > 0 ? <History verifications={earlier} /> : null}
        </>
      ) : null}
    </Page>
  );
}

function statusClass(status: Verification['status']): string {
  if (status === 'INTACT') return 'notice notice-ok';
  if (status === 'RUNNING') return 'notice';
  return 'notice notice-error';
}

function Latest({ verification }: { verification: Verification }) {
  const t = useT();
  return (
    <>
      <div className={statusClass(verification.status)} role="status">
        <p className="privacy-status">{t.dynamic('verificationStatus', verification.status)}</p>
        <p>{t.dynamic('verificationExplained', verification.status)}</p>
      </div>
      <dl className="facts">
        <dt>{t('privacy.verify.reason')}</dt>
        <dd>{verification.reason}</dd>
        <dt>{t('privacy.verify.startedBy')}</dt>
        <dd>{verification.organisation.name}</dd>
        <dt>{t('privacy.verify.started')}</dt>
        <dd>{t.dateTime(verification.startedAt)}</dd>
        <dt>{t('privacy.verify.finished')}</dt>
        <dd>{verification.finishedAt ? t.dateTime(verification.finishedAt) : t('privacy.verify.notFinished')}</dd>
        <dt>{t('privacy.verify.records')}</dt>
        <dd>{verification.records ?? '—'}</dd>
        <dt>{t('privacy.verify.checkpoints')}</dt>
        <dd>{verification.checkpoints ?? '—'}</dd>
        <dt>{t('privacy.verify.lastSeq')}</dt>
        <dd className="mono">{verification.lastSeq ?? '—'}</dd>
        <dt>{t('privacy.verify.problems')}</dt>
        <dd>{verification.problems.length}</dd>
      </dl>
      {verification.problems.length > 0 ? (
        <>
          <h3>{t('privacy.verify.problemsTitle')}</h3>
          <ul className="privacy-problems">
            {verification.problems.map((problem, index) => (
              <li key={`${problem.kind}-${problem.seq ?? ''}-${problem.checkpoint ?? ''}-${index}`}>
                {problemText(t, problem)} <code>({problem.kind})</code>
                {problem.seq ? ` · ${t('privacy.verify.problemSeq', { seq: problem.seq })}` : ''}
                {problem.checkpoint !== null && problem.checkpoint !== undefined ? ` · ${t('privacy.verify.problemCheckpoint', { checkpoint: problem.checkpoint })}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function History({ verifications }: { verifications: Verification[] }) {
  const t = useT();
  return (
    <section className="card" aria-labelledby="verification-history">
      <h2 id="verification-history">{t('privacy.verify.history')}</h2>
      <div className="privacy-scroll" role="region" aria-labelledby="verification-history-caption" tabIndex={0}>
        <table>
          <caption id="verification-history-caption">{t('privacy.verify.historyCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('privacy.verify.started')}</th>
              <th scope="col">{t('privacy.verify.status')}</th>
              <th scope="col">{t('privacy.verify.reason')}</th>
              <th scope="col">{t('privacy.verify.startedBy')}</th>
              <th scope="col">{t('privacy.verify.records')}</th>
              <th scope="col">{t('privacy.verify.lastSeq')}</th>
              <th scope="col">{t('privacy.verify.problems')}</th>
            </tr>
          </thead>
          <tbody>
            {verifications.map((verification) => (
              <tr key={verification.id}>
                <td>{t.dateTime(verification.startedAt)}</td>
                <td>{t.dynamic('verificationStatus', verification.status)}</td>
                <td>{verification.reason}</td>
                <td>{verification.organisation.name}</td>
                <td>{verification.records ?? '—'}</td>
                <td className="mono">{verification.lastSeq ?? '—'}</td>
                <td>
                  {verification.problems.length === 0
                    ? t('app.none')
                    : verification.problems
                        .slice(0, 3)
                        .map((problem) => `${problem.kind}${problem.seq ? ` (${problem.seq})` : ''}`)
                        .join(', ') + (verification.problems.length > 3 ? ` … (${verification.problems.length})` : '')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function StartForm({ onStarted }: { onStarted: () => void }) {
  const t = useT();
  const id = useId();
  const [reason, setReason] = useState('');
  const [verify, state] = useMutation(PrivacyVerifyAccessLogDocument);
  const errors = fieldErrorsOf(t, state.error);
  const { form, refused } = useRefusalFocus();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (state.running) return;
    const result = await verify({ input: { reason } });
    if (!result) {
      refused();
      return;
    }
    setReason('');
    onStarted();
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('privacy.verify.startTitle')}</h2>
      <form ref={form} onSubmit={submit} noValidate>
        <ErrorNotice error={state.error} />
        <TextArea
          label={t('privacy.verify.reasonLabel')}
          hint={t('privacy.verify.reasonHint')}
          required
          name="reason"
          value={reason}
          error={errors.reason}
          maxLength={500}
          onChange={(event) => setReason(event.target.value)}
        />
        <div className="form-actions">
          {/* aria-disabled, not disabled: a disabled button loses focus, and the keyboard user her place. */}
          <button type="submit" className="primary" aria-disabled={state.running || undefined}>
            {t('privacy.verify.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** A problem in the officer's words, by its kind; in English the hub's own message for a kind the console does not know. */
function problemText(t: Translate, problem: { kind: string; message: string }): string {
  const text = t.dynamic('verificationProblem', problem.kind);
  if (text !== problem.kind) return text;
  return t.language === 'en' ? problem.message : t('privacy.verify.problemOther');
}
