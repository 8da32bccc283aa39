// Signed webhooks for partner systems. An outbox written in the change's transaction, one
// delivery per endpoint of each party, Standard Webhooks signatures, retries with backoff on the
// hub's clock, DEAD after 3 days, leases that survive a hub dying mid-delivery, and endpoints that
// belong to one organisation. The receivers are local HTTP servers answering as scripted.
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BACKOFF_SECONDS,
  DEAD_AFTER_MS,
  DELIVERY_TIMEOUT_MS,
  isPublicAddress,
  LEASE_MS,
  verifyWebhook,
  WebhookDispatcher,
  type DispatcherOptions,
} from '../src/events/webhooks.ts';
import { createLogger } from '../src/logging.ts';
import { startReceiver, tokenFor, type Receiver } from './helpers/events.ts';
import { LogCapture, productionEnv, startTestHub, type TestHub } from './helpers/hub.ts';
import { act, actOk, createReferral, gqlBody, gqlOk, LZ, LZ_TO_SMW, newPupil, SMW, type As, type RefState } from './helpers/referrals.ts';

let t: TestHub;
const LZ_COORD: As = { org: 'lz-den-haag', role: 'COORDINATOR' };
const SMW_COORD: As = { org: 'smw-den-haag', role: 'COORDINATOR' };
const CJG_COORD: As = { org: 'cjg-den-haag', role: 'COORDINATOR' };

const REGISTER = 'mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { secret endpoint { id url kinds createdAt removedAt } } }';
const ENDPOINTS = '{ webhookEndpoints { id url kinds createdAt removedAt } }';
const REMOVE = 'mutation($id: ID!) { removeWebhook(input: { id: $id }) { id removedAt } }';
const DELIVERIES = `query($id: ID!, $status: WebhookDeliveryStatus) { webhookDeliveries(endpointId: $id, status: $status, first: 100) {
  totalCount edges { node { id eventId kind status attempts nextAttemptAt createdAt deliveredAt payload log { attempt startedAt durationMs statusCode error } } } } }`;

const receivers: Receiver[] = [];
const registered: Array<{ as: As; id: string }> = [];

