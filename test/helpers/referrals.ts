// Helpers for the referral lifecycle tests: fresh pupils, creating referrals through the API, the
// action mutations by name, and walking a fresh referral through legal mutations to any status.
import { expect } from 'vitest';
import type { Role } from '../../src/policy/vocabulary.ts';
import type { ReferralAction } from '../../src/referrals/lifecycle.ts';
import { FixtureBuilder, type FixturePupil } from './fixtures-policy.ts';
import type { TestHub } from './hub.ts';

export type As = { org: string; role: Role; subject?: string };
export const as = (org: string, subject?: string): As => ({ org, role: 'PROFESSIONAL', ...(subject ? { subject } : {}) });

export const LZ = as('lz-den-haag');
export const SCHOOL = as('school-dalton-laak');
export const SMW = as('smw-den-haag');
export const CJG = as('cjg-den-haag');
export const POLITIE = as('politie-den-haag');
export const VT = as('veilig-thuis-haaglanden');

export const STATUSES = ['REQUESTED', 'RECEIVED', 'ACCEPTED', 'REJECTED', 'IN_PROGRESS', 'ON_HOLD', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type Status = (typeof STATUSES)[number];

let builderCounter = 0;
/** Fresh pupils, inserted directly: nothing else links any organisation to them. */
export async function newPupils(t: TestHub, count: number, spec: { municipality?: string; schoolId?: string | null } = {}): Promise<FixturePupil[]> {
  // BSNs must be unique within a test file's database: a block of 10,000 per builder, above the
  // fixed builders' ranges (10,000-80,000). (A random block here once collided.)
  const b = new FixtureBuilder(`Ref${++builderCounter}x`, 1_000_000 + builderCounter * 10_000);
  const pupils = Array.from({ length: count }, () =>
    b.pupil({ municipality: spec.municipality ?? 'GM0518', schoolId: spec.schoolId === undefined ? 'school-dalton-laak' : spec.schoolId }),
  );
  await b.flush(t.database.db);
  return pupils;
}
export async function newPupil(t: TestHub, spec: { municipality?: string; schoolId?: string | null } = {}): Promise<FixturePupil> {
  return (await newPupils(t, 1, spec))[0]!;
}

export const REFERRAL_FIELDS = 'id status version allowedActions';

export const CREATE = `mutation($input: CreateReferralInput!) { createReferral(input: $input) { ${REFERRAL_FIELDS} } }`;

/** A GraphQL response body, loosely typed. */
export interface Body {
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

export async function gqlBody(t: TestHub, who: As, query: string, variables?: Record<string, unknown>): Promise<Body> {
  const response = await t.gql(who, query, variables);
  return response.body as Body;
}

/** Like gqlBody, but fails the test on any error. */
export async function gqlOk(t: TestHub, who: As, query: string, variables?: Record<string, unknown>): Promise<any> {
  const body = await gqlBody(t, who, query, variables);
  expect(body.errors, `${who.org}: ${query.slice(0, 80)}`).toBeUndefined();
  return body.data;
}

export interface Path {
  sender: As;
  receiver: As;
  input: (pupilId: string) => Record<string, unknown>;
}

export const CONSENT = { givenBy: 'ouder', validFrom: '2026-03-01', validUntil: '2026-12-31' };

/** Leerlingzaken Den Haag → school social work, on consent. */
export const LZ_TO_SMW: Path = {
  sender: LZ,
  receiver: SMW,
  input: (pupilId) => ({
    pupilId,
    receiverId: 'smw-den-haag',
    reason: 'Leerling al weken niet op school; gezin vraagt om ondersteuning',
    urgency: 'NORMAL',
    sharedCategories: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS'],
    legalBasis: 'CONSENT',
    consent: CONSENT,
  }),
};

/** School → Leerlingzaken Den Haag, on the Leerplichtwet. */
export const SCHOOL_TO_LZ: Path = {
  sender: SCHOOL,
  receiver: LZ,
  input: (pupilId) => ({
    pupilId,
    receiverId: 'lz-den-haag',
    reason: 'Leerling onbereikbaar sinds februari',
    urgency: 'NORMAL',
    sharedCategories: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS'],
    legalBasis: 'LEERPLICHTWET',
  }),
};

export interface RefState {
  id: string;
  status: string;
  version: number;
  pupilId: string;
}

export async function createReferral(t: TestHub, who: As, input: Record<string, unknown>): Promise<RefState> {
  const data = await gqlOk(t, who, CREATE, { input });
  const r = data.createReferral;
  return { id: r.id, status: r.status, version: r.version, pupilId: input.pupilId as string };
}

// ---- The action mutations, by lifecycle action --------------------------------------------------

/** The lifecycle actions a client performs through a mutation (CREATE and EXPIRE have none). */
export type Action = Exclude<ReferralAction, 'CREATE' | 'EXPIRE'>;

interface ActionSpec {
  mutation: string;
  inputType: string;
  extra: Record<string, unknown>;
  /** What the event's `reason` must be, when the action requires one. */
  eventReason: string | null;
}

export const HAND_OVER_EXTRA = {
  receiverId: 'cjg-den-haag',
  reason: 'Opvoedondersteuning past beter bij het CJG',
  urgency: 'NORMAL',
  sharedCategories: ['IDENTITY', 'CONTACT'],
  legalBasis: 'JEUGDWET',
};

export const ACTIONS: Record<Action, ActionSpec> = {
  RECEIVE: { mutation: 'receiveReferral', inputType: 'ReferralActionInput', extra: {}, eventReason: null },
  ACCEPT: { mutation: 'acceptReferral', inputType: 'ReferralActionInput', extra: {}, eventReason: null },
  REJECT: {
    mutation: 'rejectReferral',
    inputType: 'RejectReferralInput',
    extra: { reason: 'NO_CAPACITY', explanation: 'Wachtlijst tot na de zomer' },
    eventReason: 'Wachtlijst tot na de zomer',
  },
  START: { mutation: 'startReferral', inputType: 'ReferralActionInput', extra: {}, eventReason: null },
  PUT_ON_HOLD: { mutation: 'putReferralOnHold', inputType: 'ReasonedReferralActionInput', extra: { reason: 'Gezin op vakantie' }, eventReason: 'Gezin op vakantie' },
  RESUME: { mutation: 'resumeReferral', inputType: 'ReferralActionInput', extra: {}, eventReason: null },
  COMPLETE: {
    mutation: 'completeReferral',
    inputType: 'CompleteReferralInput',
    extra: { successful: true, outcome: 'Leerling weer op school' },
    eventReason: 'Leerling weer op school',
  },
  FAIL: { mutation: 'failReferral', inputType: 'ReasonedReferralActionInput', extra: { reason: 'Gezin verhuisd, onbekend waarheen' }, eventReason: 'Gezin verhuisd, onbekend waarheen' },
  CANCEL: { mutation: 'cancelReferral', inputType: 'ReasonedReferralActionInput', extra: { reason: 'Leerling is terug' }, eventReason: 'Leerling is terug' },
  HAND_OVER: { mutation: 'handOverReferral', inputType: 'HandOverReferralInput', extra: HAND_OVER_EXTRA, eventReason: HAND_OVER_EXTRA.reason },
  REVOKE_CONSENT: { mutation: 'revokeConsent', inputType: 'ReferralActionInput', extra: {}, eventReason: null },
  ENTER_IN_ERROR: {
    mutation: 'markReferralEnteredInError',
    inputType: 'ReasonedReferralActionInput',
    extra: { reason: 'Verkeerde leerling gekozen', reasonCode: 'WRONG_PUPIL' },
    eventReason: 'Verkeerde leerling gekozen',
  },
};

export function actionMutation(action: Action, fields = 'id status version handedOverFrom { id }'): string {
  const spec = ACTIONS[action];
  return `mutation($input: ${spec.inputType}!) { result: ${spec.mutation}(input: $input) { ${fields} } }`;
}

export function act(t: TestHub, who: As, action: Action, ref: { id: string; version: number }, extra: Record<string, unknown> = {}): Promise<Body> {
  return gqlBody(t, who, actionMutation(action), { input: { referralId: ref.id, version: ref.version, ...ACTIONS[action].extra, ...extra } });
}

/** Acts and fails the test on error; updates `ref` (status, version) in place when it is the same referral. */
export async function actOk(t: TestHub, who: As, action: Action, ref: RefState): Promise<RefState> {
  const body = await act(t, who, action, ref);
  expect(body.errors, `${who.org} ${action} on ${ref.status}`).toBeUndefined();
  const result = body.data.result;
  if (action === 'HAND_OVER') {
    const row = await t.database.db.selectFrom('referrals').select(['status', 'version']).where('id', '=', ref.id).executeTakeFirstOrThrow();
    ref.status = row.status;
    ref.version = row.version;
  } else {
    ref.status = result.status;
    ref.version = result.version;
  }
  return ref;
}

/** The legal steps (by which party) that bring a fresh referral to each status. */
export const ROUTES: Record<Status, Array<['SENDER' | 'RECEIVER', Action]>> = {
  REQUESTED: [],
  RECEIVED: [['RECEIVER', 'RECEIVE']],
  ACCEPTED: [['RECEIVER', 'RECEIVE'], ['RECEIVER', 'ACCEPT']],
  REJECTED: [['RECEIVER', 'RECEIVE'], ['RECEIVER', 'REJECT']],
  IN_PROGRESS: [['RECEIVER', 'RECEIVE'], ['RECEIVER', 'ACCEPT'], ['RECEIVER', 'START']],
  ON_HOLD: [['RECEIVER', 'RECEIVE'], ['RECEIVER', 'ACCEPT'], ['RECEIVER', 'START'], ['RECEIVER', 'PUT_ON_HOLD']],
  COMPLETED: [['RECEIVER', 'RECEIVE'], ['RECEIVER', 'ACCEPT'], ['RECEIVER', 'START'], ['RECEIVER', 'COMPLETE']],
  FAILED: [['RECEIVER', 'RECEIVE'], ['RECEIVER', 'ACCEPT'], ['RECEIVER', 'FAIL']],
  CANCELLED: [['SENDER', 'CANCEL']],
};

/** Creates a referral on `path` about a fresh pupil (or `pupilId`) and walks it to `status`. */
export async function referralAt(t: TestHub, path: Path, status: Status, pupilId?: string): Promise<RefState> {
  const pupil = pupilId ?? (await newPupil(t)).id;
  const ref = await createReferral(t, path.sender, path.input(pupil));
  for (const [party, action] of ROUTES[status]) await actOk(t, party === 'SENDER' ? path.sender : path.receiver, action, ref);
  expect(ref.status).toBe(status);
  return ref;
}

/** The referral row and its events, straight from the database. */
export async function dbState(t: TestHub, referralId: string) {
  const row = await t.database.db.selectFrom('referrals').selectAll().where('id', '=', referralId).executeTakeFirstOrThrow();
  const events = await t.database.db
    .selectFrom('referral_events')
    .selectAll()
    .where('referral_id', '=', referralId)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
  return { row, events };
}

export async function countRows(t: TestHub, table: 'referrals' | 'referral_events' | 'access_log_records' | 'notes' | 'coordination_transfers') {
  const result = await t.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(result.n);
}

/** These tests make many requests as one subject within a minute: no rate limits for them. */
export const NO_RATE_LIMITS = { RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_ORGANISATION: '0' };
