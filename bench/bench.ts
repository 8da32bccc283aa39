// The price of privacy, measured at region scale against an unguarded baseline in the
// same run. Two hubs share one database in this process: the guarded hub as it runs in production
// (policy, row filters, field guard, access log), and the same hub built with the baseline gateway of bench/baseline.ts
// (none of those; refused in production). autocannon drives both over loopback from a worker
// thread, scenario by scenario, baseline and guarded back to back.
import { createServer, type Server } from 'node:http';
import { unguardedGateway } from './baseline.ts';
import type { AddressInfo } from 'node:net';
import { cpus, freemem, platform, release, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { createSchema, createYoga } from 'graphql-yoga';
import { sql, type Kysely } from 'kysely';
import { signDevToken } from '../src/auth/dev-token.ts';
import { loadConfig } from '../src/config.ts';
import type { Database } from '../src/db/database.ts';
import type { Tables } from '../src/db/tables.ts';
import { DEMO_BASE_TIME } from '../src/demo/region.ts';
import type { Hub } from '../src/http/app.ts';
import { assembleHub, canUseRole } from '../src/hub.ts';
import { createLogger } from '../src/logging.ts';
import { benchDatabase, ensureDataset, type DatasetSpec, type DatasetSummary } from './dataset.ts';
import { buildScenarios, openReferralsBody, PARTNER, PRIVACY_OFFICER, typenameBody, type As, type Scenario } from './scenarios.ts';

export type Mode = 'smoke' | 'quick' | 'standard' | 'full';

export const REGION: Omit<DatasetSpec, 'logRecords'> = { pupils: 84_000, schools: 309 };

export const MODES: Record<Mode, { spec: DatasetSpec; warmupSeconds: number; seconds: number; variety: number; timingRuns: number; requests?: number }> = {
  // Smoke proves the benchmark works, not how fast: a fixed number of requests per run, so a busy
  // machine cannot leave a run without a finished request.
  smoke: { spec: { pupils: 300, schools: 5, logRecords: 2_000 }, warmupSeconds: 0.5, seconds: 1, variety: 10, timingRuns: 3, requests: 20 },
  quick: { spec: { ...REGION, logRecords: 2_000_000 }, warmupSeconds: 1.5, seconds: 5, variety: 50, timingRuns: 20 },
  standard: { spec: { ...REGION, logRecords: 2_000_000 }, warmupSeconds: 3, seconds: 10, variety: 50, timingRuns: 30 },
  full: { spec: { ...REGION, logRecords: 10_000_000 }, warmupSeconds: 3, seconds: 10, variety: 50, timingRuns: 30 },
};

export const CONNECTIONS = 10;
/** The demo data's "now": deadlines, consents and retention as of the data set. */
const BENCH_NOW = new Date(new Date(DEMO_BASE_TIME).getTime() + 3600_000);
const APP_ROLE = 'ketenhub_app';

export const TARGETS = {
  p50Ratio: 1.25,
  throughputRatio: 0.8,
  partnerListP99PostgresMs: 50,
  logByPupilMsAt10M: 20,
  /** `{ __typename }` with a token on the guarded hub ÷ a bare graphql-yoga server answering the same. */
  floorRatio: 0.8,
};

/** The floor's reference: a bare graphql-yoga server (no auth, no plugins, no database), one type. */
function bareYoga(): Server {
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } }),
    graphqlEndpoint: '/graphql',
    logging: false,
    landingPage: false,
    graphiql: false,
  });
  return createServer(yoga);
}

export interface RunStats {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  mismatches: number;
}

export interface ScenarioRow {
  id: string;
  title: string;
  kind: Scenario['kind'];
  baseline?: RunStats;
  guarded?: RunStats;
  /** guarded / baseline */
  throughputRatio?: number;
  p50Ratio?: number;
  /** The floor scenario: a bare graphql-yoga server answering the same request, and guarded ÷ bare. */
  bare?: RunStats;
  bareThroughputRatio?: number;
  bareP50Ratio?: number;
  note?: string;
}

