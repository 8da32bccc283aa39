// Per-request batch loaders for referrals and their events, through the caller's gateway.
import DataLoader from 'dataloader';
import type { ReferralEventRow, ReferralRow } from '../db/tables.ts';
import { referralEventColumns, type DataGateway } from '../policy/gateway.ts';

/** Rows grouped by a key, in their order: one pass instead of a filter per key. */
function byReferral<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const id = key(row);
    const group = groups.get(id);
    if (group) group.push(row);
    else groups.set(id, [row]);
  }
  return groups;
}

export function createReferralLoaders(data: DataGateway) {
  const referralById = new DataLoader<string, ReferralRow | null>(async (ids) => {
    const rows = await data
      .referrals()
      .selectAll('referrals')
      .where('referrals.id', 'in', [...ids])
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  // Events as the caller may see them (the gateway applies what derives from other rows).
  const eventsByReferral = new DataLoader<string, ReferralEventRow[]>(async (referralIds) => {
    const rows = (await data
      .referralEvents()
      .select(referralEventColumns(data.actor))
      .where('referral_events.referral_id', 'in', [...referralIds])
      // The same ids on the referral side: the planner then reads those referrals by key instead
      // of hashing every referral the caller is party to.
      .where('referrals.id', 'in', [...referralIds])
      .orderBy('referral_events.occurred_at')
      .orderBy('referral_events.id')
      .execute()) as ReferralEventRow[];
    const grouped = byReferral(rows, (row) => row.referral_id);
    return referralIds.map((id) => grouped.get(id) ?? []);
  });

  // The last of each referral's events as eventsByReferral would show them (same gateway query,
  // same order): one row per referral, so a list does not fetch every event to show one.
  const latestEventByReferral = new DataLoader<string, ReferralEventRow | null>(async (referralIds) => {
    const rows = (await data
      .referralEvents()
      .select(referralEventColumns(data.actor))
      .distinctOn('referral_events.referral_id')
      .where('referral_events.referral_id', 'in', [...referralIds])
      .where('referrals.id', 'in', [...referralIds])
      .orderBy('referral_events.referral_id')
      .orderBy('referral_events.occurred_at', 'desc')
      .orderBy('referral_events.id', 'desc')
      .execute()) as ReferralEventRow[];
    const byReferral = new Map(rows.map((row) => [row.referral_id, row]));
    return referralIds.map((id) => byReferral.get(id) ?? null);
  });

  // Hand-over chain, forwards: the continuations the caller is party to.
  const handedOverTo = new DataLoader<string, ReferralRow[]>(async (referralIds) => {
    const rows = await data
      .referrals()
      .selectAll('referrals')
      .where('referrals.handed_over_from_id', 'in', [...referralIds])
      .orderBy('referrals.created_at')
      .execute();
    const grouped = byReferral(rows, (row) => row.handed_over_from_id!);
    return referralIds.map((id) => grouped.get(id) ?? []);
  });

  return { referralById, eventsByReferral, latestEventByReferral, handedOverTo };
}
