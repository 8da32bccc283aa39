// Property tests with fast-check over every mutation's input: whatever the input, the
// answer is either success or a clear refusal (a validation error naming what is wrong, FORBIDDEN,
// CONFLICT), never a 500 or an internal error, and a refusal writes nothing. Inputs are generated
// from the schema itself, so a new mutation or input field is covered without touching this file.
// Text fields get hostile strings: SQL, very long, control characters, invalid UTF-16.
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHubSchema } from '../src/graphql/schema.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const schema: GraphQLSchema = buildHubSchema();
const mutations = Object.values(schema.getMutationType()!.getFields());

let t: TestHub;
let ids: { pupils: string[]; referrals: Array<{ id: string; version: number }>; other: string[] };

beforeAll(async () => {
  t = await startTestHub({ env: { RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_ORGANISATION: '0' } });
  const pupils = await sql<{ id: string }>`SELECT id FROM pupils ORDER BY id LIMIT 5`.execute(t.database.db);
  const referrals = await sql<{ id: string; version: number }>`SELECT id, version FROM referrals ORDER BY id LIMIT 5`.execute(t.database.db);
  const other = await sql<{ id: string }>`SELECT id FROM emergency_accesses UNION ALL SELECT id FROM coordination_transfers LIMIT 5`.execute(t.database.db);
  ids = { pupils: pupils.rows.map((r) => r.id), referrals: referrals.rows, other: other.rows.map((r) => String(r.id)) };
});
afterAll(async () => {
  await t.close();
});

/** Strings an attacker or a buggy client sends. */
const hostileText = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    "'",
    "' OR '1'='1",
    "x'); DROP TABLE referrals; --",
    '$1',
    '\\',
    '%_',
    '\u0000',
    'a\u0000b',
    '\u0007\u001b[2J',
    '\ud800',
    'x\udfff',
    '\ufeff\u202e',
    '😀'.repeat(3),
    'x'.repeat(2001),
    'y'.repeat(5001),
    'z'.repeat(20_000),
    '2026-03-16',
    '2026-02-30',
    '123456789',
    '00000000-0000-0000-0000-000000000000',
    'smw-den-haag',
    'lz-den-haag',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }), // any UTF-16 code unit, lone surrogates included
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

function idText(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ids.pupils, ...ids.referrals.map((r) => r.id), ...ids.other, 'smw-den-haag', 'cjg-den-haag') },
    { weight: 2, arbitrary: hostileText },
  );
}

/** An arbitrary value for an input type: mostly plausible, often hostile, sometimes of the wrong type. */
function valueFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return fc.oneof({ weight: 9, arbitrary: valueFor(type.ofType, depth) }, { weight: 1, arbitrary: fc.constant(null) });
  const nullable = (arbitrary: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: fc.constant(null) });
  if (isListType(type)) return nullable(fc.array(valueFor(type.ofType, depth + 1), { maxLength: 4 }));
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant(null);
    const fields = Object.values(type.getFields());
    return nullable(fc.record(Object.fromEntries(fields.map((field) => [field.name, valueFor(field.type, depth + 1)])), { requiredKeys: [] }));
  }
  if (isEnumType(type)) return nullable(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) }, { weight: 1, arbitrary: hostileText }));
  switch (getNamedType(type).name) {
    case 'ID':
      return nullable(idText());
    case 'Int':
      return nullable(
        fc.oneof(
          fc.constantFrom(...ids.referrals.map((r) => r.version), 0, -1, 1, 2, 24, 25, 2 ** 31 - 1),
          fc.integer(),
          fc.constantFrom(1.5, 2 ** 31, '1' as unknown as number),
        ),
      );
    case 'Boolean':
      return nullable(fc.oneof(fc.boolean(), fc.constantFrom('true' as unknown as boolean, 0 as unknown as boolean)));
    case 'Date':
      return nullable(fc.oneof(fc.constantFrom('2026-03-16', '2026-09-16', '2025-01-01', '2026-02-30', '16-03-2026'), hostileText));
    case 'DateTime':
      return nullable(fc.oneof(fc.constantFrom('2026-03-16T08:00:00Z', '2026-03-16T08:00:00', 'x'.repeat(100)), hostileText));
    default:
      return nullable(hostileText);
  }
}

/** Everything the mutations write: a refusal must leave all of it as it was. */
async function writes() {
  const result = await sql<Record<string, string>>`
    SELECT (SELECT count(*) FROM referrals)::text AS referrals,
           (SELECT coalesce(sum(version), 0) FROM referrals)::text AS versions,
           (SELECT count(*) FROM referral_events)::text AS events,
           (SELECT count(*) FROM notes)::text AS notes,
           (SELECT count(*) FROM emergency_accesses)::text AS emergency,
           (SELECT count(*) FROM emergency_accesses WHERE reviewed_at IS NOT NULL)::text AS reviewed,
           (SELECT count(*) FROM coordination_transfers)::text AS transfers,
           (SELECT count(*) FROM coordination_transfers WHERE decided_at IS NOT NULL)::text AS decided,
           (SELECT count(*) FROM pupil_coordination)::text AS coordination,
           (SELECT count(*) FROM out_of_view_cases)::text AS cases,
           (SELECT coalesce(sum(version), 0) FROM out_of_view_cases)::text AS case_versions,
           (SELECT count(*) FROM out_of_view_reports)::text AS reports,
           (SELECT count(*) FROM contact_attempts)::text AS attempts`.execute(t.database.db);
  return result.rows[0];
}

const REFUSALS = new Set(['BAD_USER_INPUT', 'FORBIDDEN', 'CONFLICT', 'GRAPHQL_VALIDATION_FAILED']);

describe.each(mutations.map((m) => [m.name, m] as const))('%s', (name, mutation) => {
  it('answers any input with success or a clear refusal, and a refusal writes nothing', async () => {
    const input = mutation.args.find((arg) => arg.name === 'input');
    expect(input, `${name} takes an input argument`).toBeDefined();
    const actor = /review|AccessLog|Inzage/i.test(name)
      ? ({ org: 'lz-den-haag', role: 'PRIVACY_OFFICER' } as const)
      : ({ org: 'lz-den-haag', role: 'PROFESSIONAL' } as const);
    const query = `mutation M($input: ${String(input!.type)}) { ${name}(input: $input) { __typename } }`;
    let successes = 0; // how often a generated input was valid enough to succeed (for the curious: see the log)
    await fc.assert(
      fc.asyncProperty(valueFor(input!.type), async (value) => {
        const before = await writes();
        const response = await t.gql(actor, query, { input: value });
        expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
        const errors: Array<{ message: string; extensions?: { code?: string } }> = response.body.errors ?? [];
        if (errors.length === 0) {
          expect(response.body.data[name]).not.toBeNull();
          successes += 1;
          return;
        }
        for (const error of errors) {
          // Variable coercion errors (a wrong type, a missing field) are 400 without a code.
          const code = error.extensions?.code ?? (response.status === 400 ? 'GRAPHQL_VALIDATION_FAILED' : 'none');
          expect(REFUSALS.has(code), `${code}: ${error.message}`).toBe(true);
          expect(error.message).not.toMatch(/Unexpected|internal|syntax error at|relation "|violates|invalid byte sequence/i);
        }
        expect(await writes()).toEqual(before);
      }),
      { numRuns: RUNS, seed: 20260316, endOnFailure: true },
    );
  });
});
