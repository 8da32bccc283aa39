// Query limits at their edges (at the limit passes, one over fails), including the
// `__schema` depth bypasses of the 2025 graphql-armor advisories, hostile text in arguments, and
// the request body limit. Default limits unless a describe says otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestHub, type TestHub } from './helpers/hub.ts';

const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: { RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_ORGANISATION: '0' } });
});
afterAll(async () => {
  await t.close();
});

/** `{ referrals(first: 1) { edges { node { handedOverFrom { … id } } } } }`: depth 4 + hops. */
const chain = (hops: number) => `${'handedOverFrom { '.repeat(hops)}id${' }'.repeat(hops)}`;
const deep = (depth: number) => `referrals(first: 1) { edges { node { ${chain(depth - 4)} } } }`;

function limitOf(body: { errors?: Array<{ extensions?: { code?: string; limit?: string } }> }) {
  const error = body.errors?.find((e) => e.extensions?.code === 'QUERY_LIMIT_EXCEEDED');
  return error?.extensions?.limit ?? null;
}

describe('depth (default 8)', () => {
  it('passes at 8 and refuses 9', async () => {
    const at = await t.gql(LZ, `{ ${deep(8)} }`);
    expect(at.body.errors).toBeUndefined();
    const over = await t.gql(LZ, `{ ${deep(9)} }`);
    expect(limitOf(over.body)).toBe('depth');
    expect(over.body.errors[0].message).toMatch(/depth limit of 8 exceeded, found 9/);
    expect(over.body.data).toBeUndefined();
  });

  it('counts a fragment spread as a level and follows fragments', async () => {
    // referrals 1, edges 2, the spread 3, node 4, two hops 5-6… : the spread takes a level of its own
    const at = await t.gql(LZ, `{ referrals(first: 1) { edges { ...E } } } fragment E on ReferralEdge { node { ${chain(2)} } }`);
    expect(at.body.errors).toBeUndefined();
    const over = await t.gql(LZ, `{ referrals(first: 1) { edges { ...E } } } fragment E on ReferralEdge { node { ${chain(3)} } }`);
    expect(limitOf(over.body)).toBe('depth');
  });

  it('applies to an operation named __schema (advisory bypass)', async () => {
    expect((await t.gql(LZ, `query __schema { ${deep(8)} }`)).body.errors).toBeUndefined();
    expect(limitOf((await t.gql(LZ, `query __schema { ${deep(9)} }`)).body)).toBe('depth');
  });

  it('applies to a fragment named __schema (advisory bypass)', async () => {
    const doc = (hops: number) => `{ referrals(first: 1) { edges { node { ...__schema } } } } fragment __schema on Referral { ${chain(hops)} }`;
    expect((await t.gql(LZ, doc(2))).body.errors).toBeUndefined(); // 3 fields + the spread + 2 hops + id = 8
    expect(limitOf((await t.gql(LZ, doc(3))).body)).toBe('depth');
  });

  it('applies to an operation that selects __schema beside data', async () => {
    expect((await t.gql(LZ, `{ __schema { queryType { name } } ${deep(8)} }`)).body.errors).toBeUndefined();
    expect(limitOf((await t.gql(LZ, `{ __schema { queryType { name } } ${deep(9)} }`)).body)).toBe('depth');
  });

  it('applies to data aliased as __schema', async () => {
    expect(limitOf((await t.gql(LZ, `{ __schema: ${deep(9)} }`)).body)).not.toBeNull();
  });

  it('holds introspection alone to its own limit (default 21: what GraphiQL needs)', async () => {
    // __schema(1) types(2) ofType × n … name: depth 3 + n
    const intro = (n: number) => `{ __schema { types { ${'ofType { '.repeat(n)}name${' }'.repeat(n)} } } }`;
    expect((await t.gql(LZ, intro(18))).body.errors).toBeUndefined();
    const over = await t.gql(LZ, intro(19));
    expect(limitOf(over.body)).toBe('depth');
    expect(over.body.errors[0].message).toMatch(/limit of 21 exceeded, found 22/);
  });

  it("runs GraphiQL's standard introspection query", async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const response = await t.gql(LZ, getIntrospectionQuery());
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.__schema.queryType.name).toBe('Query');
  });

  it('still stops introspection cycles (fields { type { fields … } })', async () => {
    const response = await t.gql(LZ, '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }');
    expect(response.body.errors?.[0].message).toMatch(/introspection|Maximum/i);
    expect(response.body.data).toBeUndefined();
  });
});

