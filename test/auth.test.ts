// Bearer-token authentication end to end: trusted issuers (RS256, ES256 with a key rotation, HS256,
// the demo issuer) loaded from a JSON file written at test time, every refusal reason as an HTTP
// status plus GraphQL error code, the refusal metric and log lines, and issuer-file validation.
// Keys are generated per run with node:crypto; nothing secret is committed.
import { createHmac, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import type supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../src/auth/dev-token.ts';
import { DEMO_ISSUERS_FILE, IssuerConfigError, loadTrustedIssuers, type TrustedIssuer } from '../src/auth/issuers.ts';
import { DEMO_ISSUER, type Role } from '../src/policy/vocabulary.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

const RS_ISSUER = 'https://idp.rs.test';
const ES_ISSUER = 'https://idp.es.test';
const HS_ISSUER = 'https://idp.hs.test';
const AUDIENCE = 'ketenhub';
const VIEWER = '{ viewer { subject role purpose organisation { id } } }';

let dir: string;
let hub: TestHub;
let nowS: number;

let rsKeys: { publicKey: KeyObject; privateKey: KeyObject };
let rsPublicPem: string;
let otherRsKeys: { publicKey: KeyObject; privateKey: KeyObject };
let esOld: { publicKey: KeyObject; privateKey: KeyObject };
let esNew: { publicKey: KeyObject; privateKey: KeyObject };
let hsSecret: Buffer;

/** Every token sent in this file: none may show up in a response or a log line. */
const sentTokens: string[] = [];
/** Refusals this file caused, by "reason/status": the metric must count exactly these. */
const expectedRefusals = new Map<string, number>();

type Claims = Record<string, unknown>;

function rsClaims(overrides: Claims = {}, omit: string[] = []): Claims {
  const claims: Claims = {
    iss: RS_ISSUER,
    aud: AUDIENCE,
    sub: 'alice@rs-partner',
    org: 'rs-partner',
    role: 'PROFESSIONAL',
    iat: nowS,
    exp: nowS + 3600,
    ...overrides,
  };
  for (const name of omit) delete claims[name];
  return claims;
}

/**
 * Signs exactly the given claims. jsonwebtoken 9 *deletes* a given `iat` under `noTimestamp: true`
 * (and keeps a given `iat` otherwise), so noTimestamp is set only when the payload has no `iat`.
 */
function sign(payload: Claims, key: KeyObject | Buffer, algorithm: jwt.Algorithm, kid?: string): string {
  const token = jwt.sign(payload, key, {
    algorithm,
    ...('iat' in payload ? {} : { noTimestamp: true }),
    ...(kid !== undefined ? { keyid: kid } : {}),
  });
  expect(jwt.decode(token)).toEqual(payload);
  return token;
}

const signRs = (payload: Claims, kid: string | undefined = 'rs-1') => sign(payload, rsKeys.privateKey, 'RS256', kid);

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function postWithHeader(authorization: string | undefined): Promise<supertest.Response> {
  const request = hub.request.post('/graphql').set('Content-Type', 'application/json');
  if (authorization !== undefined) request.set('Authorization', authorization);
  return request.send({ query: VIEWER });
}

function postToken(token: string): Promise<supertest.Response> {
  sentTokens.push(token);
  return postWithHeader(`Bearer ${token}`);
}

function expectRefused(
  response: supertest.Response,
  status: 401 | 403,
  reason: string,
  token?: string,
): void {
  expect(response.status, response.text).toBe(status);
  const error = response.body.errors?.[0];
  expect(error?.extensions?.code).toBe(status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
  expect(error?.extensions?.reason).toBe(reason);
  expect(typeof error?.message).toBe('string');
  expect(response.body.data ?? null).toBeNull();
  if (status === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
  if (token) {
    expect(response.text).not.toContain(token);
    const [, payload, signature] = token.split('.');
    if (payload) expect(response.text).not.toContain(payload);
    if (signature) expect(response.text).not.toContain(signature);
  }
  const key = `${reason}/${status}`;
  expectedRefusals.set(key, (expectedRefusals.get(key) ?? 0) + 1);
}

function expectViewer(response: supertest.Response, viewer: { subject: string; role: Role; org: string; purpose?: string | null }) {
  expect(response.status, response.text).toBe(200);
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data.viewer).toEqual({
    subject: viewer.subject,
    role: viewer.role,
    purpose: viewer.purpose ?? null,
    organisation: { id: viewer.org },
  });
}

function writeIssuersFile(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(content, null, 2));
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ketenhub-auth-'));
  rsKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  otherRsKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  esOld = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  esNew = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  hsSecret = randomBytes(32);
  rsPublicPem = rsKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  // ES issuer: kid 'old' from a PEM file (relative to the issuers file), kid 'new' from a JWKS document.
  writeFileSync(join(dir, 'es-old.public.pem'), esOld.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'es-jwks.json'), JSON.stringify({ keys: [{ ...esNew.publicKey.export({ format: 'jwk' }), kid: 'new', use: 'sig', alg: 'ES256' }] }));
  const file = writeIssuersFile('issuers.json', {
    issuers: [
      { issuer: RS_ISSUER, audiences: [AUDIENCE], algorithms: ['RS256'], keys: [{ kid: 'rs-1', pem: rsPublicPem }] },
      { issuer: ES_ISSUER, audiences: [AUDIENCE], algorithms: ['ES256'], keys: [{ kid: 'old', pemFile: 'es-old.public.pem' }], jwksFile: 'es-jwks.json' },
      {
        issuer: HS_ISSUER,
        audiences: [AUDIENCE],
        algorithms: ['HS256'],
        symmetric: true,
        keys: [{ kid: 'hs-1', secretBase64: hsSecret.toString('base64') }],
      },
    ],
  });
  const options = { production: false, allowDemoIssuerInProduction: false };
  const issuers = new Map<string, TrustedIssuer>([
    ...loadTrustedIssuers(DEMO_ISSUERS_FILE, options),
    ...loadTrustedIssuers(file, options),
  ]);
  expect([...issuers.keys()].sort()).toEqual([DEMO_ISSUER, ES_ISSUER, HS_ISSUER, RS_ISSUER].sort());
  expect([...issuers.get(ES_ISSUER)!.keys.keys()].sort()).toEqual(['new', 'old']);

  hub = await startTestHub({ issuers });
  nowS = Math.floor(hub.clock.now.getTime() / 1000);
  // Before the first request, so the directory's first load sees them.
  await hub.database.db
    .insertInto('organisations')
    .values([
      { id: 'rs-partner', kind: 'CJG', name: 'RS partner', municipality_code: 'GM0518', issuer: RS_ISSUER, contact_email: null, contact_phone: null },
      { id: 'es-partner', kind: 'SCHOOL_SOCIAL_WORK', name: 'ES partner', municipality_code: 'GM0518', issuer: ES_ISSUER, contact_email: null, contact_phone: null },
      { id: 'hs-partner', kind: 'CJG', name: 'HS partner', municipality_code: 'GM0518', issuer: HS_ISSUER, contact_email: null, contact_phone: null },
    ])
    .execute();
});

