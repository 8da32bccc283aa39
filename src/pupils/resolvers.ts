import { z } from 'zod';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { badInput } from '../errors.ts';
import { parseFilter } from '../graphql/input.ts';
import { BY_ID, isUuid, keysetConnection, parsePage } from '../graphql/pagination.ts';
import { assertInputCategories } from '../policy/category-guard.ts';
import { sortCategories } from '../policy/policy.ts';
import { addNote } from '../notes/service.ts';
import { pendingTransfer, proposeCoordinationTransfer, pupilInvolvement, respondToCoordinationTransfer } from './coordination.ts';
import { tenantPupilIds } from './lookup.ts';
import { pupilTimeline } from './timeline.ts';

const PupilFilter = z
  .object({
    schoolId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be an organisation id such as school-…'),
    reportedMissing: z.boolean(),
    dateOfBirth: z.string(), // already checked by the Date scalar
    familyNameStartsWith: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    bsn: z.string().regex(/^[0-9]{9}$/, 'must be 9 digits'),
  })
  .partial();

/** Escapes LIKE wildcards so a search for "100%" means the characters, not a pattern. */
const likePrefix = (text: string) => `${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const pupilResolvers: Resolvers = {
  Query: {
    pupils: async (_parent, args, ctx, info) => {
      const page = parsePage(args, 'pupil', BY_ID('pupils'));
      const filter = parseFilter(PupilFilter, args.filter);
      // A filter is a way of reading: it needs the category of the field it filters on.
      const filtered = assertInputCategories(ctx, info, 'PupilFilter', filter);
      let query = ctx.data.pupils(filtered);
      if (filter.schoolId !== undefined) query = query.where('pupils.school_id', '=', filter.schoolId);
      if (filter.reportedMissing !== undefined)
        query = query.where('pupils.reported_missing_at', filter.reportedMissing ? 'is not' : 'is', null);
      if (filter.dateOfBirth !== undefined) query = query.where('pupils.date_of_birth', '=', filter.dateOfBirth);
      if (filter.familyNameStartsWith !== undefined)
        query = query.where((eb) => eb(eb.fn('lower', ['pupils.family_name']), 'like', likePrefix(filter.familyNameStartsWith!)));
      if (filter.bsn !== undefined) query = query.where('pupils.bsn', '=', filter.bsn);
      return keysetConnection(query, (q) => q.selectAll('pupils'), BY_ID('pupils'), page, 'pupil');
    },
    tenantPupilIds: (_parent, args, ctx) => tenantPupilIds(ctx, args.search),
    // Not linked and not existing give the same answer (null) through the same single query.
    pupil: async (_parent, args, ctx) => {
      if (!isUuid(args.id)) throw badInput('id must be a pupil id (a UUID)', { argument: 'id' });
      return ctx.loaders.pupilById.load(args.id.toLowerCase());
    },
  },
  Pupil: {
    visibleCategories: async (pupil, _args, ctx) => sortCategories((await ctx.loaders.pupilAccess.load(pupil)).categories),
    givenName: (pupil) => pupil.given_name,
    familyNamePrefix: (pupil) => pupil.family_name_prefix,
    familyName: (pupil) => pupil.family_name,
    displayName: (pupil) => [pupil.given_name, pupil.family_name_prefix, pupil.family_name].filter(Boolean).join(' '),
    dateOfBirth: (pupil) => pupil.date_of_birth,
    municipality: async (pupil, _args, ctx) => (await ctx.services.directory.municipality(pupil.municipality_code)) ?? null,
    bsn: (pupil) => pupil.bsn,
    address: (pupil) => ({
      street: pupil.street,
      houseNumber: pupil.house_number,
      postalCode: pupil.postal_code,
      city: pupil.city,
    }),
    phone: (pupil) => pupil.phone,
    letterLanguage: (pupil) => pupil.letter_language,
    guardians: (pupil, _args, ctx) => ctx.loaders.guardiansByPupil.load(pupil.id),
    school: async (pupil, _args, ctx) => (pupil.school_id ? ((await ctx.services.directory.get(pupil.school_id)) ?? null) : null),
    grade: (pupil) => pupil.grade,
    absentSince: (pupil) => pupil.absent_since,
    reportedMissingAt: (pupil) => pupil.reported_missing_at,
    timeline: (pupil, args, ctx) => pupilTimeline(pupil, args, ctx),
    involvement: (pupil, _args, ctx) => pupilInvolvement(ctx, pupil),
    pendingCoordinationTransfer: (pupil, _args, ctx) => pendingTransfer(ctx, pupil),
    referrals: async (pupil, args, ctx) => {
      const page = parsePage(args, 'referral', BY_ID('referrals'));
      const query = ctx.data.referrals().where('referrals.pupil_id', '=', pupil.id);
      return keysetConnection(query, (q) => q.selectAll('referrals'), BY_ID('referrals'), page, 'referral');
    },
  },
  Mutation: {
    addNote: (_parent, args, ctx) => addNote(ctx, args.input),
    proposeCoordinationTransfer: (_parent, args, ctx) => proposeCoordinationTransfer(ctx, args.input),
    respondToCoordinationTransfer: (_parent, args, ctx) => respondToCoordinationTransfer(ctx, args.input),
  },
  Involvement: {
    organisation: (involvement, _args, ctx) => ctx.services.directory.require(involvement.organisationId),
  },
  CoordinationTransfer: {
    from: (row, _args, ctx) => ctx.services.directory.require(row.from_org_id),
    to: (row, _args, ctx) => ctx.services.directory.require(row.to_org_id),
    proposedAt: (row) => row.proposed_at,
    decidedAt: (row) => row.decided_at,
  },
  TimelineEntry: {
    kind: (row) => row.entry_kind,
    occurredAt: (row) => row.occurred_at,
    organisation: (row, _args, ctx) => ctx.services.directory.require(row.org_id),
    referral: (row, _args, ctx) => (row.referral_id ? ctx.loaders.referralById.load(row.referral_id) : null),
  },
};