export interface BenchResult {
  mode: Mode;
  startedAt: string;
  machine: { cpu: string; cores: number; memoryGiB: number; freeMemoryGiB: number; node: string; platform: string };
  engine: 'pglite' | 'postgres';
  database: string;
  dataset: DatasetSummary;
  connections: number;
  secondsPerRun: number;
  warmupSeconds: number;
  scenarios: ScenarioRow[];
  sqlStatementsPerRequest: Record<'guarded' | 'baseline', Record<string, number>>;
  accessLogQueries: AccessLogTiming[];
  peakRssMiB: { overall: number; underLoad: number };
  targets: TargetCheck[];
  notes: string[];
  table: string;
  file?: string;
}

export interface AccessLogTiming {
  query: string;
  graphqlMedianMs: number;
  graphqlP95Ms: number;
  sqlMedianMs: number;
  sqlP95Ms: number;
  rowsMatched: number;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchOptions {
  mode: Mode;
  /** PostgreSQL server (the bench makes its own database there); without: PGlite. */
  databaseUrl?: string;
  /** Directory for the JSON result; undefined: do not write one. */
  resultsDir?: string;
  log?: (line: string) => void;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => quantile(values, 0.5);
function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function token(as: As): string {
  return signDevToken({
    organisationId: as.org,
    role: as.role,
    ...(as.subject ? { subject: as.subject } : {}),
    issuedAt: Math.floor(BENCH_NOW.getTime() / 1000),
    lifetimeSeconds: 11 * 3600,
  });
}

const headersFor = (as: As) => ({ 'content-type': 'application/json', authorization: `Bearer ${token(as)}` });

const helper = (name: string) => resolve(new URL('.', import.meta.url).pathname, 'autocannon', name);

function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolvePromise, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolvePromise(result)));
  });
}

