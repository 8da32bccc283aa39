// What retention keeps of closed cases whose period ended: counts without a pupil or a person
// (out_of_view_statistics, filled by the retention run). Read by the municipality that worked the
// cases and by the school that reported them, for the purpose the register names: how many pupils
// were out of view, and what brought them back.
import { z } from 'zod';
import type { Resolvers } from '../generated/resolvers-types.ts';
import type { RequestContext } from '../graphql/context.ts';
import { badInput } from '../errors.ts';
import { parseInput } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';

const MAX_MONTHS = 120;
const Period = z
  .object({ from: z.string(), to: z.string() })
  .refine((period) => period.from <= period.to, { message: 'must not be after to', path: ['from'] });

const monthOf = (date: string) => `${date.slice(0, 7)}-01`;

async function statistics(ctx: RequestContext, raw: unknown) {
  requireOperation(ctx, 'readOutOfViewStatistics');
  const period = parseInput(Period, raw);
  const [fromMonth, toMonth] = [monthOf(period.from), monthOf(period.to)];
  const months = (Number(toMonth.slice(0, 4)) - Number(fromMonth.slice(0, 4))) * 12 + Number(toMonth.slice(5, 7)) - Number(fromMonth.slice(5, 7));
  if (months >= MAX_MONTHS) throw badInput(`from and to may be at most ${MAX_MONTHS / 12} years apart`, { argument: 'from' });
  let query = ctx.db
    .selectFrom('out_of_view_statistics')
    .selectAll()
    .where('month', '>=', fromMonth)
    .where('month', '<=', toMonth);
  // A school: the cases it reported; Leerlingzaken (its coordinators and privacy officer): the cases
  // it worked, which are its municipality's pupils'.
  query = query.where(ctx.actor.organisationKind === 'SCHOOL' ? 'reporting_school_id' : 'leerlingzaken_org_id', '=', ctx.actor.organisationId);
  ctx.audit.record({ pupilId: null, action: 'READ', outcome: 'GRANTED', field: 'Query.outOfViewStatistics' });
  return query.orderBy('month').orderBy('reporting_school_id').orderBy('outcome').orderBy('urgent').execute();
}

export const statisticsResolvers: Resolvers = {
  Query: {
    outOfViewStatistics: (_parent, args, ctx) => statistics(ctx, args),
  },
  OutOfViewStatistic: {
    month: (row) => row.month,
    leerlingzaken: (row, _args, ctx) => ctx.services.directory.require(row.leerlingzaken_org_id),
    reportingSchool: (row, _args, ctx) => ctx.services.directory.require(row.reporting_school_id),
  },
};
