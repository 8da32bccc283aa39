// Every error the hub answers carries `extensions.code`: integrators branch on the code, not on the
// wording. Here the requests a client gets wrong before any resolver runs (variables, the document,
// the HTTP envelope), each answered with a code and with nothing changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../src/auth/dev-token.ts';
import { productionEnv, startTestHub, type TestHub } from './helpers/hub.ts';
import { countRows, NO_RATE_LIMITS } from './helpers/referrals.ts';

let t: TestHub;
let production: TestHub;
let token: string;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
  production = await startTestHub({ env: productionEnv(NO_RATE_LIMITS) });
  token = signDevToken({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL', issuedAt: Math.floor(t.clock.now.getTime() / 1000) });
});
afterAll(async () => {
  await t.close();
  await production.close();
});

const CREATE = `mutation($input: CreateReferralInput!) { createReferral(input: $input) { id } }`;
const REJECT = `mutation($id: ID!, $version: Int!, $explanation: String!) {
  rejectReferral(input: { referralId: $id, version: $version, reason: OTHER, explanation: $explanation }) { id }
}`;
const ID = '01a22008-0000-7000-8000-000000000000';

interface Case {
  name: string;
  send: () => PromiseLike<{ status: number; body: any; headers: Record<string, string> }>;
  code: string;
  status: number;
}

const post = (body: unknown, contentType = 'application/json') =>
  t.request
    .post('/graphql')
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', contentType)
    .set('Accept', 'application/graphql-response+json, application/json')
    .send(typeof body === 'string' ? body : JSON.stringify(body));

const CASES: Case[] = [
  { name: 'a required variable left out', send: () => post({ query: REJECT, variables: { id: ID, version: 1 } }), code: 'BAD_USER_INPUT', status: 400 },
  { name: 'a required variable sent as null', send: () => post({ query: REJECT, variables: { id: ID, version: 1, explanation: null } }), code: 'BAD_USER_INPUT', status: 400 },
  { name: 'a variable of the wrong type', send: () => post({ query: REJECT, variables: { id: ID, version: 'one', explanation: 'x' } }), code: 'BAD_USER_INPUT', status: 400 },
  { name: 'no variables at all', send: () => post({ query: REJECT }), code: 'BAD_USER_INPUT', status: 400 },
  { name: 'an input object missing a required field', send: () => post({ query: CREATE, variables: { input: {} } }), code: 'BAD_USER_INPUT', status: 400 },
  { name: 'an input object with an unknown field', send: () => post({ query: CREATE, variables: { input: { nonsense: 1 } } }), code: 'BAD_USER_INPUT', status: 400 },
  { name: 'an enum value that does not exist', send: () => post({ query: `query($s: [ReferralStatus!]) { referrals(filter: { status: $s }) { totalCount } }`, variables: { s: 'LOST' } }), code: 'BAD_USER_INPUT', status: 400 },
  { name: 'the same mistake inline', send: () => post({ query: `mutation { rejectReferral(input: { referralId: "${ID}", version: 1, reason: OTHER }) { id } }` }), code: 'GRAPHQL_VALIDATION_FAILED', status: 400 },
  { name: 'a syntax error', send: () => post({ query: 'mutation { rejectReferral(input: ' }), code: 'GRAPHQL_PARSE_FAILED', status: 400 },
  { name: 'no query', send: () => post({ variables: {} }), code: 'BAD_REQUEST', status: 400 },
  { name: 'a query that is not a string', send: () => post({ query: 42 }), code: 'BAD_REQUEST', status: 400 },
  { name: 'variables that are not an object', send: () => post({ query: REJECT, variables: 'id' }), code: 'BAD_REQUEST', status: 400 },
  { name: 'a body that is not JSON', send: () => post('{"query": '), code: 'BAD_REQUEST', status: 400 },
  { name: 'an unknown operation name', send: () => post({ query: '{ viewer { role } }', operationName: 'Other' }), code: 'OPERATION_RESOLUTION_FAILURE', status: 400 },
  { name: 'two operations without a name', send: () => post({ query: 'query A { viewer { role } } query B { viewer { role } }' }), code: 'OPERATION_RESOLUTION_FAILURE', status: 400 },
  {
    name: 'a mutation over GET',
    send: () =>
      t.request
        .get('/graphql')
        .query({ query: `mutation { rejectReferral(input: { referralId: "${ID}", version: 1, reason: OTHER, explanation: "x" }) { id } }` })
        .set('Authorization', `Bearer ${token}`)
        .set('Accept', 'application/json'),
    code: 'BAD_REQUEST',
    status: 405,
  },
  { name: 'a body that is not JSON by its content type', send: () => post('{"query": "{ viewer { role } }"}', 'text/plain'), code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 },
  {
    name: 'an Accept header the hub cannot answer',
    send: () =>
      t.request
        .post('/graphql')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/json')
        .set('Accept', 'text/html')
        .send(JSON.stringify({ query: '{ viewer { role } }' })),
    code: 'NOT_ACCEPTABLE',
    status: 406,
  },
  {
    name: 'a GET without the CSRF header in production',
    send: () => production.request.get('/graphql').query({ query: '{ viewer { role } }' }).set('Authorization', `Bearer ${token}`),
    code: 'FORBIDDEN',
    status: 403,
  },
];

