// Response deadlines (urgent: receive within 24 h, decide within 48 h; normal: decide within 5
// working days), the overdue / awaitingMyDecision / dueBefore filters, and the 30-day expiry job.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expireStaleReferrals } from '../src/referrals/service.ts';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';
import { actOk, createReferral, dbState, gqlOk, LZ, LZ_TO_SMW, newPupil, NO_RATE_LIMITS, SMW, type As, type RefState } from './helpers/referrals.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  t.clock.now = DEMO_NOW;
});

const HOUR = 3600_000;
const at = (ms: number) => new Date(DEMO_NOW.getTime() + ms);

async function newReferral(urgency: 'URGENT' | 'NORMAL'): Promise<RefState> {
  const pupil = await newPupil(t);
  return createReferral(t, LZ, { ...LZ_TO_SMW.input(pupil.id), urgency });
}

const VIEW = 'query($id: ID!) { node(id: $id) { ... on Referral { status overdue responseDueAt receiveDueAt } } }';
const view = async (who: As, id: string) => (await gqlOk(t, who, VIEW, { id })).node;
async function listed(who: As, filter: Record<string, unknown>): Promise<string[]> {
  const data = await gqlOk(t, who, 'query($f: ReferralFilter) { referrals(first: 100, filter: $f) { edges { node { id } } } }', { f: filter });
  return data.referrals.edges.map((e: any) => e.node.id);
}

describe('urgent referrals', () => {
  it('not opened within 24 hours: overdue, and listed as overdue for both parties', async () => {
    const ref = await newReferral('URGENT');
    const v = await view(LZ, ref.id);
    expect(v).toMatchObject({ overdue: false, receiveDueAt: at(24 * HOUR).toISOString(), responseDueAt: at(48 * HOUR).toISOString() });
    t.clock.now = at(24 * HOUR - 1000);
    expect((await view(LZ, ref.id)).overdue).toBe(false);
    expect(await listed(SMW, { overdue: true })).not.toContain(ref.id);
    expect(await listed(SMW, { overdue: false })).toContain(ref.id);
    t.clock.now = at(24 * HOUR + 1000);
    for (const who of [LZ, SMW]) {
      expect((await view(who, ref.id)).overdue, who.org).toBe(true);
      expect(await listed(who, { overdue: true }), who.org).toContain(ref.id);
      expect(await listed(who, { overdue: false }), who.org).not.toContain(ref.id);
    }
  });

  it('opened but not decided within 48 hours: overdue; decided: not overdue', async () => {
    const ref = await newReferral('URGENT');
    t.clock.now = at(2 * HOUR);
    await actOk(t, SMW, 'RECEIVE', ref);
    t.clock.now = at(47 * HOUR);
    expect((await view(SMW, ref.id)).overdue).toBe(false);
    expect(await listed(SMW, { overdue: true })).not.toContain(ref.id);
    t.clock.now = at(48 * HOUR + 1000);
    expect((await view(SMW, ref.id)).overdue).toBe(true);
    expect(await listed(LZ, { overdue: true })).toContain(ref.id);
    expect(await listed(SMW, { overdue: true })).toContain(ref.id);
    // Deciding late still ends the overdue state.
    await actOk(t, SMW, 'ACCEPT', ref);
    t.clock.now = at(100 * HOUR);
    for (const who of [LZ, SMW]) {
      expect((await view(who, ref.id)).overdue, who.org).toBe(false);
      expect(await listed(who, { overdue: true }), who.org).not.toContain(ref.id);
    }
  });

  it('decided in time is never overdue', async () => {
    const ref = await newReferral('URGENT');
    t.clock.now = at(HOUR);
    await actOk(t, SMW, 'REJECT', ref);
    t.clock.now = at(30 * 24 * HOUR);
    expect((await view(LZ, ref.id)).overdue).toBe(false);
    expect(await listed(LZ, { overdue: true })).not.toContain(ref.id);
  });
});

describe('normal referrals', () => {
  it('created on a Friday, due 5 working days later: the next Friday, same time', async () => {
    const friday = new Date('2026-03-20T09:00:00.000Z');
    expect(friday.getUTCDay()).toBe(5);
    t.clock.now = friday;
    const ref = await newReferral('NORMAL');
    const v = await view(SMW, ref.id);
    expect(v).toMatchObject({ receiveDueAt: null, responseDueAt: '2026-03-27T09:00:00.000Z', overdue: false });
    t.clock.now = new Date('2026-03-27T08:59:59.000Z');
    expect((await view(SMW, ref.id)).overdue).toBe(false);
    t.clock.now = new Date('2026-03-27T09:00:01.000Z');
    expect((await view(SMW, ref.id)).overdue).toBe(true);
    expect(await listed(SMW, { overdue: true })).toContain(ref.id);
  });

  it('created on a Monday (DEMO_NOW): due the next Monday', async () => {
    const ref = await newReferral('NORMAL');
    expect((await view(LZ, ref.id)).responseDueAt).toBe(at(7 * 24 * HOUR).toISOString());
  });
});

