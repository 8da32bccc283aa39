// Fuzzing the API with fast-check: documents and variables generated from the schema (queries and
// mutations, arguments as literals or variables, fragments), often made hostile — nested thousands
// deep, NUL and other control characters, lone surrogates, cut off, wrongly typed, sent as GET or as
// a body that is not JSON. Whatever arrives, the answer is a GraphQL refusal or an answer: never a
// 500, never a masked internal error, never a stack trace. Cases go out in concurrent rounds, so a
// thousand of them take seconds.
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signDevToken } from '../src/auth/dev-token.ts';
import { buildHubSchema } from '../src/graphql/schema.ts';
import type { Role } from '../src/policy/vocabulary.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

const CASES = Number(process.env.FUZZ_CASES ?? 1000);
const ROUND = 25;
const schema: GraphQLSchema = buildHubSchema();

let t: TestHub;
let ids: string[] = [];
let tokens: string[] = [];
beforeAll(async () => {
  t = await startTestHub({ env: { LOG_LEVEL: 'warn' } });
  const rows = await sql<{ id: string }>`(SELECT id::text FROM pupils ORDER BY id LIMIT 3) UNION ALL (SELECT id::text FROM referrals ORDER BY id LIMIT 3)`.execute(t.database.db);
  ids = rows.rows.map((row) => row.id);
  const callers: Array<[string, Role]> = [
    ['lz-den-haag', 'PROFESSIONAL'],
    ['lz-den-haag', 'PRIVACY_OFFICER'],
    ['smw-den-haag', 'PROFESSIONAL'],
    ['politie-den-haag', 'PROFESSIONAL'],
    ['cjg-den-haag', 'PROFESSIONAL'],
  ];
  const iat = Math.floor(t.clock.now.getTime() / 1000);
  tokens = callers.map(([organisationId, role]) => signDevToken({ organisationId, role, issuedAt: iat }));
});
afterAll(async () => {
  await t.close();
});

type Gen = fc.GeneratorValue;

const HOSTILE = ['', '\u0000', 'a\u0000b', '\u0007\u001b[2J', '\ud800', 'x\udfff', '\udc00\ud800', '\ufeff\u202e', "' OR 1=1 --", '\\', '%_', '😀', 'x'.repeat(3000), '2026-02-30', 'lz-den-haag'];

function text(g: Gen): string {
  return g(() =>
    fc.oneof(
      fc.constantFrom(...HOSTILE, ...ids),
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }), // any UTF-16 code unit: lone surrogates, controls
    ),
  );
}

/** Lists or objects nested up to thousands of levels (written out by json() and literal() without recursion). */
class Deep {
  constructor(
    readonly levels: number,
    readonly objects: boolean,
    readonly leaf: string,
  ) {}
  write(leaf: string, quoteKeys: boolean): string {
    const open = this.objects ? (quoteKeys ? '{"a":' : '{ a: ') : '[';
    return `${open.repeat(this.levels)}${leaf}${(this.objects ? '}' : ']').repeat(this.levels)}`;
  }
}

function deep(g: Gen, leaf: string): Deep {
  return new Deep(g(() => fc.constantFrom(40, 200, 1000, 5000)), g(() => fc.boolean()), leaf);
}

