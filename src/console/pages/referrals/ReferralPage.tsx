// One referral: its facts, the actions the caller's organisation may take now (exactly
// `allowedActions`, each with what it requires), and its history. Opening it as its receiver marks
// it opened (the hub does that). Every action names the version it saw; after one, the page
// reloads the referral and says what happened (role=status).
import { useRefusalFocus } from '../../ui/focus.ts';
import { useId, useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import type { PageProps } from '../../app/App.tsx';
import { ApiError, forbiddenAt, useMutation, useQuery } from '../../api/client.ts';
import { Link, navigate } from '../../app/router.tsx';
import { useSession } from '../../app/session.tsx';
import {
  AcceptReferralDocument,
  CancelReferralDocument,
  CompleteReferralDocument,
  FailReferralDocument,
  HandOverReferralDocument,
  MarkReferralEnteredInErrorDocument,
  PutReferralOnHoldDocument,
  ReceiveReferralDocument,
  ReferralDetailDocument,
  RejectReferralDocument,
  ResumeReferralDocument,
  RevokeReferralConsentDocument,
  StartReferralDocument,
  type ReferralDetailQuery,
  type RejectionReason,
  type StatusReasonCode,
} from '../../gql/graphql.ts';
import { STATUS_REASONS_BY_ACTION } from '../../gql/enums.ts';
import { useT, type TextKey } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { fieldErrorsOf } from '../../ui/errors.ts';
import { SelectField, TextArea } from '../../ui/Field.tsx';
import { Hidden, Loading, Page } from '../../ui/Page.tsx';
import { EMPTY_SHARE, localShareErrors, SHARE_FIELDS, ShareFields, shareInput, type ShareValue } from './ShareFields.tsx';
import {
  onlyFieldErrors,
  OverdueBadge,
  REJECTION_REASONS,
  StatusBadge,
  StatusMessage,
  UrgencyText,
  
} from './shared.tsx';

type Referral = NonNullable<ReferralDetailQuery['referral']>;

/** Actions without anything to say: one button does it. */
const DIRECT = ['RECEIVE', 'ACCEPT', 'START', 'RESUME'] as const;
type DirectAction = (typeof DIRECT)[number];
const isDirect = (action: string): action is DirectAction => (DIRECT as readonly string[]).includes(action);

export function ReferralPage({ params, query }: PageProps) {
  const t = useT();
  const id = params.id ?? '';
  const { data, error, loading, partialErrors, refetch } = useQuery(ReferralDetailDocument, { id });
  const [message, setMessage] = useState<TextKey | null>(
    query.get('created') ? 'referrals.detail.created.notice' : query.get('handedOver') ? 'referrals.detail.handedOver.notice' : null,
  );
  const status = useRef<HTMLDivElement>(null);
  const referral = data?.referral;

  if (!referral) {
    const title = t('referrals.detail.titleNoName');
    return (
      <Page title={title}>
        {loading ? (
          <Loading />
        ) : error && error.code !== 'BAD_USER_INPUT' ? (
          <ErrorNotice error={error} />
        ) : partialErrors.length > 0 ? (
          // The hub answered null because a field inside failed: say what it said, not "no such referral".
          <ErrorNotice error={new ApiError(partialErrors, 200)} />
        ) : (
          <p>{t('referrals.detail.notFound')}</p>
        )}
        <p>
          <Link to="/referrals">{t('referrals.title')}</Link>
        </p>
      </Page>
    );
  }

  const nameHidden = forbiddenAt(partialErrors, ...['referral', 'pupil', 'displayName']);
  const pupilName = referral.pupil?.displayName;
  const title = pupilName ? t('referrals.detail.title', { pupil: pupilName }) : t('referrals.detail.titleNoName');
  const done = (action: string) => {
    setMessage(`referrals.done.${action}` as TextKey);
    refetch();
    // The button or form that did it may be gone: continue at the announcement of the result.
    requestAnimationFrame(() => status.current?.focus());
  };
  return (
    <Page title={title}>
      <StatusMessage message={message ? t(message) : null} focusRef={status} />
      <ReferralFacts referral={referral} nameHidden={nameHidden} />
      <ReferralActions key={referral.version} referral={referral} onDone={done} onStart={() => setMessage(null)} />
      <ReferralHistory referral={referral} />
    </Page>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function ReferralFacts({ referral, nameHidden }: { referral: Referral; nameHidden: boolean }) {
  const t = useT();
  const headingId = useId();
  const party = (org: Referral['sender']) => (
    <>
      {org.name} <span className="muted">({t.dynamic('kind', org.kind)})</span>
      {org.contactEmail || org.contactPhone ? (
        <>
          <br />
          <span className="muted">{[org.contactEmail, org.contactPhone].filter(Boolean).join(' · ')}</span>
        </>
      ) : null}
    </>
  );
  return (
    <section aria-labelledby={headingId} className="card">
      <h2 id={headingId}>{t('referrals.detail.facts')}</h2>
      <dl className="facts">
        <Fact label={t('referrals.detail.pupil')}>
          {!referral.pupil ? (
            <span className="muted">{t('referrals.pupilGone')}</span>
          ) : nameHidden ? (
            <>
              <Hidden /> — <Link to={`/pupils/${referral.pupil.id}`}>{t('referrals.detail.toPupil')}</Link>
            </>
          ) : (
            <Link to={`/pupils/${referral.pupil.id}`}>{referral.pupil.displayName ?? t('referrals.detail.toPupil')}</Link>
          )}
        </Fact>
        <Fact label={t('referrals.detail.sender')}>{party(referral.sender)}</Fact>
        <Fact label={t('referrals.detail.receiver')}>{party(referral.receiver)}</Fact>
        <Fact label={t('referrals.detail.status')}>
          <StatusBadge status={referral.status} /> {referral.overdue ? <OverdueBadge /> : null}
        </Fact>
        <Fact label={t('referrals.detail.urgency')}>
          <UrgencyText urgency={referral.urgency} />
        </Fact>
        <Fact label={t('referrals.detail.reason')}>
          <span className="reason-text">{referral.reason ?? t('referrals.linkEnded')}</span>
        </Fact>
        <Fact label={t('referrals.detail.shared')}>{referral.sharedCategories ? referral.sharedCategories.map((category) => t.dynamic('category', category)).join(', ') : t('referrals.linkEnded')}</Fact>
        <Fact label={t('referrals.detail.legalBasis')}>{referral.legalBasis ? t.dynamic('legalBasis', referral.legalBasis) : t('referrals.linkEnded')}</Fact>
        {referral.consent ? (
          <Fact label={t('referrals.detail.consent')}>
            {t('referrals.detail.consentText', {
              givenBy: referral.consent.givenBy,
              from: t.date(referral.consent.validFrom),
              until: referral.consent.validUntil ? t.date(referral.consent.validUntil) : t('referrals.detail.consentOpen'),
            })}
            {referral.consent.revokedAt ? (
              <>
                <br />
                <strong>{t('referrals.detail.consentRevoked', { when: t.dateTime(referral.consent.revokedAt) })}</strong>
              </>
            ) : null}
          </Fact>
        ) : null}
        {referral.receiveDueAt ? <Fact label={t('referrals.detail.receiveDue')}>{t.dateTime(referral.receiveDueAt)}</Fact> : null}
        <Fact label={t('referrals.detail.responseDue')}>{t.dateTime(referral.responseDueAt)}</Fact>
        {referral.receivedAt ? <Fact label={t('referrals.detail.received')}>{t.dateTime(referral.receivedAt)}</Fact> : null}
        <Fact label={t('referrals.detail.created')}>{t.dateTime(referral.createdAt)}</Fact>
        <Fact label={t('referrals.detail.updated')}>{t.dateTime(referral.updatedAt)}</Fact>
        {referral.closedAt ? <Fact label={t('referrals.detail.closed')}>{t.dateTime(referral.closedAt)}</Fact> : null}
        {referral.outcome ? (
          <Fact label={t('referrals.detail.outcome')}>
            <span className="reason-text">{referral.outcome}</span>
          </Fact>
        ) : null}
        {referral.outcomeSuccessful !== null ? (
          <Fact label={t('referrals.detail.successful')}>{referral.outcomeSuccessful ? t('app.yes') : t('app.no')}</Fact>
        ) : null}
        {referral.handedOverFrom ? (
          <Fact label={t('referrals.detail.handedOverFrom')}>
            <Link to={`/referrals/${referral.handedOverFrom.id}`}>
              {t('referrals.detail.handedOverLink', {
                organisation: `${referral.handedOverFrom.sender.name} → ${referral.handedOverFrom.receiver.name}`,
                status: t.dynamic('status', referral.handedOverFrom.status),
              })}
            </Link>
          </Fact>
        ) : null}
        {referral.handedOverTo.length > 0 ? (
          <Fact label={t('referrals.detail.handedOverTo')}>
            <ul className="guardians">
              {referral.handedOverTo.map((next) => (
                <li key={next.id}>
                  <Link to={`/referrals/${next.id}`}>
                    {t('referrals.detail.handedOverLink', { organisation: next.receiver.name, status: t.dynamic('status', next.status) })}
                  </Link>
                </li>
              ))}
            </ul>
          </Fact>
        ) : null}
      </dl>
    </section>
  );
}

// ---- Actions -------------------------------------------------------------------------------------

function ReferralActions({ referral, onDone, onStart }: { referral: Referral; onDone: (action: string) => void; onStart: () => void }) {
  const t = useT();
  const headingId = useId();
  const [open, setOpen] = useState<string | null>(null);
  const [receive, receiveState] = useMutation(ReceiveReferralDocument);
  const [accept, acceptState] = useMutation(AcceptReferralDocument);
  const [start, startState] = useMutation(StartReferralDocument);
  const [resume, resumeState] = useMutation(ResumeReferralDocument);
  const [lastDirect, setLastDirect] = useState<DirectAction | null>(null);
  const direct = { RECEIVE: [receive, receiveState], ACCEPT: [accept, acceptState], START: [start, startState], RESUME: [resume, resumeState] } as const;
  const running = Object.values(direct).some(([, state]) => state.running);
  const directError: ApiError | null = lastDirect ? direct[lastDirect][1].error : null;

  const runDirect = async (action: DirectAction) => {
    if (running) return;
    onStart();
    setOpen(null);
    setLastDirect(action);
    const input = { input: { referralId: referral.id, version: referral.version } };
    const result = await direct[action][0](input);
    if (result) onDone(action);
  };

  const actions = referral.allowedActions;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('referrals.actions')}</h2>
      {actions.length === 0 ? (
        <p>{t('referrals.actions.none')}</p>
      ) : (
        <>
          <p>{t('referrals.actions.intro')}</p>
          <div className="action-buttons">
            {actions.map((action) =>
              isDirect(action) ? (
                <button key={action} type="button" className="primary" aria-disabled={running || undefined} onClick={() => void runDirect(action)}>
                  {t.dynamic('action', action)}
                </button>
              ) : (
                <button
                  key={action}
                  type="button"
                  className={action === 'CANCEL' || action === 'FAIL' || action === 'REJECT' ? 'danger' : undefined}
                  aria-expanded={open === action}
                  onClick={() => {
                    onStart();
                    setLastDirect(null);
                    setOpen(open === action ? null : action);
                  }}
                >
                  {t.dynamic('action', action)}
                </button>
              ),
            )}
          </div>
          {directError ? <ErrorNotice error={directError} /> : null}
          {open && actions.includes(open) ? (
            <ActionForm
              key={open}
              action={open}
              referral={referral}
              onDone={(action) => {
                setOpen(null);
                onDone(action);
              }}
              onCancel={() => setOpen(null)}
            />
          ) : null}
        </>
      )}
    </section>
  );
}

function ActionForm({ action, referral, onDone, onCancel }: { action: string; referral: Referral; onDone: (action: string) => void; onCancel: () => void }) {
  switch (action) {
    case 'REJECT':
      return <RejectForm referral={referral} onDone={onDone} onCancel={onCancel} />;
    case 'COMPLETE':
      return <CompleteForm referral={referral} onDone={onDone} onCancel={onCancel} />;
    case 'PUT_ON_HOLD':
    case 'FAIL':
    case 'CANCEL':
    case 'ENTER_IN_ERROR':
      return <ReasonForm action={action} referral={referral} onDone={onDone} onCancel={onCancel} />;
    case 'HAND_OVER':
      return <HandOverForm referral={referral} onCancel={onCancel} />;
    case 'REVOKE_CONSENT':
      return <RevokeConsentForm referral={referral} onDone={onDone} onCancel={onCancel} />;
    default:
      return null;
  }
}

/** The frame of an action's form: heading, fields, the hub's other errors, confirm and cancel. */
function ActionFrame({
  action,
  onSubmit,
  onCancel,
  running,
  notice,
  form,
  children,
  wide,
}: {
  action: string;
  onSubmit: () => void;
  onCancel: () => void;
  running: boolean;
  notice: ApiError | null;
  /** From the action's useRefusalFocus: focus moves to what to fix after each refusal. */
  form: RefObject<HTMLFormElement | null>;
  children: ReactNode;
  wide?: boolean;
}) {
  const t = useT();
  const headingId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!running) onSubmit();
  };
  return (
    <form ref={form} className={`card action-form${wide ? ' share-form' : ''}`} onSubmit={submit} noValidate aria-labelledby={headingId}>
      <h3 id={headingId}>{t.dynamic('action', action)}</h3>
      {children}
      <ErrorNotice error={notice} />
      <div className="form-actions">
        <button type="submit" className="primary" aria-disabled={running || undefined}>
          {running ? t('referrals.action.running') : t.dynamic('referrals.submit', action)}
        </button>
        <button type="button" onClick={onCancel}>
          {t('app.cancel')}
        </button>
      </div>
    </form>
  );
}

