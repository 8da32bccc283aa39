// Coordination (regie): which organisations work on a pupil through open referrals, who holds the
// coordinating role, and handing that role over with the other's acceptance. Involvement that is
// secret to the caller (a referral of Veilig Thuis, the crisis team or the police it is not party
// to) never shows, not even through the coordinator.
import { newId } from '../db/ids.ts';
import { z } from 'zod';
import type { CoordinationTransferRow, PupilRow } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { apiError, badInput } from '../graphql/errors.ts';
import { parseInput } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';
import { SECRET_INVOLVEMENT_KINDS } from '../policy/policy.ts';
import { OPEN_REFERRAL_STATUSES, type OrganisationKind } from '../policy/vocabulary.ts';

export interface InvolvementModel {
  organisationId: string;
  since: Date;
  coordinating: boolean;
}

interface OpenReferral {
  sender_org_id: string;
  receiver_org_id: string;
  created_at: Date;
}

/** All organisations involved through open referrals, in order of involvement, and the coordinator. */
async function involvementOf(ctx: RequestContext, pupilId: string, visibleTo: string | null) {
  const referrals = await ctx.db
    .selectFrom('referrals')
    .select(['sender_org_id', 'receiver_org_id', 'created_at'])
    .where('pupil_id', '=', pupilId)
    .where('status', 'in', [...OPEN_REFERRAL_STATUSES])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const stored = await ctx.db.selectFrom('pupil_coordination').selectAll().where('pupil_id', '=', pupilId).executeTakeFirst();
  const isSecret = async (orgId: string) =>
    SECRET_INVOLVEMENT_KINDS.includes((await ctx.services.directory.require(orgId)).kind as OrganisationKind);
  const shown: OpenReferral[] = [];
  for (const referral of referrals) {
    const party = visibleTo === referral.sender_org_id || visibleTo === referral.receiver_org_id;
    const secret = (await isSecret(referral.sender_org_id)) || (await isSecret(referral.receiver_org_id));
    if (visibleTo === null || party || !secret) shown.push(referral);
  }
  const since = new Map<string, Date>();
  for (const referral of (visibleTo === null ? referrals : shown)) {
    for (const org of [referral.sender_org_id, referral.receiver_org_id]) if (!since.has(org)) since.set(org, new Date(referral.created_at));
  }
  const all = new Set(referrals.flatMap((r) => [r.sender_org_id, r.receiver_org_id]));
  // The coordinator: as agreed, or else whoever started the earliest open referral — preferably an
  // organisation whose involvement is not secret, so that every involved party can see who it is.
  let started: string | null = null;
  for (const referral of referrals) if (!started && !(await isSecret(referral.sender_org_id))) started = referral.sender_org_id;
  const coordinator = stored && all.has(stored.org_id) ? stored.org_id : (started ?? referrals[0]?.sender_org_id ?? null);
  return { since, coordinator, involved: all, count: all.size };
}

export async function pupilInvolvement(ctx: RequestContext, pupil: PupilRow): Promise<InvolvementModel[]> {
  const { since, coordinator } = await involvementOf(ctx, pupil.id, ctx.actor.organisationId);
  if (since.size < 2) return [];
  return [...since].map(([organisationId, at]) => ({ organisationId, since: at, coordinating: organisationId === coordinator }));
}

const ProposeInput = z.object({
  pupilId: z.string().uuid('must be a pupil id (a UUID)'),
  toOrganisationId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be an organisation id'),
});
const RespondInput = z.object({ transferId: z.string().uuid('must be a transfer id (a UUID)'), accept: z.boolean() });

export async function proposeCoordinationTransfer(ctx: RequestContext, raw: unknown): Promise<CoordinationTransferRow> {
  requireOperation(ctx, 'coordinate');
  const input = parseInput(ProposeInput, raw);
  const pupil = await ctx.loaders.pupilById.load(input.pupilId.toLowerCase());
  if (!pupil) throw badInput('no pupil with this id that you may see', { argument: 'input.pupilId' });
  const { coordinator, involved } = await involvementOf(ctx, pupil.id, null);
  if (coordinator !== ctx.actor.organisationId)
    throw badInput('only the organisation holding the coordinating role can hand it over', { argument: 'input.pupilId' });
  // Only to an organisation the proposer can see is involved (never reveals a secret involvement).
  const visible = await involvementOf(ctx, pupil.id, ctx.actor.organisationId);
  if (!involved.has(input.toOrganisationId) || !visible.since.has(input.toOrganisationId) || input.toOrganisationId === ctx.actor.organisationId)
    throw badInput('input.toOrganisationId must be another organisation involved through an open referral', { argument: 'input.toOrganisationId' });
  try {
    return await ctx.db
      .insertInto('coordination_transfers')
      .values({
        id: newId(),
        pupil_id: pupil.id,
        from_org_id: ctx.actor.organisationId,
        to_org_id: input.toOrganisationId,
        status: 'PROPOSED',
        proposed_by_subject: ctx.actor.subject,
        proposed_at: ctx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    if (/coordination_transfers_one_open|unique/i.test((error as Error).message))
      throw apiError('CONFLICT', 'a hand-over of the coordinating role for this pupil is already waiting for an answer');
    throw error;
  }
}

export async function respondToCoordinationTransfer(ctx: RequestContext, raw: unknown): Promise<CoordinationTransferRow> {
  requireOperation(ctx, 'coordinate');
  const input = parseInput(RespondInput, raw);
  return ctx.db.transaction().execute(async (trx) => {
    const decided = await trx
      .updateTable('coordination_transfers')
      .set({ status: input.accept ? 'ACCEPTED' : 'DECLINED', decided_at: ctx.now, decided_by_subject: ctx.actor.subject })
      .where('id', '=', input.transferId.toLowerCase())
      .where('to_org_id', '=', ctx.actor.organisationId)
      .where('status', '=', 'PROPOSED')
      .returningAll()
      .executeTakeFirst();
    if (!decided) throw badInput('no proposal waiting for your organisation has this id', { argument: 'input.transferId' });
    if (input.accept) {
      const since = ctx.now;
      await trx
        .insertInto('pupil_coordination')
        .values({ pupil_id: decided.pupil_id, org_id: ctx.actor.organisationId, since })
        .onConflict((oc) => oc.column('pupil_id').doUpdateSet({ org_id: ctx.actor.organisationId, since }))
        .execute();
    }
    return decided;
  });
}

/** The open proposal about a pupil, shown to its two parties only. */
export async function pendingTransfer(ctx: RequestContext, pupil: PupilRow): Promise<CoordinationTransferRow | null> {
  const row = await ctx.db
    .selectFrom('coordination_transfers')
    .selectAll()
    .where('pupil_id', '=', pupil.id)
    .where('status', '=', 'PROPOSED')
    .where((eb) => eb.or([eb('from_org_id', '=', ctx.actor.organisationId), eb('to_org_id', '=', ctx.actor.organisationId)]))
    .executeTakeFirst();
  return row ?? null;
}

