// What an officer does with a case: record a contact attempt, print the letter or the door note
// (a PDF the hub renders; printing is logged as PRINT), close the case. Each form sends what was
// filled in and shows the hub's answer: its error under the field it is about.
import { useRefusalFocus } from '../../ui/focus.ts';
import { useId, useState, type FormEvent } from 'react';
import { Link } from '../../app/router.tsx';
import { useSession } from '../../app/session.tsx';
import { useMutation, useQuery } from '../../api/client.ts';
import {
  OutreachCaseReferralsDocument,
  OutreachCloseCaseDocument,
  OutreachPrintLetterDocument,
  OutreachRecordAttemptDocument,
  type ContactAttemptKind,
  type ContactAttemptOutcome,
  type LetterLanguage,
  type OutOfViewCaseOutcome,
  type OutreachDocument,
} from '../../gql/graphql.ts';
import { useT } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { fieldErrorsOf } from '../../ui/errors.ts';
import { SelectField, TextArea, TextField } from '../../ui/Field.tsx';
import { Loading } from '../../ui/Page.tsx';
import { downloadBase64 } from '../../ui/download.ts';
import { wallClock } from '../privacy/time.ts';
import type { OutreachCase } from './CasePage.tsx';
import { ATTEMPT_FOR_STEP, CASE_OUTCOMES, DOCUMENTS, LETTER_LANGUAGES, OUTCOMES_BY_KIND } from './vocabulary.ts';

// ---- Record a contact attempt ----------------------------------------------------------------------

