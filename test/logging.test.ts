// No personal data ever reaches a log line: names, BSNs, addresses, phone numbers, tokens, query
// variables or query strings. Proven on requests that touch all of them, including failing ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../src/auth/dev-token.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: { LOG_LEVEL: 'trace' } });
});
afterAll(async () => {
  await t.close();
});

const PERSONAL_QUERY = `query Personal($bsn: String) {
  pupils(first: 50, filter: { bsn: $bsn }) { edges { node {
    givenName familyName displayName dateOfBirth bsn phone
    address { street houseNumber postalCode city }
    guardians { name phone email }
  } } }
}`;

describe('logs', () => {
  it('carry request ids and no personal data for a request that reads it', async () => {
    const pupils = await t.database.db
      .selectFrom('pupils')
      .select(['given_name', 'family_name', 'bsn', 'street', 'postal_code', 'phone', 'date_of_birth'])
      .where('municipality_code', '=', 'GM0518')
      .orderBy('id')
      .limit(50)
      .execute();
    const guardians = await t.database.db.selectFrom('guardians').select(['name', 'phone', 'email']).limit(200).execute();
    const token = signDevToken({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL', issuedAt: Math.floor(t.clock.now.getTime() / 1000) });

    // A full read, a search by BSN, a search by BSN through GET (the query string holds the BSN),
    // a refused field and an invalid argument: every kind of line the hub writes.
    const read = await t.gql({ token }, PERSONAL_QUERY).set('X-Request-Id', 'log-test-1');
    expect(read.body.data.pupils.edges.length).toBe(50);
    await t.gql({ token }, PERSONAL_QUERY, { bsn: pupils[0]!.bsn });
    await t.request
      .get('/graphql')
      .query({ query: PERSONAL_QUERY, variables: JSON.stringify({ bsn: pupils[1]!.bsn }) })
      .set('Accept', 'application/json')
      .set('Authorization', `Bearer ${token}`);
    await t.gql({ org: 'politie-den-haag', role: 'PROFESSIONAL' }, PERSONAL_QUERY, { bsn: pupils[2]!.bsn });
    await t.gql({ token }, PERSONAL_QUERY, { bsn: `${pupils[3]!.given_name} is not a BSN` });
    await t.request.post('/graphql').set('Authorization', `Bearer ${token}x`).send({ query: PERSONAL_QUERY });

    const logs = t.logs.text;
    expect(logs).toContain('"id":"log-test-1"');
    expect(logs).toContain('"path":"/graphql"');
    expect(logs).toContain('token refused');
    expect(logs).toContain('operation refused by category policy');
    const secrets = [
      token,
      ...pupils.flatMap((p) => [p.given_name, p.family_name, p.bsn, p.street, p.postal_code, p.phone, p.date_of_birth]),
      ...guardians.flatMap((g) => [g.name, g.phone, g.email]),
    ].filter((value): value is string => typeof value === 'string' && value.length >= 4);
    const leaked = secrets.filter((secret) => logs.includes(secret));
    expect(leaked).toEqual([]);
  });
});