afterAll(async () => {
  await hub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('accepted tokens', () => {
  it('accepts an RS256 token of a trusted issuer', async () => {
    expectViewer(await postToken(signRs(rsClaims())), { subject: 'alice@rs-partner', role: 'PROFESSIONAL', org: 'rs-partner' });
  });

  it('accepts a token without kid when the issuer has a single key', async () => {
    expectViewer(await postToken(signRs(rsClaims({ role: 'COORDINATOR' }), undefined)), {
      subject: 'alice@rs-partner',
      role: 'COORDINATOR',
      org: 'rs-partner',
    });
  });

  it('accepts ES256 tokens under both keys of a rotating issuer (PEM file and JWKS)', async () => {
    const claims = (sub: string): Claims => ({ iss: ES_ISSUER, aud: AUDIENCE, sub, org: 'es-partner', role: 'COORDINATOR', iat: nowS, exp: nowS + 600 });
    expectViewer(await postToken(sign(claims('old@es'), esOld.privateKey, 'ES256', 'old')), { subject: 'old@es', role: 'COORDINATOR', org: 'es-partner' });
    expectViewer(await postToken(sign(claims('new@es'), esNew.privateKey, 'ES256', 'new')), { subject: 'new@es', role: 'COORDINATOR', org: 'es-partner' });
  });

  it('accepts HS256 from an explicitly symmetric issuer', async () => {
    const token = sign({ iss: HS_ISSUER, aud: AUDIENCE, sub: 'hs-user', org: 'hs-partner', role: 'PRIVACY_OFFICER', iat: nowS, exp: nowS + 600 }, hsSecret, 'HS256', 'hs-1');
    expectViewer(await postToken(token), { subject: 'hs-user', role: 'PRIVACY_OFFICER', org: 'hs-partner' });
  });

  it("accepts the demo issuer's dev token", async () => {
    const token = signDevToken({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL', issuedAt: nowS });
    expectViewer(await postToken(token), { subject: 'demo-professional@lz-den-haag', role: 'PROFESSIONAL', org: 'lz-den-haag' });
  });

  it('shows the optional purpose claim as viewer.purpose', async () => {
    expectViewer(await postToken(signRs(rsClaims({ purpose: 'intake na verzuimmelding' }))), {
      subject: 'alice@rs-partner',
      role: 'PROFESSIONAL',
      org: 'rs-partner',
      purpose: 'intake na verzuimmelding',
    });
  });

  it('accepts a token expired by less than the 30 s clock tolerance', async () => {
    const token = signRs(rsClaims({ iat: nowS - 3600, exp: nowS - 20 }));
    expectViewer(await postToken(token), { subject: 'alice@rs-partner', role: 'PROFESSIONAL', org: 'rs-partner' });
  });

  it('accepts nbf within the clock tolerance', async () => {
    const token = signRs(rsClaims({ nbf: nowS + 20 }));
    expectViewer(await postToken(token), { subject: 'alice@rs-partner', role: 'PROFESSIONAL', org: 'rs-partner' });
  });

  it('accepts a lifetime of exactly the 12 h maximum', async () => {
    const token = signRs(rsClaims({ iat: nowS - 60, exp: nowS - 60 + 12 * 3600 }));
    expectViewer(await postToken(token), { subject: 'alice@rs-partner', role: 'PROFESSIONAL', org: 'rs-partner' });
  });
});

describe('401 UNAUTHENTICATED', () => {
  it('refuses a request without Authorization header, with WWW-Authenticate: Bearer', async () => {
    const response = await postWithHeader(undefined);
    expectRefused(response, 401, 'missing_header');
    expect(response.headers['www-authenticate']).toContain('realm="ketenhub"');
  });

  it.each(['Basic abc', 'Bearer', 'Bearer ', 'Bearer not-a-jwt', 'Token a.b.c'])('refuses the malformed header %j', async (header) => {
    expectRefused(await postWithHeader(header), 401, 'malformed_header');
  });

  it('refuses three segments that are not a JWT (malformed_token)', async () => {
    const token = 'aaaa.bbbb.cccc';
    expectRefused(await postToken(token), 401, 'malformed_token', token);
  });

  it('refuses a token signed by another key under the right kid (bad_signature)', async () => {
    const token = sign(rsClaims(), otherRsKeys.privateKey, 'RS256', 'rs-1');
    const response = await postToken(token);
    expectRefused(response, 401, 'bad_signature', token);
  });

  it("refuses a token signed with the rotated issuer's other key (kid 'new', signed by 'old')", async () => {
    const token = sign({ iss: ES_ISSUER, aud: AUDIENCE, sub: 'x', org: 'es-partner', role: 'PROFESSIONAL', iat: nowS, exp: nowS + 600 }, esOld.privateKey, 'ES256', 'new');
    expectRefused(await postToken(token), 401, 'bad_signature', token);
  });

  it('refuses a token with a tampered payload (bad_signature)', async () => {
    const [header, , signature] = signRs(rsClaims()).split('.');
    const token = `${header}.${b64url(rsClaims({ role: 'COORDINATOR' }))}.${signature}`;
    expectRefused(await postToken(token), 401, 'bad_signature', token);
  });

  it('refuses a token of an unknown issuer', async () => {
    const token = sign(rsClaims({ iss: 'https://idp.evil.test' }), otherRsKeys.privateKey, 'RS256', 'rs-1');
    expectRefused(await postToken(token), 401, 'unknown_issuer', token);
  });

  it('refuses a token for another audience', async () => {
    const token = signRs(rsClaims({ aud: 'some-other-api' }));
    expectRefused(await postToken(token), 401, 'wrong_audience', token);
  });

  it('refuses an expired token (beyond the 30 s tolerance)', async () => {
    const token = signRs(rsClaims({ iat: nowS - 3600, exp: nowS - 60 }));
    expectRefused(await postToken(token), 401, 'expired', token);
  });

  it('refuses a token that is not yet valid (nbf beyond the tolerance)', async () => {
    const token = signRs(rsClaims({ nbf: nowS + 300, exp: nowS + 3600 }));
    expectRefused(await postToken(token), 401, 'not_yet_valid', token);
  });

  it('refuses a token issued in the future (iat beyond the tolerance)', async () => {
    const token = signRs(rsClaims({ iat: nowS + 300, exp: nowS + 3600 }));
    expectRefused(await postToken(token), 401, 'issued_in_future', token);
  });

  it('refuses a lifetime over the 12 h maximum', async () => {
    const token = signRs(rsClaims({ iat: nowS - 60, exp: nowS - 60 + 12 * 3600 + 1 }));
    expectRefused(await postToken(token), 401, 'lifetime_too_long', token);
  });

  it('refuses alg "none" (unsigned token)', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(rsClaims())}.`;
    expectRefused(await postToken(token), 401, 'alg_none', token);
    const upper = `${b64url({ alg: 'NONE', typ: 'JWT', kid: 'rs-1' })}.${b64url(rsClaims())}.`;
    expectRefused(await postToken(upper), 401, 'alg_none', upper);
  });

  it("refuses algorithm confusion: HS256 for the RS256 issuer, HMAC'd with its public key PEM", async () => {
    const signingInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid: 'rs-1' })}.${b64url(rsClaims())}`;
    const signature = createHmac('sha256', rsPublicPem).update(signingInput).digest('base64url');
    const token = `${signingInput}.${signature}`;
    expectRefused(await postToken(token), 401, 'algorithm_not_allowed', token);
  });

  it('refuses an algorithm the issuer is not pinned to (ES384 for an ES256 issuer)', async () => {
    const signingInput = `${b64url({ alg: 'ES384', typ: 'JWT', kid: 'old' })}.${b64url({ iss: ES_ISSUER, aud: AUDIENCE, sub: 'x', org: 'es-partner', role: 'PROFESSIONAL', iat: nowS, exp: nowS + 600 })}`;
    const token = `${signingInput}.${Buffer.alloc(96, 1).toString('base64url')}`;
    expectRefused(await postToken(token), 401, 'algorithm_not_allowed', token);
  });

  it('refuses an unknown kid', async () => {
    const token = signRs(rsClaims(), 'rs-2');
    expectRefused(await postToken(token), 401, 'unknown_kid', token);
  });

  it('refuses a token without kid when the issuer has several keys', async () => {
    const token = sign({ iss: ES_ISSUER, aud: AUDIENCE, sub: 'x', org: 'es-partner', role: 'PROFESSIONAL', iat: nowS, exp: nowS + 600 }, esNew.privateKey, 'ES256');
    expectRefused(await postToken(token), 401, 'unknown_kid', token);
  });

  it.each(['iss', 'aud', 'sub', 'exp', 'iat', 'org', 'role'])('refuses a token without the required claim %s', async (claim) => {
    const token = signRs(rsClaims({}, [claim]));
    const response = await postToken(token);
    expectRefused(response, 401, 'missing_claim', token);
    expect(response.body.errors[0].message).toContain(`"${claim}"`);
  });

  it('refuses an empty required claim as missing', async () => {
    const token = signRs(rsClaims({ org: '' }));
    expectRefused(await postToken(token), 401, 'missing_claim', token);
  });

  it('refuses an invalid role value', async () => {
    const token = signRs(rsClaims({ role: 'ADMIN' }));
    const response = await postToken(token);
    expectRefused(response, 401, 'invalid_claim', token);
    expect(response.body.errors[0].message).toContain('role');
  });
});

describe('403 FORBIDDEN', () => {
  it('refuses an organisation of another issuer', async () => {
    const token = signRs(rsClaims({ org: 'lz-den-haag' }));
    const response = await postToken(token);
    expectRefused(response, 403, 'organisation_of_other_issuer', token);
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses the demo issuer speaking for a partner organisation of another issuer', async () => {
    const token = signDevToken({ organisationId: 'rs-partner', role: 'PROFESSIONAL', issuedAt: nowS });
    expectRefused(await postToken(token), 403, 'organisation_of_other_issuer', token);
  });

  it('refuses an unknown organisation', async () => {
    const token = signRs(rsClaims({ org: 'no-such-org' }));
    expectRefused(await postToken(token), 403, 'unknown_organisation', token);
  });

  it('refuses a role the organisation kind does not have (SCHOOL has no PRIVACY_OFFICER)', async () => {
    const token = signDevToken({ organisationId: 'school-dalton-laak', role: 'PRIVACY_OFFICER', issuedAt: nowS });
    expectRefused(await postToken(token), 403, 'role_not_in_organisation_kind', token);
  });
});

describe('operator view of refusals', () => {
  it('counts every refusal by reason and status in ketenhub_auth_refusals_total', async () => {
    // The metrics are served on METRICS_PORT by main.ts (test/metrics.test.ts); here, the registry itself.
    const response = { text: await hub.hub.metrics.registry.metrics() };
    const counted = new Map<string, number>();
    for (const line of response.text.split('\n')) {
      const match = /^ketenhub_auth_refusals_total\{([^}]*)\} (\d+)$/.exec(line);
      if (!match) continue;
      const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      counted.set(`${labels.reason}/${labels.status}`, Number(match[2]));
    }
    expect(response.text).toMatch(/ketenhub_auth_refusals_total\{[^}]*reason="expired"[^}]*\} [1-9]/);
    expect(expectedRefusals.size).toBeGreaterThan(15);
    expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(expectedRefusals));
    expect(counted.get('missing_claim/401')).toBe(8);
  });

  it("logs 'token refused' with the reason, and never a token", () => {
    const text = hub.logs.text;
    const refused = hub.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'token refused');
    const total = [...expectedRefusals.values()].reduce((a, b) => a + b, 0);
    expect(refused).toHaveLength(total);
    expect(new Set(refused.map((entry) => `${entry.reason}/${entry.status}`))).toEqual(new Set(expectedRefusals.keys()));
    expect(refused.find((entry) => entry.reason === 'bad_signature')?.issuer).toBe(RS_ISSUER);
    expect(sentTokens.length).toBeGreaterThan(30);
    for (const token of sentTokens) {
      expect(text).not.toContain(token);
      const [, payload, signature] = token.split('.');
      // Short made-up parts (e.g. 'cccc') can occur by chance inside a random request id.
      if (payload && payload.length >= 12) expect(text).not.toContain(payload);
      if (signature && signature.length >= 12) expect(text).not.toContain(signature);
    }
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});

