// One hub process serving the API: alone (the whole hub: API, metrics port, jobs), or as a worker of
// a cluster (the API only; the supervisor serves metrics and runs the jobs, see supervisor.ts).
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { IssuerConfigError } from '../auth/issuers.ts';
import { fail } from '../cli/exit.ts';
import { ConfigError, type Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Hub } from '../http/app.ts';
import { DEFAULT_CONSOLE_DIR } from '../http/console.ts';
import { assembleHub, AuditConfigError, hubJobs } from '../hub.ts';
import { lastSuccesses, startJobs } from '../jobs/scheduler.ts';
import type { Logger } from '../logging.ts';
import type { Checked } from '../preflight.ts';
import { serveMetrics } from './metrics-server.ts';
import { toSupervisor, type SupervisorMessage } from './messages.ts';

export interface InstanceOptions {
  config: Config;
  checked: Checked;
  logger: Logger;
  database: Database;
  /** alone: the only process; worker: one of a cluster's, under a supervisor. */
  mode: 'alone' | 'worker';
}

export async function serveInstance({ config, checked, logger, database, mode }: InstanceOptions): Promise<void> {
  let hub: Hub;
  try {
    hub = assembleHub({ config, database, logger, checked });
  } catch (error) {
    if (error instanceof IssuerConfigError || error instanceof AuditConfigError || error instanceof ConfigError) fail(error.message);
    throw error;
  }

  // This month's and next month's access-log partitions exist before the first request needs them
  // (in a cluster the supervisor prepares them once).
  if (mode === 'alone') {
    await hub.services.accessLog
      .ensurePartitions(database.db, monthsFromNow(2))
      .catch((error: Error) => fail(`cannot prepare the access log: ${error.message}`));
  }

  const server = createServer(hub.app);
  server.listen(config.PORT, config.HOST, () => {
    const port = listeningPort(server, config.PORT);
    if (mode === 'worker') {
      toSupervisor({ type: 'ketenhub:listening', port });
      return;
    }
    announce(config, database, port);
    // Last, so whoever waits for this line (tests, supervisors) also has the banner.
    logger.info({ port, engine: database.engine, workers: 1 }, 'ketenhub listening');
  });
  server.on('error', (error: Error) => fail(`cannot listen on ${config.HOST}:${config.PORT}: ${error.message}`));

  // Webhooks: every process sends what is due from the outbox (leases keep them from sending twice).
  if (config.WEBHOOK_DISPATCH_INTERVAL_MS > 0) hub.webhooks.start(config.WEBHOOK_DISPATCH_INTERVAL_MS);

  let stopBackground: () => Promise<boolean> = async () => true;
  let metricsServer: Server | null = null;
  if (mode === 'alone') {
    // Background jobs: shortly after start, then on their intervals; one run at a time across
    // instances, each run recorded in job_runs (`npm run jobs`).
    const lastSuccess = await lastSuccesses(database).catch(() => new Map<string, Date>());
    for (const [job, at] of lastSuccess) hub.metrics.jobLastSuccess.set({ job }, at.getTime() / 1000);
    const jobs = startJobs({
      database,
      logger,
      startDelayMs: config.JOBS_START_DELAY_SECONDS * 1000,
      onSuccess: (job, at) => hub.metrics.jobLastSuccess.set({ job }, at.getTime() / 1000),
      jobs: hubJobs(config, database, hub.services.accessLog),
    });
    stopBackground = () => jobs.stop().then(() => true);
    metricsServer = serveMetrics(config, logger, async () => ({
      text: await hub.metrics.registry.metrics(),
      contentType: hub.metrics.registry.contentType,
    }));
  } else {
    // The supervisor asks each worker for its metrics and serves their sum.
    process.on('message', (message: SupervisorMessage) => {
      if (message?.type !== 'ketenhub:metrics?') return;
      hub.metrics.registry.getMetricsAsJSON().then(
        (metrics) => toSupervisor({ type: 'ketenhub:metrics', requestId: message.requestId, metrics }),
        () => toSupervisor({ type: 'ketenhub:metrics', requestId: message.requestId, metrics: [] }),
      );
    });
  }

  // SIGTERM: drain (the hub's shutdown: in-flight requests finish, new ones get 503), close the
  // database, exit 0. A worker gets it from its supervisor, or with the whole process group.
  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
    // No job starts from now on; one already running may finish within the grace period (below).
    const backgroundStopped = stopBackground();
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    // The hub drains: Connection: close on answers, new requests 503 SHUTTING_DOWN, idle keep-alive
    // connections closed, in-flight ones finished within the timeout (src/http/app.ts).
    await hub.shutdown(server, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
    // A job still running gets the rest of the grace period; if it is cut off, its run stays RUNNING
    // and the next run marks it ABANDONED.
    const done = await withinDeadline(backgroundStopped, deadline);
    if (!done) logger.warn('grace period over: a job is still running');
    metricsServer?.close();
    // No request is left to log: let go of this process's access-log chain, so the next process
    // continues it at once instead of opening a new chain when the lease has not yet run out.
    await hub.services.accessLog.release(database.db).catch((error: Error) => logger.warn({ err: error }, 'could not release the access-log chain'));
    await database.close();
    logger.info('stopped');
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** The banner a developer sees (not in production, where the log line is enough). */
export function announce(config: Config, database: Database, port: number, workers = 1): void {
  if (config.NODE_ENV === 'production') return;
  process.stdout.write(
    [
      '',
      `Ketenhub is running on ${database.engine === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL'}` +
        (workers > 1 ? `, ${workers} worker processes.` : '.'),
      `  GraphQL (and GraphiQL in a browser): http://localhost:${port}/graphql`,
      existsSync(join(config.CONSOLE_DIR ? resolve(config.CONSOLE_DIR) : DEFAULT_CONSOLE_DIR, 'index.html'))
        ? `  Console: http://localhost:${port}/console/`
        : '  Console: not built yet; run `npm run console:build` (then http://localhost:' + port + '/console/)',
      `  Health: http://localhost:${port}/healthz  Ready: http://localhost:${port}/readyz`,
      '  Get a token:  npm run token -- --org lz-den-haag --role PROFESSIONAL',
      '  Organisations: npm run token -- --list',
      '',
    ].join('\n'),
  );
}

/** This month and the next ones: the access-log partitions a start makes sure of. */
export function monthsFromNow(count: number): Date[] {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => (i === 0 ? now : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1))));
}

export function withinDeadline(work: Promise<unknown>, deadline: number): Promise<boolean> {
  return Promise.race([
    work.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), Math.max(0, deadline - Date.now())).unref()),
  ]);
}

function listeningPort(server: Server, configured: number): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : configured;
}