describe('aliases (default 15)', () => {
  const aliases = (n: number, field = 'viewer { role }') => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
  it('passes at 15 and refuses 16', async () => {
    expect((await t.gql(LZ, aliases(15))).body.errors).toBeUndefined();
    const over = await t.gql(LZ, aliases(16));
    expect(limitOf(over.body)).toBe('aliases');
    expect(over.body.errors[0].message).toMatch(/Aliases limit of 15 exceeded, found 16/);
  });
  it('counts aliases of __typename too', async () => {
    expect((await t.gql(LZ, aliases(15, '__typename'))).body.errors).toBeUndefined();
    expect(limitOf((await t.gql(LZ, aliases(16, '__typename'))).body)).toBe('aliases');
  });
});

describe('directives (default 50)', () => {
  const directives = (n: number) => `{ ${'__typename @include(if: true) '.repeat(n)}}`;
  it('passes at 50 and refuses 51', async () => {
    expect((await t.gql(LZ, directives(50))).body.errors).toBeUndefined();
    const over = await t.gql(LZ, directives(51));
    expect(limitOf(over.body)).toBe('directives');
  });
});

describe('tokens (default 2000)', () => {
  // 16 tokens around a list of n enum values: { referrals ( filter : { status : [ … ] } ) { totalCount } }
  const tokens = (n: number) => `{ referrals(filter: { status: [${'REQUESTED '.repeat(n - 16)}] }) { totalCount } }`;
  it('passes at 2000 and refuses 2001', async () => {
    const at = await t.gql(LZ, tokens(2000));
    expect(limitOf(at.body)).toBeNull();
    expect(at.body.data).toBeDefined(); // it ran (the resolver may refuse so long a status list)
    const over = await t.gql(LZ, tokens(2001));
    expect(limitOf(over.body)).toBe('tokens');
    expect(over.body.errors[0].message).toBe('Token limit of 2000 exceeded.');
  });
});

describe('cost (default 5000: 1 per field, edges × first)', () => {
  // pupils(1) + 40 × (edges 1 + node 1 + referrals(1 + 40 × (edges 1 + node 1 + id 1))) = 1 + 40 × 123 = 4921
  const cost = (extra: number) =>
    `{ pupils(first: 40, filter: { familyNameStartsWith: "Zzzzzz" }) { edges { node { referrals(first: 40) { edges { node { id } } } } } } ${'__typename '.repeat(extra)}}`;
  it('passes at 5000 and refuses 5001', async () => {
    const at = await t.gql(LZ, cost(79));
    expect(at.body.errors).toBeUndefined();
    const over = await t.gql(LZ, cost(80));
    expect(over.status).toBe(400);
    expect(limitOf(over.body)).toBe('cost');
    expect(over.body.errors[0].message).toMatch(/cost limit of 5000 exceeded, found 5001/);
  });
  it('reads page sizes from variables', async () => {
    const query = 'query($n: Int) { pupils(first: $n) { edges { node { referrals(first: $n) { edges { node { id } } } } } } }';
    expect((await t.gql(LZ, query, { n: 40 })).body.errors).toBeUndefined();
    expect(limitOf((await t.gql(LZ, query, { n: 41 })).body)).toBe('cost');
  });
});

