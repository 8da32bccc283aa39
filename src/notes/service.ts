// Writing a note: only of a category the author may read for the pupil, within a referral only if
// the author's organisation is party to it. The note and its access-log record commit together.
import { recordHubEvent } from '../events/events.ts';
import { newId } from '../db/ids.ts';
import { z } from 'zod';
import type { NoteRow } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { badInput, forbidden } from '../errors.ts';
import { parseInput } from '../graphql/input.ts';
import { requireOperation } from '../policy/operations.ts';
import { mayEverRead } from '../policy/policy.ts';
import { DATA_CATEGORIES } from '../policy/vocabulary.ts';

const AddNoteInput = z.object({
  pupilId: z.string().uuid('must be a pupil id (a UUID)'),
  referralId: z.string().uuid('must be a referral id (a UUID)').nullish(),
  category: z.enum(DATA_CATEGORIES),
  body: z.string().trim().min(1, 'must not be empty').max(5000, 'must be at most 5000 characters'),
});

export async function addNote(ctx: RequestContext, raw: unknown): Promise<NoteRow> {
  requireOperation(ctx, 'addNote');
  const input = parseInput(AddNoteInput, raw);
  const pupil = await ctx.loaders.pupilById.load(input.pupilId.toLowerCase());
  if (!pupil) throw badInput('no pupil with this id that you may see', { argument: 'input.pupilId' });
  const { emergency } = await ctx.loaders.pupilAccess.load(pupil);
  // A linked organisation writes notes of any category its kind may read: its own records, whatever
  // a referral shares with it (sharing limits what flows in, not what it records).
  if (!mayEverRead(ctx.actor.organisationKind, ctx.actor.role, input.category)) {
    ctx.audit.record({ pupilId: pupil.id, action: 'CREATE', outcome: 'REFUSED', category: input.category, field: 'Note', emergency });
    throw forbidden(`${ctx.actor.organisationKind} may not write ${input.category} notes: it may not read that category`, {
      argument: 'input.category',
    });
  }
  return ctx.db.transaction().execute(async (trx) => {
    if (input.referralId) {
      const referral = await ctx.data
        .in(trx)
        .referrals()
        .select(['referrals.id', 'referrals.pupil_id'])
        .where('referrals.id', '=', input.referralId.toLowerCase())
        .executeTakeFirst();
      if (!referral || referral.pupil_id !== pupil.id)
        throw badInput('input.referralId is not a referral about this pupil that your organisation is party to', { argument: 'input.referralId' });
    }
    const note = await trx
      .insertInto('notes')
      .values({
        id: newId(),
        pupil_id: pupil.id,
        referral_id: input.referralId?.toLowerCase() ?? null,
        category: input.category,
        body: input.body,
        author_org_id: ctx.actor.organisationId,
        author_subject: ctx.actor.subject,
        author_role: ctx.actor.role,
        created_at: ctx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordHubEvent(trx, { kind: 'NOTE_ADDED', pupilId: pupil.id, referralId: note.referral_id, subjectId: note.id, actorOrgId: ctx.actor.organisationId, occurredAt: ctx.now });
    ctx.audit.record({ pupilId: pupil.id, action: 'CREATE', outcome: 'GRANTED', category: input.category, field: 'Note', emergency });
    await ctx.audit.flush(trx);
    return note;
  });
}
