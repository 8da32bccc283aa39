// The executable schema: the SDL from schema/, the resolvers of each domain module, and the
// category guard wrapped around every tagged field.
import { createSchema } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { organisationResolvers } from '../organisations/resolvers.ts';
import { guardCategoryFields } from '../policy/category-guard.ts';
import { pupilResolvers } from '../pupils/resolvers.ts';
import { referralResolvers } from '../referrals/resolvers.ts';
import type { RequestContext } from './context.ts';
import { accessLogResolvers } from '../audit/queries.ts';
import { verificationResolvers } from '../audit/verifications.ts';
import { emergencyResolvers } from '../emergency/resolvers.ts';
import { nodeResolvers } from './node.ts';
import { noteResolvers } from '../notes/resolvers.ts';
import { outreachResolvers } from '../outreach/resolvers.ts';
import { rightsResolvers } from '../rights/resolvers.ts';
import { eventResolvers } from '../events/resolvers.ts';
import { tenancyResolvers } from '../tenancy/agreements.ts';
import { statisticsResolvers } from '../outreach/statistics.ts';
import { webhookResolvers } from '../events/webhook-resolvers.ts';
import { DateScalar, DateTimeScalar } from './scalars.ts';
import { readSchemaSource } from './sdl.ts';

/** `guardFields: false` leaves the tagged fields unwrapped: the benchmark's unguarded baseline only. */
export function buildHubSchema(options: { guardFields?: boolean } = {}): GraphQLSchema {
  const resolvers: Resolvers[] = [
    { Date: DateScalar, DateTime: DateTimeScalar },
    organisationResolvers,
    pupilResolvers,
    referralResolvers,
    noteResolvers,
    outreachResolvers,
    rightsResolvers,
    eventResolvers,
    webhookResolvers,
    nodeResolvers,
    emergencyResolvers,
    accessLogResolvers,
    verificationResolvers,
    tenancyResolvers,
    statisticsResolvers,
  ];
  const schema = createSchema<RequestContext>({
    typeDefs: readSchemaSource(),
    resolvers,
  });
  return options.guardFields === false ? schema : guardCategoryFields(schema);
}
