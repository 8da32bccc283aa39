// npm run bench:access-log [-- --requests 2000 --concurrency 32 --records 25]
// The access log's append, measured in-process on an empty migrated database (PGlite, or the
// PostgreSQL database in DATABASE_URL, which must be empty or a throwaway: the bench migrates it).
//
// 1. Append throughput and round trips per request:
//    - before: each request appends its own records in a transaction of its own, on one head row
//      (begin, head FOR UPDATE, insert, head update, commit: the append as it was before chains and
//      group commit; simulated here against chain 1 with the same hashing);
//    - after: AccessLog.append (group commit: one access_log_append statement per group of
//      concurrent requests, on the writer's own chain).
// 2. Two writers on one database (PostgreSQL only: PGlite has one session): two connection pools,
//    each with its own AccessLog (own chain), appending at once, while a third connection samples
//    pg_locks for waiting locks; then the same two pools appending the old way, on one head.
// Results are printed as JSON and a Markdown table (and written to bench/results/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { AccessLog, DEV_PSEUDONYM_KEY, DEV_SIGNING_KEY_FILE, loadSigningKey, type LogRecordInput } from '../src/audit/chain.ts';
import { connectPostgres, openPGlite, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Tables } from '../src/db/tables.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '32' },
    records: { type: 'string', default: '25' },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const RECORDS = Number(values.records);
const url = process.env.DATABASE_URL;

const signingKey = loadSigningKey(DEV_SIGNING_KEY_FILE);
const newLog = () => new AccessLog({ pseudonymKey: DEV_PSEUDONYM_KEY, signingKey, checkpointEvery: 1000, checkpointMinutes: 15, signals: { pupilsPerHour: 50, refusalsPerHour: 10 } });

/** A list request's records: one per pupil on the page. */
function requestRecords(request: number, writer: string): LogRecordInput[] {
  const occurredAt = new Date();
  return Array.from({ length: RECORDS }, (_, i) => ({
    occurredAt,
    traceId: request.toString(16).padStart(32, '0'),
    spanId: request.toString(16).padStart(16, '0'),
    requestId: `bench-${writer}-${request}`,
    action: 'READ',
    outcome: 'GRANTED',
    actorSubject: `bench-${request % 7}@lz-den-haag`,
    actorOrgId: 'lz-den-haag',
    actorRole: 'PROFESSIONAL',
    onBehalfOf: null,
    purpose: null,
    activityId: 'leerplicht-verzuim',
    activityVersion: 1,
    pupilId: `00000000-0000-4000-8000-${(request * RECORDS + i).toString(16).padStart(12, '0')}`,
    categories: ['IDENTITY', 'SCHOOLING'],
    fields: ['Pupil.displayName', 'Pupil.grade'],
    operationName: 'SchoolPupils',
    clientAddress: '10.0.0.1',
    emergency: false,
  }));
}

/** The append before chains and group commit: a transaction per request on one head row (chain 1). */
async function appendOldWay(db: Kysely<Tables>, log: AccessLog, records: LogRecordInput[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const head = await trx.selectFrom('access_log_chains').selectAll().where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
    // The same rows the log builds today (chainOnto): what differs is the round trips and the lock.
    const { rows } = log.chainOnto({ ...head, seq: Number(head.seq) }, records);
    const last = rows.at(-1)!;
    await trx.insertInto('access_log_records').values(rows).execute();
    await trx.updateTable('access_log_chains').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
  });
}

/** Runs `requests` appends with `concurrency` in flight; returns seconds and the statements issued. */
async function run(database: Database, requests: number, concurrency: number, append: (request: number) => Promise<void>) {
  const queriesBefore = database.stats.queries;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) await append(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, statements: database.stats.queries - queriesBefore };
}

async function sampleWaits(database: Database, until: Promise<unknown>) {
  let samples = 0;
  let waiting = 0;
  let maxWaiting = 0;
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple', 'relation')`.execute(database.db);
    const n = Number(rows[0]?.n ?? 0);
    samples++;
    if (n > 0) waiting++;
    maxWaiting = Math.max(maxWaiting, n);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return { samples, samplesWithAWaitingLock: waiting, share: samples ? Math.round((waiting / samples) * 1000) / 10 : 0, maxWaiting };
}