interface FormProps {
  referral: Referral;
  onDone: (action: string) => void;
  onCancel: () => void;
}

const REASONED_OPERATION = {
  PUT_ON_HOLD: PutReferralOnHoldDocument,
  FAIL: FailReferralDocument,
  CANCEL: CancelReferralDocument,
  ENTER_IN_ERROR: MarkReferralEnteredInErrorDocument,
} as const;

function ReasonForm({ action, referral, onDone, onCancel }: FormProps & { action: keyof typeof REASONED_OPERATION }) {
  const t = useT();
  const [run, state] = useMutation(REASONED_OPERATION[action] as typeof PutReferralOnHoldDocument);
  const [reason, setReason] = useState('');
  // The coded reason (FHIR statusReason): one of this step's codes; OTHER when left as it is.
  const [reasonCode, setReasonCode] = useState<StatusReasonCode>('OTHER');
  const { form, refused } = useRefusalFocus();
  const errors = fieldErrorsOf(t, state.error);
  const submit = async () => {
    const result = await run({ input: { referralId: referral.id, version: referral.version, reason, reasonCode } });
    if (result) onDone(action);
    else refused();
  };
  return (
    <ActionFrame
      action={action}
      onSubmit={() => void submit()}
      onCancel={onCancel}
      running={state.running}
      form={form}
      notice={onlyFieldErrors(state.error, ['reason', 'reasonCode']) ? null : state.error}
    >
      <SelectField
        label={t('referrals.field.reasonCode')}
        error={errors.reasonCode}
        value={reasonCode}
        onChange={(event) => setReasonCode(event.target.value as StatusReasonCode)}
        options={STATUS_REASONS_BY_ACTION[action].map((code) => ({ value: code, label: t.dynamic('statusReason', code) }))}
      />
      <TextArea
        label={t('referrals.field.reason')}
        hint={t('referrals.field.reasonHint')}
        error={errors.reason}
        required
        maxLength={2000}
        value={reason}
        onChange={(event) => setReason(event.target.value)}
      />
    </ActionFrame>
  );
}

