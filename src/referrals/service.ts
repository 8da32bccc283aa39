// Changing referrals. Every change runs in one transaction with its event and its access-log
// record, checks the state machine (lifecycle.ts) and the version the caller saw, and leaves no
// trace when anything fails.
import { newId } from '../db/ids.ts';
import type { Expression, ExpressionBuilder, Kysely, SqlBool, Transaction } from 'kysely';
import { z } from 'zod';
import type { PupilRow, ReferralRow, Tables } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { apiError, badInput, forbidden, HubError } from '../errors.ts';
import { parseInput, text, uuid } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';
import { systemData } from '../policy/gateway.ts';
import { mayEverRead, mayPerform } from '../policy/policy.ts';
import { DATA_CATEGORIES, LEGAL_BASES, URGENCIES, type DataCategory, type OrganisationKind, type ReferralStatus } from '../policy/vocabulary.ts';
import { deadlinesFor } from './deadlines.ts';
import { recordHubEvent } from '../events/events.ts';
import {
  allowedActions,
  CLOSED_STATUSES,
  EXPIRE_AFTER_DAYS,
  findTransition,
  REJECTION_REASONS,
  STATUS_REASON_CODES,
  STATUS_REASONS,
  type StatusReasonAction,
  type StatusReasonCode,
  type Party,
  type ReferralAction,
} from './lifecycle.ts';

type Db = Kysely<Tables> | Transaction<Tables>;

// ---- Input validation (zod): every message names the field ---------------------------------------

const organisationId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be an organisation id such as smw-den-haag');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

const Consent = z
  .object({ givenBy: text(200), validFrom: isoDate, validUntil: isoDate.nullish() })
  .refine((c) => !c.validUntil || c.validUntil >= c.validFrom, { message: 'validUntil must not be before validFrom', path: ['validUntil'] });

export const ShareInput = z
  .object({
    receiverId: organisationId,
    reason: text(2000),
    urgency: z.enum(URGENCIES),
    sharedCategories: z.array(z.enum(DATA_CATEGORIES)).min(1, 'must name at least one category').max(DATA_CATEGORIES.length),
    legalBasis: z.enum(LEGAL_BASES),
    consent: Consent.nullish(),
  })
  .refine((input) => input.legalBasis !== 'CONSENT' || Boolean(input.consent), {
    message: 'is required when legalBasis is CONSENT',
    path: ['consent'],
  });

export const CreateInput = z.intersection(z.object({ pupilId: uuid }), ShareInput);
export const ActionInput = z.object({ referralId: uuid, version: z.number().int().min(1, 'must be at least 1') });
const reasonCode = z.enum(STATUS_REASON_CODES as [StatusReasonCode, ...StatusReasonCode[]]).nullish();
export const ReasonedInput = ActionInput.extend({ reason: text(2000), reasonCode });
export const RejectInput = ActionInput.extend({ reason: z.enum(REJECTION_REASONS), explanation: text(2000) });
export const CompleteInput = ActionInput.extend({ successful: z.boolean(), outcome: text(2000) });
export const HandOverInput = z.intersection(ActionInput.extend({ reasonCode }), ShareInput);

// ---- Reading inside a transaction, through the same filters as every query -----------------------

const NO_REFERRAL = () => badInput('no referral with this id that your organisation is party to', { argument: 'input.referralId' });
const NO_PUPIL = () => badInput('no pupil with this id that you may see', { argument: 'input.pupilId' });

export function partyOf(referral: Pick<ReferralRow, 'sender_org_id' | 'receiver_org_id'>, organisationId: string): Party | null {
  if (referral.receiver_org_id === organisationId) return 'RECEIVER';
  if (referral.sender_org_id === organisationId) return 'SENDER';
  return null;
}

async function visiblePupil(db: Db, ctx: RequestContext, pupilId: string): Promise<PupilRow> {
  const pupil = await ctx.data
    .in(db as Kysely<Tables>)
    .pupils()
    .selectAll('pupils')
    .where('pupils.id', '=', pupilId.toLowerCase())
    .executeTakeFirst();
  if (!pupil) throw NO_PUPIL();
  return pupil;
}