describe('page size (at most 100)', () => {
  it('passes at 100 and refuses 101 before execution', async () => {
    expect((await t.gql(LZ, '{ organisations(first: 100) { totalCount } }')).body.errors).toBeUndefined();
    const over = await t.gql(LZ, 'query($n: Int) { organisations(first: $n) { totalCount } }', { n: 101 });
    expect(over.body.errors[0]).toMatchObject({ message: 'first must be at most 100', extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
    expect(over.body.data).toBeUndefined();
  });
});

describe('hostile text in arguments', () => {
  const filter = 'query($f: PupilFilter) { pupils(filter: $f) { totalCount } }';
  it.each([
    ['NUL', 'ab\u0000c', /U\+0000/],
    ['bell', 'ab\u0007', /U\+0007/],
    ['escape', '\u001b[31m', /U\+001B/],
    ['lone high surrogate', 'ab\ud800', /lone UTF-16 surrogate/],
    ['lone low surrogate', '\udc00ab', /lone UTF-16 surrogate/],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_name, value, message) => {
    const response = await t.gql(LZ, filter, { f: { familyNameStartsWith: value } });
    expect(response.body.errors[0].message).toMatch(message);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.familyNameStartsWith' });
  });

  it('accepts tabs, line breaks, emoji and SQL-looking text as plain text', async () => {
    for (const value of ["O'Brien", "x'; DROP TABLE pupils; --", 'a\tb', '😀', '%_\\']) {
      const response = await t.gql(LZ, filter, { f: { familyNameStartsWith: value } });
      expect(response.body.errors, value).toBeUndefined();
      expect(response.body.data.pupils.totalCount).toBe(0);
    }
  });

  it('refuses text in literals too, and in a forged cursor', async () => {
    const literal = await t.gql(LZ, '{ pupils(filter: { familyNameStartsWith: "a\\u0000" }) { totalCount } }');
    expect(literal.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const forged = Buffer.from('organisation:["\\u0000"]', 'utf8').toString('base64url');
    const cursor = await t.gql(LZ, `{ organisations(after: "${forged}") { totalCount } }`);
    expect(cursor.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('request body (default 1 MiB; uploads 4 MiB)', () => {
  it('refuses a larger body with 413 before parsing it', async () => {
    const padding = 'x'.repeat(1024 * 1024);
    const response = await t.request
      .post('/graphql')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ query: '{ __typename }', variables: { padding } }));
    expect(response.status).toBe(413);
    expect(response.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(response.body.errors[0].message).toContain('1048576 bytes');
  });

  it('takes a multipart upload above the JSON limit, and refuses one above the upload limit', async () => {
    const upload = (size: number) =>
      t.request
        .post('/graphql')
        .field('operations', JSON.stringify({ query: 'mutation($file: File!) { importOutOfViewReports(input: { file: $file }) { reports } }', variables: { file: null } }))
        .field('map', JSON.stringify({ 0: ['variables.file'] }))
        .attach('0', Buffer.from(`bsn\n${'x'.repeat(size)}`), { filename: 'reports.csv', contentType: 'text/csv' });
    // Read whole (no 413): unauthenticated, so refused after parsing.
    const within = await upload(2 * 1024 * 1024);
    expect(within.status).toBe(401);
    const over = await upload(4 * 1024 * 1024);
    expect(over.status).toBe(413);
    expect(over.body.errors[0].message).toContain('4194304 bytes');
  });
});

describe('a refused operation changes nothing', () => {
  it('writes no access-log record for an operation over a limit', async () => {
    const count = async () => {
      const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM access_log_records`.execute(t.database.db);
      return Number(result.rows[0]!.n);
    };
    const before = await count();
    await t.gql(LZ, `{ pupils(first: 100) { edges { node { bsn referrals(first: 100) { edges { node { id } } } } } } }`);
    await t.gql(LZ, `{ ${deep(12)} }`);
    expect(await count()).toBe(before);
  });
});
