// Production mode (no introspection, no suggestions, no GraphiQL, masked errors with the
// request id, CSRF prevention, security headers, CORS allow-list), rate limits (429, Retry-After,
// recovery), overload shedding (503), request timeout and persisted operations.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLError } from 'graphql';
import type { Actor } from '../src/auth/actor.ts';
import { loadPersistedOperations, PersistedOperationsError, sha256 } from '../src/http/persisted.ts';
import { createRateLimiter } from '../src/http/rate-limit.ts';
import { productionEnv as hubInProduction, startTestHub, type TestHub } from './helpers/hub.ts';

const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;
const dir = mkdtempSync(join(tmpdir(), 'ketenhub-hardening-'));

/** Production mode with a CORS allow-list, and no rate limits except where a test sets them. */
function productionEnv(extra: Record<string, string> = {}): Record<string, string> {
  return hubInProduction({
    CORS_ORIGINS: 'https://console.example.nl',
    RATE_LIMIT_PER_SUBJECT: '0',
    RATE_LIMIT_PER_ORGANISATION: '0',
    ...extra,
  });
}

describe('production mode', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ env: productionEnv() });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers normal queries', async () => {
    const response = await t.gql(LZ, '{ viewer { role } }');
    expect(response.body).toEqual({ data: { viewer: { role: 'PROFESSIONAL' } } });
  });

  it('refuses introspection but answers __typename', async () => {
    const response = await t.gql(LZ, '{ __schema { queryType { name } } }');
    expect(response.body.errors[0].message).toMatch(/introspection has been disabled/);
    expect(response.body.data).toBeUndefined();
    expect((await t.gql(LZ, '{ __type(name: "Pupil") { name } }')).body.errors).toBeDefined();
    expect((await t.gql(LZ, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('gives no field suggestions, in validation or in variables', async () => {
    const field = await t.gql(LZ, '{ viewer { rle } }');
    expect(field.body.errors[0].message).toMatch(/Cannot query field "rle"/);
    const variable = await t.gql(LZ, 'query($f: PupilFilter) { pupils(filter: $f) { totalCount } }', { f: { familyNameStrtsWith: 'a' } });
    const enumValue = await t.gql(LZ, '{ referrals(filter: { status: [REQUESTD] }) { totalCount } }');
    for (const response of [field, variable, enumValue]) {
      expect(response.body.errors.length).toBeGreaterThan(0);
      expect(JSON.stringify(response.body)).not.toMatch(/Did you mean|familyNameStartsWith|"role"|REQUESTED/);
    }
  });

  it('does not disclose the configured limits', async () => {
    const deep = `{ referrals(first: 1) { edges { node { ${'handedOverFrom { '.repeat(6)}id${' }'.repeat(6)} } } } }`;
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const cost = '{ pupils(first: 100) { edges { node { referrals(first: 100) { edges { node { id } } } } } } }';
    const tokens = `{ referrals(filter: { status: [${'REQUESTED '.repeat(2000)}] }) { totalCount } }`;
    for (const query of [deep, aliases, cost, tokens]) {
      const response = await t.gql(LZ, query);
      const error = response.body.errors[0];
      expect(error.extensions.code).toBe('QUERY_LIMIT_EXCEEDED');
      expect(error.message).not.toMatch(/\d/);
    }
  });

  it('masks unexpected errors: the request id, no stack, no SQL, no internal names', async () => {
    const services = t.hub.services as { db: unknown };
    const real = services.db;
    // A database failure in the middle of a resolver, with SQL and table names in its message.
    services.db = new Proxy(real as object, {
      get(target, property, receiver) {
        if (property === 'selectFrom')
          return () => {
            throw new Error('relation "pupils_secret" does not exist: select "bsn" from "pupils" where "id" = $1');
          };
        return Reflect.get(target, property, receiver);
      },
    });
    try {
      const response = await t.gql(LZ, '{ pupils(first: 1) { totalCount } }').set('X-Request-Id', 'req-masked-1');
      const text = JSON.stringify(response.body);
      expect(response.body.errors[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-masked-1' });
      expect(response.body.errors[0].message).toMatch(/request ?id/i);
      expect(text).not.toMatch(/select|pupils_secret|bsn|stack|originalError|\.ts:|at /i);
    } finally {
      services.db = real;
    }
  });

  it('serves no GraphiQL', async () => {
    const response = await t.request.get('/graphql').set('Accept', 'text/html');
    expect(response.headers['content-type'] ?? '').not.toMatch(/html/);
    expect(response.text).not.toMatch(/graphiql/i);
  });

  it('prevents CSRF: a simple GET needs a CSRF header', async () => {
    const token = (await import('../src/auth/dev-token.ts')).signDevToken({
      organisationId: 'lz-den-haag',
      role: 'PROFESSIONAL',
      issuedAt: Math.floor(t.clock.now.getTime() / 1000),
    });
    const bare = await t.request.get('/graphql').query({ query: '{ __typename }' }).set('Authorization', `Bearer ${token}`);
    expect(bare.status).toBe(403);
    expect(bare.body.errors[0].message).toMatch(/CSRF/);
    const form = await t.request.post('/graphql').type('form').send({ query: '{ __typename }' }).set('Authorization', `Bearer ${token}`);
    expect(form.status).toBe(403);
    const withHeader = await t.request
      .get('/graphql')
      .query({ query: '{ __typename }' })
      .set('Authorization', `Bearer ${token}`)
      .set('x-graphql-yoga-csrf', '1');
    expect(withHeader.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('sends security headers', async () => {
    const response = await t.gql(LZ, '{ __typename }');
    expect(response.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toMatch(/max-age/);
    expect(response.headers['x-frame-options']).toBeDefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('allows CORS only for configured origins', async () => {
    const allowed = await t.request
      .options('/graphql')
      .set('Origin', 'https://console.example.nl')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example.nl');
    const other = await t.request
      .options('/graphql')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await t.gql(LZ, '{ __typename }').set('Origin', 'https://evil.example');
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rate limits', () => {
  let t: TestHub;
  beforeAll(async () => {
    // 2 per 2 s per subject: the bucket refills one request a second.
    t = await startTestHub({ env: { RATE_LIMIT_PER_SUBJECT: '2', RATE_LIMIT_PER_ORGANISATION: '100', RATE_LIMIT_WINDOW_SECONDS: '2' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After and RATE_LIMITED through HTTP, and recovers', async () => {
    const alice = { ...LZ, subject: 'alice' };
    for (let i = 0; i < 2; i++) expect((await t.gql(alice, '{ __typename }')).status).toBe(200);
    const limited = await t.gql(alice, '{ viewer { role } }');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'subject' });
    expect(limited.body.data).toBeUndefined();
    // Another subject is not affected.
    expect((await t.gql({ ...LZ, subject: 'bob' }, '{ __typename }')).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(limited.headers['retry-after']) + 100));
    const recovered = await t.gql(alice, '{ viewer { role } }');
    expect(recovered.status).toBe(200);
    expect(recovered.body.data.viewer.role).toBe('PROFESSIONAL');
  });

  it('limits per subject and per organisation (token buckets, a controlled clock)', () => {
    let now = 0;
    const limiter = createRateLimiter({ windowSeconds: 60, perSubject: 3, perOrganisation: 5 }, () => now);
    const actor = (subject: string, organisationId = 'lz-den-haag') =>
      ({ subject, issuer: 'demo', organisationId, organisationKind: 'LEERLINGZAKEN', municipalityCode: 'GM0518', role: 'PROFESSIONAL', purpose: null }) as Actor;
    const refused = (a: Actor) => {
      try {
        limiter.check(a);
        return null;
      } catch (error) {
        return (error as GraphQLError).extensions;
      }
    };
    for (let i = 0; i < 3; i++) expect(refused(actor('alice'))).toBeNull();
    expect(refused(actor('alice'))).toMatchObject({ code: 'RATE_LIMITED', scope: 'subject', retryAfterSeconds: 20 });
    expect(refused(actor('bob'))).toBeNull();
    expect(refused(actor('bob'))).toBeNull();
    expect(refused(actor('carol'))).toMatchObject({ scope: 'organisation', retryAfterSeconds: 12 });
    expect(refused(actor('dave', 'cjg-den-haag'))).toBeNull();
    now = 12_000; // one organisation request back
    expect(refused(actor('carol'))).toBeNull();
    expect(refused(actor('carol'))).toMatchObject({ scope: 'organisation' });
    now = 60_000;
    expect(refused(actor('alice'))).toBeNull();
  });
});

describe('overload: in-flight limit 1, request timeout 400 ms, body limit 2 KiB', () => {
  let t: TestHub;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    t = await startTestHub({ env: { HTTP_MAX_IN_FLIGHT: '1', HTTP_REQUEST_TIMEOUT_MS: '400', HTTP_BODY_LIMIT_BYTES: '2048' } });
    server = createServer(t.hub.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  /** A POST whose body arrives slowly: it holds its in-flight slot until `finish` is called. */
  function slowRequest() {
    const body = JSON.stringify({ query: '{ __typename }' });
    let resolveResponse!: (value: { status: number; headers: Record<string, unknown>; body: string }) => void;
    const response = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve) => (resolveResponse = resolve));
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/graphql', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', () => undefined);
    req.write(body.slice(0, 5));
    return { response, finish: () => req.end(body.slice(5)) };
  }

  it('sheds a request over the in-flight limit with 503 and Retry-After, then serves again', async () => {
    const slow = slowRequest();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const shed = await t.gql(LZ, '{ __typename }');
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect(shed.body.errors[0].extensions.code).toBe('OVERLOADED');
    slow.finish();
    await slow.response;
    expect((await t.gql(LZ, '{ __typename }')).status).toBe(200);
  });

  it('answers 503 TIMEOUT when a request takes longer than the deadline', async () => {
    const slow = slowRequest();
    const response = await slow.response; // never finished: the deadline answers
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe('TIMEOUT');
    slow.finish();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await t.gql(LZ, '{ __typename }')).status).toBe(200);
  });

  it('takes a body at the limit and refuses one byte more with 413', async () => {
    const shell = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } });
    const at = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2048 - shell.length) } });
    const over = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2049 - shell.length) } });
    expect(Buffer.byteLength(at)).toBe(2048);
    const token = (await import('../src/auth/dev-token.ts')).signDevToken({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL', issuedAt: Math.floor(t.clock.now.getTime() / 1000) });
    const ok = await t.request.post('/graphql').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(at);
    expect(ok.body).toEqual({ data: { __typename: 'Query' } });
    const refused = await t.request.post('/graphql').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(over);
    expect(refused.status).toBe(413);
    expect(refused.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('persisted operations', () => {
  const viewer = 'query Viewer { viewer { role } }';
  let t: TestHub;
  beforeAll(async () => {
    const file = join(dir, 'operations.json');
    writeFileSync(file, JSON.stringify({ [sha256(viewer)]: viewer }));
    t = await startTestHub({ env: { PERSISTED_OPERATIONS_FILE: file } });
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (body: unknown) => {
    const token = import('../src/auth/dev-token.ts').then((m) =>
      m.signDevToken({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL', issuedAt: Math.floor(t.clock.now.getTime() / 1000) }),
    );
    return token.then((value) => t.request.post('/graphql').set('Authorization', `Bearer ${value}`).set('Content-Type', 'application/json').send(JSON.stringify(body)));
  };

  it('runs a registered operation by its hash', async () => {
    const response = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(viewer) } } });
    expect(response.body).toEqual({ data: { viewer: { role: 'PROFESSIONAL' } } });
  });

  it('refuses any other query text, and unknown hashes', async () => {
    const text = await post({ query: '{ viewer { role } }' });
    expect(text.status).toBe(400);
    expect(text.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    const unknown = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } } });
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('refuses at start a file whose hash does not match its text', () => {
    const file = join(dir, 'bad-operations.json');
    writeFileSync(file, JSON.stringify({ [sha256('{ __typename }')]: viewer }));
    expect(() => loadPersistedOperations(file)).toThrow(PersistedOperationsError);
  });
});