/** The categories the caller may read of this pupil right now (inside the transaction). */
async function readableNow(db: Db, ctx: RequestContext, pupil: PupilRow): Promise<Set<DataCategory>> {
  const [access] = await ctx.data.in(db as Kysely<Tables>).pupilAccess([pupil]);
  return access!.categories;
}

// ---- Creating and handing over --------------------------------------------------------------------

export interface ShareDetails {
  receiverId: string;
  reason: string;
  urgency: 'NORMAL' | 'URGENT';
  sharedCategories: DataCategory[];
  legalBasis: (typeof LEGAL_BASES)[number];
  consent?: { givenBy: string; validFrom: string; validUntil?: string | null | undefined } | null | undefined;
}

/** Checks what a referral may share, and inserts it with its CREATE event. */
async function insertReferral(
  trx: Transaction<Tables>,
  ctx: RequestContext,
  pupil: PupilRow,
  details: ShareDetails,
  handedOverFrom: string | null,
): Promise<ReferralRow> {
  if (details.receiverId === ctx.actor.organisationId) throw badInput('input.receiverId must be another organisation than yours', { argument: 'input.receiverId' });
  // Inside the transaction, through it: the registry cache may reload through another connection,
  // and PGlite's single session is held by this transaction.
  const receiver = await trx.selectFrom('organisations').selectAll().where('id', '=', details.receiverId).executeTakeFirst();
  if (!receiver) throw badInput('input.receiverId is not an organisation in the hub', { argument: 'input.receiverId' });
  const shared = [...new Set(details.sharedCategories)];
  // You cannot share what you may not read yourself: what your links to the pupil give you, and
  // what your own organisation records (a care worker's own care notes)...
  const mine = await readableNow(trx, ctx, pupil);
  const notMine = shared.filter((category) => !mine.has(category) && !mayEverRead(ctx.actor.organisationKind, ctx.actor.role, category));
  if (notMine.length > 0)
    throw forbidden(`you may not share ${notMine.join(', ')}: your organisation may not read it for this pupil`, { argument: 'input.sharedCategories', categories: notMine });
  // ...nor what the receiver may never read.
  const kind = receiver.kind as OrganisationKind;
  const never = shared.filter((category) => !mayEverRead(kind, 'PROFESSIONAL', category));
  if (never.length > 0)
    throw badInput(`input.sharedCategories: ${receiver.id} (${kind}) may never read ${never.join(', ')}; remove it`, { argument: 'input.sharedCategories', categories: never });

  const createdAt = ctx.now;
  const deadlines = deadlinesFor(createdAt, details.urgency);
  const referral = await trx
    .insertInto('referrals')
    .values({
      id: newId(),
      pupil_id: pupil.id,
      sender_org_id: ctx.actor.organisationId,
      receiver_org_id: receiver.id,
      status: 'REQUESTED',
      urgency: details.urgency,
      reason: details.reason,
      shared_categories: shared,
      legal_basis: details.legalBasis,
      consent_given_by: details.legalBasis === 'CONSENT' ? details.consent!.givenBy : null,
      consent_valid_from: details.legalBasis === 'CONSENT' ? details.consent!.validFrom : null,
      consent_valid_until: details.legalBasis === 'CONSENT' ? (details.consent!.validUntil ?? null) : null,
      handed_over_from_id: handedOverFrom,
      response_due_at: deadlines.decideBy,
      receive_due_at: deadlines.receiveBy,
      version: 1,
      created_at: createdAt,
      updated_at: createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await insertEvent(trx, ctx, referral.id, 'CREATE', null, 'REQUESTED', details.reason, null);
  ctx.audit.record({ pupilId: pupil.id, action: 'CREATE', outcome: 'GRANTED', category: 'REFERRAL', field: 'Referral' });
  return referral;
}

/**
 * Runs a change in one transaction with its access-log records. When it fails, the records it made
 * go with it (nothing was granted) and the attempt is recorded as refused instead.
 */
export async function inTransaction<T>(
  ctx: RequestContext,
  attempt: { pupilId: string | null; action: 'CREATE' | 'UPDATE' | 'EXPORT'; field: string },
  change: (trx: Transaction<Tables>) => Promise<T>,
): Promise<T> {
  const before = ctx.audit.snapshot();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const result = await change(trx);
      await ctx.audit.flush(trx);
      return result;
    });
  } catch (error) {
    ctx.audit.restore(before);
    ctx.audit.record({ pupilId: attempt.pupilId, action: attempt.action, outcome: 'REFUSED', field: attempt.field });
    throw error;
  }
}