function RejectForm({ referral, onDone, onCancel }: FormProps) {
  const t = useT();
  const [run, state, reset] = useMutation(RejectReferralDocument);
  const [code, setCode] = useState<RejectionReason | ''>('');
  const [explanation, setExplanation] = useState('');
  const [local, setLocal] = useState<Record<string, string>>({});
  const { form, refused } = useRefusalFocus();
  const errors = { ...fieldErrorsOf(t, state.error), ...local };
  const submit = async () => {
    if (!code) {
      reset();
      setLocal({ reason: t('referrals.field.chooseRequired') });
      refused();
      return;
    }
    setLocal({});
    const result = await run({ input: { referralId: referral.id, version: referral.version, reason: code, explanation } });
    if (result) onDone('REJECT');
    else refused();
  };
  return (
    <ActionFrame
      action="REJECT"
      onSubmit={() => void submit()}
      onCancel={onCancel}
      running={state.running}
      form={form}
      notice={onlyFieldErrors(state.error, ['reason', 'explanation']) ? null : state.error}
    >
      <SelectField
        label={t('referrals.field.rejection')}
        error={errors.reason}
        required
        value={code}
        onChange={(event) => setCode(event.target.value as RejectionReason)}
        options={[{ value: '', label: t('referrals.field.choose') }, ...REJECTION_REASONS.map((reason) => ({ value: reason, label: t.dynamic('rejection', reason) }))]}
      />
      <TextArea
        label={t('referrals.field.explanation')}
        hint={t('referrals.field.reasonHint')}
        error={errors.explanation}
        required
        maxLength={2000}
        value={explanation}
        onChange={(event) => setExplanation(event.target.value)}
      />
    </ActionFrame>
  );
}

