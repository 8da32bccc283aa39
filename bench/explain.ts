// EXPLAIN ANALYZE of the gateway's hot queries at region scale, one line per query with its
// execution time (median of a few runs) and the plan's top node: what the policy SQL costs the
// database, without HTTP or GraphQL around it. Run after `npm run seed -- --pupils 84000 --schools 309`
// and ANALYZE:  DATABASE_URL=… npx tsx bench/explain.ts [--plans]
import { parseArgs } from 'node:util';
import { CompiledQuery, sql, type Compilable } from 'kysely';
import type { Actor } from '../src/auth/actor.ts';
import { connectPostgres } from '../src/db/database.ts';
import { DEMO_BASE_TIME } from '../src/demo/region.ts';
import { guardedGateway, referralEventColumns } from '../src/policy/gateway.ts';
import type { OrganisationKind, Role } from '../src/policy/vocabulary.ts';
import { ordinarySchool } from './scenarios.ts';

const { values } = parseArgs({ options: { plans: { type: 'boolean', default: false }, runs: { type: 'string', default: '5' } } });
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL names the seeded PostgreSQL database');
const database = connectPostgres({ connectionString: url, maxConnections: 2, statementTimeoutMs: 60_000 });
const db = database.db;
const now = new Date(new Date(DEMO_BASE_TIME).getTime() + 3600_000);

async function actorOf(org: string, role: Role): Promise<Actor> {
  const row = await db.selectFrom('organisations').select(['kind', 'municipality_code']).where('id', '=', org).executeTakeFirstOrThrow();
  return {
    subject: `explain@${org}`,
    issuer: 'explain',
    organisationId: org,
    organisationKind: row.kind as OrganisationKind,
    municipalityCode: row.municipality_code,
    role,
    purpose: null,
    onBehalfOf: null,
  };
}

const largestSchool = await db
  .selectFrom('pupils')
  .select('school_id')
  .where('school_id', 'is not', null)
  .groupBy('school_id')
  .orderBy(sql`count(*)`, 'desc')
  .limit(1)
  .executeTakeFirstOrThrow();
const smallSchool = await ordinarySchool(db);
const school = await actorOf(smallSchool.school_id!, 'PROFESSIONAL');
const bigSchool = await actorOf(largestSchool.school_id!, 'PROFESSIONAL');
const partner = await actorOf('smw-den-haag', 'PROFESSIONAL');
const officer = await actorOf('lz-den-haag', 'PROFESSIONAL');
const samplePupils = (await db.selectFrom('referrals').select('pupil_id').where('receiver_org_id', '=', 'smw-den-haag').orderBy('id').limit(25).execute()).map((r) => r.pupil_id);
const sampleReferrals = (await db.selectFrom('referrals').select('id').where('receiver_org_id', '=', 'smw-den-haag').orderBy('id').limit(25).execute()).map((r) => r.id);

const cases: Array<[string, Compilable]> = [];
for (const [name, actor] of [
  [`school (${smallSchool.school_id})`, school],
  [`large school (${largestSchool.school_id})`, bigSchool],
  ['partner (smw-den-haag)', partner],
  ['Leerlingzaken (lz-den-haag)', officer],
] as const) {
  const data = guardedGateway(db, actor, now);
  cases.push([`${name}: first 26 pupils by id`, data.pupils().selectAll('pupils').orderBy('pupils.id').limit(26)]);
  cases.push([`${name}: count of pupils`, data.pupils().select(sql`count(*)`.as('n'))]);
  cases.push([`${name}: 25 pupils by id (loader)`, data.pupils([], samplePupils).selectAll('pupils')]);
  cases.push([`${name}: first 26 referrals by id`, data.referrals().selectAll('referrals').orderBy('referrals.id').limit(26)]);
  cases.push([
    `${name}: first 26 open received referrals`,
    data
      .referrals()
      .selectAll('referrals')
      .where('referrals.receiver_org_id', '=', actor.organisationId)
      .where('referrals.status', 'in', ['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'])
      .orderBy('referrals.id')
      .limit(26),
  ]);
  cases.push([`${name}: events of 25 referrals (loader)`, data.referralEvents().select(referralEventColumns(actor)).where('referral_events.referral_id', 'in', sampleReferrals).where('referrals.id', 'in', sampleReferrals)]);
}

for (const [name, query] of cases) {
  const compiled = query.compile();
  const times: number[] = [];
  let plan: string[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const result = await db.executeQuery<Record<string, string>>(CompiledQuery.raw(`EXPLAIN (ANALYZE, FORMAT TEXT) ${compiled.sql}`, [...compiled.parameters]));
    plan = result.rows.map((row) => row['QUERY PLAN']!);
    const line = plan.find((l) => l.startsWith('Execution Time'));
    times.push(Number(line?.match(/([0-9.]+) ms/)?.[1] ?? NaN));
  }
  times.sort((a, b) => a - b);
  process.stdout.write(`${times[Math.floor(times.length / 2)]!.toFixed(2).padStart(9)} ms  ${name}  [${plan[0]!.trim().split('  (')[0]}]\n`);
  if (values.plans) process.stdout.write(`${plan.map((l) => `      ${l}`).join('\n')}\n`);
}
await database.close();