const open = async (): Promise<Database> => (url ? connectPostgres({ connectionString: url, maxConnections: 10 }) : openPGlite());
const database = await open();
await migrate(database);
await sql`SELECT ensure_access_log_partition(${new Date().toISOString().slice(0, 10)}::date)`.execute(database.db);
const result: Record<string, unknown> = { engine: database.engine, requests: REQUESTS, concurrency: CONCURRENCY, recordsPerRequest: RECORDS, at: new Date().toISOString() };

// Warm-up (partitions, plans, JIT).
const warm = newLog();
await run(database, 50, 8, (i) => warm.append(database.db, requestRecords(i, 'warm')));
await run(database, 50, 8, (i) => appendOldWay(database.db, warm, requestRecords(i, 'warm-old')));

const before = await run(database, REQUESTS, CONCURRENCY, (i) => appendOldWay(database.db, warm, requestRecords(i, 'old')));
const log = newLog();
let appends = 0;
log.observe = () => appends++;
const after = await run(database, REQUESTS, CONCURRENCY, (i) => log.append(database.db, requestRecords(i, 'new')));
const summarise = (run: { seconds: number; statements: number }, groups: number) => ({
  requestsPerSecond: Math.round(REQUESTS / run.seconds),
  recordsPerSecond: Math.round((REQUESTS * RECORDS) / run.seconds),
  statementsPerRequest: Math.round((run.statements / REQUESTS) * 100) / 100,
  appendsPerRequest: Math.round((groups / REQUESTS) * 100) / 100,
});
result.before = summarise(before, REQUESTS);
result.after = { ...summarise(after, appends), recordsPerAppend: Math.round((REQUESTS * RECORDS) / appends) };

if (database.engine === 'postgres') {
  const [a, b, observer] = [await open(), await open(), await open()];
  const [logA, logB] = [newLog(), newLog()];
  const both = Promise.all([
    run(a, REQUESTS, CONCURRENCY, (i) => logA.append(a.db, requestRecords(i, 'writer-a'))),
    run(b, REQUESTS, CONCURRENCY, (i) => logB.append(b.db, requestRecords(i, 'writer-b'))),
  ]);
  const started = performance.now();
  const waits = await sampleWaits(observer, both);
  const seconds = (performance.now() - started) / 1000;
  const bothOld = Promise.all([
    run(a, REQUESTS, CONCURRENCY, (i) => appendOldWay(a.db, logA, requestRecords(i, 'old-a'))),
    run(b, REQUESTS, CONCURRENCY, (i) => appendOldWay(b.db, logB, requestRecords(i, 'old-b'))),
  ]);
  const startedOld = performance.now();
  const waitsOld = await sampleWaits(observer, bothOld);
  const secondsOld = (performance.now() - startedOld) / 1000;
  result.twoWriters = {
    chains: [logA.chainId, logB.chainId],
    ownChains: { recordsPerSecond: Math.round((2 * REQUESTS * RECORDS) / seconds), lockWaits: waits },
    oneHead: { recordsPerSecond: Math.round((2 * REQUESTS * RECORDS) / secondsOld), lockWaits: waitsOld },
  };
  await Promise.all([a.close(), b.close(), observer.close()]);
}
await database.close();

process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
const r = result as any;
const lines = [
  `| ${r.engine}, ${REQUESTS} requests × ${RECORDS} records, ${CONCURRENCY} in flight | records/s | requests/s | statements per request |`,
  '|---|--:|--:|--:|',
  `| before: a transaction per request on one head | ${r.before.recordsPerSecond} | ${r.before.requestsPerSecond} | ${r.before.statementsPerRequest} |`,
  `| after: group commit, one statement per group (${r.after.recordsPerAppend} records per append) | ${r.after.recordsPerSecond} | ${r.after.requestsPerSecond} | ${r.after.statementsPerRequest} |`,
];
if (r.twoWriters)
  lines.push(
    `| two writers, own chains (waiting locks in ${r.twoWriters.ownChains.lockWaits.share}% of ${r.twoWriters.ownChains.lockWaits.samples} samples) | ${r.twoWriters.ownChains.recordsPerSecond} | | |`,
    `| two writers, one head, the old way (waiting locks in ${r.twoWriters.oneHead.lockWaits.share}% of ${r.twoWriters.oneHead.lockWaits.samples} samples) | ${r.twoWriters.oneHead.recordsPerSecond} | | |`,
  );
process.stdout.write(`\n${lines.join('\n')}\n`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/access-log-${r.engine}-${r.at.replace(/[:.]/g, '-')}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
