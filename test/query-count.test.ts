// A page of referrals with their sender, receiver, pupil, events and hand-over link costs the same
// number of SQL statements whatever the page size: every nested field is batched (no N+1).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlOk, NO_RATE_LIMITS, SMW } from './helpers/referrals.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
  // 60 referrals Leerlingzaken Den Haag → school social work about 60 Den Haag pupils, each with its CREATE event.
  const pupils = await t.database.db
    .selectFrom('pupils')
    .select('id')
    .where('municipality_code', '=', 'GM0518')
    .orderBy('id')
    .limit(60)
    .execute();
  expect(pupils).toHaveLength(60);
  const created = new Date(DEMO_NOW.getTime() - 3600_000);
  const referrals = pupils.map((p, i) => ({
    id: randomUUID(),
    pupil_id: p.id,
    sender_org_id: 'lz-den-haag',
    receiver_org_id: 'smw-den-haag',
    status: 'ACCEPTED',
    urgency: i % 2 ? 'NORMAL' : 'URGENT',
    reason: `Query-count referral ${i}`,
    shared_categories: ['IDENTITY', 'CONTACT', 'SCHOOLING'],
    legal_basis: 'JEUGDWET',
    response_due_at: new Date(DEMO_NOW.getTime() + 48 * 3600_000),
    version: 1,
    created_at: created,
    updated_at: created,
  }));
  await t.database.db.insertInto('referrals').values(referrals as never).execute();
  await t.database.db
    .insertInto('referral_events')
    .values(
      referrals.map((r) => ({
        id: randomUUID(),
        referral_id: r.id,
        action: 'CREATE',
        from_status: null,
        to_status: 'REQUESTED',
        actor_org_id: 'lz-den-haag',
        actor_subject: 'fixture@lz-den-haag',
        actor_role: 'PROFESSIONAL',
        reason: r.reason,
        occurred_at: created,
      })) as never,
    )
    .execute();
});
afterAll(async () => {
  await t.close();
});

const QUERY = `query($n: Int!) { referrals(first: $n) { totalCount edges { node {
  id status sender { name } receiver { name }
  pupil { displayName dateOfBirth }
  events { action organisation { name } }
  latestEvent { action occurredAt }
  handedOverFrom { id }
} } } }`;

describe('query count', () => {
  it('is the same for 5, 20 and 50 referrals, and small', async () => {
    // Warm up the organisation registry so its (cached) load does not count for the first page.
    await gqlOk(t, SMW, QUERY, { n: 1 });
    const counts: Record<number, number> = {};
    for (const n of [5, 20, 50]) {
      const before = t.database.stats.queries;
      const data = await gqlOk(t, SMW, QUERY, { n });
      counts[n] = t.database.stats.queries - before;
      expect(data.referrals.edges).toHaveLength(n);
      expect(data.referrals.totalCount).toBeGreaterThanOrEqual(60);
      for (const { node } of data.referrals.edges) {
        expect([node.sender.name, node.receiver.name]).toContain('Schoolmaatschappelijk Werk Den Haag');
        expect(node.events.length).toBeGreaterThanOrEqual(1);
        expect(node.events[0].organisation.name).toEqual(expect.any(String));
        expect(node.pupil === null || typeof node.pupil.displayName === 'string').toBe(true);
      }
    }
    console.log(`SQL statements per referrals page (smw-den-haag, ${t.database.engine}):`, JSON.stringify(counts));
    expect(counts[20]).toBe(counts[5]);
    expect(counts[50]).toBe(counts[5]);
    // 6 for the data (page, totalCount, pupils, pupil access, events, hand-over links) and 6 for the
    // tamper-evident access-log append (begin, head FOR UPDATE, insert, head update, checkpoint, commit).
    expect(counts[5]).toBeLessThanOrEqual(12);
  });
});
