import { expressionBuilder, sql, type ExpressionBuilder } from 'kysely';
import { referralLinksActor } from '../policy/access.ts';
import { z } from 'zod';
import type { Tables } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { parseFilter, parseInput } from '../graphql/input.ts';
import {
  ActionInput,
  actionsFor,
  CompleteInput,
  createReferral,
  handOverReferral,
  isOverdue,
  overdueReferrals,
  ReasonedInput,
  receiveOnOpen,
  RejectInput,
  transitionReferral,
} from './service.ts';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { badInput } from '../errors.ts';
import { BY_ID, isUuid, keysetConnection, parsePage, type KeyColumn } from '../graphql/pagination.ts';
import { REFERRAL_STATUSES, URGENCIES } from '../policy/vocabulary.ts';

/**
 * Another organisation's person as a stable pseudonymous staff id: keyed (the access log's pseudonym
 * key) over organisation and person, so it tells events of the same person apart without naming them.
 */
function staffPseudonym(ctx: RequestContext, organisationId: string, subject: string): string {
  return `medewerker-${ctx.services.accessLog.pseudonym(`staff:${organisationId}:${subject}`).slice(0, 12)}`;
}

const ReferralFilter = z
  .object({
    status: z.array(z.enum(REFERRAL_STATUSES)).min(1, 'must name at least one status').max(REFERRAL_STATUSES.length),
    urgency: z.enum(URGENCIES),
    direction: z.enum(['SENT', 'RECEIVED']),
    overdue: z.boolean(),
    awaitingMyDecision: z.boolean(),
    dueBefore: z.date(),
  })
  .partial();

/**
 * The orders of the referrals list, each with its own cursor kind: a cursor encodes the order's key,
 * so it cannot continue another order. Deadline first puts referrals without a deadline last.
 */
const REFERRAL_ORDERS: Record<'ID' | 'DEADLINE' | 'NEWEST', { kind: string; keys: (ctx: RequestContext) => KeyColumn[] }> = {
  ID: { kind: 'referral', keys: () => BY_ID('referrals') },
  DEADLINE: {
    kind: 'referral-by-deadline',
    keys: (ctx) => [
      { column: 'order_deadline', expression: pendingDeadline(ctx), type: 'timestamptz', nullAs: '9999-12-31T23:59:59.999Z' },
      { column: 'referrals.id', type: 'uuid' },
    ],
  },
  NEWEST: {
    kind: 'referral-newest',
    keys: () => [
      { column: 'referrals.created_at', type: 'timestamptz', descending: true },
      { column: 'referrals.id', type: 'uuid', descending: true },
    ],
  },
};

/**
 * The deadline a referral is ordered by: its response deadline while it awaits that response
 * (REQUESTED, RECEIVED) and links the caller (a party whose link ended no longer reads the
 * deadline, so the order must not tell it either); otherwise none (last).
 */
function pendingDeadline(ctx: RequestContext) {
  return sql<Date | null>`case when referrals.status in ('REQUESTED', 'RECEIVED') and ${referralLinksActor(expressionBuilder<Tables, 'referrals'>(), 'referrals', ctx.actor, ctx.now)} then referrals.response_due_at end`;
}

