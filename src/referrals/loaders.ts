// Per-request batch loaders for referrals and their events, filtered by the caller's party-ship.
import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { ReferralEventRow, ReferralRow, Tables } from '../db/tables.ts';
import { visibleReferrals } from '../policy/access.ts';

export function createReferralLoaders(db: Kysely<Tables>, actor: Actor, now: Date) {
  const referralById = new DataLoader<string, ReferralRow | null>(async (ids) => {
    const rows = await db
      .selectFrom('referrals')
      .selectAll()
      .where('id', 'in', [...ids])
      .where(visibleReferrals(actor, now))
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  // Only called for referrals that were themselves loaded through the visibility filter.
  const eventsByReferral = new DataLoader<string, ReferralEventRow[]>(async (referralIds) => {
    const rows = await db
      .selectFrom('referral_events')
      .selectAll()
      .where('referral_id', 'in', [...referralIds])
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();
    return referralIds.map((id) => rows.filter((row) => row.referral_id === id));
  });

  // Hand-over chain, forwards: the continuations the caller is party to.
  const handedOverTo = new DataLoader<string, ReferralRow[]>(async (referralIds) => {
    const rows = await db
      .selectFrom('referrals')
      .selectAll()
      .where('handed_over_from_id', 'in', [...referralIds])
      .where(visibleReferrals(actor, now))
      .orderBy('created_at')
      .execute();
    return referralIds.map((id) => rows.filter((row) => row.handed_over_from_id === id));
  });

  return { referralById, eventsByReferral, handedOverTo };
}