function CompleteForm({ referral, onDone, onCancel }: FormProps) {
  const t = useT();
  const [run, state, reset] = useMutation(CompleteReferralDocument);
  const [successful, setSuccessful] = useState<'' | 'yes' | 'no'>('');
  const [outcome, setOutcome] = useState('');
  const [local, setLocal] = useState<Record<string, string>>({});
  const { form, refused } = useRefusalFocus();
  const errors = { ...fieldErrorsOf(t, state.error), ...local };
  const submit = async () => {
    if (!successful) {
      reset();
      setLocal({ successful: t('referrals.field.chooseRequired') });
      refused();
      return;
    }
    setLocal({});
    const result = await run({ input: { referralId: referral.id, version: referral.version, successful: successful === 'yes', outcome } });
    if (result) onDone('COMPLETE');
    else refused();
  };
  return (
    <ActionFrame
      action="COMPLETE"
      onSubmit={() => void submit()}
      onCancel={onCancel}
      running={state.running}
      form={form}
      notice={onlyFieldErrors(state.error, ['successful', 'outcome']) ? null : state.error}
    >
      <SelectField
        label={t('referrals.field.successful')}
        error={errors.successful}
        required
        value={successful}
        onChange={(event) => setSuccessful(event.target.value as '' | 'yes' | 'no')}
        options={[
          { value: '', label: t('referrals.field.choose') },
          { value: 'yes', label: t('app.yes') },
          { value: 'no', label: t('app.no') },
        ]}
      />
      <TextArea
        label={t('referrals.field.outcome')}
        hint={t('referrals.field.reasonHint')}
        error={errors.outcome}
        required
        maxLength={2000}
        value={outcome}
        onChange={(event) => setOutcome(event.target.value)}
      />
    </ActionFrame>
  );
}

