// Contact attempts: the steps taken to get a pupil back in view (phone, letter, door visit, note).
import type { Resolvers } from '../generated/resolvers-types.ts';
import { BY_TIME, keysetConnection, parsePage } from '../graphql/pagination.ts';
import { visibleContactAttempts } from '../policy/access.ts';

export const outreachResolvers: Resolvers = {
  Pupil: {
    // Guarded by @category(CONTACT_ATTEMPTS) on the field: the pupil's links were checked already.
    contactAttempts: async (pupil, args, ctx) => {
      const page = parsePage(args, 'contactAttempt', BY_TIME('contact_attempts', 'occurred_at'));
      const query = ctx.db
        .selectFrom('contact_attempts')
        .where('contact_attempts.pupil_id', '=', pupil.id)
        .where(visibleContactAttempts(ctx.actor));
      return keysetConnection(query, (q) => q.selectAll('contact_attempts'), BY_TIME('contact_attempts', 'occurred_at'), page, 'contactAttempt');
    },
  },
  ContactAttempt: {
    kind: (attempt) => attempt.kind as never,
    outcome: (attempt) => attempt.outcome as never,
    letterLanguage: (attempt) => attempt.letter_language as never,
    organisation: (attempt, _args, ctx) => ctx.services.directory.require(attempt.org_id),
    role: (attempt) => attempt.actor_role as never,
    occurredAt: (attempt) => attempt.occurred_at,
  },
};