describe('filters', () => {
  it('awaitingMyDecision lists referrals waiting on the receiver, for the receiver only', async () => {
    const requested = await newReferral('NORMAL');
    const received = await newReferral('NORMAL');
    await actOk(t, SMW, 'RECEIVE', received);
    const accepted = await newReferral('NORMAL');
    await actOk(t, SMW, 'ACCEPT', accepted);
    const awaiting = await listed(SMW, { awaitingMyDecision: true });
    expect(awaiting).toContain(requested.id);
    expect(awaiting).toContain(received.id);
    expect(awaiting).not.toContain(accepted.id);
    const notAwaiting = await listed(SMW, { awaitingMyDecision: false });
    expect(notAwaiting).toContain(accepted.id);
    expect(notAwaiting).not.toContain(requested.id);
    // The sender decides nothing on these.
    const sender = await listed(LZ, { awaitingMyDecision: true });
    for (const ref of [requested, received, accepted]) expect(sender).not.toContain(ref.id);
    // Every referral on the receiver's list really is waiting on it.
    const rows = await t.database.db.selectFrom('referrals').select(['id', 'status', 'receiver_org_id']).where('id', 'in', awaiting).execute();
    for (const row of rows) {
      expect(row.receiver_org_id).toBe('smw-den-haag');
      expect(['REQUESTED', 'RECEIVED']).toContain(row.status);
    }
  });

  it('dueBefore lists referrals whose response is due before the moment', async () => {
    const urgent = await newReferral('URGENT'); // due DEMO_NOW + 48 h
    const normal = await newReferral('NORMAL'); // due DEMO_NOW + 7 days
    const in3days = await listed(SMW, { dueBefore: at(72 * HOUR).toISOString() });
    expect(in3days).toContain(urgent.id);
    expect(in3days).not.toContain(normal.id);
    const in8days = await listed(SMW, { dueBefore: at(8 * 24 * HOUR).toISOString() });
    expect(in8days).toEqual(expect.arrayContaining([urgent.id, normal.id]));
    expect(await listed(SMW, { dueBefore: at(48 * HOUR).toISOString() })).not.toContain(urgent.id);
    const rows = await t.database.db.selectFrom('referrals').select(['response_due_at']).where('id', 'in', in3days).execute();
    for (const row of rows) expect(new Date(row.response_due_at!).getTime()).toBeLessThan(at(72 * HOUR).getTime());
  });
});

describe('the expiry job', () => {
  it('cancels referrals left REQUESTED for 30 days, once', async () => {
    const DAY = 24 * HOUR;
    const old = await newReferral('NORMAL'); // created at DEMO_NOW
    t.clock.now = at(2000);
    const young = await newReferral('NORMAL'); // created 2 s later
    const opened = await newReferral('NORMAL');
    await actOk(t, SMW, 'RECEIVE', opened);
    const runAt = at(30 * DAY + 1000); // old: 30 days + 1 s; young: 30 days − 1 s

    const expired = await expireStaleReferrals(t.database.db, runAt);
    expect(expired).toBeGreaterThanOrEqual(1);
    const o = await dbState(t, old.id);
    expect(o.row).toMatchObject({ status: 'CANCELLED', version: 2 });
    expect(new Date(o.row.closed_at!).getTime()).toBe(runAt.getTime());
    expect(o.events.map((e) => e.action)).toEqual(['CREATE', 'EXPIRE']);
    expect(o.events[1]).toMatchObject({ from_status: 'REQUESTED', to_status: 'CANCELLED' });
    expect(o.events[1]!.reason).toMatch(/30 days/);
    expect(new Date(o.events[1]!.occurred_at).getTime()).toBe(runAt.getTime());

    expect((await dbState(t, young.id)).row).toMatchObject({ status: 'REQUESTED', version: 1 });
    expect((await dbState(t, opened.id)).row.status).toBe('RECEIVED');

    expect(await expireStaleReferrals(t.database.db, runAt)).toBe(0);
    expect((await dbState(t, old.id)).events).toHaveLength(2);

    // Through the API, the sender sees the expiry on the referral.
    t.clock.now = runAt;
    const v = (await gqlOk(t, LZ, 'query($id: ID!) { node(id: $id) { ... on Referral { status allowedActions events { action reason role } } } }', { id: old.id })).node;
    expect(v.status).toBe('CANCELLED');
    expect(v.allowedActions).toEqual([]);
    // The hub's own step says so (role SYSTEM; the schema's role was the Role enum, and this failed).
    expect(v.events.at(-1)).toMatchObject({ action: 'EXPIRE', role: 'SYSTEM' });
    expect(v.events[0].role).toBe('PROFESSIONAL');
  });
});
