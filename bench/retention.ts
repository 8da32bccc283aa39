// npm run bench:retention [-- <pupils>]   (default 5000)
// Retention at volume: <pupils> pupils, each with a closed case and a closed referral past their
// period, deleted by `runRetention` (planning, batches of 100 pupils per transaction, a DELETE
// record per pupil in the hash-chained access log, the pupil forgotten in the log) against the
// baseline of one plain cascading DELETE of the same pupils, both on fresh PGlite databases in this
// process. Prints both times and the ratio.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { openPGlite, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { seedDemoRegion } from '../src/demo/region.ts';
import { createAccessLog } from '../src/hub.ts';
import { runRetention } from '../src/retention/engine.ts';

const pupils = Number(process.argv[2] ?? 5000);
if (!Number.isInteger(pupils) || pupils < 1) throw new Error('usage: npm run bench:retention -- <pupils>');
const closed = new Date('2019-01-10T10:00:00Z');
const now = new Date('2026-11-28T00:00:00Z');

async function prepared(): Promise<{ database: Database; ids: string[] }> {
  const database = await openPGlite({});
  await migrate(database);
  await seedDemoRegion(database);
  const ids: string[] = [];
  const rows = { pupils: [] as object[], cases: [] as object[], referrals: [] as object[] };
  for (let i = 0; i < pupils; i++) {
    const id = randomUUID();
    ids.push(id);
    rows.pupils.push({ id, given_name: 'Bench', family_name: `Pupil${i}`, date_of_birth: '2010-01-01', municipality_code: 'GM0518', letter_language: 'nl', school_id: 'school-dalton-laak', created_at: closed, updated_at: closed });
    rows.cases.push({ id: randomUUID(), pupil_id: id, leerlingzaken_org_id: 'lz-den-haag', reporting_school_id: 'school-dalton-laak', urgent: false, status: 'CLOSED', opened_at: closed, closed_at: closed, outcome: 'REACHED', version: 2, updated_at: closed });
    rows.referrals.push({ id: randomUUID(), pupil_id: id, sender_org_id: 'lz-den-haag', receiver_org_id: 'smw-den-haag', status: 'COMPLETED', urgency: 'NORMAL', reason: 'bench', shared_categories: ['IDENTITY'], legal_basis: 'JEUGDWET', closed_at: closed, created_at: closed, updated_at: closed, version: 3 });
  }
  for (let i = 0; i < pupils; i += 500) {
    await database.db.insertInto('pupils').values(rows.pupils.slice(i, i + 500) as never).execute();
    await database.db.insertInto('out_of_view_cases').values(rows.cases.slice(i, i + 500) as never).execute();
    await database.db.insertInto('referrals').values(rows.referrals.slice(i, i + 500) as never).execute();
  }
  return { database, ids };
}

const baselineDb = await prepared();
let started = performance.now();
await sql`DELETE FROM pupils WHERE id = any(cast(${baselineDb.ids} as uuid[]))`.execute(baselineDb.database.db);
const baselineMs = performance.now() - started;
await baselineDb.database.close();

const retentionDb = await prepared();
const accessLog = createAccessLog(loadConfig({ NODE_ENV: 'test' }));
started = performance.now();
const dry = await runRetention({ db: retentionDb.database.db, accessLog, now, dryRun: true });
const dryMs = performance.now() - started;
started = performance.now();
const report = await runRetention({ db: retentionDb.database.db, accessLog, now });
const runMs = performance.now() - started;
await retentionDb.database.close();

const line = (name: string, ms: number) => `${name.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms`;
process.stdout.write(
  [
    `retention of ${pupils} pupil files (a closed case and a closed referral each), PGlite`,
    line('baseline: one cascading DELETE', baselineMs),
    line(`retention --dry-run (${dry.items.length} items planned)`, dryMs),
    line(`retention (${report.transactions} transactions, ${report.deleted.pupils} files)`, runMs),
    `ratio retention / baseline: ${(runMs / baselineMs).toFixed(1)}×`,
    '',
  ].join('\n'),
);
