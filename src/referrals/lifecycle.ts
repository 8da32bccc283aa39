// The referral state machine, as one table: state × action × who → next state. Mutations, the
// expiry job and the error messages all read it; nothing else decides what may happen next.
// States are the HL7 FHIR Task states that fit a handover between organisations.
import { OPEN_REFERRAL_STATUSES, type ReferralStatus } from '../policy/vocabulary.ts';

export type ReferralAction =
  | 'CREATE'
  | 'RECEIVE' // the receiver opened it (automatic on first open)
  | 'ACCEPT'
  | 'REJECT'
  | 'START'
  | 'PUT_ON_HOLD'
  | 'RESUME'
  | 'COMPLETE'
  | 'FAIL'
  | 'CANCEL'
  | 'HAND_OVER' // doorverwijzen: the work continues in a new referral to another partner
  | 'EXPIRE' // left REQUESTED for 30 days
  | 'REVOKE_CONSENT'
  | 'ENTER_IN_ERROR'; // the sender made it by mistake (wrong pupil, wrong partner), before acceptance

/** Which party of a referral acts: only the receiver moves the work forward. */
export type Party = 'SENDER' | 'RECEIVER' | 'SYSTEM';

export interface Transition {
  action: ReferralAction;
  by: Party;
  from: readonly ReferralStatus[];
  /** null: the status stays (an event without a state change). */
  to: ReferralStatus | null;
  /** What the actor must say: a reason (REJECTED, ON_HOLD, CANCELLED, FAILED) or an outcome. */
  requires: 'nothing' | 'reason' | 'outcome';
}

const OPEN = OPEN_REFERRAL_STATUSES;

export const TRANSITIONS: readonly Transition[] = [
  { action: 'RECEIVE', by: 'RECEIVER', from: ['REQUESTED'], to: 'RECEIVED', requires: 'nothing' },
  { action: 'ACCEPT', by: 'RECEIVER', from: ['RECEIVED'], to: 'ACCEPTED', requires: 'nothing' },
  { action: 'REJECT', by: 'RECEIVER', from: ['RECEIVED'], to: 'REJECTED', requires: 'reason' },
  { action: 'START', by: 'RECEIVER', from: ['ACCEPTED'], to: 'IN_PROGRESS', requires: 'nothing' },
  { action: 'PUT_ON_HOLD', by: 'RECEIVER', from: ['IN_PROGRESS'], to: 'ON_HOLD', requires: 'reason' },
  { action: 'RESUME', by: 'RECEIVER', from: ['ON_HOLD'], to: 'IN_PROGRESS', requires: 'nothing' },
  { action: 'COMPLETE', by: 'RECEIVER', from: ['IN_PROGRESS'], to: 'COMPLETED', requires: 'outcome' },
  { action: 'FAIL', by: 'RECEIVER', from: ['ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'], to: 'FAILED', requires: 'reason' },
  { action: 'HAND_OVER', by: 'RECEIVER', from: ['ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'], to: 'COMPLETED', requires: 'reason' },
  // The sender may cancel until the work is done.
  { action: 'CANCEL', by: 'SENDER', from: OPEN, to: 'CANCELLED', requires: 'reason' },
  // Either party records that the family withdrew its consent; access through it ends at once.
  { action: 'REVOKE_CONSENT', by: 'SENDER', from: OPEN, to: null, requires: 'nothing' },
  { action: 'REVOKE_CONSENT', by: 'RECEIVER', from: OPEN, to: null, requires: 'nothing' },
  { action: 'EXPIRE', by: 'SYSTEM', from: ['REQUESTED'], to: 'CANCELLED', requires: 'reason' },
  // A referral made by mistake: the sender withdraws it before the receiver accepted it.
  { action: 'ENTER_IN_ERROR', by: 'SENDER', from: ['REQUESTED', 'RECEIVED'], to: 'ENTERED_IN_ERROR', requires: 'reason' },
];

/** Statuses that end the work. */
export const CLOSED_STATUSES: readonly ReferralStatus[] = ['REJECTED', 'COMPLETED', 'FAILED', 'CANCELLED', 'ENTERED_IN_ERROR'];

export function findTransition(status: ReferralStatus, action: ReferralAction, by: Party): Transition | undefined {
  return TRANSITIONS.find((t) => t.action === action && t.by === by && t.from.includes(status));
}

/** The actions a party may take now: named in every refusal, so the caller knows what it can do. */
export function allowedActions(status: ReferralStatus, by: Party): ReferralAction[] {
  const actions = TRANSITIONS.filter((t) => t.by === by && t.from.includes(status)).map((t) => t.action);
  // A receiver's first action on a REQUESTED referral opens it (RECEIVE) and then continues.
  if (by === 'RECEIVER' && status === 'REQUESTED')
    for (const t of TRANSITIONS) if (t.by === 'RECEIVER' && t.from.includes('RECEIVED') && !actions.includes(t.action)) actions.push(t.action);
  return [...new Set(actions)];
}

/**
 * The coded reason of each reasoned step (FHIR Task.statusReason): a small list per action, beside
 * the free text. A step given no code records OTHER.
 */
export const STATUS_REASONS = {
  REJECT: ['NOT_OUR_TASK', 'NO_CAPACITY', 'INSUFFICIENT_INFORMATION', 'ALREADY_INVOLVED', 'NO_CONSENT', 'OTHER'],
  PUT_ON_HOLD: ['WAITING_FOR_FAMILY', 'WAITING_FOR_PARTNER', 'PUPIL_UNREACHABLE', 'OTHER'],
  FAIL: ['FAMILY_DECLINED', 'PUPIL_UNREACHABLE', 'NOT_OUR_TASK', 'OTHER'],
  CANCEL: ['NO_LONGER_NEEDED', 'FAMILY_MOVED', 'CONSENT_WITHDRAWN', 'OTHER'],
  HAND_OVER: ['BETTER_SUITED_PARTNER', 'SAFETY_CONCERN', 'OTHER'],
  ENTER_IN_ERROR: ['WRONG_PUPIL', 'WRONG_PARTNER', 'DUPLICATE', 'OTHER'],
  EXPIRE: ['NOT_RECEIVED_IN_TIME'],
} as const satisfies Partial<Record<ReferralAction, readonly string[]>>;
export type StatusReasonAction = keyof typeof STATUS_REASONS;
export type StatusReasonCode = (typeof STATUS_REASONS)[StatusReasonAction][number];
export const STATUS_REASON_CODES: readonly StatusReasonCode[] = [...new Set(Object.values(STATUS_REASONS).flat())];

/** Reasons a receiver can give for rejecting a referral (besides free text). */
export const REJECTION_REASONS = [
  'NOT_OUR_TASK',
  'NO_CAPACITY',
  'INSUFFICIENT_INFORMATION',
  'ALREADY_INVOLVED',
  'NO_CONSENT',
  'OTHER',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const EXPIRE_AFTER_DAYS = 30;
