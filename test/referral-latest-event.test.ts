// `latestEvent` on a referral and `orderBy` on the referrals list, through GraphQL: the latest event
// is the last of `events` as that caller sees them (a hand-over's reason only for the parties of
// the referral it created; after a link ended, only what the caller wrote itself), and every order
// pages through the same referrals as one big page would, with a cursor of its own.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';
import {
  actOk,
  act,
  CONSENT,
  createReferral,
  gqlBody,
  gqlOk,
  LZ,
  newPupil,
  NO_RATE_LIMITS,
  SMW,
  CJG,
  type As,
  type RefState,
} from './helpers/referrals.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t.close();
});

const EVENTS = `query($id: ID!) { referral(id: $id) {
  events { id action reason organisation { id } occurredAt }
  latestEvent { id action reason organisation { id } occurredAt }
} }`;

async function eventsAndLatest(who: As, id: string) {
  const body = await gqlBody(t, who, EVENTS, { id });
  expect(body.errors).toBeUndefined();
  return body.data.referral as { events: Array<Record<string, unknown>>; latestEvent: Record<string, unknown> | null };
}

describe('latestEvent', () => {
  let handedOver: RefState;

  it("is the last of the caller's events; the hand-over's reason only for the parties of the new referral", async () => {
    const pupil = await newPupil(t, { municipality: 'GM0518' });
    handedOver = await createReferral(t, LZ, {
      pupilId: pupil.id,
      receiverId: 'smw-den-haag',
      reason: 'Gezin heeft hulp nodig bij schoolgang',
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'JEUGDWET',
    });
    await actOk(t, SMW, 'ACCEPT', handedOver);
    const body = await act(t, SMW, 'HAND_OVER', handedOver, {
      receiverId: 'cjg-den-haag',
      reason: 'Opvoedondersteuning door het CJG',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'JEUGDWET',
    });
    expect(body.errors).toBeUndefined();

    // Leerlingzaken sent the original but is no party to the continuation: no reason.
    const asSender = await eventsAndLatest(LZ, handedOver.id);
    expect(asSender.latestEvent).toEqual(asSender.events.at(-1));
    expect(asSender.latestEvent).toMatchObject({ action: 'HAND_OVER', reason: null });
    // School social work made the continuation: it reads its own reason.
    const asReceiver = await eventsAndLatest(SMW, handedOver.id);
    expect(asReceiver.latestEvent).toEqual(asReceiver.events.at(-1));
    expect(asReceiver.latestEvent).toMatchObject({ action: 'HAND_OVER', reason: 'Opvoedondersteuning door het CJG' });
    // The CJG is party to the continuation only: the original does not exist for it.
    const asStranger = await gqlBody(t, CJG, EVENTS, { id: handedOver.id });
    expect(asStranger.data.referral).toBeNull();
  });

  it('after a link ended, shows only what the caller wrote itself, as events does', async () => {
    const pupil = await newPupil(t, { municipality: 'GM0518' });
    const ref = await createReferral(t, LZ, {
      pupilId: pupil.id,
      receiverId: 'smw-den-haag',
      reason: 'Hulp bij schoolgang, op toestemming',
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'CONSENT',
      consent: CONSENT,
    });
    await actOk(t, SMW, 'ACCEPT', ref);
    await actOk(t, LZ, 'REVOKE_CONSENT', ref);

    const asReceiver = await eventsAndLatest(SMW, ref.id);
    // The receiver's link ended: it sees its own events only, and the latest of those.
    expect(asReceiver.events.every((event) => (event.organisation as { id: string }).id === 'smw-den-haag')).toBe(true);
    expect(asReceiver.latestEvent).toEqual(asReceiver.events.at(-1));
    expect(asReceiver.latestEvent).toMatchObject({ action: 'ACCEPT', organisation: { id: 'smw-den-haag' } });

    const asSender = await eventsAndLatest(LZ, ref.id);
    expect(asSender.latestEvent).toEqual(asSender.events.at(-1));
    expect(asSender.latestEvent).toMatchObject({ action: 'REVOKE_CONSENT', organisation: { id: 'lz-den-haag' } });
  });

  it('is batched: a page of referrals with latestEvent does not cost a statement per referral', async () => {
    const QUERY = `query($n: Int!) { referrals(first: $n) { edges { node { id latestEvent { action } } } } }`;
    await gqlOk(t, SMW, QUERY, { n: 1 });
    const counts: number[] = [];
    for (const n of [2, 10]) {
      const before = t.database.stats.queries;
      const data = await gqlOk(t, SMW, QUERY, { n });
      counts.push(t.database.stats.queries - before);
      expect(data.referrals.edges.length).toBeGreaterThan(1);
    }
    expect(counts[0]).toBe(counts[1]);
  });
});