export async function createReferral(ctx: RequestContext, rawInput: unknown): Promise<ReferralRow> {
  requireOperation(ctx, 'createReferral');
  const input = parseInput(CreateInput, rawInput);
  return inTransaction(ctx, { pupilId: null, action: 'CREATE', field: 'Mutation.createReferral' }, async (trx) => {
    const pupil = await visiblePupil(trx, ctx, input.pupilId);
    return insertReferral(trx, ctx, pupil, input, null);
  });
}

/** A new referral within a caller's transaction (e.g. a case of a pupil out of view becoming one). */
export async function createReferralIn(trx: Transaction<Tables>, ctx: RequestContext, pupilId: string, details: ShareDetails): Promise<ReferralRow> {
  const pupil = await visiblePupil(trx, ctx, pupilId);
  return insertReferral(trx, ctx, pupil, details, null);
}

export async function handOverReferral(ctx: RequestContext, rawInput: unknown): Promise<ReferralRow> {
  requireOperation(ctx, 'handOverReferral');
  const input = parseInput(HandOverInput, rawInput);
  return inTransaction(ctx, { pupilId: null, action: 'UPDATE', field: 'Mutation.handOverReferral' }, async (trx) => {
    const original = await transitionIn(trx, ctx, input, 'HAND_OVER', { reason: input.reason, reasonCode: input.reasonCode ?? null, outcome: null, successful: true });
    const pupil = await visiblePupil(trx, ctx, original.pupil_id);
    const next = await insertReferral(trx, ctx, pupil, input, original.id);
    // The handed-over referral is done: its work continues in the new one, which its own parties
    // find through handedOverTo. No outcome text names the new receiver: that is the new referral's
    // content, and the old referral's sender may not be party to it.
    return next;
  });
}

// ---- Transitions ------------------------------------------------------------------------------------

export interface TransitionDetails {
  reason?: string | null;
  reasonCode?: string | null;
  outcome?: string | null;
  successful?: boolean | null;
}

export async function transitionReferral(
  ctx: RequestContext,
  input: { referralId: string; version: number },
  action: ReferralAction,
  details: TransitionDetails = {},
): Promise<ReferralRow> {
  requireOperation(ctx, 'changeReferral');
  return inTransaction(ctx, { pupilId: null, action: 'UPDATE', field: `Referral.${action}` }, (trx) => transitionIn(trx, ctx, input, action, details));
}

/** Applies one action of the caller to a referral, inside the caller's transaction. */
async function transitionIn(
  trx: Transaction<Tables>,
  ctx: RequestContext,
  input: { referralId: string; version: number },
  action: ReferralAction,
  details: TransitionDetails,
): Promise<ReferralRow> {
  let referral = await ctx.data
    .in(trx)
    .referrals()
    .selectAll('referrals')
    .where('referrals.id', '=', input.referralId.toLowerCase())
    .executeTakeFirst();
  if (!referral) throw NO_REFERRAL();
  const party = partyOf(referral, ctx.actor.organisationId)!;
  if (referral.version !== input.version)
    throw apiError('CONFLICT', `the referral changed since version ${input.version} (it is now at version ${referral.version}); reload it and try again`, {
      currentVersion: referral.version,
    });
  // The receiver's first action on an unopened referral opens it: legal when the action is legal
  // once received. Checked first, so a refusal names the status the caller saw.
  const opening = party === 'RECEIVER' && referral.status === 'REQUESTED' && action !== 'RECEIVE' && action !== 'REVOKE_CONSENT';
  if (opening && !findTransition('RECEIVED', action, party)) refuse(referral, action, party, ctx.actor.organisationId);
  if (opening) referral = await applyIn(trx, ctx, referral, 'RECEIVE', party, {});
  return applyIn(trx, ctx, referral, action, party, details);
}

