// Faults and abuse that must hurt only the one who causes them: a database connection cut under
// a request, a token with control characters in its claims, one access-log record the database
// refuses, deep or malformed input, and spreadsheet formulas in the CSV export. Through HTTP, as a
// partner would call.
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import { sql } from 'kysely';
import pg from 'pg';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AUDIENCE, DEMO_KEY_ID, signDevToken } from '../src/auth/dev-token.ts';
import { DEMO_ISSUER } from '../src/policy/vocabulary.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;
const LZ_PO = { org: 'lz-den-haag', role: 'PRIVACY_OFFICER' } as const;
const READ_PUPILS = '{ pupils(first: 3) { edges { node { id familyName } } } }';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

/** A demo-issuer token with any claims (the dev token helper cannot set on_behalf_of or odd text). */
function tokenWith(claims: Record<string, unknown>): string {
  const iat = Math.floor(t.clock.now.getTime() / 1000);
  return jwt.sign(
    { org: 'smw-den-haag', role: 'PROFESSIONAL', iat, exp: iat + 3600, sub: 'demo-professional@smw-den-haag', ...claims },
    readFileSync(new URL('../src/auth/demo-issuer/demo-es256.private.pem', import.meta.url), 'utf8'),
    { algorithm: 'ES256', keyid: DEMO_KEY_ID, issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE },
  );
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);

describe('deep and malformed input', () => {
  const expectClean400 = (response: { status: number; text: string; body: { errors?: Array<{ message: string; extensions?: { code?: string } }> } }, status = 400) => {
    expect(response.status, response.text.slice(0, 300)).toBe(status);
    expect(response.body.errors?.[0]?.message).toBeTruthy();
    expect(response.body.errors?.[0]?.extensions?.code).toMatch(/^[A-Z_]+$/);
    expect(response.body.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    noStack(response.text);
  };

  it('variables nested 5,000 levels: 400', async () => {
    const token = signDevToken({ organisationId: LZ.org, role: LZ.role, issuedAt: Math.floor(t.clock.now.getTime() / 1000) });
    const post = (query: string, variables: string) =>
      t.request.post('/graphql').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(`{"query":${JSON.stringify(query)},"variables":${variables}}`);
    const arrays = `${'['.repeat(5000)}"x"${']'.repeat(5000)}`;
    const objects = `${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}`;
    expectClean400(await post('query($id: ID!) { pupil(id: $id) { id } }', `{"id":${arrays}}`));
    expectClean400(await post('query($f: PupilFilter) { pupils(filter: $f) { totalCount } }', `{"f":{"familyNameStartsWith":${objects}}}`));
    expectClean400(await post('query($f: PupilFilter) { pupils(filter: $f) { totalCount } }', `{"f":${objects}}`));
  });

  it('a list literal nested 3,000 levels: 400 before the parser recurses', async () => {
    const response = await t.gql(LZ, `{ pupils(filter: { familyNameStartsWith: ${'['.repeat(3000)}"x"${']'.repeat(3000)} }) { totalCount } }`);
    expectClean400(response);
    expect(response.body.errors[0].extensions.code).toBe('QUERY_LIMIT_EXCEEDED');
  });

  it('an object literal nested 300 levels (within the token limit): 400', async () => {
    const response = await t.gql(LZ, `{ pupils(filter: ${'{ a: '.repeat(300)}1${' }'.repeat(300)}) { totalCount } }`);
    expectClean400(response);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'nesting' });
  });

  it('GET with malformed variables or extensions JSON: 400', async () => {
    const token = signDevToken({ organisationId: LZ.org, role: LZ.role, issuedAt: Math.floor(t.clock.now.getTime() / 1000) });
    for (const query of [
      { query: '{ viewer { role } }', variables: '{"a":' },
      { query: '{ viewer { role } }', extensions: '{nope' },
      { query: '{ viewer { role } }', variables: '[1,2]' },
    ]) {
      const response = await t.request.get('/graphql').query(query).set('Authorization', `Bearer ${token}`).set('Accept', 'application/json');
      expectClean400(response);
    }
  });

  it('POST with a content type the hub does not read: 415 with a GraphQL error', async () => {
    const response = await t.request.post('/graphql').set('Content-Type', 'application/xml').send('<query>{ viewer { role } }</query>');
    expectClean400(response, 415);
    expect(response.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a POST body that is not JSON: 400', async () => {
    const response = await t.request.post('/graphql').set('Content-Type', 'application/json').send('{"query": "{ viewer');
    expectClean400(response);
  });
});