function stats(result: autocannon.Result): RunStats {
  return {
    requestsPerSecond: round(result.requests.total / (result.duration || 1), 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    mismatches: (result as autocannon.Result & { mismatches?: number }).mismatches ?? 0,
  };
}

interface Running {
  hub: Hub;
  server: Server;
  url: string;
}

async function listen(hub: Hub): Promise<Running> {
  const server = createServer(hub.app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { hub, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

async function stop(running: Running): Promise<void> {
  running.server.closeAllConnections();
  await new Promise((done) => running.server.close(done));
}

async function post(url: string, as: As, payload: string): Promise<{ status: number; json: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } }> {
  const response = await fetch(url, { method: 'POST', headers: headersFor(as), body: payload });
  return { status: response.status, json: (await response.json()) as never };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const mode = MODES[options.mode];
  const startedAt = new Date();
  const notes: string[] = [];
  const place = await benchDatabase(mode.spec, { ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), throwaway: options.mode === 'smoke' });
  log(`ketenhub bench (${options.mode}) on ${place.engine}: ${place.location}`);
  let owner: Database | undefined;
  let appDatabase: Database | undefined;
  const running: Running[] = [];
  let peakRss = 0;
  let peakUnderLoad = 0;
  let underLoad = false;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    if (underLoad) peakUnderLoad = Math.max(peakUnderLoad, rss);
  }, 100);
  sampler.unref();
  try {
    owner = await place.open();
    const dataset = await ensureDataset(owner, mode.spec, (message) => log(`  ${message}`));
    log(
      `data set ${dataset.reused ? 'reused' : `generated in ${dataset.generatedSeconds} s`}: ${dataset.pupils} pupils, ${dataset.schools} schools, ` +
        `${dataset.referrals} referrals, ${dataset.referralEvents} events, ${dataset.notes} notes, ${dataset.accessLogRecords} access-log records in ${dataset.accessLogPartitions} partitions`,
    );
    // Fresh planner statistics: PGlite runs no autovacuum, and a bulk load leaves none behind
    // (without them the log queries took seconds on PGlite instead of milliseconds).
    const analyzed = performance.now();
    // Without the connection's statement timeout: on a busy machine ANALYZE of the 2 million
    // access-log records can take longer than a request may.
    await owner.db.transaction().execute(async (trx) => {
      if (place.engine === 'postgres') await sql`SET LOCAL statement_timeout = 0`.execute(trx);
      await sql`ANALYZE`.execute(trx);
    });
    log(`ANALYZE: ${Math.round(performance.now() - analyzed)} ms`);

    // The hubs work as the application role, as in production (only INSERT/SELECT on the log).
    if (place.engine === 'pglite') {
      if (await canUseRole(owner, APP_ROLE)) await owner.execScript(`SET ROLE ${APP_ROLE}`);
      appDatabase = owner;
    } else {
      appDatabase = (await canUseRole(owner, APP_ROLE)) ? await place.open(APP_ROLE) : owner;
    }
    const database = appDatabase;
    const config = loadConfig({
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SUBJECT: '0',
      RATE_LIMIT_PER_ORGANISATION: '0',
      EXPIRY_JOB_INTERVAL_SECONDS: '0',
    });
    const logger = createLogger(config.LOG_LEVEL);
    const clock = () => BENCH_NOW;
    const guarded = await listen(assembleHub({ config, database, logger, clock }));
    const baseline = await listen(assembleHub({ config, database, logger, clock, baseline: { gateway: unguardedGateway } }));
    running.push(guarded, baseline);
    const bareServer = bareYoga();
    bareServer.keepAliveTimeout = 60_000;
    await new Promise<void>((done) => bareServer.listen(0, '127.0.0.1', done));
    const bare: Running = { hub: undefined as never, server: bareServer, url: `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/graphql` };
    running.push(bare);
    {
      const answer = await post(bare.url, PARTNER, typenameBody());
      if (answer.status !== 200 || !answer.json.data) throw new Error(`bare graphql-yoga: ${answer.status} ${JSON.stringify(answer.json).slice(0, 200)}`);
    }

    const scenarios = await buildScenarios(owner.db, mode.variety);
    const rows: ScenarioRow[] = [];

    // Sanity first: every request of every read scenario answers with data on both hubs.
    for (const scenario of scenarios) {
      if (scenario.kind !== 'read') continue;
      if (scenario.bodies.length === 0) throw new Error(`${scenario.id}: the data set gave no requests`);
      for (const target of [guarded, baseline]) {
        const answer = await post(target.url, scenario.as, scenario.bodies[0]!);
        if (answer.status !== 200 || !answer.json.data)
          throw new Error(`${scenario.id} on the ${target === guarded ? 'guarded' : 'baseline'} hub: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`);
      }
    }

    const drive = async (target: Running, scenario: Scenario, seconds: number) => {
      if (scenario.kind === 'read') {
        return cannon({
          url: target.url,
          method: 'POST',
          connections: CONNECTIONS,
          ...(mode.requests ? { amount: mode.requests } : { duration: seconds }),
          workers: 1,
          headers: headersFor(scenario.as),
          requests: scenario.bodies.map((payload) => ({ method: 'POST', body: payload })),
          verifyBody: helper('verify-data.cjs') as never,
        } as autocannon.Options);
      }
      if (scenario.kind === 'write') {
        const requests = scenario.createBodies.flatMap((payload) => [
          { method: 'POST', body: payload, headers: headersFor(scenario.creator), onResponse: helper('remember-created.cjs') },
          { method: 'POST', body: '{}', headers: headersFor(scenario.receiver), setupRequest: helper('accept-created.cjs') },
        ]);
        return cannon({
          url: target.url,
          method: 'POST',
          connections: CONNECTIONS,
          ...(mode.requests ? { amount: mode.requests * 2 } : { duration: seconds }),
          workers: 1,
          requests,
          verifyBody: helper('verify-data.cjs'),
        } as never);
      }
      throw new Error('not a runnable scenario');
    };

    underLoad = true;
    for (const scenario of scenarios) {
      if (scenario.kind === 'skipped') {
        log(`- ${scenario.title}: ${scenario.reason}`);
        rows.push({ id: scenario.id, title: scenario.title, kind: 'skipped', note: scenario.reason });
        continue;
      }
      const row: ScenarioRow = { id: scenario.id, title: scenario.title, kind: scenario.kind };
      if (scenario.kind === 'read' && !scenario.guardedOnly) {
        await drive(baseline, scenario, mode.warmupSeconds);
        row.baseline = stats(await drive(baseline, scenario, mode.seconds));
      }
      if (scenario.id === 'typename-with-token') {
        await drive(bare, scenario, mode.warmupSeconds);
        row.bare = stats(await drive(bare, scenario, mode.seconds));
      }
      await drive(guarded, scenario, mode.warmupSeconds);
      row.guarded = stats(await drive(guarded, scenario, mode.seconds));
      await new Promise((done) => setTimeout(done, 500)); // let the hub finish what it still holds
      if (row.baseline && row.guarded && row.baseline.requests > 0 && row.guarded.requests > 0) {
        row.throughputRatio = round(row.guarded.requestsPerSecond / row.baseline.requestsPerSecond);
        row.p50Ratio = round(row.guarded.p50 / Math.max(row.baseline.p50, 0.01));
      }
      if (row.bare && row.guarded && row.bare.requests > 0 && row.guarded.requests > 0) {
        row.bareThroughputRatio = round(row.guarded.requestsPerSecond / row.bare.requestsPerSecond);
        row.bareP50Ratio = round(row.guarded.p50 / Math.max(row.bare.p50, 0.01));
      }
      if (scenario.kind === 'write') row.note = 'guarded only (no baseline for writes); 2 requests per referral: create, then accept';
      if (scenario.kind === 'read' && scenario.guardedOnly) row.note = 'guarded only (a change: no fair baseline); 100 reports per request';
      const failed = (s?: RunStats) => (s ? s.errors + s.non2xx + s.mismatches : 0);
      if ((row.baseline && row.baseline.requests === 0) || row.guarded.requests === 0) notes.push(`${scenario.id}: a run completed no request`);
      if (failed(row.baseline) + failed(row.guarded) > 0)
        notes.push(`${scenario.id}: failed requests (errors, non-2xx, answers without data): baseline ${failed(row.baseline)}, guarded ${failed(row.guarded)}`);
      log(`- ${scenario.title}: ${describe(row)}`);
      rows.push(row);
    }
    underLoad = false;

    // SQL statements per request, for page sizes 5, 25, 100 of the partner list.
    const sqlStatementsPerRequest: BenchResult['sqlStatementsPerRequest'] = { guarded: {}, baseline: {} };
    // autocannon stops sending at the end of a run, but the hub still finishes what it received:
    // let it drain, and take the least of three tries (nothing else runs, so that is the request's own).
    await new Promise((done) => setTimeout(done, 1500));
    for (const [name, target] of [['guarded', guarded], ['baseline', baseline]] as const) {
      await post(target.url, PARTNER, openReferralsBody(1));
      for (const n of [5, 25, 100]) {
        const tries: number[] = [];
        for (let attempt = 0; attempt < 3; attempt++) {
          const before = database.stats.queries;
          const answer = await post(target.url, PARTNER, openReferralsBody(n));
          if (!answer.json.data) throw new Error(`partner list of ${n} failed: ${JSON.stringify(answer.json).slice(0, 200)}`);
          tries.push(database.stats.queries - before);
        }
        sqlStatementsPerRequest[name][`first: ${n}`] = Math.min(...tries);
      }
    }
    const guardedCounts = Object.values(sqlStatementsPerRequest.guarded);
    if (new Set(guardedCounts).size !== 1) notes.push(`SQL statements per request grow with page size: ${JSON.stringify(sqlStatementsPerRequest.guarded)}`);
    log(`SQL statements per partner-list request (first: 5/25/100): guarded ${guardedCounts.join('/')}, baseline ${Object.values(sqlStatementsPerRequest.baseline).join('/')}`);

    const accessLogQueries = await timeAccessLog(owner.db, guarded.url, scenarios, mode.timingRuns);
    for (const timing of accessLogQueries)
      log(`access log ${timing.query}: GraphQL median ${timing.graphqlMedianMs} ms (p95 ${timing.graphqlP95Ms}), SQL median ${timing.sqlMedianMs} ms (p95 ${timing.sqlP95Ms}), ${timing.rowsMatched} records matched`);

    const peakRssMiB = { overall: Math.round(peakRss / 2 ** 20), underLoad: Math.round(peakUnderLoad / 2 ** 20) };
    const targets = checkTargets(rows, accessLogQueries, place.engine, dataset);
    if (options.mode === 'smoke') notes.push('smoke: a tiny data set and 1-second runs, only to prove the benchmark works; its numbers mean nothing');
    if (options.mode === 'quick') notes.push(`quick: ${mode.seconds} s per run after ${mode.warmupSeconds} s warm-up; runs differ by up to 25 %, compare within a run`);
    const result: BenchResult = {
      mode: options.mode,
      startedAt: startedAt.toISOString(),
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGiB: round(totalmem() / 2 ** 30, 1),
        freeMemoryGiB: round(freemem() / 2 ** 30, 1),
        node: process.version,
        platform: `${platform()} ${release()}`,
      },
      engine: place.engine,
      database: place.location,
      dataset,
      connections: CONNECTIONS,
      secondsPerRun: mode.seconds,
      warmupSeconds: mode.warmupSeconds,
      scenarios: rows,
      sqlStatementsPerRequest,
      accessLogQueries,
      peakRssMiB,
      targets,
      notes,
      table: '',
    };
    result.table = renderTable(result);
    if (options.resultsDir) {
      mkdirSync(options.resultsDir, { recursive: true });
      const file = resolve(options.resultsDir, `${place.engine}-${options.mode}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      result.file = file;
    }
    return result;
  } finally {
    clearInterval(sampler);
    for (const hub of running) await stop(hub);
    if (appDatabase && appDatabase !== owner) await appDatabase.close();
    if (place.engine === 'postgres') await owner?.close();
    await place.dispose();
  }
}

function describe(row: ScenarioRow): string {
  const part = (name: string, s?: RunStats) => (s ? `${name} ${s.requestsPerSecond} req/s p50 ${s.p50} ms p99 ${s.p99} ms` : '');
  return [
    part('bare graphql-yoga', row.bare),
    part('baseline', row.baseline),
    part('guarded', row.guarded),
    row.throughputRatio !== undefined ? `ratio ${row.throughputRatio}× req/s, ${row.p50Ratio}× p50` : '',
    row.bareThroughputRatio !== undefined ? `guarded ÷ bare ${row.bareThroughputRatio}× req/s, ${row.bareP50Ratio}× p50` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** Single requests, one at a time: the privacy officer's queries through GraphQL and as bare SQL. */
async function timeAccessLog(db: Kysely<Tables>, url: string, scenarios: Scenario[], runs: number): Promise<AccessLogTiming[]> {
  const byId = new Map(scenarios.map((scenario) => [scenario.id, scenario]));
  const results: AccessLogTiming[] = [];
  const cases = [
    {
      query: 'by pupil (accessLog(filter: { pupilId }), first 50 + totalCount)',
      scenario: byId.get('privacy-log-by-pupil'),
      where: (variables: Record<string, string>) => sql`pupil_id = ${variables.pupilId}::uuid`,
    },
    {
      query: 'by actor for a month (accessLog(filter: { actorSubject, from, to }), first 50 + totalCount)',
      scenario: byId.get('privacy-log-by-actor-month'),
      where: (variables: Record<string, string>) =>
        sql`actor_subject = ${variables.actorSubject} AND occurred_at >= ${variables.from}::timestamptz AND occurred_at < ${variables.to}::timestamptz`,
    },
  ];
  for (const { query, scenario, where } of cases) {
    if (!scenario || scenario.kind !== 'read') continue;
    const graphql: number[] = [];
    const direct: number[] = [];
    let matched = 0;
    for (let i = 0; i < runs; i++) {
      const payload = scenario.bodies[i % scenario.bodies.length]!;
      const variables = JSON.parse(payload).variables as Record<string, string>;
      let started = performance.now();
      const answer = await post(url, PRIVACY_OFFICER, payload);
      graphql.push(performance.now() - started);
      if (!answer.json.data) throw new Error(`access log ${query}: ${JSON.stringify(answer.json).slice(0, 200)}`);
      // The statements the resolver runs: one page in sequence order, and the count.
      started = performance.now();
      await sql`SELECT * FROM access_log_records WHERE ${where(variables)} ORDER BY seq LIMIT 51`.execute(db);
      const count = await sql<{ n: number }>`SELECT count(*) AS n FROM access_log_records WHERE ${where(variables)}`.execute(db);
      direct.push(performance.now() - started);
      matched += Number(count.rows[0]?.n ?? 0);
    }
    results.push({
      query,
      graphqlMedianMs: round(median(graphql), 1),
      graphqlP95Ms: round(quantile(graphql, 0.95), 1),
      sqlMedianMs: round(median(direct), 1),
      sqlP95Ms: round(quantile(direct, 0.95), 1),
      rowsMatched: Math.round(matched / runs),
    });
  }
  return results;
}

const ratioOf = (value: number, base?: number) => (base ? `${round(value / Math.max(base, 0.01))}×` : '–');

function checkTargets(rows: ScenarioRow[], log: AccessLogTiming[], engine: string, dataset: DatasetSummary): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const row of rows) {
    if (row.p50Ratio === undefined || row.throughputRatio === undefined) continue;
    checks.push({
      target: `${row.id}: guarded p50 ≤ ${TARGETS.p50Ratio}× baseline`,
      measured: `${row.p50Ratio}×`,
      met: row.p50Ratio <= TARGETS.p50Ratio,
    });
    checks.push({
      target: `${row.id}: guarded throughput ≥ ${TARGETS.throughputRatio}× baseline`,
      measured: `${row.throughputRatio}×`,
      met: row.throughputRatio >= TARGETS.throughputRatio,
    });
  }
  const floor = rows.find((row) => row.id === 'typename-with-token');
  if (floor?.bareThroughputRatio !== undefined)
    checks.push({
      target: `the floor: \`{ __typename }\` with a token ≥ ${TARGETS.floorRatio}× a bare graphql-yoga server's throughput`,
      measured: `${floor.bareThroughputRatio}× (${floor.guarded!.requestsPerSecond} vs ${floor.bare!.requestsPerSecond} req/s)`,
      met: floor.bareThroughputRatio >= TARGETS.floorRatio,
    });
  const partner = rows.find((row) => row.id === 'partner-open-referrals')?.guarded;
  if (partner)
    checks.push({
      target: `partner list p99 < ${TARGETS.partnerListP99PostgresMs} ms at ${CONNECTIONS} clients (PostgreSQL, region scale)`,
      measured: `${partner.p99} ms on ${engine} (p99 guarded ÷ baseline ${ratioOf(partner.p99, rows.find((row) => row.id === 'partner-open-referrals')?.baseline?.p99)})`,
      met: engine === 'postgres' && dataset.pupils >= REGION.pupils ? partner.p99 < TARGETS.partnerListP99PostgresMs : null,
    });
  const byPupil = log.find((timing) => timing.query.startsWith('by pupil'));
  if (byPupil)
    checks.push({
      target: `access log by pupil < ${TARGETS.logByPupilMsAt10M} ms at 10 million records`,
      measured: `${byPupil.graphqlMedianMs} ms GraphQL, ${byPupil.sqlMedianMs} ms SQL at ${dataset.accessLogRecords.toLocaleString('en')} records on ${engine}`,
      met: dataset.accessLogRecords >= 10_000_000 ? byPupil.graphqlMedianMs < TARGETS.logByPupilMsAt10M : null,
    });
  return checks;
}