/** An illegal action: the error names the current status and what the caller can do instead. */
function refuse(referral: ReferralRow, action: ReferralAction, party: Party, organisationId: string): never {
  const allowed = actionsFor(referral, organisationId);
  throw badInput(
    `cannot ${action} a referral that is ${referral.status} as its ${party.toLowerCase()}; ` +
      (allowed.length > 0 ? `allowed now: ${allowed.join(', ')}` : 'no action is allowed now'),
    { currentStatus: referral.status, allowedActions: allowed },
  );
}

async function applyIn(
  trx: Transaction<Tables>,
  ctx: RequestContext,
  referral: ReferralRow,
  action: ReferralAction,
  party: Party,
  details: TransitionDetails,
): Promise<ReferralRow> {
  const status = referral.status as ReferralStatus;
  const transition = findTransition(status, action, party);
  if (!transition) refuse(referral, action, party, ctx.actor.organisationId);
  if (action === 'REVOKE_CONSENT' && (referral.legal_basis !== 'CONSENT' || referral.consent_revoked_at !== null))
    throw badInput('this referral does not rest on consent that is still in force', { argument: 'input.referralId' });
  const to = transition.to ?? status;
  const closing = CLOSED_STATUSES.includes(to) && !CLOSED_STATUSES.includes(status);
  // Optimistic concurrency: the row changes only if nobody changed it since we read it.
  const updated = await trx
    .updateTable('referrals')
    .set({
      status: to,
      version: referral.version + 1,
      updated_at: ctx.now,
      ...(action === 'RECEIVE' ? { received_at: ctx.now } : {}),
      ...(closing ? { closed_at: ctx.now } : {}),
      ...(action === 'COMPLETE' ? { outcome: details.outcome ?? null, outcome_successful: details.successful ?? null } : {}),
      ...(action === 'FAIL' ? { outcome: details.reason ?? null, outcome_successful: false } : {}),
      ...(action === 'HAND_OVER' ? { outcome_successful: true } : {}),
      ...(action === 'REVOKE_CONSENT' ? { consent_revoked_at: ctx.now } : {}),
    })
    .where('id', '=', referral.id)
    .where('version', '=', referral.version)
    .returningAll()
    .executeTakeFirst();
  if (!updated)
    throw apiError('CONFLICT', 'the referral was changed by someone else at the same moment; reload it and try again');
  const reason = action === 'COMPLETE' ? (details.outcome ?? null) : (details.reason ?? null);
  await insertEvent(trx, ctx, referral.id, action, status, to, reason, statusReason(action, details.reasonCode));
  ctx.audit.record({ pupilId: referral.pupil_id, action: 'UPDATE', outcome: 'GRANTED', category: 'REFERRAL', field: `Referral.${action}` });
  return updated;
}

/** The coded reason of a step: one of its action's codes (OTHER when none was given), or null. */
function statusReason(action: ReferralAction, code: string | null | undefined): StatusReasonCode | null {
  const allowed: readonly StatusReasonCode[] | undefined = STATUS_REASONS[action as StatusReasonAction];
  if (!allowed) return null;
  if (!code) return allowed.includes('OTHER') ? 'OTHER' : allowed[0]!;
  const known = allowed.find((allowedCode) => allowedCode === code);
  if (!known) throw badInput(`input.reasonCode: ${code} is not a reason for ${action}; use one of ${allowed.join(', ')}`, { argument: 'input.reasonCode', allowed });
  return known;
}

async function insertEvent(
  trx: Db,
  ctx: RequestContext | null,
  referralId: string,
  action: ReferralAction,
  from: ReferralStatus | null,
  to: ReferralStatus,
  reason: string | null,
  reasonCode: StatusReasonCode | null,
  system?: { orgId: string; now: Date },
): Promise<void> {
  const id = newId();
  const actorOrgId = ctx ? ctx.actor.organisationId : system!.orgId;
  const occurredAt = ctx ? ctx.now : system!.now;
  await trx
    .insertInto('referral_events')
    .values({
      id,
      referral_id: referralId,
      action,
      from_status: from,
      to_status: to,
      actor_org_id: ctx ? ctx.actor.organisationId : system!.orgId,
      actor_subject: ctx ? ctx.actor.subject : 'ketenhub',
      actor_role: ctx ? ctx.actor.role : 'SYSTEM',
      reason,
      reason_code: reasonCode,
      occurred_at: occurredAt,
    })
    .execute();
  await recordHubEvent(trx, {
    kind: action === 'CREATE' ? 'REFERRAL_CREATED' : 'REFERRAL_CHANGED',
    referralId,
    subjectId: id,
    action,
    actorOrgId,
    occurredAt,
  });
}

