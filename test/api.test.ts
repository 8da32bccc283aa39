// The hub's basic contract through HTTP: health, readiness, the viewer, organisations and pupils
// with cursor pagination, and clear errors for bad arguments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;

describe('health', () => {
  it('GET /healthz says the process is alive', async () => {
    const response = await t.request.get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz checks the database', async () => {
    const response = await t.request.get('/readyz');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ready');
    expect(['pglite', 'postgres']).toContain(response.body.engine);
  });

  it('answers 404 with a pointer to the API for unknown paths', async () => {
    const response = await t.request.get('/nope');
    expect(response.status).toBe(404);
    expect(response.body.error).toMatch(/\/graphql/);
  });

  it('echoes a well-formed X-Request-Id and makes one otherwise', async () => {
    const given = await t.request.get('/healthz').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await t.request.get('/healthz').set('X-Request-Id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('viewer', () => {
  it('describes the caller and what its kind may read', async () => {
    const response = await t.gql({ ...LZ, purpose: 'leerplicht-controle' }, '{ viewer { subject role purpose organisation { id kind name municipality { code name } } readableCategories } }');
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.viewer).toEqual({
      subject: 'demo-professional@lz-den-haag',
      role: 'PROFESSIONAL',
      purpose: 'leerplicht-controle',
      organisation: {
        id: 'lz-den-haag',
        kind: 'LEERLINGZAKEN',
        name: 'Leerlingzaken Den Haag',
        municipality: { code: 'GM0518', name: 'Den Haag' },
      },
      readableCategories: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL'],
    });
  });
});

describe('organisations', () => {
  it('lists the demo region with stable cursors across pages', async () => {
    const all = await t.gql(LZ, '{ organisations(first: 100) { totalCount edges { node { id kind } } } }');
    const ids = all.body.data.organisations.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(all.body.data.organisations.totalCount).toBe(12);
    expect(ids).toEqual([...ids].sort());

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const response = await t.gql(
        LZ,
        'query Page($after: String) { organisations(first: 5, after: $after) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }',
        { after },
      );
      const connection = response.body.data.organisations;
      seen.push(...connection.edges.map((e: { node: { id: string } }) => e.node.id));
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
  });

  it('filters by kind', async () => {
    const response = await t.gql(LZ, '{ organisations(kind: SCHOOL) { totalCount edges { node { kind } } } }');
    expect(response.body.data.organisations.totalCount).toBe(5);
    expect(new Set(response.body.data.organisations.edges.map((e: { node: { kind: string } }) => e.node.kind))).toEqual(new Set(['SCHOOL']));
  });

  it('returns null for an unknown organisation', async () => {
    const response = await t.gql(LZ, '{ organisation(id: "no-such-org") { id } bad: organisation(id: "Not An Id!") { id } }');
    expect(response.body.data).toEqual({ organisation: null, bad: null });
  });
});

describe('pupils', () => {
  it('answers a demo query from the seeded data', async () => {
    const response = await t.gql(
      LZ,
      '{ pupils(first: 3) { totalCount edges { node { id displayName dateOfBirth bsn municipality { code } school { kind } guardians { name relation } } } } }',
    );
    expect(response.body.errors).toBeUndefined();
    const connection = response.body.data.pupils;
    expect(connection.edges).toHaveLength(3);
    for (const { node } of connection.edges) {
      expect(node.bsn).toMatch(/^[0-9]{9}$/);
      expect(node.school.kind).toBe('SCHOOL');
      expect(node.guardians.length).toBeGreaterThan(0);
    }
    // Den Haag's Leerlingzaken sees the pupils living in Den Haag (home municipality), plus those it
    // is party to an open referral about (e.g. a Rijswijk pupil reported by a Den Haag school).
    const inDenHaag = await t.database.db.selectFrom('pupils').select('id').where('municipality_code', '=', 'GM0518').execute();
    const throughReferrals = await t.database.db
      .selectFrom('referrals')
      .select('pupil_id as id')
      .where((eb) => eb.or([eb('sender_org_id', '=', 'lz-den-haag'), eb('receiver_org_id', '=', 'lz-den-haag')]))
      .where('status', 'in', ['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'])
      .execute();
    const expected = new Set([...inDenHaag, ...throughReferrals].map((row) => row.id));
    expect(throughReferrals.some((row) => !inDenHaag.some((p) => p.id === row.id))).toBe(true);
    expect(connection.totalCount).toBe(expected.size);
  });

  it('walks every page without gaps or repeats', async () => {
    const ids: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const response = await t.gql(
        LZ,
        'query($after: String) { pupils(first: 40, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      const connection = response.body.data.pupils;
      total = connection.totalCount;
      ids.push(...connection.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(total);
  });

  it('finds a pupil by id, and gives null for an id that does not exist', async () => {
    const first = await t.gql(LZ, '{ pupils(first: 1) { edges { node { id familyName } } } }');
    const { id, familyName } = first.body.data.pupils.edges[0].node;
    const found = await t.gql(LZ, 'query($id: ID!) { pupil(id: $id) { id familyName } }', { id });
    expect(found.body.data.pupil).toEqual({ id, familyName });
    const missing = await t.gql(LZ, '{ pupil(id: "00000000-0000-4000-8000-000000000000") { id } }');
    expect(missing.body).toEqual({ data: { pupil: null } });
  });

  it('refuses bad arguments with BAD_USER_INPUT naming the argument', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{ pupil(id: "42") { id } }', /id must be a pupil id/],
      ['{ pupils(first: 0) { totalCount } }', /first must be at least 1/],
      ['{ pupils(first: 101) { totalCount } }', /first must be at most 100/],
      ['{ pupils(after: "bm9wZQ") { totalCount } }', /after is not a cursor of this list/],
      ['{ pupils(filter: { bsn: "12" }) { totalCount } }', /filter.bsn must be 9 digits/],
      ['{ pupils(filter: { dateOfBirth: "2014-02-30" }) { totalCount } }', /Date must be a calendar date/],
    ];
    for (const [query, message] of cases) {
      const response = await t.gql(LZ, query);
      expect(response.body.errors?.[0]?.message, query).toMatch(message);
      expect(response.body.errors[0].extensions.code, query).toBe('BAD_USER_INPUT');
    }
  });

  it('does not accept an organisation cursor on the pupil list', async () => {
    const orgs = await t.gql(LZ, '{ organisations(first: 1) { pageInfo { endCursor } } }');
    const response = await t.gql(LZ, 'query($after: String) { pupils(after: $after) { totalCount } }', {
      after: orgs.body.data.organisations.pageInfo.endCursor,
    });
    expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('searches by family name prefix and date of birth', async () => {
    const sample = await t.database.db
      .selectFrom('pupils')
      .select(['id', 'family_name', 'date_of_birth'])
      .where('municipality_code', '=', 'GM0518')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const byName = await t.gql(LZ, 'query($p: String!) { pupils(first: 100, filter: { familyNameStartsWith: $p }) { edges { node { id familyName } } } }', {
      p: sample.family_name.slice(0, 3).toUpperCase(),
    });
    const names = byName.body.data.pupils.edges.map((e: { node: { familyName: string } }) => e.node.familyName.toLowerCase());
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name.startsWith(sample.family_name.slice(0, 3).toLowerCase())).toBe(true);
    const byDate = await t.gql(LZ, 'query($d: Date!) { pupils(filter: { dateOfBirth: $d }) { edges { node { id dateOfBirth } } } }', {
      d: sample.date_of_birth,
    });
    expect(byDate.body.data.pupils.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(sample.id);
  });

  it('treats LIKE wildcards in a name search as plain characters', async () => {
    const response = await t.gql(LZ, '{ pupils(filter: { familyNameStartsWith: "%" }) { totalCount } }');
    expect(response.body.data.pupils.totalCount).toBe(0);
  });
});
