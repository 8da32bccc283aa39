// CI smoke of the benchmark: `npm run bench -- --smoke` works end to end — a tiny throwaway data set (its own
// PGlite in memory, or its own PostgreSQL database on the DATABASE_URL server, never the test
// database), both hubs, every scenario, the table. No timing assertion: a smoke proves it runs.
import { describe, expect, it } from 'vitest';
import { runBench } from '../bench/bench.ts';
import { unguardedGateway } from '../bench/baseline.ts';
import { loadConfig } from '../src/config.ts';
import { openPGlite } from '../src/db/database.ts';
import { createHub, UnguardedBaselineInProductionError } from '../src/http/app.ts';
import { assembleHub } from '../src/hub.ts';
import { createLogger } from '../src/logging.ts';
import { createMetrics } from '../src/metrics.ts';
import { OrganisationDirectory } from '../src/organisations/directory.ts';
import { startTestHub } from './helpers/hub.ts';

it('runs every scenario against the baseline and the guarded hub and prints the table', { timeout: 300_000 }, async () => {
  const lines: string[] = [];
  const result = await runBench({
    mode: 'smoke',
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    log: (line) => lines.push(line),
  });
  expect(result.engine).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
  const ids = result.scenarios.map((row) => row.id);
  expect(ids).toEqual([
    'typename-with-token',
    'partner-open-referrals',
    'school-first-25-pupils',
    'officer-pupil-timeline',
    'school-reports-100-pupils',
    'referral-create-accept',
    'privacy-log-by-pupil',
    'privacy-log-by-actor-month',
  ]);
  for (const row of result.scenarios) {
    expect(result.table).toContain(`| ${row.title} |`);
    expect(row.kind).not.toBe('skipped');
    expect(row.guarded!.requests).toBeGreaterThan(0);
    expect(row.guarded!.errors + row.guarded!.non2xx + row.guarded!.mismatches).toBe(0);
    if (row.id === 'school-reports-100-pupils') {
      // A change: guarded only.
      expect(row.baseline).toBeUndefined();
      expect(row.note).toMatch(/guarded only/);
    } else if (row.kind === 'read') {
      expect(row.baseline!.requests).toBeGreaterThan(0);
      expect(row.baseline!.errors + row.baseline!.non2xx + row.baseline!.mismatches).toBe(0);
      expect(row.throughputRatio).toBeGreaterThan(0);
    }
  }
  // The floor is measured against a bare graphql-yoga server in the same run.
  const floor = result.scenarios.find((row) => row.id === 'typename-with-token')!;
  expect(floor.bare!.requests).toBeGreaterThan(0);
  expect(floor.bare!.errors + floor.bare!.non2xx + floor.bare!.mismatches).toBe(0);
  expect(floor.bareThroughputRatio).toBeGreaterThan(0);
  expect(result.table).toContain('bare graphql-yoga');
  expect(result.targets.map((check) => check.target).join('\n')).toMatch(/the floor/);
  // Statements per request do not grow with the page size; the access-log query timings are there.
  expect(new Set(Object.values(result.sqlStatementsPerRequest.guarded)).size).toBe(1);
  expect(result.accessLogQueries).toHaveLength(2);
  expect(result.peakRssMiB.overall).toBeGreaterThan(0);
  expect(result.table).toMatch(/\| target \| measured \| met \|/);
});

describe('the unguarded baseline', () => {
  it('cannot be enabled in production', async () => {
    const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
    const logger = createLogger('silent');
    const database = await openPGlite();
    try {
      expect(() => assembleHub({ config, database, logger, baseline: { gateway: unguardedGateway } })).toThrow(UnguardedBaselineInProductionError);
      // Also one level down, whoever assembles the hub.
      expect(() =>
        createHub({
          database,
          logger,
          metrics: createMetrics({ processMetrics: false }),
          verifyBearer: async () => {
            throw new Error('not called');
          },
          directory: new OrganisationDirectory(database.db),
          production: true,
          accessLog: {} as never,
          baseline: { gateway: unguardedGateway },
        }),
      ).toThrow(/cannot be enabled in production/);
    } finally {
      await database.close();
    }
  });

  it('is off unless asked for: a hub by default keeps the policy and the access log', async () => {
    const t = await startTestHub();
    try {
      const before = await t.asOwner((db) => db.selectFrom('access_log_head').select('seq').executeTakeFirstOrThrow());
      // The police may never read BSNs: refused before execution, and the refusal is on record.
      const refused = await t.gql({ org: 'politie-den-haag', role: 'PROFESSIONAL' }, '{ pupils(first: 1) { edges { node { bsn } } } }');
      expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
      const after = await t.asOwner((db) => db.selectFrom('access_log_head').select('seq').executeTakeFirstOrThrow());
      expect(Number(after.seq)).toBeGreaterThan(Number(before.seq));
    } finally {
      await t.close();
    }
  });
});