/**
 * Opening a referral marks it received: called when its receiver reads it by id. Runs in its own
 * transaction; a concurrent change simply wins (the read still succeeds).
 */
export async function receiveOnOpen(ctx: RequestContext, referral: ReferralRow): Promise<ReferralRow> {
  if (referral.status !== 'REQUESTED' || referral.receiver_org_id !== ctx.actor.organisationId) return referral;
  if (!mayPerform(ctx.actor.organisationKind, ctx.actor.role, 'changeReferral')) return referral;
  const before = ctx.audit.snapshot();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const updated = await applyIn(trx, ctx, referral, 'RECEIVE', 'RECEIVER', {});
      await ctx.audit.flush(trx);
      return updated;
    });
  } catch (error) {
    ctx.audit.restore(before);
    if (error instanceof HubError && error.code === 'CONFLICT') return referral;
    throw error;
  }
}

/**
 * The expiry job: referrals left REQUESTED for 30 days are cancelled, with an EXPIRE event by the
 * system. Returns how many expired. Safe to run on several instances at once (version checks).
 */
export async function expireStaleReferrals(db: Kysely<Tables>, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - EXPIRE_AFTER_DAYS * 24 * 3600_000);
  const stale = await systemData(db, 'expiry')
    .selectFrom('referrals')
    .select(['id', 'version', 'sender_org_id'])
    .where('status', '=', 'REQUESTED')
    .where('created_at', '<', cutoff)
    .orderBy('created_at')
    .limit(1000)
    .execute();
  let expired = 0;
  for (const referral of stale) {
    const done = await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('referrals')
        .set({ status: 'CANCELLED', version: referral.version + 1, updated_at: now, closed_at: now })
        .where('id', '=', referral.id)
        .where('version', '=', referral.version)
        .where('status', '=', 'REQUESTED')
        .returning('id')
        .executeTakeFirst();
      if (!updated) return false;
      await insertEvent(trx, null, referral.id, 'EXPIRE', 'REQUESTED', 'CANCELLED', `not received within ${EXPIRE_AFTER_DAYS} days`, 'NOT_RECEIVED_IN_TIME', {
        orgId: referral.sender_org_id,
        now,
      });
      return true;
    });
    if (done) expired++;
  }
  return expired;
}

/** The actions the caller's organisation may take on a referral now. */
export function actionsFor(referral: ReferralRow, organisationId: string): string[] {
  const party = partyOf(referral, organisationId);
  if (!party) return [];
  return allowedActions(referral.status as ReferralStatus, party).filter(
    (action) => action !== 'REVOKE_CONSENT' || (referral.legal_basis === 'CONSENT' && referral.consent_revoked_at === null),
  );
}

/**
 * The SQL twin of isOverdue, for referrals aliased `alias`. Never NULL (a referral without a
 * deadline is not overdue), so that NOT of it is exactly the referrals that are not overdue.
 */
export function overdueReferrals(alias: string, now: Date) {
  return (eb: ExpressionBuilder<any, any>): Expression<SqlBool> =>
    eb.or([
      eb.and([eb(`${alias}.status`, '=', 'REQUESTED'), eb(`${alias}.receive_due_at`, 'is not', null), eb(`${alias}.receive_due_at`, '<', now)]),
      eb.and([eb(`${alias}.status`, 'in', ['REQUESTED', 'RECEIVED']), eb(`${alias}.response_due_at`, 'is not', null), eb(`${alias}.response_due_at`, '<', now)]),
    ]);
}

/** Whether a response deadline has passed without the response. */
export function isOverdue(referral: ReferralRow, now: Date): boolean {
  if (referral.status === 'REQUESTED' && referral.receive_due_at && new Date(referral.receive_due_at) < now) return true;
  return (
    (referral.status === 'REQUESTED' || referral.status === 'RECEIVED') &&
    referral.response_due_at !== null &&
    new Date(referral.response_due_at) < now
  );
}
