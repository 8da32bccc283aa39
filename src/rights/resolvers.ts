// Rectification, restriction and subject access through the API (schema/rights.graphql).
import type { Resolvers } from '../generated/resolvers-types.ts';
import { exportSubjectAccess } from '../inzage/export.ts';
import { allowEmployeesInSubjectAccess, correctPupil, CORRECTABLE, restrictPupil } from './service.ts';

export const rightsResolvers: Resolvers = {
  Mutation: {
    correctPupil: (_parent, args, ctx) => correctPupil(ctx, args.input),
    restrictPupil: (_parent, args, ctx) => restrictPupil(ctx, args.input, false),
    liftPupilRestriction: (_parent, args, ctx) => restrictPupil(ctx, args.input, true),
    allowEmployeesInSubjectAccess: (_parent, args, ctx) => allowEmployeesInSubjectAccess(ctx, args.input),
    exportSubjectAccess: (_parent, args, ctx) => exportSubjectAccess(ctx, args.input),
  },
  Pupil: {
    // A correction shows the earlier value: only of fields whose category the caller reads for this pupil.
    corrections: async (pupil, _args, ctx) => {
      const { categories } = await ctx.loaders.pupilAccess.load(pupil);
      const rows = await ctx.data
        .pupilCorrections()
        .selectAll()
        .where('pupil_corrections.pupil_id', '=', pupil.id)
        .orderBy('pupil_corrections.corrected_at')
        .orderBy('pupil_corrections.id')
        .execute();
      const readable = rows.filter((row) => {
        const spec = CORRECTABLE[row.field];
        return spec ? categories.has(spec.category) : categories.has('IDENTITY');
      });
      for (const category of new Set(readable.map((row) => CORRECTABLE[row.field]?.category ?? 'IDENTITY')))
        ctx.audit.record({ pupilId: pupil.id, action: 'READ', outcome: 'GRANTED', category, field: 'Pupil.corrections' });
      return readable;
    },
    restriction: async (pupil, _args, ctx) =>
      pupil.restricted_at
        ? { since: pupil.restricted_at, reason: pupil.restriction_reason ?? '', organisation: await ctx.services.directory.require(pupil.restricted_by_org_id!) }
        : null,
  },
  PupilCorrection: {
    previousValue: (row) => row.previous_value,
    newValue: (row) => row.new_value,
    organisation: (row, _args, ctx) => ctx.services.directory.require(row.org_id),
    correctedAt: (row) => row.corrected_at,
  },
  SubjectAccessDisclosure: {
    pupilId: (row) => row.pupil_id,
    grantedAt: (row) => row.granted_at,
    expiresAt: (row) => row.expires_at,
  },
};
