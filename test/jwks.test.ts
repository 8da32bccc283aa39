// An identity provider that publishes its keys at a JWKS URL rotates them without a restart of the
// hub: a token with a new key id makes the hub fetch the keys again (at most once per cooldown), and
// a key the provider removed stops working once the cached set has expired. The provider here is a
// JWKS server on 127.0.0.1 that the test starts and changes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuerConfigError, loadTrustedIssuers } from '../src/auth/issuers.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

const ISSUER = 'https://idp.jwks-gemeente.example';
const ORG = 'cjg-jwks-test';
const CACHE_SECONDS = 1.5;
const COOLDOWN_SECONDS = 0.3;

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}
async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

// The provider: serves whatever keys `published` holds now, and counts how often it is asked.
let published: SigningKey[] = [];
let fetches = 0;
const fetchedAt: number[] = [];
let jwksServer: Server;
let t: TestHub;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  jwksServer = createServer((req, res) => {
    fetches++;
    fetchedAt.push(performance.now());
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published.map((key) => key.jwk) }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const { port } = jwksServer.address() as AddressInfo;
  const file = join(mkdtempSync(join(tmpdir(), 'ketenhub-jwks-')), 'issuers.json');
  writeFileSync(
    file,
    JSON.stringify({
      issuers: [
        {
          issuer: ISSUER,
          audiences: ['ketenhub'],
          algorithms: ['ES256'],
          jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
          jwksCacheSeconds: CACHE_SECONDS,
          jwksCooldownSeconds: COOLDOWN_SECONDS,
        },
      ],
    }),
  );
  t = await startTestHub({ issuers: loadTrustedIssuers(file, { production: false, allowDemoIssuerInProduction: false }), now: new Date() });
  await t.asOwner((db) =>
    db.insertInto('organisations').values({ id: ORG, kind: 'CJG', name: 'CJG JWKS-test', municipality_code: 'GM0518', issuer: ISSUER, contact_email: null, contact_phone: null }).execute(),
  );
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

async function tokenSignedBy(key: SigningKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ org: ORG, role: 'PROFESSIONAL' })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience('ketenhub')
    .setSubject('medewerker-1')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key.privateKey);
}

async function ask(token: string) {
  const response = await t.gql({ token }, '{ viewer { organisation { id } role } }');
  return { status: response.status, reason: response.body.errors?.[0]?.extensions?.reason as string | undefined, body: response.body };
}

describe('an issuer with a JWKS URL', () => {
  it('accepts a token signed with a published key', async () => {
    const first = await newKey('key-2026-a');
    published = [first];
    const answer = await ask(await tokenSignedBy(first));
    expect(answer.status).toBe(200);
    expect(answer.body.data.viewer).toEqual({ organisation: { id: ORG }, role: 'PROFESSIONAL' });
  });

  it('accepts a new key id after the provider rotates, without a restart; removed keys stop after the cache time', async () => {
    const old = published[0]!;
    const next = await newKey('key-2026-b');
    // Before the provider publishes it, the new key id is unknown (one fetch to find out).
    await sleep(COOLDOWN_SECONDS * 1000 + 100);
    expect(await ask(await tokenSignedBy(next))).toMatchObject({ status: 401, reason: 'unknown_kid' });

    // The provider rotates: both keys published for a while.
    published = [old, next];
    await sleep(COOLDOWN_SECONDS * 1000 + 100);
    expect((await ask(await tokenSignedBy(next))).status).toBe(200);
    expect((await ask(await tokenSignedBy(old))).status).toBe(200);

    // The provider drops the old key. Until the cached set expires it still verifies (that is what
    // the cache time means: set it to how fast a removal must take effect)...
    published = [next];
    const removedAt = Date.now();
    const cached = await ask(await tokenSignedBy(old));
    if (Date.now() - removedAt < CACHE_SECONDS * 1000 - 200) expect(cached.status).toBe(200);
    // ...and after it, not any more; the new key goes on working.
    await sleep(CACHE_SECONDS * 1000 + 200);
    expect(await ask(await tokenSignedBy(old))).toMatchObject({ status: 401, reason: 'unknown_kid' });
    expect((await ask(await tokenSignedBy(next))).status).toBe(200);
  });

  it('fetches at most once per cooldown however many unknown key ids arrive', async () => {
    await sleep(COOLDOWN_SECONDS * 1000 + 100);
    const before = fetches;
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => newKey(`made-up-${i}`)));
    const answers = await Promise.all(made.map(async (key) => ask(await tokenSignedBy(key))));
    expect(answers.every((answer) => answer.status === 401 && answer.reason === 'unknown_kid')).toBe(true);
    // Ten unknown key ids, not ten fetches; and never two fetches within one cooldown. (On a busy
    // machine the burst can outlast a cooldown, and then a second fetch is allowed.)
    const burst = fetchedAt.slice(before);
    expect(burst.length).toBeGreaterThanOrEqual(1);
    expect(burst.length).toBeLessThan(made.length);
    for (let i = 1; i < burst.length; i++) expect(burst[i]! - burst[i - 1]!).toBeGreaterThanOrEqual(COOLDOWN_SECONDS * 1000 - 20);
  });

  it('refuses with keys_unavailable (not a verdict on the token) when the provider cannot be reached', async () => {
    const key = await newKey('key-2026-c');
    published = [key];
    await new Promise((resolve) => jwksServer.close(resolve));
    await sleep(Math.max(CACHE_SECONDS, COOLDOWN_SECONDS) * 1000 + 200);
    expect(await ask(await tokenSignedBy(key))).toMatchObject({ status: 401, reason: 'keys_unavailable' });
  });
});

describe('issuers file with jwksUri', () => {
  const write = (issuer: Record<string, unknown>) => {
    const file = join(mkdtempSync(join(tmpdir(), 'ketenhub-jwks-')), 'issuers.json');
    writeFileSync(file, JSON.stringify({ issuers: [{ issuer: ISSUER, audiences: ['ketenhub'], algorithms: ['ES256'], ...issuer }] }));
    return file;
  };
  it('must be https in production', () => {
    expect(() => loadTrustedIssuers(write({ jwksUri: 'http://idp.example/jwks' }), { production: true, allowDemoIssuerInProduction: false })).toThrow(
      /jwksUri must be https when NODE_ENV=production/,
    );
    expect(loadTrustedIssuers(write({ jwksUri: 'https://idp.example/jwks' }), { production: true, allowDemoIssuerInProduction: false }).get(ISSUER)?.jwksUri).toBe(
      'https://idp.example/jwks',
    );
  });
  it('takes its keys from the URL only', () => {
    expect(() =>
      loadTrustedIssuers(write({ jwksUri: 'https://idp.example/jwks', jwksFile: 'jwks.json' }), { production: false, allowDemoIssuerInProduction: false }),
    ).toThrow(IssuerConfigError);
  });
});
