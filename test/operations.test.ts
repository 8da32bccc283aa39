// What operators watch: the metrics (request durations by operation and outcome, errors by code, the
// access log's appends, the webhook outbox, the pool, the jobs), the request log line, and the
// background jobs with their record in job_runs (`npm run jobs`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres } from '../src/db/database.ts';
import { lastSuccesses, runJobOnce, startJobs, type JobDefinition } from '../src/jobs/scheduler.ts';
import { createLogger } from '../src/logging.ts';
import { createMetrics, MAX_OPERATIONS } from '../src/metrics.ts';
import { LogCapture, startTestHub, type TestHub } from './helpers/hub.ts';
import { runCli } from './helpers/cli.ts';
import { commandEnv } from './helpers/retention.ts';

const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

/** The value of one sample in Prometheus text, e.g. sample(text, 'x_count', { job: 'a' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics', () => {
  it('time GraphQL requests by operation and outcome, and count errors by code', async () => {
    const metrics = () => t.hub.metrics.registry.metrics();
    const named = await t.gql(LZ, 'query PupilsForMetrics { pupils(first: 3) { edges { node { displayName } } } }');
    expect(named.status).toBe(200);
    await t.gql(LZ, '{ viewer { role } }');
    const refused = await t.request.post('/graphql').set('Content-Type', 'application/json').send({ query: 'query Who { viewer { role } }' });
    expect(refused.status).toBe(401);
    await t.gql(LZ, 'query Broken { pupil(id: "not-an-id") { displayName } }');

    const text = await metrics();
    expect(sample(text, 'ketenhub_graphql_request_duration_seconds_count', { operation: 'PupilsForMetrics', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'ketenhub_graphql_request_duration_seconds_count', { operation: 'anonymous', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ketenhub_graphql_request_duration_seconds_count', { operation: 'Who', outcome: 'refused' })).toBe(1);
    expect(sample(text, 'ketenhub_graphql_request_duration_seconds_count', { operation: 'Broken', outcome: 'error' })).toBe(1);
    expect(sample(text, 'ketenhub_graphql_errors_total', { code: 'UNAUTHENTICATED' })).toBeGreaterThanOrEqual(1);
    // Reading pupils appends to the access log: timed, with its record count.
    expect(sample(text, 'ketenhub_access_log_append_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ketenhub_access_log_records_per_append_sum')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'ketenhub_webhook_outbox_pending')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'ketenhub_webhook_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'ketenhub_sse_streams')).toBe(0);
    if (t.database.engine === 'postgres') expect(sample(text, 'ketenhub_db_pool_connections', { state: 'max' })).toBe(5);
    // The API's port has no /metrics (main.ts serves them on METRICS_PORT).
    expect((await t.request.get('/metrics')).status).toBe(404);
  });

  it('count pending webhook deliveries and the age of the oldest', async () => {
    await t.asOwner(async (db) => {
      const pupil = await db.selectFrom('pupils').select('id').executeTakeFirstOrThrow();
      const endpoint = crypto.randomUUID();
      await db
        .insertInto('webhook_endpoints')
        .values({ id: endpoint, org_id: 'lz-den-haag', url: 'https://partner.example.nl/hook', secret: 'sealed', kinds: ['NOTE_ADDED'], created_by_subject: 'test', created_at: new Date() })
        .execute();
      for (const ageSeconds of [120, 10]) {
        const event = crypto.randomUUID();
        await db
          .insertInto('hub_events')
          .values({ id: event, kind: 'NOTE_ADDED', pupil_id: pupil.id, subject_id: crypto.randomUUID(), actor_org_id: 'lz-den-haag', occurred_at: new Date() } as never)
          .execute();
        await db
          .insertInto('webhook_deliveries')
          .values({ id: crypto.randomUUID(), endpoint_id: endpoint, event_id: event, status: 'PENDING', attempts: 0, next_attempt_at: new Date(), created_at: new Date(Date.now() - ageSeconds * 1000), payload: '{}' })
          .execute();
      }
    });
    // The outbox is read at most once a second (both gauges share the reading).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const text = await t.hub.metrics.registry.metrics();
    expect(sample(text, 'ketenhub_webhook_outbox_pending')).toBe(2);
    expect(sample(text, 'ketenhub_webhook_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(119);
    expect(sample(text, 'ketenhub_webhook_outbox_oldest_pending_age_seconds')).toBeLessThan(300);
  });

  it('keep the operation label set bounded: unnamed is "anonymous", names past the first 200 are "other"', () => {
    const metrics = createMetrics({ processMetrics: false });
    expect(metrics.operationLabel(undefined)).toBe('anonymous');
    for (let i = 0; i < MAX_OPERATIONS; i++) expect(metrics.operationLabel(`Op${i}`)).toBe(`Op${i}`);
    expect(metrics.operationLabel('OneTooMany')).toBe('other');
    expect(metrics.operationLabel('Op7')).toBe('Op7');
  });
});

describe('the request log line', () => {
  it('names organisation, role, operation, error codes, duration and the caller’s W3C trace id; never variables', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await t
      .gql(LZ, 'query FindPupil($bsn: String!) { pupils(first: 1, filter: { bsn: $bsn }) { totalCount } }', { bsn: '123456782' })
      .set('traceparent', `00-${traceId}-b7ad6b7169203331-01`);
    expect(response.status).toBe(200);
    const line = t.logs.lines.map((l) => JSON.parse(l)).find((entry) => entry.msg === 'request completed' && entry.traceId === traceId);
    expect(line).toMatchObject({ org: 'lz-den-haag', role: 'PROFESSIONAL', operation: 'FindPupil', res: { statusCode: 200 } });
    expect(line.responseTime).toBeTypeOf('number');
    expect(JSON.stringify(line)).not.toContain('123456782');

    await t.request.post('/graphql').set('Content-Type', 'application/json').send({ query: 'query Anon { viewer { role } }' });
    const refused = t.logs.lines.map((l) => JSON.parse(l)).filter((entry) => entry.msg === 'request completed' && entry.operation === 'Anon');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ errorCodes: ['UNAUTHENTICATED'], res: { statusCode: 401 } });
    expect(refused[0].traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(refused[0].org).toBeUndefined();
  });
});

describe('background jobs', () => {
  const logger = createLogger('silent', new LogCapture());

  it('record every run in job_runs: start, end, outcome, counts, and the error of a failed one', async () => {
    const options = { database: t.database, logger };
    const done = await runJobOnce(options, { name: 'test-counts', intervalSeconds: 60, run: async () => ({ things: 3 }) });
    expect(done).toMatchObject({ outcome: 'SUCCEEDED', counts: { things: 3 }, error: null });
    const failed = await runJobOnce(options, {
      name: 'test-fails',
      intervalSeconds: 60,
      run: async () => {
        throw new Error('the disk is full');
      },
    });
    expect(failed).toMatchObject({ outcome: 'FAILED', error: 'the disk is full' });
    const rows = await t.database.db.selectFrom('job_runs').selectAll().where('job', 'in', ['test-counts', 'test-fails']).orderBy('job').execute();
    expect(rows.map((row) => [row.job, row.outcome, row.counts, row.error])).toEqual([
      ['test-counts', 'SUCCEEDED', { things: 3 }, null],
      ['test-fails', 'FAILED', {}, 'the disk is full'],
    ]);
    expect(rows.every((row) => row.finished_at && new Date(row.finished_at) >= new Date(row.started_at))).toBe(true);
    expect((await lastSuccesses(t.database)).get('test-counts')).toEqual(done!.finishedAt);
    expect((await lastSuccesses(t.database)).has('test-fails')).toBe(false);
  });

  it('run one at a time: a second run while one holds the job (another instance on PostgreSQL) does nothing', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const job: JobDefinition = {
      name: 'test-exclusive',
      intervalSeconds: 60,
      run: async () => {
        runs++;
        await held;
        return {};
      },
    };
    const running = new Set<string>();
    const first = runJobOnce({ database: t.database, logger }, job, running);
    await expect.poll(() => runs).toBe(1);
    // PostgreSQL: another instance (its own pool, its own sessions) on the same database. PGlite has
    // one process by construction: the same instance's next tick.
    const other = t.databaseUrl ? connectPostgres({ connectionString: t.databaseUrl, maxConnections: 2, role: 'ketenhub_app' }) : null;
    try {
      const second = await runJobOnce({ database: other ?? t.database, logger }, job, other ? new Set() : running);
      expect(second).toBeNull();
    } finally {
      await other?.close();
    }
    release();
    expect(await first).toMatchObject({ outcome: 'SUCCEEDED' });
    expect(runs).toBe(1);
    // Free again once the run ended.
    expect(await runJobOnce({ database: t.database, logger }, job, running)).toMatchObject({ outcome: 'SUCCEEDED' });
  });

  it('mark a run left RUNNING by a stopped instance ABANDONED when the next run begins', async () => {
    await t.database.db.insertInto('job_runs').values({ job: 'test-abandoned', instance: 'gone:1', started_at: new Date(Date.now() - 3600_000), outcome: 'RUNNING' }).execute();
    await runJobOnce({ database: t.database, logger }, { name: 'test-abandoned', intervalSeconds: 60, run: async () => ({}) });
    const rows = await t.database.db.selectFrom('job_runs').select(['instance', 'outcome']).where('job', '=', 'test-abandoned').orderBy('started_at').execute();
    expect(rows).toEqual([
      { instance: 'gone:1', outcome: 'ABANDONED' },
      { instance: expect.stringMatching(/:\d+$/), outcome: 'SUCCEEDED' },
    ]);
  });

  it('run shortly after start, not only after a whole interval', async () => {
    const successes: string[] = [];
    const jobs = startJobs({
      database: t.database,
      logger,
      startDelayMs: 50,
      onSuccess: (job) => successes.push(job),
      jobs: [{ name: 'test-at-start', intervalSeconds: 24 * 3600, run: async () => ({ ran: 1 }) }],
    });
    try {
      await expect.poll(() => successes, { timeout: 5000 }).toEqual(['test-at-start']);
    } finally {
      await jobs.stop();
    }
    expect(await t.database.db.selectFrom('job_runs').select('outcome').where('job', '=', 'test-at-start').execute()).toEqual([{ outcome: 'SUCCEEDED' }]);
  });

  it('the hub’s retention and expiry jobs run and are listed by npm run jobs', async () => {
    const { hubJobs } = await import('../src/hub.ts');
    for (const job of hubJobs(t.config, t.database, t.hub.services.accessLog)) {
      const run = await runJobOnce({ database: t.database, logger }, job);
      expect(run, job.name).toMatchObject({ outcome: 'SUCCEEDED' });
    }
    const { env, cleanup } = await commandEnv(t);
    try {
      const listed = await runCli('jobs', ['--limit', '50'], env);
      expect(listed.stderr).toBe('');
      expect(listed.status).toBe(0);
      const lines = listed.stdout.trim().split('\n').map((line) => line.split('\t'));
      expect(lines[0]).toEqual(['job', 'outcome', 'started', 'finished', 'seconds', 'instance', 'counts', 'error']);
      const retention = lines.find((fields) => fields[0] === 'retention');
      expect(retention?.[1]).toBe('SUCCEEDED');
      expect(retention?.[6]).toMatch(/(^| )planned=\d+( |$)/);
      expect(retention?.[6]).toMatch(/(^| )pupils=\d+( |$)/);
      expect(lines.find((fields) => fields[0] === 'expiry')?.[6]).toMatch(/^expired=\d+$/);
      const one = await runCli('jobs', ['--job', 'test-fails'], env);
      expect(one.stdout.trim().split('\n').slice(1).map((line) => line.split('\t')[7])).toEqual(['the disk is full']);
    } finally {
      cleanup();
    }
  }, 120_000);
});
