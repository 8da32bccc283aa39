// Events: every change to a referral or a pupil's timeline, written in the transaction of the change
// (so no event is announced for a change that did not happen, and none is lost for one that did).
// Three ways out, all from that one row:
//   - NOTIFY ketenhub_events (delivered at commit to every hub instance: subscriptions, bus.ts);
//   - the webhook outbox: one delivery per endpoint of each party to the referral (webhooks.ts);
//   - the event row itself, which a subscriber's filter reads again at delivery time.
// Events hold no content: kinds, ids, who and when. What a receiver may see of the change it then
// reads through the policy like any query.
import { sql, type Kysely, type Transaction } from 'kysely';
import { newId } from '../db/ids.ts';
import type { Tables } from '../db/tables.ts';
import { referralLinks } from '../policy/policy.ts';

export const HUB_EVENT_KINDS = [
  'REFERRAL_CREATED',
  'REFERRAL_CHANGED',
  'NOTE_ADDED',
  'CONTACT_ATTEMPT_RECORDED',
  'PUPIL_REPORTED_OUT_OF_VIEW',
  'OUT_OF_VIEW_CASE_CLOSED',
] as const;
export type HubEventKind = (typeof HUB_EVENT_KINDS)[number];

/** Kinds a webhook can carry: changes about a referral, sent to the parties of that referral. */
export const WEBHOOK_EVENT_KINDS: readonly HubEventKind[] = ['REFERRAL_CREATED', 'REFERRAL_CHANGED', 'NOTE_ADDED'];

/** The names in Standard Webhooks' `type` field. */
export const WEBHOOK_TYPE: Readonly<Record<HubEventKind, string>> = {
  REFERRAL_CREATED: 'referral.created',
  REFERRAL_CHANGED: 'referral.changed',
  NOTE_ADDED: 'referral.note_added',
  CONTACT_ATTEMPT_RECORDED: 'pupil.contact_attempt_recorded',
  PUPIL_REPORTED_OUT_OF_VIEW: 'pupil.reported_out_of_view',
  OUT_OF_VIEW_CASE_CLOSED: 'pupil.out_of_view_case_closed',
};

export const EVENTS_CHANNEL = 'ketenhub_events';

/** Referral actions after which the parties' link may have ended: still announced to both. */
/** Referral actions that can end a party's link: each reaches both parties, on every channel. */
export const LINK_ENDING_ACTIONS: readonly string[] = ['CANCEL', 'REJECT', 'COMPLETE', 'FAIL', 'REVOKE_CONSENT', 'EXPIRE', 'HAND_OVER'];

export interface NewHubEvent {
  kind: HubEventKind;
  /** Omit for referral events: taken from the referral. */
  pupilId?: string;
  referralId: string | null;
  subjectId: string;
  action?: string | null;
  actorOrgId: string;
  occurredAt: Date;
}

/** Ids per notification: NOTIFY payloads are at most 8000 bytes (200 UUIDs and commas fit). */
const IDS_PER_NOTIFICATION = 200;

/** Records the event, its webhook deliveries and its notification, inside the change's transaction. */
export async function recordHubEvent(trx: Transaction<Tables> | Kysely<Tables>, event: NewHubEvent): Promise<string> {
  const [id] = await recordHubEvents(trx, [event]);
  return id!;
}

/** The same for many events at once (a school's batch of reports): one insert, few notifications. */
export async function recordHubEvents(trx: Transaction<Tables> | Kysely<Tables>, events: readonly NewHubEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const ids = events.map(() => newId());
  const rows = events.map((event, i) => ({
    id: ids[i]!,
    kind: event.kind,
    pupil_id: event.pupilId ?? sql<string>`(SELECT pupil_id FROM referrals WHERE id = ${event.referralId})`,
    referral_id: event.referralId,
    subject_id: event.subjectId,
    action: event.action ?? null,
    actor_org_id: event.actorOrgId,
    occurred_at: event.occurredAt,
  }));
  for (let i = 0; i < rows.length; i += 1000) await trx.insertInto('hub_events').values(rows.slice(i, i + 1000)).execute();
  for (const [i, event] of events.entries()) {
    if (!event.referralId || !WEBHOOK_EVENT_KINDS.includes(event.kind)) continue;
    // Only while the referral links its parties to the pupil — and for the change that ends the
    // link, so both learn of it; after that (consent revoked, cancelled, …) they hear nothing more.
    const referral = await trx
      .selectFrom('referrals')
      .select(['status', 'closed_at', 'shared_categories', 'legal_basis', 'consent_valid_from', 'consent_valid_until', 'consent_revoked_at'])
      .where('id', '=', event.referralId)
      .executeTakeFirst();
    if (!referral || (!referralLinks(referral, event.occurredAt) && !LINK_ENDING_ACTIONS.includes(event.action ?? ''))) continue;
    const payload = JSON.stringify({
      type: WEBHOOK_TYPE[event.kind],
      timestamp: event.occurredAt.toISOString(),
      data: { eventId: ids[i], kind: event.kind, action: event.action ?? null, referralId: event.referralId, occurredAt: event.occurredAt.toISOString() },
    });
    // The parties of the referral (both of them, also the one that acted: its other systems listen too).
    await sql`
      INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, next_attempt_at, created_at, payload)
      SELECT gen_random_uuid(), e.id, ${ids[i]}, 'PENDING', 0, ${event.occurredAt}, ${event.occurredAt}, ${payload}
      FROM webhook_endpoints e JOIN referrals r ON r.id = ${event.referralId}
      WHERE e.removed_at IS NULL AND e.disabled_at IS NULL AND e.org_id IN (r.sender_org_id, r.receiver_org_id) AND ${event.kind} = ANY (e.kinds)`.execute(trx);
  }
  // Delivered when the transaction commits, to every instance listening; dropped if it rolls back.
  for (let i = 0; i < ids.length; i += IDS_PER_NOTIFICATION)
    await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${ids.slice(i, i + IDS_PER_NOTIFICATION).join(',')})`.execute(trx);
  return ids;
}
