// npm run bench:outreach [-- <pupils> <cases>]   (default 84000 pupils, 10000 cases)
// The out-of-view overview and case list at region scale: a region-scale data set with <cases> cases
// of pupils out of view (every step of the rule table, closed and open), then the coordinator's
// overview (per school, per municipality) and the first page of overdue cases, each timed over
// several runs on PGlite, against the baseline of the same count query without the row filters.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import supertest from 'supertest';
import { signDevToken } from '../src/auth/dev-token.ts';
import { loadConfig } from '../src/config.ts';
import { openPGlite } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { seedDemoRegion } from '../src/demo/region.ts';
import { seedScaleRegion } from '../src/demo/scale.ts';
import { assembleHub } from '../src/hub.ts';
import { createLogger } from '../src/logging.ts';

const pupils = Number(process.argv[2] ?? 84_000);
const cases = Number(process.argv[3] ?? 10_000);
const now = new Date('2026-03-16T09:00:00Z');
const database = await openPGlite({});
await migrate(database);
await seedDemoRegion(database);
await seedScaleRegion(database, { pupils, schools: Math.max(5, Math.round(pupils / 272)) });
const candidates = await database.db.selectFrom('pupils').select(['id', 'school_id', 'municipality_code']).where('school_id', 'is not', null).where('id', 'not in', (eb) => eb.selectFrom('out_of_view_cases').select('pupil_id')).orderBy('id').limit(cases).execute();
const offices = new Map((await database.db.selectFrom('organisations').select(['id', 'municipality_code']).where('kind', '=', 'LEERLINGZAKEN').execute()).map((o) => [o.municipality_code, o.id]));
const steps = ['PHONE', 'LETTER', 'DOOR_VISIT', 'NOTE_LEFT', 'CLOSE_CASE', 'REFER_TO_PARTNER'];
const rows = candidates
  .filter((pupil) => offices.has(pupil.municipality_code))
  .map((pupil, i) => {
    const open = i % 3 !== 0;
    const opened = new Date(now.getTime() - (1 + (i % 20)) * 86_400_000);
    return {
      id: randomUUID(),
      pupil_id: pupil.id,
      leerlingzaken_org_id: offices.get(pupil.municipality_code)!,
      reporting_school_id: pupil.school_id!,
      urgent: i % 11 === 0,
      urgent_since: i % 11 === 0 ? opened : null,
      status: open ? 'OPEN' : 'CLOSED',
      opened_at: opened,
      next_step: open ? steps[i % steps.length]! : null,
      next_step_rule: open ? 'first-call' : null,
      next_step_due_at: open ? new Date(opened.getTime() + (i % 7) * 86_400_000) : null,
      closed_at: open ? null : new Date(opened.getTime() + 86_400_000),
      outcome: open ? null : 'REACHED',
      version: 1,
      updated_at: opened,
    };
  });
for (let i = 0; i < rows.length; i += 1000) await database.db.insertInto('out_of_view_cases').values(rows.slice(i, i + 1000) as never).execute();
await sql`ANALYZE`.execute(database.db);

const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_ORGANISATION: '0' });
const hub = assembleHub({ config, database, logger: createLogger('silent'), clock: () => now });
const token = signDevToken({ organisationId: 'lz-den-haag', role: 'COORDINATOR', issuedAt: Math.floor(now.getTime() / 1000) });
const ask = (query: string) => supertest(hub.app).post('/graphql').set('Authorization', `Bearer ${token}`).send({ query });
async function time(name: string, run: () => Promise<unknown>, runs = 5): Promise<number> {
  await run(); // warm
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  process.stdout.write(`${name.padEnd(58)} median ${median.toFixed(0).padStart(6)} ms\n`);
  return median;
}
process.stdout.write(`${pupils} pupils, ${rows.length} cases of pupils out of view (PGlite)\n`);
const baseline = await time('baseline: count cases per school, no row filter (SQL)', () =>
  sql`SELECT reporting_school_id, count(*) FROM out_of_view_cases GROUP BY 1`.execute(database.db),
);
const bySchool = await time('outOfViewOverview(groupBy: SCHOOL), lz-den-haag coordinator', async () => {
  const answer = await ask('{ outOfViewOverview(groupBy: SCHOOL) { rows { reported stillOutOfView overdueNextSteps } total { reported } } }');
  if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
});
await time('outOfViewOverview(groupBy: MUNICIPALITY)', () => ask('{ outOfViewOverview(groupBy: MUNICIPALITY) { rows { reported } } }'));
await time('outOfViewCases(overdue: true), first 25, with pupil and step', () =>
  ask('{ outOfViewCases(first: 25, filter: { assignedToMe: true, overdue: true }) { edges { node { id pupil { displayName } nextStep { action dueAt } } } } }'),
);
process.stdout.write(`ratio overview (policy, access log, HTTP) / baseline count: ${(bySchool / baseline).toFixed(1)}×\n`);
await hub.stop();
await database.close();
