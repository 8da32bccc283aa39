// How the hub serves the console (no browser here; test/browser/ drives one):
// its files under their own CSP, the page for every console address, and the demo sign-in that
// exists only outside production and only where the demo issuer is trusted.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../src/http/console.ts';
import { productionEnv, startTestHub, type TestHub } from './helpers/hub.ts';

const dir = mkdtempSync(join(tmpdir(), 'ketenhub-console-server-'));
// A stand-in for a built console: the serving is under test here, not the build.
const built = join(dir, 'built');
mkdirSync(join(built, 'assets'), { recursive: true });
writeFileSync(join(built, 'index.html'), '<!doctype html><title>Ketenhub</title><script type="module" src="/console/assets/app-abc123.js"></script>');
writeFileSync(join(built, 'assets/app-abc123.js'), 'console.log("console");');
const unbuilt = join(dir, 'unbuilt');
mkdirSync(unbuilt);

describe('the console in development', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ env: { CONSOLE_DIR: built } });
  });
  afterAll(async () => t?.close());

  it('serves the page with a CSP that allows only its own scripts, styles and API', async () => {
    const response = await t.request.get('/console/');
    expect(response.status).toBe(200);
    expect(response.text).toContain('<title>Ketenhub</title>');
    const csp = response.headers['content-security-policy'];
    expect(csp).toBe(CONSOLE_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves the page for any console address (routing happens in the browser), but not for a missing asset', async () => {
    const bare = await t.request.get('/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/console/');
    for (const path of ['/console/', '/console/referrals/ref-1', '/console/access-log']) {
      const response = await t.request.get(path);
      expect(response.status, path).toBe(200);
      expect(response.text).toContain('<title>Ketenhub</title>');
    }
    const missing = await t.request.get('/console/assets/nothing-here.js');
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain('<title>');
  });

  it('serves hashed assets as immutable', async () => {
    const response = await t.request.get('/console/assets/app-abc123.js');
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toContain('immutable');
    expect(response.headers['content-type']).toMatch(/javascript/);
  });

  it('lists the demo organisations with the roles each has', async () => {
    const response = await t.request.get('/console/dev-sign-in');
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const organisations = response.body.organisations as { id: string; kind: string; roles: string[] }[];
    const lz = organisations.find((org) => org.id === 'lz-den-haag');
    expect(lz?.roles).toEqual(['PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER']);
    // A school's privacy officer sits at its board, which is not a party in the hub.
    expect(organisations.find((org) => org.kind === 'SCHOOL')?.roles).not.toContain('PRIVACY_OFFICER');
  });

  it('issues a demo token on the hub clock that the API accepts as that organisation and role', async () => {
    const response = await t.request.post('/console/dev-token').send({ organisationId: 'smw-den-haag', role: 'COORDINATOR' });
    expect(response.status).toBe(200);
    expect(new Date(response.body.expiresAt).getTime()).toBe(Math.floor(t.clock.now.getTime() / 1000) * 1000 + 8 * 3600_000);
    const viewer = await t.gql({ token: response.body.token }, '{ viewer { role purpose organisation { id } } }');
    expect(viewer.body.data.viewer).toEqual({ role: 'COORDINATOR', purpose: 'console', organisation: { id: 'smw-den-haag' } });
    // The log line names organisation and role, never the token.
    expect(t.logs.text).toContain('demo sign-in token issued');
    expect(t.logs.text).not.toContain(response.body.token);
  });

  it('refuses a demo token for an unknown organisation, a role the organisation does not have, or a bad body', async () => {
    for (const body of [
      { organisationId: 'nowhere', role: 'PROFESSIONAL' },
      { organisationId: 'school-dalton-laak', role: 'PRIVACY_OFFICER' },
      { organisationId: 'lz-den-haag', role: 'ADMIN' },
      { organisationId: 'lz-den-haag' },
      { organisationId: 'lz-den-haag', role: 'PROFESSIONAL', subject: 'someone-else' },
    ]) {
      const response = await t.request.post('/console/dev-token').send(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.token).toBeUndefined();
      expect(response.body.error).toMatch(/organisation|role/);
    }
  });
});

