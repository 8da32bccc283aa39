// Coordination (regie): which organisations work on a pupil through open referrals, who holds the
// coordinating role, and handing that role over with the other's acceptance. Involvement that is
// secret to the caller (a referral of Veilig Thuis, the crisis team or the police it is not party
// to) never shows, not even through the coordinator.
import { newId } from '../db/ids.ts';
import { z } from 'zod';
import type { CoordinationTransferRow, PupilRow } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { apiError, badInput } from '../errors.ts';
import { parseInput } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';
import { isSecretKind } from '../policy/gateway.ts';

export interface InvolvementModel {
  organisationId: string;
  since: Date;
  coordinating: boolean;
}

export async function pupilInvolvement(ctx: RequestContext, pupil: PupilRow): Promise<InvolvementModel[]> {
  const { since, coordinator } = await ctx.data.involvement(pupil.id);
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
  const { coordinator, since } = await ctx.data.involvement(pupil.id);
  if (coordinator !== ctx.actor.organisationId)
    throw badInput('only the organisation holding the coordinating role can hand it over', { argument: 'input.pupilId' });
  // Only to an organisation the proposer can see is involved (never reveals a secret involvement).
  if (!since.has(input.toOrganisationId) || input.toOrganisationId === ctx.actor.organisationId)
    throw badInput('input.toOrganisationId must be another organisation involved through an open referral', { argument: 'input.toOrganisationId' });
  // Every involved party sees who coordinates: an organisation whose involvement is itself secret
  // (Veilig Thuis, the crisis team, the police) cannot hold the role without revealing that.
  const receiving = await ctx.services.directory.require(input.toOrganisationId);
  if (isSecretKind(receiving.kind))
    throw badInput(
      'input.toOrganisationId: the coordinating role is shown to every involved partner, so it cannot go to an organisation whose involvement is kept from them (Veilig Thuis, the crisis team, the police)',
      { argument: 'input.toOrganisationId' },
    );
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
  const row = await ctx.data
    .coordinationTransfers()
    .selectAll()
    .where('coordination_transfers.pupil_id', '=', pupil.id)
    .where('coordination_transfers.status', '=', 'PROPOSED')
    .executeTakeFirst();
  return row ?? null;
}