beforeAll(async () => {
  t = await startTestHub();
  dispatcher = new WebhookDispatcher({
    db: t.database.db,
    clock: () => t.clock.now,
    logger: createLogger('fatal', new LogCapture()),
    secretKey: t.hub.services.webhookSecretKey,
    random: () => 0.5,
  });
});
afterEach(async () => {
  // Each test's endpoints go (with their pending deliveries), so the next test's runOnce sends its own only.
  for (const { as, id } of registered.splice(0)) await t.gql(as, REMOVE, { id });
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await t?.close();
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

async function register(as: As, url: string, kinds?: string[]): Promise<{ id: string; secret: string; kinds: string[] }> {
  const data = await gqlOk(t, as, REGISTER, { input: { url, ...(kinds ? { kinds } : {}) } });
  const { endpoint, secret } = data.registerWebhook;
  registered.push({ as, id: endpoint.id });
  return { id: endpoint.id, secret, kinds: endpoint.kinds };
}

async function deliveries(as: As, endpointId: string, status?: string): Promise<{ totalCount: number; nodes: any[] }> {
  const data = await gqlOk(t, as, DELIVERIES, { id: endpointId, ...(status ? { status } : {}) });
  return { totalCount: data.webhookDeliveries.totalCount, nodes: data.webhookDeliveries.edges.map((e: any) => e.node) };
}

const at = (ms: number) => new Date(ms);
const later = (ms: number) => {
  t.clock.now = at(t.clock.now.getTime() + ms);
};
// The tests' dispatcher: the hub's own, on the test clock, without jitter (random 0.5), so the
// schedule can be checked to the millisecond; jitter has a test of its own.
let dispatcher: WebhookDispatcher;
const runOnce = () => dispatcher.runOnce();

const headersOf = (request: Receiver['requests'][number]) => ({
  id: String(request.headers['webhook-id']),
  timestamp: String(request.headers['webhook-timestamp']),
  signature: String(request.headers['webhook-signature']),
});

const referralFor = async (): Promise<RefState> => createReferral(t, LZ, LZ_TO_SMW.input((await newPupil(t)).id));

describe('registration', () => {
  it('is for coordinators only', async () => {
    const asProfessional = await gqlBody(t, LZ, REGISTER, { input: { url: 'http://127.0.0.1:9/hooks' } });
    expect(asProfessional.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gqlBody(t, LZ, ENDPOINTS)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { id } = await register(LZ_COORD, 'http://127.0.0.1:9/hooks');
    expect((await gqlBody(t, LZ, DELIVERIES, { id })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gqlBody(t, LZ, REMOVE, { id })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gqlBody(t, { org: 'lz-den-haag', role: 'PRIVACY_OFFICER' }, REGISTER, { input: { url: 'http://127.0.0.1:9/x' } })).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    const rows = await t.database.db.selectFrom('webhook_endpoints').select('id').where('org_id', '=', 'lz-den-haag').execute();
    expect(rows.map((r) => r.id)).toEqual([id]);
  });

  it('allows http outside production, and refuses URLs with credentials, relative URLs and other schemes', async () => {
    const ok = await register(LZ_COORD, 'http://127.0.0.1:9/hooks');
    expect(ok.kinds).toEqual(['REFERRAL_CREATED', 'REFERRAL_CHANGED', 'NOTE_ADDED']);
    for (const url of ['https://user:pass@partner.example/hooks', 'https://token@partner.example/hooks', '/hooks', 'ftp://partner.example/hooks', 'javascript:alert(1)']) {
      const body = await gqlBody(t, LZ_COORD, REGISTER, { input: { url } });
      expect(body.errors?.[0]?.extensions?.code, url).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.extensions?.argument, url).toBe('input.url');
    }
  });

  it('takes referral kinds only', async () => {
    for (const kinds of [['CONTACT_ATTEMPT_RECORDED'], ['REFERRAL_CHANGED', 'PUPIL_REPORTED_OUT_OF_VIEW'], ['OUT_OF_VIEW_CASE_CLOSED']]) {
      const body = await gqlBody(t, LZ_COORD, REGISTER, { input: { url: 'http://127.0.0.1:9/hooks', kinds } });
      expect(body.errors?.[0]?.extensions?.code, kinds.join()).toBe('BAD_USER_INPUT');
    }
    expect((await register(LZ_COORD, 'http://127.0.0.1:9/hooks', ['REFERRAL_CHANGED', 'REFERRAL_CHANGED'])).kinds).toEqual(['REFERRAL_CHANGED']);
  });

  it('returns the signing secret once, and never again', async () => {
    const one = await register(LZ_COORD, 'http://127.0.0.1:9/one');
    const two = await register(LZ_COORD, 'http://127.0.0.1:9/two');
    expect(one.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(one.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(two.secret).not.toBe(one.secret);

    const listed = await gqlOk(t, LZ_COORD, ENDPOINTS);
    expect(listed.webhookEndpoints.map((e: any) => e.id)).toEqual(expect.arrayContaining([one.id, two.id]));
    expect(JSON.stringify(listed)).not.toContain(one.secret.slice('whsec_'.length));
    const asked = await gqlBody(t, LZ_COORD, '{ webhookEndpoints { id secret } }');
    expect(asked.errors?.[0]?.message).toMatch(/Cannot query field "secret"/);
    const removed = await gqlOk(t, LZ_COORD, REMOVE, { id: one.id });
    expect(JSON.stringify(removed)).not.toContain(one.secret.slice('whsec_'.length));
    expect(t.logs.text).not.toContain(one.secret.slice('whsec_'.length));
  });

  it('requires https in production', async () => {
    const prod = await startTestHub({ env: productionEnv() });
    try {
      const plain = (await prod.gql(LZ_COORD, REGISTER, { input: { url: 'http://partner.example/hooks' } })).body;
      expect(plain.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(plain.errors?.[0]?.message).toMatch(/https/);
      const secure = (await prod.gql(LZ_COORD, REGISTER, { input: { url: 'https://partner.example/hooks' } })).body;
      expect(secure.errors).toBeUndefined();
      expect(secure.data.registerWebhook.endpoint.url).toBe('https://partner.example/hooks');
      // Not into the hub's own network.
      for (const url of ['https://127.0.0.1/hooks', 'https://localhost:8443/hooks', 'https://10.1.2.3/hooks', 'https://192.168.1.10/hooks', 'https://169.254.169.254/latest', 'https://[::1]/hooks']) {
        const internal = (await prod.gql(LZ_COORD, REGISTER, { input: { url } })).body;
        expect(internal.errors?.[0]?.message, url).toMatch(/public address/);
      }
    } finally {
      await prod.close();
    }
  });
});

describe('the outbox', () => {
  it('holds exactly one delivery per endpoint of each party for each committed change, and none for a change that failed', async () => {
    const lz = await register(LZ_COORD, 'http://127.0.0.1:9/lz');
    const lzCreatedOnly = await register(LZ_COORD, 'http://127.0.0.1:9/lz-created', ['REFERRAL_CREATED']);
    const smw = await register(SMW_COORD, 'http://127.0.0.1:9/smw');
    const cjg = await register(CJG_COORD, 'http://127.0.0.1:9/cjg'); // no party
    const count = async () => ({
      lz: (await deliveries(LZ_COORD, lz.id)).totalCount,
      lzCreatedOnly: (await deliveries(LZ_COORD, lzCreatedOnly.id)).totalCount,
      smw: (await deliveries(SMW_COORD, smw.id)).totalCount,
      cjg: (await deliveries(CJG_COORD, cjg.id)).totalCount,
    });

    const ref = await referralFor();
    expect(await count()).toEqual({ lz: 1, lzCreatedOnly: 1, smw: 1, cjg: 0 });
    const stale = { ...ref };
    await actOk(t, SMW, 'RECEIVE', ref);
    expect(await count()).toEqual({ lz: 2, lzCreatedOnly: 1, smw: 2, cjg: 0 });

    // A stale version: CONFLICT, no event, no delivery.
    const events = () => t.database.db.selectFrom('hub_events').select('id').where('referral_id', '=', ref.id).execute();
    const eventsBefore = (await events()).length;
    const conflict = await act(t, SMW, 'ACCEPT', stale);
    expect(conflict.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await count()).toEqual({ lz: 2, lzCreatedOnly: 1, smw: 2, cjg: 0 });
    expect((await events()).length).toBe(eventsBefore);

    // Five at once on the same version: one wins, one delivery each.
    const raced = await Promise.all(Array.from({ length: 5 }, () => act(t, SMW, 'ACCEPT', ref)));
    expect(raced.filter((b) => !b.errors)).toHaveLength(1);
    expect(await count()).toEqual({ lz: 3, lzCreatedOnly: 1, smw: 3, cjg: 0 });

    // Each delivery names its own event, and each party's log holds the same events.
    const lzEvents = (await deliveries(LZ_COORD, lz.id)).nodes.map((d) => d.eventId).sort();
    const smwEvents = (await deliveries(SMW_COORD, smw.id)).nodes.map((d) => d.eventId).sort();
    expect(new Set(lzEvents).size).toBe(3);
    expect(smwEvents).toEqual(lzEvents);
  });

  it('rolls the delivery back with a change that fails after its event was written', async () => {
    const lz = await register(LZ_COORD, 'http://127.0.0.1:9/lz');
    const ref = await referralFor();
    const before = (await deliveries(LZ_COORD, lz.id)).totalCount;
    // The access log refuses this one operation: the note's transaction fails after its event.
    await t.asOwner(async (db) => {
      await sql`CREATE FUNCTION test_refuse_rollback() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.operation_name = 'RollBack' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`.execute(db);
      await sql`CREATE TRIGGER test_refuse_rollback BEFORE INSERT ON access_log_records FOR EACH ROW EXECUTE FUNCTION test_refuse_rollback()`.execute(db);
    });
    try {
      const failed = (
        await t.request
          .post('/graphql')
          .set('Authorization', `Bearer ${tokenFor(LZ, t.clock.now)}`)
          .send({
            query: 'mutation RollBack($input: AddNoteInput!) { addNote(input: $input) { id } }',
            variables: { input: { pupilId: ref.pupilId, referralId: ref.id, category: 'SCHOOLING', body: 'Gaat niet door' } },
          })
      ).body;
      expect(failed.errors).toBeDefined();
    } finally {
      await t.asOwner(async (db) => {
        await sql`DROP TRIGGER test_refuse_rollback ON access_log_records`.execute(db);
        await sql`DROP FUNCTION test_refuse_rollback()`.execute(db);
      });
    }
    expect((await deliveries(LZ_COORD, lz.id)).totalCount).toBe(before);
    const notes = await t.database.db.selectFrom('hub_events').select('id').where('referral_id', '=', ref.id).where('kind', '=', 'NOTE_ADDED').execute();
    expect(notes).toEqual([]);
    // The same note without the refusal is announced.
    await gqlOk(t, LZ, 'mutation($input: AddNoteInput!) { addNote(input: $input) { id } }', {
      input: { pupilId: ref.pupilId, referralId: ref.id, category: 'SCHOOLING', body: 'Gaat wel door' },
    });
    const after = await deliveries(LZ_COORD, lz.id);
    expect(after.totalCount).toBe(before + 1);
    expect(after.nodes.filter((d) => d.kind === 'NOTE_ADDED')).toHaveLength(1);
  });
});

describe('the delivery log', () => {
  it('lists an endpoint\'s deliveries newest first, page by page', async () => {
    const lz = await register(LZ_COORD, 'http://127.0.0.1:9/log', ['REFERRAL_CREATED']);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push((await referralFor()).id);
      later(60_000);
    }
    const page = `query($id: ID!, $after: String) { webhookDeliveries(endpointId: $id, first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { createdAt payload } } } }`;
    const first = (await gqlOk(t, LZ_COORD, page, { id: lz.id })).webhookDeliveries;
    expect(first.totalCount).toBe(3);
    const referralOf = (edge: any) => JSON.parse(edge.node.payload).data.referralId;
    expect(first.edges.map(referralOf)).toEqual([made[2], made[1]]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await gqlOk(t, LZ_COORD, page, { id: lz.id, after: first.pageInfo.endCursor })).webhookDeliveries;
    expect(second.edges.map(referralOf)).toEqual([made[0]]);
  });
});

describe('signing', () => {
  it('signs each request as Standard Webhooks describes, over a body without personal data', async () => {
    const r = await receiver();
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    const other = await register(LZ_COORD, 'http://127.0.0.1:9/other', ['REFERRAL_CHANGED']);
    const pupilRow = await newPupil(t);
    const ref = await createReferral(t, LZ, LZ_TO_SMW.input(pupilRow.id));
    expect(await runOnce()).toBe(1);
    expect(r.requests).toHaveLength(1);
    const [request] = r.requests;
    const headers = headersOf(request!);
    const now = t.clock.now.getTime();

    const [delivery] = (await deliveries(LZ_COORD, lz.id)).nodes;
    expect(headers.id).toBe(delivery.id);
    expect(headers.timestamp).toBe(String(Math.floor(now / 1000)));
    expect(request!.headers['content-type']).toMatch(/^application\/json/);
    expect(request!.body).toBe(delivery.payload);
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 1, kind: 'REFERRAL_CREATED', nextAttemptAt: null });

    // The signature, computed here from the specification, not with the hub's code.
    const key = Buffer.from(lz.secret.slice('whsec_'.length), 'base64');
    const expected = `v1,${createHmac('sha256', key).update(`${headers.id}.${headers.timestamp}.${request!.body}`).digest('base64')}`;
    expect(headers.signature.split(' ')).toContain(expected);

    expect(verifyWebhook(lz.secret, headers, request!.body, now)).toBe(true);
    expect(verifyWebhook(lz.secret, headers, request!.body.replace(ref.id, ref.id.replace(/.$/, (c) => (c === '0' ? '1' : '0'))), now)).toBe(false);
    expect(verifyWebhook(lz.secret, headers, `${request!.body} `, now)).toBe(false);
    expect(verifyWebhook(lz.secret, { ...headers, timestamp: String(Number(headers.timestamp) + 1) }, request!.body, now)).toBe(false);
    expect(verifyWebhook(lz.secret, { ...headers, id: `${headers.id}x` }, request!.body, now)).toBe(false);
    expect(verifyWebhook(other.secret, headers, request!.body, now)).toBe(false);
    // A replay after five minutes is refused.
    expect(verifyWebhook(lz.secret, headers, request!.body, now + 301_000)).toBe(false);

    const body = JSON.parse(request!.body);
    expect(Object.keys(body).sort()).toEqual(['data', 'timestamp', 'type']);
    expect(Object.keys(body.data).sort()).toEqual(['action', 'eventId', 'kind', 'occurredAt', 'referralId']);
    expect(body).toMatchObject({ type: 'referral.created', timestamp: t.clock.now.toISOString(), data: { kind: 'REFERRAL_CREATED', action: 'CREATE', referralId: ref.id, occurredAt: t.clock.now.toISOString() } });
    const event = await t.database.db.selectFrom('hub_events').selectAll().where('id', '=', body.data.eventId).executeTakeFirstOrThrow();
    expect(event).toMatchObject({ referral_id: ref.id, kind: 'REFERRAL_CREATED' });
    const pupil = await t.database.db.selectFrom('pupils').selectAll().where('id', '=', pupilRow.id).executeTakeFirstOrThrow();
    for (const personal of [pupil.id, pupil.bsn, pupil.given_name, pupil.family_name, pupil.street, pupil.phone].filter(Boolean))
      expect(request!.body).not.toContain(String(personal));
  });
});

describe('retries', () => {
  it('tries again after 5 s, 30 s and 2 min, with the same webhook-id, until the receiver takes it', async () => {
    const r = await receiver([500, 500, 'drop', 200]);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    const start = t.clock.now.getTime();
    await referralFor();

    expect(await runOnce()).toBe(1);
    for (const [wait, answer] of [
      [5, 500],
      [30, 'drop'],
      [120, 200],
    ] as const) {
      // Not before the backoff has passed.
      expect(await runOnce()).toBe(0);
      later(wait * 1000 - 1);
      expect(await runOnce()).toBe(0);
      later(1);
      expect(await runOnce()).toBe(1);
      expect(r.requests.at(-1)!.answer).toBe(answer);
    }
    later(3600_000);
    expect(await runOnce()).toBe(0);

    expect(r.requests).toHaveLength(4);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(1);
    expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
    const [delivery] = (await deliveries(LZ_COORD, lz.id)).nodes;
    expect(delivery).toMatchObject({ id: r.requests[0]!.headers['webhook-id'], status: 'DELIVERED', attempts: 4, nextAttemptAt: null });
    expect(new Date(delivery.deliveredAt).getTime()).toBe(start + (5 + 30 + 120) * 1000);
    expect(delivery.log.map((a: any) => ({ attempt: a.attempt, statusCode: a.statusCode, error: a.error }))).toEqual([
      { attempt: 1, statusCode: 500, error: 'HTTP 500' },
      { attempt: 2, statusCode: 500, error: 'HTTP 500' },
      { attempt: 3, statusCode: null, error: expect.stringMatching(/could not connect/) },
      { attempt: 4, statusCode: 200, error: null },
    ]);
    expect(delivery.log.map((a: any) => new Date(a.startedAt).getTime() - start)).toEqual([0, 5_000, 35_000, 155_000]);
    // Every attempt is signed afresh for its own moment.
    for (const [i, request] of r.requests.entries())
      expect(verifyWebhook(lz.secret, headersOf(request), request.body, new Date(delivery.log[i].startedAt).getTime()), `attempt ${i + 1}`).toBe(true);
  });

  it('keeps trying for 3 days on the documented schedule, then the delivery is DEAD and no more attempts happen', async () => {
    const r = await receiver([], 500);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    const start = t.clock.now.getTime();
    await referralFor();

    // 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h, while within 3 days.
    const waits = [5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 12 * 3600, 12 * 3600, 12 * 3600, 12 * 3600];
    const expected = waits.reduce((offsets, wait) => [...offsets, offsets.at(-1)! + wait * 1000], [0]);
    expect(expected.at(-1)!).toBeLessThan(3 * 24 * 3600_000);
    expect(expected.at(-1)! + 12 * 3600_000).toBeGreaterThan(3 * 24 * 3600_000);
    expect(DEAD_AFTER_MS).toBe(3 * 24 * 3600_000);
    expect(BACKOFF_SECONDS.slice(0, 9)).toEqual(waits.slice(0, 9));
    for (let guard = 0; guard < 100; guard++) {
      expect(await runOnce()).toBe(1);
      const [delivery] = (await deliveries(LZ_COORD, lz.id)).nodes;
      if (delivery.status !== 'PENDING') break;
      t.clock.now = new Date(delivery.nextAttemptAt);
    }
    const [dead] = (await deliveries(LZ_COORD, lz.id, 'DEAD')).nodes;
    expect(dead).toMatchObject({ status: 'DEAD', attempts: expected.length, nextAttemptAt: null, deliveredAt: null });
    expect(dead.log.map((a: any) => new Date(a.startedAt).getTime() - start)).toEqual(expected);
    expect(r.requests).toHaveLength(expected.length);

    later(2 * DEAD_AFTER_MS);
    expect(await runOnce()).toBe(0);
    expect(r.requests).toHaveLength(expected.length);
    expect((await deliveries(LZ_COORD, lz.id, 'PENDING')).totalCount).toBe(0);
  });
});

describe('a hub that stops mid-delivery', () => {
  const quiet = createLogger('fatal', new LogCapture());

  it('leaves its lease to run out, after which another instance delivers: one duplicate, nothing lost', async () => {
    const r = await receiver(['hang'], 200);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    await referralFor();

    // Instance A takes the delivery and dies while the receiver is still working on it: its
    // request reaches the receiver, and A never learns the answer nor records anything.
    const died = new AbortController();
    const a = new WebhookDispatcher({
      db: t.database.db,
      clock: () => t.clock.now,
      logger: quiet,
      secretKey: t.hub.services.webhookSecretKey,
      fetch: (url, init) => {
        void fetch(url, { ...init, signal: died.signal }).catch(() => undefined);
        return new Promise<Response>(() => undefined);
      },
    });
    void a.runOnce();
    await r.waitFor(1);
    died.abort();

    // Instance B (the restarted hub) waits for the lease.
    const b = new WebhookDispatcher({ db: t.database.db, clock: () => t.clock.now, logger: quiet, secretKey: t.hub.services.webhookSecretKey });
    expect(await b.runOnce()).toBe(0);
    later(LEASE_MS - 1);
    expect(await b.runOnce()).toBe(0);
    later(2);
    expect(await b.runOnce()).toBe(1);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.headers['webhook-id']).toBe(r.requests[0]!.headers['webhook-id']);
    const [delivery] = (await deliveries(LZ_COORD, lz.id)).nodes;
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 1 });
    later(3600_000);
    expect(await b.runOnce()).toBe(0);
    expect(r.requests).toHaveLength(2);
  });

  it('does not let an instance that resumes after its lease ran out undo the delivery made meanwhile', async () => {
    const r = await receiver(['hang', 200], 200);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    await referralFor();

    // A stalls (a long pause, a clock behind the others) while its request hangs.
    const a = new WebhookDispatcher({ db: t.database.db, clock: () => t.clock.now, logger: quiet, secretKey: t.hub.services.webhookSecretKey });
    const aDone = a.runOnce();
    await r.waitFor(1);
    later(LEASE_MS + 1);
    const b = new WebhookDispatcher({ db: t.database.db, clock: () => t.clock.now, logger: quiet, secretKey: t.hub.services.webhookSecretKey });
    expect(await b.runOnce()).toBe(1);
    expect((await deliveries(LZ_COORD, lz.id)).nodes[0]).toMatchObject({ status: 'DELIVERED', attempts: 1 });

    // A's request finally fails; A must not turn the delivered notification back into a pending one.
    r.releaseHanging(500);
    await aDone;
    const [delivery] = (await deliveries(LZ_COORD, lz.id)).nodes;
    expect(delivery).toMatchObject({ status: 'DELIVERED', deliveredAt: expect.any(String) });
    later(3600_000);
    expect(await b.runOnce()).toBe(0);
    expect(r.requests).toHaveLength(2);
  });
});

