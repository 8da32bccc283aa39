// The schema as partners get it: GET /graphql/schema.graphql (also where introspection is off), the
// SDL committed at the last release (schema/published.graphql), and the breaking-change check
// between them (`npm run schema:check`, in CI).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from 'graphql';
import { currentSdl, publishedSdl } from '../src/graphql/published.ts';
import { schemaChanges } from '../src/graphql/schema-changes.ts';
import { productionEnv, startTestHub, type TestHub } from './helpers/hub.ts';

const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;

describe('GET /graphql/schema.graphql', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ env: productionEnv({ RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_ORGANISATION: '0' }) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves the SDL of the running hub without a token, where introspection is refused', async () => {
    const introspection = await t.gql(LZ, '{ __schema { queryType { name } } }');
    expect(introspection.body.errors[0].message).toMatch(/introspection has been disabled/);

    const response = await t.request.get('/graphql/schema.graphql');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.text).toBe(currentSdl());
    const served = buildSchema(response.text);
    expect(served.getQueryType()?.getFields()).toHaveProperty('referrals');
    expect(served.getType('Referral')).toBeDefined();
  });

  it('is not a GraphQL endpoint: other paths under /graphql stay unknown', async () => {
    expect((await t.request.get('/graphql/other.graphql')).status).toBe(404);
  });
});

describe('breaking-change check against schema/published.graphql', () => {
  it('finds no breaking change between the published schema and this checkout', async () => {
    const breaking = (await schemaChanges(publishedSdl(), currentSdl())).filter((change) => change.level === 'BREAKING');
    expect(breaking.map((change) => change.message)).toEqual([]);
  });

  it('calls a removed field breaking and an added one not', async () => {
    const before = 'type Query { a: String, b: Int }';
    const changes = await schemaChanges(before, 'type Query { a: String, c: Int }');
    expect(changes.map(({ level, path }) => [level, path])).toEqual([
      ['BREAKING', 'Query.b'],
      ['NON_BREAKING', 'Query.c'],
    ]);
  });

  it('calls a new required argument breaking and a deprecation not', async () => {
    const changes = await schemaChanges(
      'type Query { a(first: Int): String, b: Int }',
      'type Query { a(first: Int, after: String!): String, b: Int @deprecated(reason: "since 2026-12-02; use a") }',
    );
    expect(changes.find((change) => change.path === 'Query.a.after')?.level).toBe('BREAKING');
    const deprecation = changes.filter((change) => change.path?.startsWith('Query.b'));
    expect(deprecation.length).toBeGreaterThan(0);
    expect(deprecation.every((change) => change.level === 'NON_BREAKING')).toBe(true);
  });
});