function RevokeConsentForm({ referral, onDone, onCancel }: FormProps) {
  const t = useT();
  const [run, state] = useMutation(RevokeReferralConsentDocument);
  const { form, refused } = useRefusalFocus();
  const submit = async () => {
    const result = await run({ input: { referralId: referral.id, version: referral.version } });
    if (result) onDone('REVOKE_CONSENT');
    else refused();
  };
  return (
    <ActionFrame action="REVOKE_CONSENT" onSubmit={() => void submit()} onCancel={onCancel} running={state.running} form={form} notice={state.error}>
      <p>{t('referrals.action.revokeConsentText')}</p>
    </ActionFrame>
  );
}

function HandOverForm({ referral, onCancel }: { referral: Referral; onCancel: () => void }) {
  const t = useT();
  const [run, state, reset] = useMutation(HandOverReferralDocument);
  const { viewer } = useSession();
  // Start from what this referral shared, as far as the viewer may share it on.
  const [value, setValue] = useState<ShareValue>({
    ...EMPTY_SHARE,
    urgency: referral.urgency ?? EMPTY_SHARE.urgency,
    sharedCategories: (referral.sharedCategories ?? []).filter((category) => viewer.readableCategories.includes(category)),
  });
  const [local, setLocal] = useState<Record<string, string>>({});
  const { form, refused } = useRefusalFocus();
  const errors = { ...fieldErrorsOf(t, state.error), ...local };
  const submit = async () => {
    const found = localShareErrors(value, t);
    setLocal(found);
    if (Object.keys(found).length > 0) {
      reset();
      refused();
      return;
    }
    const result = await run({ input: { referralId: referral.id, version: referral.version, ...shareInput(value) } });
    if (result) navigate(`/referrals/${result.handOverReferral.id}`, { handedOver: 1 });
    else refused();
  };
  return (
    <ActionFrame
      action="HAND_OVER"
      wide
      onSubmit={() => void submit()}
      onCancel={onCancel}
      running={state.running}
      form={form}
      notice={onlyFieldErrors(state.error, SHARE_FIELDS) ? null : state.error}
    >
      <ShareFields value={value} onChange={setValue} errors={errors} />
    </ActionFrame>
  );
}

// ---- History -------------------------------------------------------------------------------------

function ReferralHistory({ referral }: { referral: Referral }) {
  const t = useT();
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('referrals.history')}</h2>
      <ol className="timeline">
        {referral.events.map((event) => (
          <li key={event.id}>
            <span className="when">
              {t.dateTime(event.occurredAt)} · {t('referrals.history.by', { organisation: event.organisation.name, role: t.dynamic('role', event.role) })}
            </span>
            <br />
            <span className="what">{t.dynamic('referrals.event', event.action)}</span>{' '}
            <span className="muted">
              {event.fromStatus
                ? t('referrals.history.transition', { from: t.dynamic('status', event.fromStatus), to: t.dynamic('status', event.toStatus) })
                : t.dynamic('status', event.toStatus)}
            </span>
            {event.reasonCode ? <span className="reason-code"> · {t.dynamic('statusReason', event.reasonCode)}</span> : null}{' '}
            <span className="actor">{t('referrals.history.actor', { actor: event.actor })}</span>
            {event.reason ? <p className="text">{event.reason}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