/** JSON text of a generated value. */
function json(value: unknown): string {
  if (value instanceof Deep) return value.write(JSON.stringify(value.leaf), true);
  if (Array.isArray(value)) return `[${value.map(json).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${json(item)}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** A value for an input type: mostly fitting, often hostile, sometimes of the wrong shape. */
function value(g: Gen, type: GraphQLInputType, depth = 0): unknown {
  const mood = g(() => fc.integer({ min: 0, max: 19 }));
  if (mood === 0) return null;
  if (mood === 1) return deep(g, text(g));
  if (mood === 2) return text(g);
  if (isNonNullType(type)) return value(g, type.ofType, depth);
  if (isListType(type)) {
    const n = g(() => fc.integer({ min: 0, max: 3 }));
    return Array.from({ length: n }, () => value(g, type.ofType, depth + 1));
  }
  if (isInputObjectType(type)) {
    if (depth > 3) return {};
    const result: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) if (g(() => fc.boolean())) result[field.name] = value(g, field.type, depth + 1);
    return result;
  }
  if (isEnumType(type)) return g(() => fc.constantFrom(...type.getValues().map((v) => v.name)));
  switch (getNamedType(type).name) {
    case 'Int':
      return g(() => fc.oneof(fc.integer({ min: -2, max: 120 }), fc.integer(), fc.constantFrom(2 ** 31, 1.5, -0)));
    case 'Boolean':
      return g(() => fc.boolean());
    case 'Date':
      return g(() => fc.constantFrom('2026-03-16', '2026-02-30', '16-03-2026'));
    case 'DateTime':
      return g(() => fc.constantFrom('2026-03-16T08:00:00Z', '2026-03-16', 'soon'));
    default:
      return text(g);
  }
}

/** A GraphQL literal for a value (JSON is close enough: object keys lose their quotes). */
function literal(value: unknown): string {
  if (value instanceof Deep) return value.write(JSON.stringify(value.leaf), false);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${key}: ${literal(item)}`)
      .join(', ')} }`;
  return JSON.stringify(value) ?? 'null';
}

/** Arguments: each maybe given, as a literal or as a variable declared on the operation. */
function argumentsFor(g: Gen, args: readonly GraphQLArgument[], variables: Map<string, { type: string; value: unknown }>): string {
  const given: string[] = [];
  for (const arg of args) {
    if (!isNonNullType(arg.type) && !g(() => fc.boolean())) continue;
    const v = value(g, arg.type);
    if (g(() => fc.boolean())) {
      const name = `v${variables.size}`;
      variables.set(name, { type: String(arg.type), value: v });
      given.push(`${arg.name}: $${name}`);
    } else {
      given.push(`${arg.name}: ${isEnumType(getNamedType(arg.type)) && typeof v === 'string' && /^[A-Z_]+$/.test(v) ? v : literal(v)}`);
    }
  }
  return given.length > 0 ? `(${given.join(', ')})` : '';
}

/** A selection set on a type, a few fields wide and up to `depth` deep. */
function selection(g: Gen, type: GraphQLNamedType, depth: number, variables: Map<string, { type: string; value: unknown }>): string {
  if (isUnionType(type) || isInterfaceType(type)) {
    const possible = schema.getPossibleTypes(type);
    const on = possible[g(() => fc.nat({ max: possible.length - 1 }))]!;
    return `__typename ... on ${on.name} { ${selection(g, on, depth, variables)} }`;
  }
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  const fields = Object.values(type.getFields()) as Array<GraphQLField<unknown, unknown>>;
  const width = g(() => fc.integer({ min: 1, max: 3 }));
  const parts: string[] = [];
  for (let i = 0; i < width; i++) {
    const field = fields[g(() => fc.nat({ max: fields.length - 1 }))]!;
    const named = getNamedType(field.type);
    const alias = g(() => fc.integer({ min: 0, max: 9 })) === 0 ? `a${i}: ` : '';
    const args = argumentsFor(g, field.args, variables);
    if (isLeafType(named)) parts.push(`${alias}${field.name}${args}`);
    else if (depth <= 0) parts.push(`${alias}${field.name}${args} { __typename }`);
    else parts.push(`${alias}${field.name}${args} { ${selection(g, named, depth - 1, variables)} }`);
  }
  return parts.join(' ');
}

interface Case {
  method: 'POST' | 'GET' | 'RAW';
  token: string;
  query: string;
  variables: Record<string, unknown>;
  raw?: string;
  contentType?: string;
}

function buildCase(g: Gen): Case {
  const variables = new Map<string, { type: string; value: unknown }>();
  const mutation = g(() => fc.integer({ min: 0, max: 4 })) === 0;
  const root = mutation ? schema.getMutationType()! : schema.getQueryType()!;
  const body = selection(g, root, g(() => fc.integer({ min: 0, max: 6 })), variables);
  const declared = [...variables].map(([name, v]) => `$${name}: ${v.type}`);
  let query = `${mutation ? 'mutation' : 'query'} F${declared.length > 0 ? `(${declared.join(', ')})` : ''} { ${body} }`;
  const vars = Object.fromEntries([...variables].map(([name, v]) => [name, v.value]));
  // Hostile edits of the document itself.
  switch (g(() => fc.integer({ min: 0, max: 11 }))) {
    case 0:
      query = query.slice(0, g(() => fc.integer({ min: 0, max: query.length }))); // cut off
      break;
    case 1: {
      const levels = g(() => fc.constantFrom(50, 300, 3000));
      query = `{ pupils(filter: { familyNameStartsWith: ${'['.repeat(levels)}"x"${']'.repeat(levels)} }) { totalCount } }`;
      break;
    }
    case 2:
      query = query.replace('{', `{ ${text(g)} `); // raw control characters or surrogates in the text
      break;
    case 3:
      query = `${query} fragment X on Pupil { ...X id }`; // a fragment cycle
      break;
    case 4:
      query = `{ ${'__typename '.repeat(g(() => fc.constantFrom(10, 3000)))}}`;
      break;
    default:
      break;
  }
  const token = tokens[g(() => fc.nat({ max: tokens.length - 1 }))]!;
  // GET only for documents that fit in a URL: beyond Node's header limit (16 KiB) Node itself answers
  // 431 before the hub sees the request.
  const method = g(() => fc.constantFrom<Case['method']>('POST', 'POST', 'POST', 'POST', 'GET', 'RAW'));
  if (method === 'GET' && percent(query + json(vars)).length > 8_000) return { method: 'POST', token, query, variables: vars };
  if (method !== 'RAW') return { method, token, query, variables: vars };
  const raw = g(() =>
    fc.constantFrom(
      `{"query": ${JSON.stringify(query)}, "variables": ${'['.repeat(3000)}${']'.repeat(3000)}}`,
      `{"query": ${JSON.stringify(query)}, "variables": "nope"}`,
      `{"query": 42}`,
      `{"query": ${JSON.stringify(query)}`,
      `[${JSON.stringify({ query })}]`,
      '\u0000',
      '',
    ),
  );
  const contentType = g(() => fc.constantFrom('application/json', 'application/graphql+json', 'text/plain', 'application/xml', 'application/x-www-form-urlencoded'));
  return { method, token, query, variables: vars, raw, contentType };
}

/** Percent-encoding of the UTF-8 bytes (encodeURIComponent throws on a lone surrogate; UTF-8 has none). */
function percent(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

function send(c: Case) {
  if (c.method === 'GET') {
    return t.request
      .get(`/graphql?query=${percent(c.query)}&variables=${percent(json(c.variables))}`)
      .set('Authorization', `Bearer ${c.token}`)
      .set('Accept', 'application/json');
  }
  if (c.method === 'RAW') return t.request.post('/graphql').set('Authorization', `Bearer ${c.token}`).set('Content-Type', c.contentType!).send(c.raw);
  return t.request
    .post('/graphql')
    .set('Authorization', `Bearer ${c.token}`)
    .set('Content-Type', 'application/json')
    .send(`{"query":${JSON.stringify(c.query)},"variables":${json(c.variables)}}`);
}

it(`answers ${CASES} generated documents without a 500, an internal error or a stack`, { timeout: 120_000 }, async () => {
  const statuses = new Map<string, number>();
  const started = performance.now();
  await fc.assert(
    // One generator per round of ROUND cases (an array of fc.gen() would draw the same values for each).
    fc.asyncProperty(fc.gen(), async (g) => {
      const cases = Array.from({ length: ROUND }, () => buildCase(g));
      const answers = await Promise.all(cases.map(send));
      answers.forEach((answer, i) => {
        const key = `${cases[i]!.method}${cases[i]!.contentType ? ` ${cases[i]!.contentType}` : ""} ${answer.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        const what = `${cases[i]!.method} ${cases[i]!.query.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`;
        expect(answer.status, what).toBeLessThan(500);
        expect(answer.text, what).not.toMatch(/\n\s+at \S|node_modules|\.ts:\d+:\d+|INTERNAL_SERVER_ERROR/);
        // Every refusal is GraphQL-shaped JSON.
        if (answer.status >= 400) expect(Array.isArray(answer.body?.errors) && answer.body.errors.length > 0, what).toBe(true);
      });
    }),
    { numRuns: Math.ceil(CASES / ROUND), seed: Number(process.env.FUZZ_SEED ?? 20261202), endOnFailure: true },
  );
  console.log(`fuzz: ${CASES} cases in ${Math.round(performance.now() - started)} ms, by status ${JSON.stringify(Object.fromEntries(statuses))}`);
  // Still serving.
  expect((await t.gql({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, '{ viewer { role } }')).body.data.viewer.role).toBe('PROFESSIONAL');
});