describe('loadTrustedIssuers validation', () => {
  const dev = { production: false, allowDemoIssuerInProduction: false };
  const prod = { production: true, allowDemoIssuerInProduction: false };
  const hsIssuer = (extra: Claims) => ({
    issuers: [{ issuer: HS_ISSUER, audiences: [AUDIENCE], algorithms: ['HS256'], keys: [{ kid: 'k', secretBase64: hsSecret.toString('base64') }], ...extra }],
  });

  it('refuses HS256 without "symmetric": true', () => {
    const file = writeIssuersFile('hs-not-symmetric.json', hsIssuer({}));
    expect(() => loadTrustedIssuers(file, dev)).toThrow(IssuerConfigError);
    expect(() => loadTrustedIssuers(file, dev)).toThrow(/symmetric/);
  });

  it('refuses a symmetric issuer in production, and allows it in development', () => {
    const file = writeIssuersFile('hs-symmetric.json', hsIssuer({ symmetric: true }));
    expect(() => loadTrustedIssuers(file, prod)).toThrow(IssuerConfigError);
    expect(() => loadTrustedIssuers(file, { production: true, allowDemoIssuerInProduction: true })).toThrow(/production/);
    expect(loadTrustedIssuers(file, dev).get(HS_ISSUER)?.keys.get('k')?.type).toBe('secret');
  });

  it('leaves the demo issuer out in production unless explicitly allowed', () => {
    expect(loadTrustedIssuers(DEMO_ISSUERS_FILE, dev).has(DEMO_ISSUER)).toBe(true);
    const withoutDemo = loadTrustedIssuers(DEMO_ISSUERS_FILE, prod);
    expect(withoutDemo.has(DEMO_ISSUER)).toBe(false);
    expect(withoutDemo.size).toBe(0);
    const allowed = loadTrustedIssuers(DEMO_ISSUERS_FILE, { production: true, allowDemoIssuerInProduction: true });
    expect(allowed.get(DEMO_ISSUER)?.demo).toBe(true);
  });

  it('refuses a key that does not suit the algorithm (EC key on an RS256 issuer)', () => {
    const pem = esOld.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const file = writeIssuersFile('rs-with-ec.json', { issuers: [{ issuer: RS_ISSUER, audiences: [AUDIENCE], algorithms: ['RS256'], keys: [{ kid: 'k', pem }] }] });
    expect(() => loadTrustedIssuers(file, dev)).toThrow(IssuerConfigError);
    expect(() => loadTrustedIssuers(file, dev)).toThrow(/does not suit algorithm RS256/);
  });

  it('refuses an RSA key in a JWKS for an ES256 issuer, and a shared secret on an RS256 issuer', () => {
    writeFileSync(join(dir, 'rsa-jwks.json'), JSON.stringify({ keys: [{ ...rsKeys.publicKey.export({ format: 'jwk' }), kid: 'r' }] }));
    const jwks = writeIssuersFile('es-with-rsa.json', { issuers: [{ issuer: ES_ISSUER, audiences: [AUDIENCE], algorithms: ['ES256'], jwksFile: 'rsa-jwks.json' }] });
    expect(() => loadTrustedIssuers(jwks, dev)).toThrow(/does not suit algorithm ES256/);
    const secret = writeIssuersFile('rs-with-secret.json', {
      issuers: [{ issuer: RS_ISSUER, audiences: [AUDIENCE], algorithms: ['RS256'], keys: [{ kid: 'k', secretBase64: hsSecret.toString('base64') }] }],
    });
    expect(() => loadTrustedIssuers(secret, dev)).toThrow(IssuerConfigError);
  });

  it('refuses a missing file with IssuerConfigError', () => {
    expect(() => loadTrustedIssuers(join(dir, 'does-not-exist.json'), dev)).toThrow(IssuerConfigError);
  });
});