describe('endpoints belong to one organisation', () => {
  it('removeWebhook drops pending deliveries, keeps the log of delivered ones, and ends new ones', async () => {
    const r = await receiver([200], 500);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    await referralFor();
    expect(await runOnce()).toBe(1); // delivered
    await referralFor();
    expect(await runOnce()).toBe(1); // failed: pending, to be retried
    expect((await deliveries(LZ_COORD, lz.id, 'PENDING')).totalCount).toBe(1);

    const removed = await gqlOk(t, LZ_COORD, REMOVE, { id: lz.id });
    registered.splice(registered.findIndex((e) => e.id === lz.id), 1);
    expect(removed.removeWebhook).toMatchObject({ id: lz.id, removedAt: t.clock.now.toISOString() });
    expect((await deliveries(LZ_COORD, lz.id, 'PENDING')).totalCount).toBe(0);
    expect((await deliveries(LZ_COORD, lz.id, 'DELIVERED')).totalCount).toBe(1);

    await referralFor();
    later(3600_000);
    expect(await runOnce()).toBe(0);
    expect(r.requests).toHaveLength(2);
    expect((await deliveries(LZ_COORD, lz.id)).totalCount).toBe(1);
    const listed = await gqlOk(t, LZ_COORD, ENDPOINTS);
    expect(listed.webhookEndpoints.find((e: any) => e.id === lz.id)).toMatchObject({ removedAt: expect.any(String) });
    expect((await gqlBody(t, LZ_COORD, REMOVE, { id: lz.id })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('another organisation can neither see nor remove an endpoint, nor read its deliveries', async () => {
    const r = await receiver();
    const lz = await register(LZ_COORD, r.url);
    await referralFor(); // LZ → SMW: the SMW is party to the same referral
    expect((await deliveries(LZ_COORD, lz.id)).totalCount).toBe(1);
    const random = '00000000-0000-4000-8000-000000000000';

    const seen = await gqlOk(t, SMW_COORD, ENDPOINTS);
    expect(seen.webhookEndpoints.map((e: any) => e.id)).not.toContain(lz.id);
    const theirs = await gqlBody(t, SMW_COORD, DELIVERIES, { id: lz.id });
    const none = await gqlBody(t, SMW_COORD, DELIVERIES, { id: random });
    expect(theirs).toEqual(none);
    expect(JSON.stringify(theirs)).not.toContain(r.url);
    expect(theirs.data?.webhookDeliveries?.totalCount ?? 0).toBe(0);

    const removal = await gqlBody(t, SMW_COORD, REMOVE, { id: lz.id });
    expect(removal.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(removal.errors?.[0]?.message).toBe((await gqlBody(t, SMW_COORD, REMOVE, { id: random })).errors?.[0]?.message);
    const mine = await gqlOk(t, LZ_COORD, ENDPOINTS);
    expect(mine.webhookEndpoints.find((e: any) => e.id === lz.id)).toMatchObject({ removedAt: null });
    expect((await deliveries(LZ_COORD, lz.id, 'PENDING')).totalCount).toBe(1);
  });
});

describe('the signing secret at rest', () => {
  it('is stored sealed, not in clear: the database holds no whsec_ value, yet deliveries verify', async () => {
    const rows = await t.database.db.selectFrom('webhook_endpoints').select('secret').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.secret).toMatch(/^v1:/);
      expect(row.secret).not.toContain('whsec_');
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Standard Webhooks depth: rotation, status codes, jitter, disabling, redelivery, timeout, and where
// the hub may send in production.

const ENDPOINT_STATE = '{ webhookEndpoints { id disabledAt disabledReason failingSince previousSecretValidUntil } }';
const ROTATE = 'mutation($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) { secret endpoint { id previousSecretValidUntil } } }';
const ENABLE = 'mutation($id: ID!) { enableWebhook(input: { id: $id }) { id disabledAt disabledReason failingSince } }';
const REDELIVER = 'mutation($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { id status attempts nextAttemptAt deliveredAt } }';

async function endpointState(as: As, id: string) {
  return (await gqlOk(t, as, ENDPOINT_STATE)).webhookEndpoints.find((e: any) => e.id === id);
}

/** A dispatcher of its own on the test clock (no jitter unless `random` says otherwise). */
function dispatcherWith(options: Partial<DispatcherOptions>): WebhookDispatcher {
  return new WebhookDispatcher({
    db: t.database.db,
    clock: () => t.clock.now,
    logger: createLogger('fatal', new LogCapture()),
    secretKey: t.hub.services.webhookSecretKey,
    random: () => 0.5,
    ...options,
  });
}

/**
 * Whether the independent `standardwebhooks` package (the specification's reference library) accepts
 * the request with `secret`, as a receiver's clock at the moment it was sent.
 */
function acceptedBy(secret: string, request: Receiver['requests'][number]): boolean {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Number(headersOf(request).timestamp) * 1000);
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  } finally {
    vi.useRealTimers();
  }
}

/** Every `v1,` signature in the header that verifies with `secret`, computed from the specification. */
function signedBy(secret: string, request: Receiver['requests'][number]): boolean {
  const h = headersOf(request);
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = `v1,${createHmac('sha256', key).update(`${h.id}.${h.timestamp}.${request.body}`).digest('base64')}`;
  return h.signature.split(' ').includes(expected);
}

describe('secret rotation without downtime', () => {
  it('signs with the new and the previous secret during the overlap (two space-separated signatures), then with the new one only', async () => {
    const r = await receiver();
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    const rotated = (await gqlOk(t, LZ_COORD, ROTATE, { input: { id: lz.id, overlapHours: 2 } })).rotateWebhookSecret;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(lz.secret);
    expect(rotated.endpoint.previousSecretValidUntil).toBe(new Date(t.clock.now.getTime() + 2 * 3600_000).toISOString());
    expect(t.logs.text).not.toContain(rotated.secret.slice('whsec_'.length));

    await referralFor();
    expect(await runOnce()).toBe(1);
    const during = r.requests.at(-1)!;
    const signatures = headersOf(during).signature.split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((one) => /^v1,[A-Za-z0-9+/]+={0,2}$/.test(one))).toBe(true);
    // The new secret's first; a receiver on either secret accepts the message.
    expect(signedBy(rotated.secret, during)).toBe(true);
    expect(signedBy(lz.secret, during)).toBe(true);
    expect(acceptedBy(rotated.secret, during)).toBe(true);
    expect(acceptedBy(lz.secret, during)).toBe(true);
    expect(acceptedBy((await register(LZ_COORD, 'http://127.0.0.1:9/other', ['NOTE_ADDED'])).secret, during)).toBe(false);
    expect(verifyWebhook(rotated.secret, headersOf(during), during.body, t.clock.now.getTime())).toBe(true);
    expect(verifyWebhook(lz.secret, headersOf(during), during.body, t.clock.now.getTime())).toBe(true);

    later(2 * 3600_000);
    expect((await endpointState(LZ_COORD, lz.id)).previousSecretValidUntil).toBeNull();
    await referralFor();
    expect(await runOnce()).toBe(1);
    const after = r.requests.at(-1)!;
    expect(headersOf(after).signature.split(' ')).toHaveLength(1);
    expect(signedBy(rotated.secret, after)).toBe(true);
    expect(signedBy(lz.secret, after)).toBe(false);
    expect(acceptedBy(rotated.secret, after)).toBe(true);
    expect(acceptedBy(lz.secret, after)).toBe(false);
  });

  it('with overlapHours 0 the previous secret stops at once; a bad overlap or another organisation\'s endpoint changes nothing', async () => {
    const r = await receiver();
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    for (const overlapHours of [-1, 169, 1.5]) {
      const body = await gqlBody(t, LZ_COORD, ROTATE, { input: { id: lz.id, overlapHours } });
      expect(body.errors?.[0]?.extensions?.code, String(overlapHours)).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toContain('input.overlapHours');
    }
    const foreign = await gqlBody(t, SMW_COORD, ROTATE, { input: { id: lz.id } });
    const unknown = await gqlBody(t, SMW_COORD, ROTATE, { input: { id: '00000000-0000-4000-8000-000000000000' } });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(foreign.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
    expect((await gqlBody(t, LZ, ROTATE, { input: { id: lz.id } })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Nothing changed: the original secret alone still signs.
    await referralFor();
    expect(await runOnce()).toBe(1);
    expect(headersOf(r.requests.at(-1)!).signature.split(' ')).toHaveLength(1);
    expect(signedBy(lz.secret, r.requests.at(-1)!)).toBe(true);

    const rotated = (await gqlOk(t, LZ_COORD, ROTATE, { input: { id: lz.id, overlapHours: 0 } })).rotateWebhookSecret;
    expect(rotated.endpoint.previousSecretValidUntil).toBeNull();
    await referralFor();
    expect(await runOnce()).toBe(1);
    expect(signedBy(rotated.secret, r.requests.at(-1)!)).toBe(true);
    expect(signedBy(lz.secret, r.requests.at(-1)!)).toBe(false);
  });
});

describe('what the receiver answers', () => {
  it('410 Gone disables the endpoint: its coordinators see why, pending deliveries end, new events are not queued until it is enabled again', async () => {
    const r = await receiver([410], 200);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    await referralFor();
    await referralFor();
    expect(await runOnce()).toBe(2);
    expect(r.requests).toHaveLength(2); // the first answered 410, the second (already under way) 200
    const state = await endpointState(LZ_COORD, lz.id);
    expect(state).toMatchObject({ disabledAt: t.clock.now.toISOString(), disabledReason: 'GONE' });
    const both = (await deliveries(LZ_COORD, lz.id)).nodes;
    expect(both.find((d) => d.log[0].statusCode === 410)).toMatchObject({ status: 'DEAD', attempts: 1, nextAttemptAt: null });
    // The one under way at the same moment keeps its own outcome.
    expect(both.find((d) => d.log[0].statusCode === 200)).toMatchObject({ status: 'DELIVERED', attempts: 1 });

    // Disabled: a new event queues nothing for it and nothing is sent.
    const before = (await deliveries(LZ_COORD, lz.id)).totalCount;
    await referralFor();
    later(3600_000);
    expect(await runOnce()).toBe(0);
    expect((await deliveries(LZ_COORD, lz.id)).totalCount).toBe(before);
    // Other organisations cannot enable it; its coordinators can.
    expect((await gqlBody(t, SMW_COORD, ENABLE, { id: lz.id })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const enabled = (await gqlOk(t, LZ_COORD, ENABLE, { id: lz.id })).enableWebhook;
    expect(enabled).toEqual({ id: lz.id, disabledAt: null, disabledReason: null, failingSince: null });
    expect((await gqlBody(t, LZ_COORD, ENABLE, { id: lz.id })).errors?.[0]?.message).toMatch(/no disabled webhook endpoint/);
    await referralFor();
    expect(await runOnce()).toBe(1);
    expect(r.requests.at(-1)!.answer).toBe(200);
  });

  it('429 and 503 with Retry-After wait as long as asked (seconds or an HTTP date), never less than the schedule; other failures, and those without it, follow the schedule', async () => {
    const start = t.clock.now.getTime();
    // The second attempt comes 120 s after the first; its answer asks to wait until 10 minutes later.
    const date = new Date(start + 120_000 + 600_000).toUTCString();
    const r = await receiver([
      { status: 429, headers: { 'retry-after': '120' } },
      { status: 503, headers: { 'retry-after': date } },
      { status: 500, headers: { 'retry-after': '3600' } },
      503,
      { status: 429, headers: { 'retry-after': '0' } },
      200,
    ]);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    await referralFor();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = t.clock.now.getTime();
      expect(await runOnce()).toBe(1);
      const [delivery] = (await deliveries(LZ_COORD, lz.id)).nodes;
      if (delivery.status !== 'PENDING') break;
      waits.push(new Date(delivery.nextAttemptAt).getTime() - before);
      t.clock.now = new Date(delivery.nextAttemptAt);
    }
    // 120 s as asked; until the date asked (an HTTP date has whole seconds); a 500's Retry-After is
    // not a request to wait: the schedule's 2 min (third failure); a 503 without one: 10 min; a
    // Retry-After shorter than the schedule (0) does not shorten it: 30 min.
    expect(waits).toEqual([120_000, Date.parse(date) - (start + 120_000), 120_000, 600_000, 1_800_000]);
    expect(waits[1]).toBeGreaterThan(599_000);
    expect((await deliveries(LZ_COORD, lz.id)).nodes[0]).toMatchObject({ status: 'DELIVERED', attempts: 6 });
  });

  it('retries with jitter: up to 10% either way of the schedule', async () => {
    const r = await receiver([], 500);
    const waitWith = async (random: number) => {
      // An endpoint of its own each time, so only this delivery is due.
      const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
      await referralFor();
      const start = t.clock.now.getTime();
      expect(await dispatcherWith({ random: () => random }).runOnce()).toBe(1);
      const [delivery] = (await deliveries(LZ_COORD, lz.id, 'PENDING')).nodes;
      await gqlOk(t, LZ_COORD, REMOVE, { id: lz.id });
      return new Date(delivery.nextAttemptAt).getTime() - start;
    };
    expect(await waitWith(0)).toBe(4500);
    expect(await waitWith(0.5)).toBe(5000);
    expect(await waitWith(0.999)).toBe(5499);
    // With the real random source, waits spread out.
    const spread = new Set<number>();
    for (let i = 0; i < 5; i++) spread.add(await waitWith(Math.random()));
    expect(spread.size).toBeGreaterThan(1);
    for (const wait of spread) expect(wait >= 4500 && wait <= 5500).toBe(true);
  });

  it('an endpoint whose every attempt failed for 3 days is disabled, and its coordinators see since when it failed', async () => {
    const r = await receiver([], 500);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    const start = t.clock.now.getTime();
    await referralFor();
    expect(await runOnce()).toBe(1);
    expect(await endpointState(LZ_COORD, lz.id)).toMatchObject({ failingSince: new Date(start).toISOString(), disabledAt: null });

    // A new event every 6 hours, every attempt failing: the first delivery dies before 3 days,
    // later ones keep failing until the endpoint has failed for 3 days.
    let nextEvent = start + 6 * 3600_000;
    let disabled: any = null;
    for (let guard = 0; guard < 300 && !disabled; guard++) {
      const pending = (await deliveries(LZ_COORD, lz.id, 'PENDING')).nodes.map((d) => new Date(d.nextAttemptAt).getTime());
      const next = Math.min(nextEvent, ...pending);
      t.clock.now = new Date(next);
      if (next === nextEvent) {
        await referralFor();
        nextEvent += 6 * 3600_000;
      }
      await runOnce();
      const state = await endpointState(LZ_COORD, lz.id);
      if (state.disabledAt) disabled = state;
    }
    expect(disabled).toMatchObject({ disabledReason: 'FAILING', failingSince: new Date(start).toISOString() });
    const failedFor = new Date(disabled.disabledAt).getTime() - start;
    expect(failedFor).toBeGreaterThanOrEqual(3 * 24 * 3600_000);
    expect(failedFor).toBeLessThan(3 * 24 * 3600_000 + 6 * 3600_000);
    expect((await deliveries(LZ_COORD, lz.id, 'PENDING')).totalCount).toBe(0);
    const sent = r.requests.length;
    await referralFor();
    later(24 * 3600_000);
    expect(await runOnce()).toBe(0);
    expect(r.requests).toHaveLength(sent);
  });

  it('one delivered attempt ends the run of failures', async () => {
    const r = await receiver([500, 500, 200]);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    const start = t.clock.now.getTime();
    await referralFor();
    expect(await runOnce()).toBe(1);
    later(5000);
    expect(await runOnce()).toBe(1);
    expect((await endpointState(LZ_COORD, lz.id)).failingSince).toBe(new Date(start).toISOString());
    later(30_000);
    expect(await runOnce()).toBe(1);
    expect(await endpointState(LZ_COORD, lz.id)).toMatchObject({ failingSince: null, disabledAt: null });
  });
});

describe('redeliverWebhook', () => {
  it('sends a delivered or dead delivery again now, with the same webhook-id and body and a fresh schedule', async () => {
    const r = await receiver([200, 500], 500);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    await referralFor();
    expect(await runOnce()).toBe(1);
    const [delivered] = (await deliveries(LZ_COORD, lz.id)).nodes;
    expect(delivered.status).toBe('DELIVERED');

    const queued = (await gqlOk(t, LZ_COORD, REDELIVER, { id: delivered.id })).redeliverWebhook;
    expect(queued).toMatchObject({ id: delivered.id, status: 'PENDING', attempts: 1, nextAttemptAt: t.clock.now.toISOString(), deliveredAt: null });
    expect((await gqlBody(t, LZ_COORD, REDELIVER, { id: delivered.id })).errors?.[0]?.message).toMatch(/still being tried/);
    expect(await runOnce()).toBe(1);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.headers['webhook-id']).toBe(r.requests[0]!.headers['webhook-id']);
    expect(r.requests[1]!.body).toBe(r.requests[0]!.body);
    expect(signedBy(lz.secret, r.requests[1]!)).toBe(true);
    // It failed: the schedule starts again (5 s), not where the first run of attempts left off.
    const [again] = (await deliveries(LZ_COORD, lz.id)).nodes;
    expect(again).toMatchObject({ status: 'PENDING', attempts: 2, nextAttemptAt: new Date(t.clock.now.getTime() + 5000).toISOString() });
    expect(again.log.map((a: any) => a.statusCode)).toEqual([200, 500]);
  });

  it('is refused for a pending delivery, another organisation\'s, an unknown one, a disabled endpoint\'s, and to professionals; nothing changes', async () => {
    const r = await receiver([200, 410]);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    await referralFor();
    expect(await runOnce()).toBe(1);
    const [delivered] = (await deliveries(LZ_COORD, lz.id)).nodes;
    const random = '00000000-0000-4000-8000-000000000000';
    expect((await gqlBody(t, LZ, REDELIVER, { id: delivered.id })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const foreign = await gqlBody(t, SMW_COORD, REDELIVER, { id: delivered.id });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(foreign.errors?.[0]?.message).toBe((await gqlBody(t, SMW_COORD, REDELIVER, { id: random })).errors?.[0]?.message);
    expect((await gqlBody(t, LZ_COORD, REDELIVER, { id: 'not-a-uuid' })).errors?.[0]?.message).toContain('input.deliveryId');

    await referralFor();
    expect(await runOnce()).toBe(1); // 410: disabled
    const disabled = await gqlBody(t, LZ_COORD, REDELIVER, { id: delivered.id });
    expect(disabled.errors?.[0]?.message).toMatch(/disabled: enable it first/);
    expect((await deliveries(LZ_COORD, lz.id)).nodes.find((d) => d.id === delivered.id)).toMatchObject({ status: 'DELIVERED', attempts: 1 });
  });
});

describe('the request to the receiver', () => {
  it('gives up on a receiver that does not answer in time (15 s in the hub)', async () => {
    expect(DELIVERY_TIMEOUT_MS).toBe(15_000);
    const r = await receiver(['hang'], 200);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    await referralFor();
    const started = Date.now();
    expect(await dispatcherWith({ timeoutMs: 300 }).runOnce()).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    const [delivery] = (await deliveries(LZ_COORD, lz.id)).nodes;
    expect(delivery).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(delivery.log[0]).toMatchObject({ statusCode: null, error: 'no answer within 300 ms' });
  });

  it('resolves the host at send time and connects to the address it resolved to (pinned)', async () => {
    const r = await receiver();
    const port = new URL(r.url).port;
    const lz = await register(LZ_COORD, `http://hooks.partner.test:${port}/hooks`, ['REFERRAL_CREATED']);
    const asked: string[] = [];
    const resolve = async (host: string) => {
      asked.push(host);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    await referralFor();
    expect(await dispatcherWith({ resolve }).runOnce()).toBe(1);
    expect(asked).toEqual(['hooks.partner.test']);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.headers.host).toBe(`hooks.partner.test:${port}`);
    expect((await deliveries(LZ_COORD, lz.id)).nodes[0]).toMatchObject({ status: 'DELIVERED' });
  });

  it('in production refuses a host that resolves to a loopback, private or link-local address, before connecting', async () => {
    const r = await receiver();
    const port = new URL(r.url).port;
    const lz = await register(LZ_COORD, `http://hooks.partner.test:${port}/hooks`, ['REFERRAL_CREATED']);
    // A public address first does not help: every address the name resolves to must be public.
    for (const addresses of [['127.0.0.1'], ['10.0.0.7'], ['169.254.169.254'], ['93.184.216.34', '192.168.1.5'], ['::1'], ['::ffff:127.0.0.1']]) {
      await referralFor();
      const production = dispatcherWith({ production: true, resolve: async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })) });
      expect(await production.runOnce()).toBeGreaterThanOrEqual(1);
      later(3600_000);
    }
    expect(r.requests).toHaveLength(0);
    const errors = (await deliveries(LZ_COORD, lz.id)).nodes.flatMap((d) => d.log.map((a: any) => a.error));
    expect(errors.length).toBeGreaterThanOrEqual(6);
    for (const error of errors) expect(error).toMatch(/^refused: hooks\.partner\.test resolves to .+, not a public address$/);
    // An address written in the URL is checked the same way.
    const literal = await register(LZ_COORD, `http://127.0.0.1:${port}/hooks`, ['REFERRAL_CREATED']);
    await referralFor();
    await dispatcherWith({ production: true }).runOnce();
    expect(r.requests).toHaveLength(0);
    expect((await deliveries(LZ_COORD, literal.id)).nodes[0].log[0].error).toMatch(/^refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1/);
  });

  it('knows which addresses are public', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd12:3456::1', 'fc00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not an address'])
      expect(isPublicAddress(address), address).toBe(false);
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '2a00:1450:4001:830::200e'])
      expect(isPublicAddress(address), address).toBe(true);
  });
});
