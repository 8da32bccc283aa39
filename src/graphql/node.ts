// Relay's `node(id:)`: one lookup for anything with an id, through the same visibility filters as
// the typed queries. Invisible and non-existent ids give the same null.
import type { OrganisationRow, PupilRow, ReferralRow } from '../db/tables.ts';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { ORGANISATION_ID } from '../organisations/resolvers.ts';
import { isUuid } from './pagination.ts';
import type { CaseModel } from '../outreach/cases.ts';

export type NodeModel = OrganisationRow | PupilRow | ReferralRow | CaseModel;

export const nodeResolvers: Resolvers = {
  Query: {
    node: async (_parent, args, ctx) => {
      if (isUuid(args.id)) {
        const id = args.id.toLowerCase();
        const [pupil, referral, found] = await Promise.all([
          ctx.loaders.pupilById.load(id),
          ctx.loaders.referralById.load(id),
          ctx.loaders.caseById.load(id),
        ]);
        return pupil ?? referral ?? found;
      }
      if (ORGANISATION_ID.test(args.id)) return (await ctx.services.directory.get(args.id)) ?? null;
      return null;
    },
  },
  Node: {
    __resolveType: (node) => {
      if ('receiver_org_id' in node) return 'Referral';
      if ('reporting_school_id' in node) return 'OutOfViewCase';
      if ('given_name' in node) return 'Pupil';
      return 'Organisation';
    },
  },
};