export function renderTable(result: BenchResult): string {
  const lines: string[] = [];
  const d = result.dataset;
  lines.push(
    `Ketenhub bench, ${result.mode}, ${result.engine}, ${result.startedAt.slice(0, 10)}: ${result.machine.cores} × ${result.machine.cpu}, ` +
      `${result.machine.memoryGiB} GiB, Node ${result.machine.node}. ${d.pupils.toLocaleString('en')} pupils, ${d.schools} schools, ` +
      `${d.referrals.toLocaleString('en')} referrals, ${d.notes.toLocaleString('en')} notes, ${d.accessLogRecords.toLocaleString('en')} access-log records; ` +
      `${result.connections} connections, ${result.secondsPerRun} s per run after ${result.warmupSeconds} s warm-up.`,
  );
  lines.push('');
  lines.push('| scenario | baseline req/s | guarded req/s | ratio | baseline p50 | guarded p50 | ratio | baseline p99 | guarded p99 |');
  lines.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  const ms = (value?: number) => (value === undefined ? '–' : `${value} ms`);
  for (const row of result.scenarios) {
    if (row.kind === 'skipped') {
      lines.push(`| ${row.title} | ${row.note} | | | | | | | |`);
      continue;
    }
    if (row.bare)
      lines.push(
        `| ${row.title}: bare graphql-yoga (floor reference) | ${row.bare.requestsPerSecond} | ${row.guarded?.requestsPerSecond ?? '–'} | ${row.bareThroughputRatio ?? '–'}× | ` +
          `${ms(row.bare.p50)} | ${ms(row.guarded?.p50)} | ${row.bareP50Ratio ?? '–'}× | ${ms(row.bare.p99)} | ${ms(row.guarded?.p99)} |`,
      );
    lines.push(
      `| ${row.title} | ${row.baseline?.requestsPerSecond ?? '–'} | ${row.guarded?.requestsPerSecond ?? '–'} | ${row.throughputRatio !== undefined ? `${row.throughputRatio}×` : '–'} | ` +
        `${ms(row.baseline?.p50)} | ${ms(row.guarded?.p50)} | ${row.p50Ratio !== undefined ? `${row.p50Ratio}×` : '–'} | ${ms(row.baseline?.p99)} | ${ms(row.guarded?.p99)} |`,
    );
  }
  lines.push('');
  const sqlCounts = (name: 'guarded' | 'baseline') => Object.values(result.sqlStatementsPerRequest[name]).join(' / ');
  lines.push(`SQL statements per partner-list request, first: 5 / 25 / 100: guarded ${sqlCounts('guarded')}, baseline ${sqlCounts('baseline')}.`);
  lines.push('');
  lines.push(`| access-log query (one at a time, ${d.accessLogRecords.toLocaleString('en')} records) | GraphQL median | GraphQL p95 | SQL median | SQL p95 | records matched |`);
  lines.push('|---|--:|--:|--:|--:|--:|');
  for (const timing of result.accessLogQueries)
    lines.push(`| ${timing.query} | ${timing.graphqlMedianMs} ms | ${timing.graphqlP95Ms} ms | ${timing.sqlMedianMs} ms | ${timing.sqlP95Ms} ms | ${timing.rowsMatched} |`);
  lines.push('');
  lines.push(`Peak memory (RSS of the process: both hubs, ${result.engine === 'pglite' ? 'PGlite, ' : ''}autocannon): ${result.peakRssMiB.overall} MiB (under load ${result.peakRssMiB.underLoad} MiB).`);
  lines.push('');
  lines.push('| target | measured | met |');
  lines.push('|---|---|:-:|');
  for (const check of result.targets) lines.push(`| ${check.target} | ${check.measured} | ${check.met === null ? 'n/a here' : check.met ? 'yes' : 'no'} |`);
  if (result.notes.length > 0) {
    lines.push('');
    for (const note of result.notes) lines.push(`- ${note}`);
  }
  return lines.join('\n');
}