describe('every error carries extensions.code', () => {
  for (const c of CASES) {
    it(`${c.name}: HTTP ${c.status}, ${c.code}, with a message saying what to fix`, async () => {
      const before = await countRows(t, 'referrals');
      const response = await c.send();
      expect(response.status, JSON.stringify(response.body)).toBe(c.status);
      expect(response.body.errors?.length, JSON.stringify(response.body)).toBeGreaterThan(0);
      for (const error of response.body.errors) {
        expect(error.extensions?.code, JSON.stringify(error)).toBe(c.code);
        expect(error.message.length).toBeGreaterThan(10);
      }
      expect(response.body.data ?? null).toBeNull();
      expect(await countRows(t, 'referrals')).toBe(before);
    });
  }

  it('names the variable that was left out, also in production', async () => {
    const response = await post({ query: REJECT, variables: { id: ID, version: 1 } });
    expect(response.body.errors[0].message).toMatch(/\$explanation/);
    expect(response.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', variable: '$explanation' });
    const inProduction = await production.request
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .set('X-GraphQL-Yoga-CSRF', '1')
      .send(JSON.stringify({ query: `query($d: DateTime) { referrals(filter: { dueBefore: $d }) { totalCount } }`, variables: { d: 'gisteren' } }));
    expect(inProduction.status).toBe(400);
    expect(inProduction.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', variable: '$d' });
    expect(inProduction.body.errors[0].message).toMatch(/DateTime must be ISO-8601/);
  });

  it('answers a subscription whose variables do not fit with BAD_USER_INPUT on its stream, and ends it', async () => {
    const response = await t.request
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .set('Accept', 'text/event-stream')
      .buffer(true)
      .parse((res, callback) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => callback(null, text));
      })
      .send(JSON.stringify({ query: 'subscription($id: ID!) { referralChanged(referralId: $id) { id } }', variables: {} }));
    const events = String(response.body)
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
      .map((line) => JSON.parse(line.slice('data: '.length)));
    const errors = events.flatMap((event) => event.errors ?? []);
    expect(errors.length, String(response.body)).toBeGreaterThan(0);
    expect(errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', variable: '$id' });
  });

  it('writes no access-log record for a request refused for its variables', async () => {
    const head = async () => Number((await t.database.db.selectFrom('access_log_head').select('seq').executeTakeFirstOrThrow()).seq);
    const before = await head();
    const response = await post({ query: `query($id: ID!) { pupil(id: $id) { familyName } }`, variables: {} });
    expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await head()).toBe(before);
  });
});
