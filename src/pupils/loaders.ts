// Per-request batch loaders for pupils. Each batch function applies the row filter itself: a pupil
// reached through any path (a referral, a chain, an id) is loaded only if the caller may see it.
import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { GuardianRow, PupilRow, Tables } from '../db/tables.ts';
import { pupilAccess as accessTo, visiblePupils, type PupilAccess } from '../policy/access.ts';
import { hasLinkKind } from '../policy/policy.ts';

/**
 * What the actor may read of each pupil: its party referrals and open emergency accesses, in two
 * queries for the whole batch. Also used inside transactions (pass the transaction as `db`), where
 * the request's loaders must not be used.
 */
export async function accessToPupils(
  db: Kysely<Tables>,
  actor: Actor,
  pupils: readonly Pick<PupilRow, 'id' | 'municipality_code' | 'school_id' | 'restricted_at'>[],
  now: Date,
): Promise<PupilAccess[]> {
  const ids = pupils.map((pupil) => pupil.id);
  const emergency = hasLinkKind(actor.organisationKind, actor.role, 'EMERGENCY')
    ? await db
        .selectFrom('emergency_accesses')
        .select('pupil_id')
        .where('pupil_id', 'in', ids)
        .where('org_id', '=', actor.organisationId)
        .where('actor_subject', '=', actor.subject)
        .where('expires_at', '>', now)
        .execute()
    : [];
  const partyReferrals = await db
    .selectFrom('referrals')
    .select([
      'pupil_id',
      'status',
      'closed_at',
      'shared_categories',
      'legal_basis',
      'consent_valid_from',
      'consent_valid_until',
      'consent_revoked_at',
    ])
    .where('pupil_id', 'in', ids)
    .where((eb) => eb.or([eb('sender_org_id', '=', actor.organisationId), eb('receiver_org_id', '=', actor.organisationId)]))
    .execute();
  return pupils.map((pupil) =>
    accessTo(
      actor,
      pupil,
      partyReferrals.filter((referral) => referral.pupil_id === pupil.id),
      emergency.some((row) => row.pupil_id === pupil.id),
      now,
    ),
  );
}

export function createPupilLoaders(db: Kysely<Tables>, actor: Actor, now: Date) {
  const pupilById = new DataLoader<string, PupilRow | null>(async (ids) => {
    const rows = await db
      .selectFrom('pupils')
      .selectAll()
      .where('id', 'in', [...ids])
      .where(visiblePupils(actor, now))
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  /** The categories the caller may read for each pupil, from its lawful links. */
  const pupilAccess = new DataLoader<PupilRow, PupilAccess, string>((pupils) => accessToPupils(db, actor, pupils, now), {
    cacheKeyFn: (pupil) => pupil.id,
  });

  const guardiansByPupil = new DataLoader<string, GuardianRow[]>(async (pupilIds) => {
    const rows = await db
      .selectFrom('guardians')
      .selectAll()
      .where('pupil_id', 'in', [...pupilIds])
      .orderBy('pupil_id')
      .orderBy('position')
      .execute();
    return pupilIds.map((id) => rows.filter((row) => row.pupil_id === id));
  });

  return { pupilById, pupilAccess, guardiansByPupil };
}