export function RecordAttemptForm({ found, kinds, onRecorded }: { found: OutreachCase; kinds: readonly ContactAttemptKind[]; onRecorded: (message: string) => void }) {
  const t = useT();
  const headingId = useId();
  const suggested = found.nextStep ? ATTEMPT_FOR_STEP[found.nextStep.action] : undefined;
  const initialKind = suggested && kinds.includes(suggested) ? suggested : kinds[0]!;
  const [kind, setKind] = useState<ContactAttemptKind>(initialKind);
  const [outcome, setOutcome] = useState<ContactAttemptOutcome>(OUTCOMES_BY_KIND[initialKind][0]!);
  const [letterLanguage, setLetterLanguage] = useState('');
  const [occurredAt, setOccurredAt] = useState('');
  const [remark, setRemark] = useState('');
  const [record, state, reset] = useMutation(OutreachRecordAttemptDocument);
  const errors = fieldErrorsOf(t, state.error);
  const { form, refused } = useRefusalFocus();

  function changeKind(next: ContactAttemptKind) {
    setKind(next);
    setOutcome(OUTCOMES_BY_KIND[next][0]!);
    if (next !== 'LETTER') setLetterLanguage('');
    reset();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (state.running) return;
    const result = await record({
      input: {
        caseId: found.id,
        kind,
        outcome,
        letterLanguage: kind === 'LETTER' && letterLanguage ? (letterLanguage as LetterLanguage) : null,
        occurredAt: occurredAt ? (wallClock(occurredAt) ?? occurredAt) : null,
        remark: remark.trim() ? remark : null,
      },
    });
    if (!result) {
      refused();
      return;
    }
    setOccurredAt('');
    setRemark('');
    onRecorded(
      t('outreach.record.done', {
        kind: t.dynamic('attemptKind', result.recordContactAttempt.kind),
        outcome: t.dynamic('attemptOutcome', result.recordContactAttempt.outcome),
      }),
    );
  }

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('outreach.record.title')}</h2>
      <form ref={form} onSubmit={submit} noValidate>
        <ErrorNotice error={state.error} />
        <div className="grid-2">
          <SelectField
            label={t('outreach.record.kind')}
            name="kind"
            value={kind}
            error={errors.kind}
            onChange={(event) => changeKind(event.target.value as ContactAttemptKind)}
            options={kinds.map((value) => ({ value, label: t.dynamic('attemptKind', value) }))}
          />
          <SelectField
            label={t('outreach.record.outcome')}
            name="outcome"
            value={outcome}
            error={errors.outcome}
            onChange={(event) => setOutcome(event.target.value as ContactAttemptOutcome)}
            options={OUTCOMES_BY_KIND[kind].map((value) => ({ value, label: t.dynamic('attemptOutcome', value) }))}
          />
          {kind === 'LETTER' ? (
            <SelectField
              label={t('outreach.record.letterLanguage')}
              name="letterLanguage"
              value={letterLanguage}
              error={errors.letterLanguage}
              onChange={(event) => setLetterLanguage(event.target.value)}
              options={[
                {
                  value: '',
                  label: found.letterLanguage
                    ? t('outreach.record.familyLanguageNamed', { language: t.dynamic('language', found.letterLanguage) })
                    : t('outreach.record.familyLanguage'),
                },
                ...LETTER_LANGUAGES.map((value) => ({ value, label: t.dynamic('language', value) })),
              ]}
            />
          ) : null}
          <TextField
            label={`${t('outreach.record.occurredAt')} (${t('app.optional')})`}
            hint={t('outreach.record.occurredAtHint')}
            type="datetime-local"
            name="occurredAt"
            value={occurredAt}
            error={errors.occurredAt}
            onChange={(event) => setOccurredAt(event.target.value)}
          />
        </div>
        <TextArea
          label={`${t('outreach.record.remark')} (${t('app.optional')})`}
          hint={t('outreach.record.remarkHint')}
          name="remark"
          value={remark}
          error={errors.remark}
          maxLength={1000}
          onChange={(event) => setRemark(event.target.value)}
        />
        <div className="form-actions">
          <button type="submit" className="primary" aria-disabled={state.running || undefined}>
            {t('outreach.record.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

// ---- Print the letter or the door note -------------------------------------------------------------

export function PrintLetterForm({ found, onPrinted }: { found: OutreachCase; onPrinted: (message: string) => void }) {
  const t = useT();
  const headingId = useId();
  const [document, setDocument] = useState<OutreachDocument>(found.nextStep?.action === 'NOTE_LEFT' || found.nextStep?.action === 'DOOR_VISIT' ? 'DOOR_NOTE' : 'LETTER');
  const [language, setLanguage] = useState<LetterLanguage>(found.letterLanguage ?? 'nl');
  const [officerName, setOfficerName] = useState('');
  const [print, state] = useMutation(OutreachPrintLetterDocument);
  const errors = fieldErrorsOf(t, state.error);
  const { form, refused } = useRefusalFocus();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (state.running) return;
    const result = await print({ input: { caseId: found.id, document, language, officerName: officerName.trim() ? officerName : null } });
    if (!result) {
      refused();
      return;
    }
    const printed = result.printOutreachLetter;
    downloadBase64(printed.filename, printed.base64, 'application/pdf');
    onPrinted(t('outreach.print.done', { filename: printed.filename, language: t.dynamic('language', printed.language) }));
  }

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('outreach.print.title')}</h2>
      <p className="muted">{t('outreach.print.intro')}</p>
      <form ref={form} onSubmit={submit} noValidate>
        <ErrorNotice error={state.error} />
        <div className="grid-2">
          <SelectField
            label={t('outreach.print.document')}
            name="document"
            value={document}
            error={errors.document}
            onChange={(event) => setDocument(event.target.value as OutreachDocument)}
            options={DOCUMENTS.map((value) => ({ value, label: t.dynamic('outreachDocument', value) }))}
          />
          <SelectField
            label={t('outreach.print.language')}
            hint={found.letterLanguage ? t('outreach.print.languageHint', { language: t.dynamic('language', found.letterLanguage) }) : undefined}
            name="language"
            value={language}
            error={errors.language}
            onChange={(event) => setLanguage(event.target.value as LetterLanguage)}
            options={LETTER_LANGUAGES.map((value) => ({ value, label: t.dynamic('language', value) }))}
          />
          <TextField
            label={`${t('outreach.print.officerName')} (${t('app.optional')})`}
            hint={t('outreach.print.officerNameHint')}
            name="officerName"
            value={officerName}
            error={errors.officerName}
            maxLength={100}
            autoComplete="name"
            onChange={(event) => setOfficerName(event.target.value)}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" aria-disabled={state.running || undefined}>
            {state.running ? t('outreach.print.running') : t('outreach.print.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

// ---- Close the case --------------------------------------------------------------------------------

const LIVE_REFERRAL = ['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD', 'COMPLETED'];

export function CloseCaseForm({ found, onClosed }: { found: OutreachCase; onClosed: (message: string) => void }) {
  const t = useT();
  const headingId = useId();
  const [outcome, setOutcome] = useState<OutOfViewCaseOutcome | ''>('');
  const [remark, setRemark] = useState('');
  const [referralId, setReferralId] = useState('');
  const [close, state, reset] = useMutation(OutreachCloseCaseDocument);
  // An outcome must be chosen before anything is sent (an empty enum value is no question to ask).
  const [missingOutcome, setMissingOutcome] = useState(false);
  const errors = fieldErrorsOf(t, state.error);
  const { form, refused } = useRefusalFocus();
  const referred = outcome === 'REFERRED_TO_PARTNER';

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (state.running) return;
    if (!outcome) {
      reset();
      setMissingOutcome(true);
      refused();
      return;
    }
    setMissingOutcome(false);
    const result = await close({
      input: {
        caseId: found.id,
        version: found.version,
        outcome,
        remark: remark.trim() ? remark : null,
        referralId: referred && referralId ? referralId : null,
      },
    });
    if (!result) refused();
    if (result) onClosed(t('outreach.close.done', { outcome: t.dynamic('caseOutcome', result.closeOutOfViewCase.outcome ?? '') }));
  }

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('outreach.close.title')}</h2>
      <form ref={form} onSubmit={submit} noValidate>
        <ErrorNotice error={state.error} />
        <SelectField
          label={t('outreach.close.outcome')}
          name="outcome"
          required
          value={outcome}
          error={missingOutcome ? t('outreach.close.outcomeMissing') : errors.outcome}
          onChange={(event) => setOutcome(event.target.value as OutOfViewCaseOutcome)}
          options={[{ value: '', label: t('outreach.close.choose') }, ...CASE_OUTCOMES.map((value) => ({ value, label: t.dynamic('caseOutcome', value) }))]}
        />
        {referred && found.pupil ? <ReferralChoice pupilId={found.pupil.id} value={referralId} onChange={setReferralId} error={errors.referralId} /> : null}
        <TextArea
          label={`${t('outreach.close.remark')} (${t(outcome === 'OTHER' ? 'app.required' : 'app.optional')})`}
          hint={t('outreach.close.remarkHint')}
          name="remark"
          value={remark}
          error={errors.remark}
          maxLength={2000}
          onChange={(event) => setRemark(event.target.value)}
        />
        <div className="form-actions">
          <button type="submit" className="primary" aria-disabled={state.running || undefined}>
            {t('outreach.close.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The referrals this organisation sent about the pupil that a partner took on, or a new one. */
function ReferralChoice({ pupilId, value, onChange, error }: { pupilId: string; value: string; onChange: (id: string) => void; error: string | undefined }) {
  const t = useT();
  const { viewer } = useSession();
  const { data, error: loadError, loading } = useQuery(OutreachCaseReferralsDocument, { pupilId });
  const referrals = (data?.pupil?.referrals?.edges ?? [])
    .map((edge) => edge.node)
    .filter((referral) => referral.sender.id === viewer.organisation.id && LIVE_REFERRAL.includes(referral.status));
  const newReferral = (
    <p>
      <Link to="/referrals/new" query={{ pupil: pupilId }}>
        {t('outreach.close.newReferral')}
      </Link>
    </p>
  );
  if (loadError) return <ErrorNotice error={loadError} />;
  if (loading && !data) return <Loading />;
  if (referrals.length === 0)
    return (
      <div className="notice notice-warning">
        <p>{t('outreach.close.noReferral')}</p>
        {error ? <p className="field-error">{error}</p> : null}
        {newReferral}
      </div>
    );
  return (
    <>
      <SelectField
        label={t('outreach.close.referral')}
        name="referralId"
        required
        value={value}
        error={error}
        onChange={(event) => onChange(event.target.value)}
        options={[
          { value: '', label: t('outreach.close.chooseReferral') },
          ...referrals.map((referral) => ({
            value: referral.id,
            label: t('outreach.close.referralOption', { organisation: referral.receiver.name, date: t.dateTime(referral.createdAt), status: t.dynamic('status', referral.status) }),
          })),
        ]}
      />
      {newReferral}
    </>
  );
}
