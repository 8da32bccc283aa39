// Emergency access (break the glass, doorbreken) and its review by privacy officers.
import { newId } from '../db/ids.ts';
import { z } from 'zod';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { apiError, badInput } from '../errors.ts';
import { parseInput } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';
import { BY_TIME, isUuid, keysetConnection, parsePage } from '../graphql/pagination.ts';
import { EMERGENCY_ACCESS } from '../policy/policy.ts';
import type { RequestContext } from '../graphql/context.ts';

const OpenInput = z
  .object({
    pupilId: z.string().regex(/^[0-9a-fA-F-]{36}$/, 'must be a pupil id (a UUID)').nullish(),
    bsn: z.string().regex(/^[0-9]{9}$/, 'must be 9 digits').nullish(),
    reason: z
      .string()
      .trim()
      .min(EMERGENCY_ACCESS.minReasonLength, `must say why, in at least ${EMERGENCY_ACCESS.minReasonLength} characters`)
      .max(1000, 'must be at most 1000 characters'),
    hours: z.number().int('must be a whole number').min(1, 'must be at least 1').max(EMERGENCY_ACCESS.maxHours, `must be at most ${EMERGENCY_ACCESS.maxHours}`).nullish(),
  })
  .refine((input) => Boolean(input.pupilId) !== Boolean(input.bsn), { message: 'name the pupil by exactly one of pupilId or bsn', path: ['pupilId'] });

const ReviewInput = z.object({
  id: z.string().refine(isUuid, 'must be an emergency access id (a UUID)'),
  verdict: z.enum(['JUSTIFIED', 'UNJUSTIFIED']),
  note: z.string().trim().max(2000, 'must be at most 2000 characters').nullish(),
});

/** The emergency accesses a privacy officer oversees: her organisation's, and her municipality's pupils'. */
const reviewScope = (ctx: RequestContext) => ctx.data.reviewableEmergencyAccesses();

/** Checks the request; a refused attempt to break the glass is itself a record (outcome REFUSED). */
function parseOpenInput(ctx: RequestContext, raw: unknown) {
  try {
    return parseInput(OpenInput, raw);
  } catch (error) {
    ctx.audit.record({ pupilId: null, action: 'EMERGENCY', outcome: 'REFUSED', field: 'Mutation.openEmergencyAccess', emergency: true });
    throw error;
  }
}

export const emergencyResolvers: Resolvers = {
  Mutation: {
    openEmergencyAccess: async (_parent, args, ctx) => {
      requireOperation(ctx, 'openEmergencyAccess');
      const input = parseOpenInput(ctx, args.input);
      const hours = input.hours ?? EMERGENCY_ACCESS.maxHours;
      return ctx.db.transaction().execute(async (trx) => {
        const pupil = await ctx.data
          .in(trx)
          .emergencyCandidates()
          .select('pupils.id')
          .$if(Boolean(input.pupilId), (q) => q.where('pupils.id', '=', input.pupilId!.toLowerCase()))
          .$if(Boolean(input.bsn), (q) => q.where('pupils.bsn', '=', input.bsn!))
          .executeTakeFirst();
        if (!pupil) {
          // Logged too: a search for a pupil under emergency access is itself an access attempt.
          ctx.audit.record({ pupilId: null, action: 'EMERGENCY', outcome: 'REFUSED', field: input.bsn ? 'OpenEmergencyAccessInput.bsn' : 'OpenEmergencyAccessInput.pupilId', emergency: true });
          throw badInput('no pupil with this id or BSN', { argument: input.bsn ? 'input.bsn' : 'input.pupilId' });
        }
        const openedAt = ctx.now;
        const row = await trx
          .insertInto('emergency_accesses')
          .values({
            id: newId(),
            pupil_id: pupil.id,
            org_id: ctx.actor.organisationId,
            actor_subject: ctx.actor.subject,
            actor_role: ctx.actor.role,
            reason: input.reason,
            opened_at: openedAt,
            expires_at: new Date(openedAt.getTime() + hours * 3600_000),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        // Written with the change, in the same transaction: no access without its record.
        ctx.audit.record({ pupilId: pupil.id, action: 'EMERGENCY', outcome: 'GRANTED', field: 'Mutation.openEmergencyAccess', emergency: true });
        await ctx.audit.flush(trx);
        ctx.log.warn({ emergencyAccessId: row.id, hours }, 'emergency access opened');
        return row;
      });
    },
    reviewEmergencyAccess: async (_parent, args, ctx) => {
      requireOperation(ctx, 'reviewEmergencyAccess');
      const input = parseInput(ReviewInput, args.input);
      const row = await reviewScope(ctx)
        .where('emergency_accesses.id', '=', input.id.toLowerCase())
        .where('emergency_accesses.reviewed_at', 'is', null)
        .select('id')
        .executeTakeFirst();
      if (!row) throw badInput('no emergency access awaiting your review has this id', { argument: 'input.id' });
      const updated = await ctx.db
        .updateTable('emergency_accesses')
        .set({
          reviewed_at: ctx.now,
          reviewer_subject: ctx.actor.subject,
          reviewer_org_id: ctx.actor.organisationId,
          review_verdict: input.verdict,
          review_note: input.note ?? null,
        })
        .where('id', '=', row.id)
        .where('reviewed_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (!updated) throw apiError('CONFLICT', 'this emergency access was reviewed meanwhile');
      return updated;
    },
  },
  Query: {
    emergencyAccessesAwaitingReview: async (_parent, args, ctx) => {
      requireOperation(ctx, 'reviewEmergencyAccess');
      const page = parsePage(args, 'emergencyAccess', BY_TIME('emergency_accesses', 'opened_at'));
      const query = reviewScope(ctx).where('emergency_accesses.reviewed_at', 'is', null);
      return keysetConnection(query, (q) => q.selectAll('emergency_accesses'), BY_TIME('emergency_accesses', 'opened_at'), page, 'emergencyAccess');
    },
  },
  EmergencyAccess: {
    pupil: (row, _args, ctx) => ctx.loaders.pupilById.load(row.pupil_id),
    organisation: (row, _args, ctx) => ctx.services.directory.require(row.org_id),
    role: (row) => row.actor_role,
    subject: (row) => row.actor_subject,
    openedAt: (row) => row.opened_at,
    expiresAt: (row) => row.expires_at,
    reviewedAt: (row) => row.reviewed_at,
    verdict: (row) => row.review_verdict,
    reviewNote: (row) => row.review_note,
  },
};