export const referralResolvers: Resolvers = {
  Query: {
    referrals: async (_parent, args, ctx) => {
      const order = REFERRAL_ORDERS[args.orderBy ?? 'ID'];
      if (!order) throw badInput('orderBy must be one of ID, DEADLINE, NEWEST', { argument: 'orderBy' });
      const keys = order.keys(ctx);
      const page = parsePage(args, order.kind, keys);
      const filter = parseFilter(ReferralFilter, args.filter);
      let query = ctx.data.referrals();
      // A referral made by mistake is left out of lists unless asked for by its status.
      query = filter.status ? query.where('referrals.status', 'in', filter.status) : query.where('referrals.status', '<>', 'ENTERED_IN_ERROR');
      if (filter.urgency) query = query.where('referrals.urgency', '=', filter.urgency);
      if (filter.direction === 'SENT') query = query.where('referrals.sender_org_id', '=', ctx.actor.organisationId);
      if (filter.direction === 'RECEIVED') query = query.where('referrals.receiver_org_id', '=', ctx.actor.organisationId);
      if (filter.dueBefore) query = query.where('referrals.response_due_at', '<', filter.dueBefore);
      if (filter.awaitingMyDecision !== undefined) {
        const awaiting = (eb: ExpressionBuilder<Tables, 'referrals'>) =>
          eb.and([eb('referrals.receiver_org_id', '=', ctx.actor.organisationId), eb('referrals.status', 'in', ['REQUESTED', 'RECEIVED'])]);
        query = query.where((eb) => (filter.awaitingMyDecision ? awaiting(eb) : eb.not(awaiting(eb))));
      }
      if (filter.overdue !== undefined) {
        const overdue = overdueReferrals('referrals', ctx.now);
        query = query.where((eb) => (filter.overdue ? overdue(eb) : eb.not(overdue(eb))));
      }
      const computed = keys.filter((key) => key.expression);
      return keysetConnection(
        query,
        (q) => computed.reduce((selected, key) => selected.select(key.expression!.as(key.column)), q.selectAll('referrals')),
        keys,
        page,
        order.kind,
      );
    },
    // Opening a referral by id is what marks it received by its receiver.
    referral: async (_parent, args, ctx) => {
      if (!isUuid(args.id)) throw badInput('id must be a referral id (a UUID)', { argument: 'id' });
      const referral = await ctx.loaders.referralById.load(args.id.toLowerCase());
      return referral ? receiveOnOpen(ctx, referral) : null;
    },
  },
  Mutation: {
    createReferral: (_parent, args, ctx) => createReferral(ctx, args.input),
    receiveReferral: (_parent, args, ctx) => transitionReferral(ctx, parseInput(ActionInput, args.input), 'RECEIVE'),
    acceptReferral: (_parent, args, ctx) => transitionReferral(ctx, parseInput(ActionInput, args.input), 'ACCEPT'),
    rejectReferral: (_parent, args, ctx) => {
      const input = parseInput(RejectInput, args.input);
      return transitionReferral(ctx, input, 'REJECT', { reason: input.explanation, reasonCode: input.reason });
    },
    startReferral: (_parent, args, ctx) => transitionReferral(ctx, parseInput(ActionInput, args.input), 'START'),
    putReferralOnHold: (_parent, args, ctx) => {
      const input = parseInput(ReasonedInput, args.input);
      return transitionReferral(ctx, input, 'PUT_ON_HOLD', { reason: input.reason, reasonCode: input.reasonCode ?? null });
    },
    resumeReferral: (_parent, args, ctx) => transitionReferral(ctx, parseInput(ActionInput, args.input), 'RESUME'),
    completeReferral: (_parent, args, ctx) => {
      const input = parseInput(CompleteInput, args.input);
      return transitionReferral(ctx, input, 'COMPLETE', { outcome: input.outcome, successful: input.successful });
    },
    failReferral: (_parent, args, ctx) => {
      const input = parseInput(ReasonedInput, args.input);
      return transitionReferral(ctx, input, 'FAIL', { reason: input.reason, reasonCode: input.reasonCode ?? null });
    },
    cancelReferral: (_parent, args, ctx) => {
      const input = parseInput(ReasonedInput, args.input);
      return transitionReferral(ctx, input, 'CANCEL', { reason: input.reason, reasonCode: input.reasonCode ?? null });
    },
    handOverReferral: (_parent, args, ctx) => handOverReferral(ctx, args.input),
    revokeConsent: (_parent, args, ctx) => transitionReferral(ctx, parseInput(ActionInput, args.input), 'REVOKE_CONSENT'),
    markReferralEnteredInError: (_parent, args, ctx) => {
      const input = parseInput(ReasonedInput, args.input);
      return transitionReferral(ctx, input, 'ENTER_IN_ERROR', { reason: input.reason, reasonCode: input.reasonCode ?? null });
    },
  },
  Referral: {
    // Null when the caller's link to the pupil has ended (e.g. the referral was cancelled).
    pupil: (referral, _args, ctx) => ctx.loaders.pupilById.load(referral.pupil_id),
    sender: (referral, _args, ctx) => ctx.services.directory.require(referral.sender_org_id),
    receiver: (referral, _args, ctx) => ctx.services.directory.require(referral.receiver_org_id),
    sharedCategories: (referral) => referral.shared_categories,
    legalBasis: (referral) => referral.legal_basis,
    consent: (referral) =>
      referral.legal_basis === 'CONSENT' && referral.consent_given_by && referral.consent_valid_from
        ? {
            givenBy: referral.consent_given_by,
            validFrom: referral.consent_valid_from,
            validUntil: referral.consent_valid_until,
            revokedAt: referral.consent_revoked_at,
          }
        : null,
    responseDueAt: (referral) => referral.response_due_at,
    createdAt: (referral) => referral.created_at,
    updatedAt: (referral) => referral.updated_at,
    closedAt: (referral) => referral.closed_at,
    handedOverFrom: (referral, _args, ctx) =>
      referral.handed_over_from_id ? ctx.loaders.referralById.load(referral.handed_over_from_id) : null,
    events: (referral, _args, ctx) => ctx.loaders.eventsByReferral.load(referral.id),
    latestEvent: (referral, _args, ctx) => ctx.loaders.latestEventByReferral.load(referral.id),
    handedOverTo: (referral, _args, ctx) => ctx.loaders.handedOverTo.load(referral.id),
    allowedActions: (referral, _args, ctx) => actionsFor(referral, ctx.actor.organisationId),
    overdue: (referral, _args, ctx) => isOverdue(referral, ctx.now),
    receiveDueAt: (referral) => referral.receive_due_at,
    receivedAt: (referral) => referral.received_at,
    outcomeSuccessful: (referral) => referral.outcome_successful,
  },
  ReferralEvent: {
    fromStatus: (event) => event.from_status,
    toStatus: (event) => event.to_status,
    organisation: (event, _args, ctx) => ctx.services.directory.require(event.actor_org_id),
    role: (event) => event.actor_role,
    reasonCode: (event) => event.reason_code,
    actor: (event, _args, ctx) =>
      event.actor_role === 'SYSTEM' || event.actor_org_id === ctx.actor.organisationId ? event.actor_subject : staffPseudonym(ctx, event.actor_org_id, event.actor_subject),
    occurredAt: (event) => event.occurred_at,
  },
};
