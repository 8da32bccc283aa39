// Issue 6: signed webhooks for partner systems. An outbox written in the change's transaction, one
// delivery per endpoint of each party, Standard Webhooks signatures, retries with backoff on the
// hub's clock, DEAD after a day, leases that survive a hub dying mid-delivery, and endpoints that
// belong to one organisation. The receivers are local HTTP servers answering as scripted.
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKOFF_SECONDS, DEAD_AFTER_MS, LEASE_MS, verifyWebhook, WebhookDispatcher } from '../src/events/webhooks.ts';
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
const runOnce = () => t.hub.webhooks.runOnce();

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

  it('gives up a day after the event: the delivery is DEAD and no more attempts happen', async () => {
    const r = await receiver([], 503);
    const lz = await register(LZ_COORD, r.url, ['REFERRAL_CREATED']);
    const start = t.clock.now.getTime();
    await referralFor();

    // The documented schedule: 5 s, 30 s, 2 min, 10 min, 30 min, then hourly, while within a day.
    const expected = [0];
    for (let n = 1; ; n++) {
      const next = expected.at(-1)! + BACKOFF_SECONDS[Math.min(n, BACKOFF_SECONDS.length) - 1]! * 1000;
      if (next > DEAD_AFTER_MS) break;
      expected.push(next);
    }
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