describe('orderBy on referrals', () => {
  const PAGE = `query($first: Int!, $after: String, $orderBy: ReferralOrder) {
    referrals(first: $first, after: $after, orderBy: $orderBy) {
      totalCount
      edges { node { id status responseDueAt createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  beforeAll(async () => {
    // Referrals with deadlines (urgent ones are due sooner), made one after another, and one
    // without a response deadline (as referrals from before deadlines were kept), written directly.
    for (const urgency of ['NORMAL', 'URGENT', 'NORMAL', 'URGENT']) {
      const pupil = await newPupil(t, { municipality: 'GM0518' });
      await createReferral(t, LZ, {
        pupilId: pupil.id,
        receiverId: 'smw-den-haag',
        reason: `Volgorde ${urgency}`,
        urgency,
        sharedCategories: ['IDENTITY'],
        legalBasis: 'JEUGDWET',
      });
    }
    const pupil = await newPupil(t, { municipality: 'GM0518' });
    const created = new Date(DEMO_NOW.getTime() - 7200_000);
    await t.database.db
      .insertInto('referrals')
      .values({
        id: randomUUID(),
        pupil_id: pupil.id,
        sender_org_id: 'lz-den-haag',
        receiver_org_id: 'smw-den-haag',
        status: 'ACCEPTED',
        urgency: 'NORMAL',
        reason: 'Zonder termijn',
        shared_categories: ['IDENTITY'],
        legal_basis: 'JEUGDWET',
        response_due_at: null,
        version: 1,
        created_at: created,
        updated_at: created,
      } as never)
      .execute();
  });

  async function everything(who: As, orderBy: string) {
    const data = await gqlOk(t, who, PAGE, { first: 100, orderBy });
    return data.referrals as { totalCount: number; edges: Array<{ node: { id: string; status: string; responseDueAt: string | null; createdAt: string } }> };
  }

  async function pageByPage(who: As, orderBy: string, size: number) {
    const ids: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 100; i++) {
      const data = await gqlOk(t, who, PAGE, { first: size, after, orderBy });
      ids.push(...data.referrals.edges.map((edge: { node: { id: string } }) => edge.node.id));
      if (!data.referrals.pageInfo.hasNextPage) break;
      after = data.referrals.pageInfo.endCursor;
    }
    return ids;
  }

  it('DEADLINE: the earliest deadline of a referral awaiting its response first, the rest last, then by id; pages agree', async () => {
    const all = await everything(LZ, 'DEADLINE');
    expect(all.edges.length).toBe(all.totalCount);
    // The deadline as the caller reads it (null where its link ended), while a response is awaited.
    const awaiting = (node: { status: string }) => node.status === 'REQUESTED' || node.status === 'RECEIVED';
    const key = (node: { id: string; status: string; responseDueAt: string | null }) => [
      (awaiting(node) ? node.responseDueAt : null) ?? '9999-12-31T23:59:59.999Z',
      node.id,
    ];
    const keys = all.edges.map((edge) => key(edge.node));
    const sorted = [...keys].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0));
    expect(keys).toEqual(sorted);
    // Some awaiting with a deadline and some not, so both parts of the order are exercised.
    expect(all.edges.filter((edge) => awaiting(edge.node) && edge.node.responseDueAt).length).toBeGreaterThan(1);
    expect(all.edges.some((edge) => !awaiting(edge.node))).toBe(true);
    expect(all.edges.some((edge) => edge.node.responseDueAt === null)).toBe(true);
    expect(await pageByPage(LZ, 'DEADLINE', 2)).toEqual(all.edges.map((edge) => edge.node.id));
  });

  it('NEWEST: the most recently made first; pages agree', async () => {
    const all = await everything(LZ, 'NEWEST');
    const created = all.edges.map((edge) => edge.node.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(await pageByPage(LZ, 'NEWEST', 3)).toEqual(all.edges.map((edge) => edge.node.id));
  });

  it('ID stays the default, and the same referrals come back in every order', async () => {
    const byDefault = await gqlOk(t, LZ, PAGE, { first: 100 });
    const byId = await everything(LZ, 'ID');
    expect(byDefault.referrals.edges).toEqual(byId.edges);
    const ids = byId.edges.map((edge) => edge.node.id);
    expect([...ids].sort()).toEqual(ids);
    for (const order of ['DEADLINE', 'NEWEST']) expect((await everything(LZ, order)).edges.map((edge) => edge.node.id).sort()).toEqual(ids);
  });

  it("refuses a cursor of another order: it encodes that order's key", async () => {
    const first = await gqlOk(t, LZ, PAGE, { first: 1, orderBy: 'ID' });
    const body = await gqlBody(t, LZ, PAGE, { first: 1, orderBy: 'DEADLINE', after: first.referrals.pageInfo.endCursor });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
