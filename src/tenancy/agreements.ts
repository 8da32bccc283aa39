// Cooperation between municipalities: each municipality is its own tenant, and a Leerlingzaken
// serves another municipality's pupils only by an explicit, dated agreement recorded here by the
// municipality whose pupils are served. The link it gives is in the row filters (access.ts); making
// and ending one is in the access log.
import { z } from 'zod';
import { newId } from '../db/ids.ts';
import type { MunicipalAgreementRow } from '../db/tables.ts';
import type { Resolvers } from '../generated/resolvers-types.ts';
import type { RequestContext } from '../graphql/context.ts';
import { badInput } from '../errors.ts';
import { parseInput, text, uuid } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';
import { ORGANISATION_ID } from '../organisations/resolvers.ts';
import { inTransaction } from '../referrals/service.ts';

const RecordInput = z
  .object({
    servingOrganisationId: z.string().regex(ORGANISATION_ID, 'must be an organisation id'),
    purpose: text(1000).refine((value) => value.length >= 10, 'must say what for and on which ground, in at least 10 characters'),
    validFrom: z.date(),
    validUntil: z.date().nullish(),
  })
  .refine((input) => !input.validUntil || input.validUntil > input.validFrom, { message: 'must be after validFrom', path: ['validUntil'] });
const EndInput = z.object({ id: uuid });

const inForce = (row: MunicipalAgreementRow, now: Date) =>
  row.ended_at === null && new Date(row.valid_from) <= now && (row.valid_until === null || new Date(row.valid_until) > now);

async function recordAgreement(ctx: RequestContext, raw: unknown): Promise<MunicipalAgreementRow> {
  requireOperation(ctx, 'agreeMunicipalCooperation');
  const input = parseInput(RecordInput, raw);
  const serving = await ctx.services.directory.get(input.servingOrganisationId);
  if (!serving || serving.kind !== 'LEERLINGZAKEN' || serving.municipality_code === ctx.actor.municipalityCode)
    throw badInput("input.servingOrganisationId must be another municipality's Leerlingzaken", { argument: 'input.servingOrganisationId' });
  return inTransaction(ctx, { pupilId: null, action: 'CREATE', field: 'Mutation.recordMunicipalAgreement' }, (trx) => {
    ctx.audit.record({ pupilId: null, action: 'CREATE', outcome: 'GRANTED', field: 'Mutation.recordMunicipalAgreement' });
    return trx
      .insertInto('municipal_agreements')
      .values({
        id: newId(),
        municipality_code: ctx.actor.municipalityCode,
        serving_org_id: serving.id,
        purpose: input.purpose,
        valid_from: input.validFrom,
        valid_until: input.validUntil ?? null,
        recorded_by_org_id: ctx.actor.organisationId,
        recorded_by_subject: ctx.actor.subject,
        recorded_at: ctx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

async function endAgreement(ctx: RequestContext, raw: unknown): Promise<MunicipalAgreementRow> {
  requireOperation(ctx, 'agreeMunicipalCooperation');
  const input = parseInput(EndInput, raw);
  return inTransaction(ctx, { pupilId: null, action: 'UPDATE', field: 'Mutation.endMunicipalAgreement' }, async (trx) => {
    const ended = await trx
      .updateTable('municipal_agreements')
      .set({ ended_at: ctx.now, ended_by_subject: ctx.actor.subject })
      .where('id', '=', input.id.toLowerCase())
      .where('municipality_code', '=', ctx.actor.municipalityCode)
      .where('ended_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!ended) throw badInput('no agreement of your municipality in force has this id', { argument: 'input.id' });
    ctx.audit.record({ pupilId: null, action: 'UPDATE', outcome: 'GRANTED', field: 'Mutation.endMunicipalAgreement' });
    return ended;
  });
}

export const tenancyResolvers: Resolvers = {
  Query: {
    municipalAgreements: async (_parent, _args, ctx) => {
      requireOperation(ctx, 'readMunicipalAgreements');
      return ctx.data.municipalAgreements().selectAll().orderBy('municipal_agreements.valid_from').orderBy('municipal_agreements.id').execute();
    },
  },
  Mutation: {
    recordMunicipalAgreement: (_parent, args, ctx) => recordAgreement(ctx, args.input),
    endMunicipalAgreement: (_parent, args, ctx) => endAgreement(ctx, args.input),
  },
  MunicipalAgreement: {
    municipality: async (row, _args, ctx) => (await ctx.services.directory.municipality(row.municipality_code))!,
    servingOrganisation: (row, _args, ctx) => ctx.services.directory.require(row.serving_org_id),
    validFrom: (row) => row.valid_from,
    validUntil: (row) => row.valid_until,
    recordedAt: (row) => row.recorded_at,
    endedAt: (row) => row.ended_at,
    inForce: (row, _args, ctx) => inForce(row, ctx.now),
  },
};
