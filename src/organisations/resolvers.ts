import { z } from 'zod';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { keysetConnection, parsePage, type KeyColumn } from '../graphql/pagination.ts';
import { readableCategories } from '../policy/policy.ts';

export const ORGANISATION_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const OrganisationId = z.string().regex(ORGANISATION_ID);
const BY_ORGANISATION_ID: KeyColumn[] = [{ column: 'organisations.id', type: 'text' }];

export const organisationResolvers: Resolvers = {
  Query: {
    viewer: (_parent, _args, ctx) => ctx.actor,
    // The registry of chain partners is not personal data: every authenticated caller may list it,
    // so that it can address a referral.
    organisations: async (_parent, args, ctx) => {
      const page = parsePage(args, 'organisation', BY_ORGANISATION_ID);
      let query = ctx.db.selectFrom('organisations');
      if (args.kind) query = query.where('kind', '=', args.kind);
      return keysetConnection(query, (q) => q.selectAll('organisations'), BY_ORGANISATION_ID, page, 'organisation');
    },
    organisation: async (_parent, args, ctx) => {
      if (!OrganisationId.safeParse(args.id).success) return null;
      return (await ctx.services.directory.get(args.id)) ?? null;
    },
  },
  Viewer: {
    subject: (actor) => actor.subject,
    organisation: (actor, _args, ctx) => ctx.services.directory.require(actor.organisationId),
    role: (actor) => actor.role,
    purpose: (actor) => actor.purpose,
    readableCategories: (actor) => [...readableCategories(actor.organisationKind, actor.role)],
  },
  Organisation: {
    municipality: async (row, _args, ctx) => {
      const municipality = await ctx.services.directory.municipality(row.municipality_code);
      if (!municipality) throw new Error(`municipality ${row.municipality_code} missing from the registry`);
      return municipality;
    },
    contactEmail: (row) => row.contact_email,
    contactPhone: (row) => row.contact_phone,
  },
  Municipality: {
    code: (row) => row.code,
    name: (row) => row.name,
  },
};
