// Officers sign in to the console through their organisation's OpenID provider (a real one:
// oidc-provider on 127.0.0.1, test/helpers/oidc.ts): the code flow with PKCE, state and nonce, a
// server-side session in an HttpOnly SameSite=Strict cookie, accepted at /graphql only from the
// console's origin with the CSRF header; refusals (wrong state, replayed code, a provider naming
// another organisation), idle expiry and logout, each a record in the access log.
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_URL, registerSignIn, startProvider, startSignIn, throughProvider, type TestProvider } from './helpers/oidc.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

let t: TestHub;
let idp: TestProvider;
const VIEWER = '{ viewer { subject role organisation { id } } }';

beforeAll(async () => {
  idp = await startProvider();
  t = await startTestHub({ env: { PUBLIC_URL: HUB_URL }, now: new Date() });
  await registerSignIn(t, idp.issuer);
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
});

/** A fresh browser: its own cookies. */
const browser = () => supertest.agent(t.hub.app);

/** Signs `person` in for `organisation`; the callback's answer. */
async function signIn(agent: supertest.Agent, organisation: string, person: string) {
  const callback = await throughProvider(await startSignIn(agent, organisation), person);
  return { callback, response: await agent.get(callback.pathname + callback.search) };
}

const asConsole = (agent: supertest.Agent, query = VIEWER) =>
  agent.post('/graphql').set('Origin', HUB_URL).set('X-GraphQL-Yoga-CSRF', 'console').set('Content-Type', 'application/json').send({ query });

function sessionCookie(response: supertest.Response): string | undefined {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  return cookies.find((cookie) => cookie.startsWith('ketenhub-session=') && !cookie.startsWith('ketenhub-session=;'));
}

async function signInRecords(organisation: string) {
  return t.asOwner((db) =>
    db
      .selectFrom('access_log_records')
      .select(['action', 'outcome', 'actor_subject', 'actor_role', 'purpose', 'operation_name'])
      .where('actor_org_id', '=', organisation)
      .where('operation_name', 'in', ['sign-in', 'sign-out'])
      .orderBy('seq')
      .execute(),
  );
}