describe('the console not built', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ env: { CONSOLE_DIR: unbuilt } });
  });
  afterAll(async () => t?.close());

  it('says how to build it', async () => {
    const response = await t.request.get('/console/');
    expect(response.status).toBe(503);
    expect(response.text).toContain('npm run console:build');
  });

  it('logs one warning line for it, without a stack trace', async () => {
    const before = t.logs.lines.length;
    expect((await t.request.get('/console/referrals')).status).toBe(503);
    const lines = t.logs.lines.slice(before).map((line) => JSON.parse(line));
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'console not built: answered 503', path: '/console/referrals' })]);
    expect(JSON.stringify(lines)).not.toMatch(/stack|"err"/);
  });
});

describe('GraphiQL outside production', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ env: { NODE_ENV: 'development' } });
  });
  afterAll(async () => t?.close());

  it('is served by the hub itself: every script and style in the page, nothing from another host', async () => {
    const response = await t.request.get('/graphql').set('Accept', 'text/html');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('<title>Ketenhub</title>');
    // No <script src> or stylesheet <link> at all (and so none on a CDN): the page works offline.
    expect(response.text).not.toMatch(/<script[^>]+src=/i);
    expect(response.text).not.toMatch(/<link[^>]+rel="?stylesheet/i);
    expect(response.text).not.toMatch(/unpkg\.com|jsdelivr|cdn\./i);
    expect(response.text.length).toBeGreaterThan(1_000_000);
  });
});

describe('the console in production', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ env: productionEnv({ CONSOLE_DIR: built }) });
  });
  afterAll(async () => t?.close());

  it('serves the page under the console CSP (not the API’s default-src none)', async () => {
    const response = await t.request.get('/console/');
    expect(response.status).toBe(200);
    expect(response.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(response.headers['strict-transport-security']).toBeDefined();
  });

  it('has no demo sign-in, even when the demo issuer is allowed', async () => {
    const list = await t.request.get('/console/dev-sign-in');
    expect(list.status).toBe(404);
    expect(list.body.organisations).toBeUndefined();
    const token = await t.request.post('/console/dev-token').send({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL' });
    expect(token.status).toBe(404);
    expect(token.body.token).toBeUndefined();
    expect(token.body.error).toMatch(/token from your organisation/);
  });
});

describe('the console where the demo issuer is not trusted', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ env: { CONSOLE_DIR: built }, issuers: new Map() });
  });
  afterAll(async () => t?.close());

  it('has no demo sign-in (its tokens would not be accepted anyway)', async () => {
    expect((await t.request.get('/console/dev-sign-in')).status).toBe(404);
    expect((await t.request.post('/console/dev-token').send({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL' })).status).toBe(404);
    expect((await t.request.get('/console/')).status).toBe(200);
  });
});

describe('the console where only registered operations run (PERSISTED_OPERATIONS_FILE)', () => {
  let t: TestHub;
  // What codegen's client preset writes beside the console's typed documents.
  const registered = fileURLToPath(new URL('../src/console/gql/persisted-documents.json', import.meta.url));
  beforeAll(async () => {
    t = await startTestHub({ env: { CONSOLE_DIR: built, PERSISTED_OPERATIONS_FILE: registered } });
  });
  afterAll(async () => t?.close());

  it('runs a console operation by its registered hash, and refuses the text (the console then switches to hashes)', async () => {
    const operations = JSON.parse(readFileSync(registered, 'utf8')) as Record<string, string>;
    expect(Object.keys(operations).length).toBeGreaterThan(20);
    const viewer = Object.entries(operations).find(([, text]) => text.startsWith('query Viewer '))!;
    const asText = await t.gql({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, viewer[1]);
    expect(asText.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    const { token } = (await t.request.post('/console/dev-token').send({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL' })).body;
    const response = await t.request
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .send({ variables: {}, extensions: { persistedQuery: { version: 1, sha256Hash: viewer[0] } } });
    expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
    expect(response.body.data.viewer.organisation.id).toBe('lz-den-haag');
    // Any other text is refused, as before.
    const other = await t.gql({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, '{ viewer { role } }');
    expect(other.status).toBe(400);
  });
});
