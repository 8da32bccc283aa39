// Notes about a pupil, each of one data category: a caller gets exactly the notes whose category
// its links to the pupil cover, selected in SQL.
import type { Resolvers } from '../generated/resolvers-types.ts';
import { BY_TIME, keysetConnection, parsePage } from '../graphql/pagination.ts';
import { assertMayEverRead } from '../policy/category-guard.ts';
import type { DataCategory } from '../policy/vocabulary.ts';

export const noteResolvers: Resolvers = {
  Pupil: {
    // Others' notes need their category covered by the caller's links to the pupil; its own
    // organisation's notes it reads in every category its kind may read (see visibleNotes).
    notes: async (pupil, args, ctx) => {
      const page = parsePage(args, 'note', BY_TIME('notes', 'created_at'));
      const requested = args.categories ? [...new Set(args.categories)] : null;
      if (requested) assertMayEverRead(ctx, requested, 'notes(categories:)');
      const { categories: linked, emergency } = await ctx.loaders.pupilAccess.load(pupil);
      const covered: DataCategory[] = [...linked].filter((category) => !requested || requested.includes(category));
      for (const category of requested ?? covered) ctx.audit.record({ pupilId: pupil.id, action: 'READ', outcome: 'GRANTED', category, field: 'Pupil.notes', emergency });
      let query = ctx.data.notes(covered).where('notes.pupil_id', '=', pupil.id);
      if (requested) query = query.where('notes.category', 'in', requested);
      return keysetConnection(query, (q) => q.selectAll('notes'), BY_TIME('notes', 'created_at'), page, 'note');
    },
  },
  Note: {
    organisation: (note, _args, ctx) => ctx.services.directory.require(note.author_org_id),
    role: (note) => note.author_role,
    referral: (note, _args, ctx) => (note.referral_id ? ctx.loaders.referralById.load(note.referral_id) : null),
    createdAt: (note) => note.created_at,
  },
};
