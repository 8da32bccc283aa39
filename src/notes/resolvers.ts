// Notes about a pupil, each of one data category: a caller gets exactly the notes whose category
// its links to the pupil cover, selected in SQL.
import type { Resolvers } from '../generated/resolvers-types.ts';
import { forbidden } from '../graphql/errors.ts';
import { BY_TIME, keysetConnection, parsePage } from '../graphql/pagination.ts';
import { visibleNotes } from '../policy/access.ts';
import { assertMayEverRead } from '../policy/category-guard.ts';
import type { DataCategory } from '../policy/vocabulary.ts';

export const noteResolvers: Resolvers = {
  Pupil: {
    notes: async (pupil, args, ctx) => {
      const page = parsePage(args, 'note', BY_TIME('notes', 'created_at'));
      const requested = args.categories ? [...new Set(args.categories)] : null;
      if (requested) assertMayEverRead(ctx, requested, 'notes(categories:)');
      const { categories: linked, emergency } = await ctx.loaders.pupilAccess.load(pupil);
      if (requested) {
        const notShared = requested.filter((category) => !linked.has(category));
        if (notShared.length > 0) {
          for (const category of notShared) ctx.audit.record(pupil.id, 'READ', 'REFUSED', category, 'Pupil.notes', emergency);
          throw forbidden(`Pupil.notes: category ${notShared.join(', ')} is not shared with your organisation for this pupil`, {
            categories: notShared,
          });
        }
      }
      const categories: DataCategory[] = requested ?? [...linked];
      for (const category of categories) ctx.audit.record(pupil.id, 'READ', 'GRANTED', category, 'Pupil.notes', emergency);
      const query = ctx.db.selectFrom('notes').where('notes.pupil_id', '=', pupil.id).where(visibleNotes(ctx.actor, categories));
      return keysetConnection(query, (q) => q.selectAll('notes'), BY_TIME('notes', 'created_at'), page, 'note');
    },
  },
  Note: {
    category: (note) => note.category as never,
    organisation: (note, _args, ctx) => ctx.services.directory.require(note.author_org_id),
    role: (note) => note.author_role as never,
    referral: (note, _args, ctx) => (note.referral_id ? ctx.loaders.referralById.load(note.referral_id) : null),
    createdAt: (note) => note.created_at,
  },
};