describe('signing in through the organisation’s OpenID provider', () => {
  it('gives an officer a session of her own organisation, used by the console at /graphql', async () => {
    const agent = browser();
    const { response } = await signIn(agent, 'lz-den-haag', 'anna');
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/console/');
    const cookie = sessionCookie(response)!;
    expect(cookie).toMatch(/^ketenhub-session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);

    const viewer = await asConsole(agent);
    expect(viewer.status).toBe(200);
    expect(viewer.body.data.viewer).toEqual({ subject: 'anna', role: 'PROFESSIONAL', organisation: { id: 'lz-den-haag' } });

    const second = browser();
    await signIn(second, 'lz-rijswijk', 'bram');
    expect((await asConsole(second)).body.data.viewer).toEqual({ subject: 'bram', role: 'PROFESSIONAL', organisation: { id: 'lz-rijswijk' } });

    expect(await signInRecords('lz-den-haag')).toContainEqual(
      expect.objectContaining({ action: 'CREATE', outcome: 'GRANTED', actor_subject: 'anna', actor_role: 'PROFESSIONAL', purpose: `provider ${idp.issuer}`, operation_name: 'sign-in' }),
    );
  });

  it('accepts the session cookie only from the console’s origin and with the CSRF header; bearer tokens keep working', async () => {
    const agent = browser();
    await signIn(agent, 'lz-den-haag', 'anna');
    const post = () => agent.post('/graphql').set('Content-Type', 'application/json');
    const noOrigin = await post().set('X-GraphQL-Yoga-CSRF', '1').send({ query: VIEWER });
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'cross_origin' });
    expect((await post().set('Origin', 'https://evil.example').set('X-GraphQL-Yoga-CSRF', '1').send({ query: VIEWER })).body.errors[0].extensions.reason).toBe('cross_origin');
    expect((await post().set('Origin', HUB_URL).send({ query: VIEWER })).body.errors[0].extensions.reason).toBe('csrf');
    // A partner's system with a bearer token: as before.
    const partner = await t.gql({ org: 'lz-rijswijk', role: 'PROFESSIONAL' }, VIEWER);
    expect(partner.body.data.viewer.organisation.id).toBe('lz-rijswijk');
  });

  it('refuses a provider that names another organisation than the registration’s', async () => {
    const agent = browser();
    const { response } = await signIn(agent, 'lz-den-haag', 'mallory');
    expect(response.headers.location).toBe('/console/?sign-in=refused');
    expect(sessionCookie(response)).toBeUndefined();
    expect(await signInRecords('lz-den-haag')).toContainEqual(
      expect.objectContaining({ outcome: 'REFUSED', actor_subject: 'mallory', actor_role: 'NONE', purpose: expect.stringContaining('claim "org" names another organisation (lz-rijswijk)') }),
    );
    expect((await asConsole(agent)).status).toBe(401);
  });

  it('refuses a wrong state and a replayed code', async () => {
    // Wrong state: the callback carries a state this browser did not start with.
    const agent = browser();
    const callback = await throughProvider(await startSignIn(agent, 'lz-den-haag'), 'anna');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'made-up-state-value');
    const wrong = await agent.get(forged.pathname + forged.search);
    expect(wrong.headers.location).toBe('/console/?sign-in=refused');
    expect(sessionCookie(wrong)).toBeUndefined();

    // A replayed callback (its state is used up) and a replayed code under a new state (the provider refuses it).
    const first = browser();
    const { callback: used, response } = await signIn(first, 'lz-den-haag', 'anna');
    expect(sessionCookie(response)).toBeDefined();
    const replay = await first.get(used.pathname + used.search);
    expect(replay.headers.location).toBe('/console/?sign-in=refused');
    const again = browser();
    const fresh = new URL(await throughProvider(await startSignIn(again, 'lz-den-haag'), 'anna'));
    fresh.searchParams.set('code', used.searchParams.get('code')!);
    const replayedCode = await again.get(fresh.pathname + fresh.search);
    expect(replayedCode.headers.location).toBe('/console/?sign-in=refused');
    expect(sessionCookie(replayedCode)).toBeUndefined();

    const refusals = (await signInRecords('lz-den-haag')).filter((record) => record.outcome === 'REFUSED').map((record) => record.purpose);
    expect(refusals).toEqual(
      expect.arrayContaining([
        expect.stringContaining('unknown, used or expired state'),
        expect.stringContaining('provider refused the code'),
      ]),
    );
  });

  it('ends a session left idle, and one signed out (at the hub, with the provider’s logout URL)', async () => {
    const idle = browser();
    await signIn(idle, 'lz-den-haag', 'anna');
    expect((await asConsole(idle)).status).toBe(200);
    const started = t.clock.now;
    try {
      t.clock.now = new Date(started.getTime() + 31 * 60_000);
      const expired = await asConsole(idle);
      expect(expired.status).toBe(401);
      expect(expired.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'session_idle' });
    } finally {
      t.clock.now = started;
    }
    expect(await signInRecords('lz-den-haag')).toContainEqual(expect.objectContaining({ operation_name: 'sign-out', purpose: `provider ${idp.issuer}; ended: session_idle` }));

    const agent = browser();
    const { response } = await signIn(agent, 'lz-rijswijk', 'bram');
    const cookie = sessionCookie(response)!.split(';')[0]!;
    expect((await agent.post('/sign-in/logout').set('Origin', 'https://evil.example')).status).toBe(403);
    const out = await agent.post('/sign-in/logout').set('Origin', HUB_URL);
    expect(out.status).toBe(200);
    const logout = new URL(out.body.providerLogout);
    expect(logout.origin).toBe(idp.issuer);
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(`${HUB_URL}/console/`);
    expect(logout.searchParams.get('id_token_hint')).toBeTruthy();
    // The old cookie, sent again, no longer opens anything.
    const after = await supertest(t.hub.app).post('/graphql').set('Cookie', cookie).set('Origin', HUB_URL).set('X-GraphQL-Yoga-CSRF', '1').send({ query: VIEWER });
    expect(after.status).toBe(401);
    expect(after.body.errors[0].extensions.reason).toBe('session_ended');
    expect(await signInRecords('lz-rijswijk')).toContainEqual(expect.objectContaining({ action: 'UPDATE', outcome: 'GRANTED', actor_subject: 'bram', operation_name: 'sign-out' }));
  });
});
