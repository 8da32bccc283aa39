// `npm start` (node dist/main.js): configuration and its checks, database, migrations, demo data,
// then serve until SIGTERM.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { IssuerConfigError } from './auth/issuers.ts';
import { fail, configOrExit } from './cli/exit.ts';
import { ConfigError } from './config.ts';
import type { Hub } from './http/app.ts';
import { DEFAULT_CONSOLE_DIR } from './http/console.ts';
import { assembleHub, AuditConfigError, hubJobs, openPreparedDatabase } from './hub.ts';
import { createLogger } from './logging.ts';
import { preflightStart, PreflightError, type Checked } from './preflight.ts';
import { lastSuccesses, startJobs } from './jobs/scheduler.ts';

const config = configOrExit();

// Keys, issuers, CORS and files first: a start that would refuse touches no data directory or database.
let checked: Checked;
try {
  checked = await preflightStart(config);
} catch (error) {
  if (error instanceof PreflightError) fail(error.message);
  throw error;
}

const logger = createLogger(config.LOG_LEVEL);
const database = await openPreparedDatabase(config, logger).catch((error: Error) =>
  fail(error instanceof PreflightError ? error.message : `cannot open the database: ${error.message}`),
);

let hub: Hub;
try {
  hub = assembleHub({ config, database, logger, checked });
} catch (error) {
  if (error instanceof IssuerConfigError || error instanceof AuditConfigError || error instanceof ConfigError) fail(error.message);
  throw error;
}

// This month's and next month's access-log partitions exist before the first request needs them.
const thisMonth = new Date();
await hub.services.accessLog
  .ensurePartitions(database.db, [thisMonth, new Date(Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth() + 1, 1))])
  .catch((error: Error) => fail(`cannot prepare the access log: ${error.message}`));

const server = createServer(hub.app);
server.listen(config.PORT, config.HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  if (config.NODE_ENV !== 'production') {
    process.stdout.write(
      [
        '',
        `Ketenhub is running on ${database.engine === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL'}.`,
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
  // Last, so whoever waits for this line (tests, supervisors) also has the banner.
  logger.info({ port, engine: database.engine }, 'ketenhub listening');
});

// Background jobs: shortly after start, then on their intervals; one run at a time across instances,
// each run recorded in job_runs (`npm run jobs`).
const lastSuccess = await lastSuccesses(database).catch(() => new Map<string, Date>());
for (const [job, at] of lastSuccess) hub.metrics.jobLastSuccess.set({ job }, at.getTime() / 1000);
const jobs = startJobs({
  database,
  logger,
  startDelayMs: config.JOBS_START_DELAY_SECONDS * 1000,
  onSuccess: (job, at) => hub.metrics.jobLastSuccess.set({ job }, at.getTime() / 1000),
  jobs: hubJobs(config, database, hub.services.accessLog),
});

// Metrics on a port of their own: Prometheus reaches it, the API's callers do not.
const metricsServer = createServer((req, res) => {
  if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
    return;
  }
  hub.metrics.registry.metrics().then(
    (text) => res.writeHead(200, { 'content-type': hub.metrics.registry.contentType }).end(text),
    (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
  );
});
metricsServer.on('error', (error: Error) => fail(`cannot serve metrics on ${config.METRICS_HOST ?? config.HOST}:${config.METRICS_PORT}: ${error.message}`));
metricsServer.listen(config.METRICS_PORT, config.METRICS_HOST ?? config.HOST, () => {
  const address = metricsServer.address();
  logger.info({ port: typeof address === 'object' && address ? address.port : config.METRICS_PORT }, 'metrics listening');
});

// Webhooks: every instance sends what is due from the outbox (leases keep them from sending twice).
if (config.WEBHOOK_DISPATCH_INTERVAL_MS > 0) hub.webhooks.start(config.WEBHOOK_DISPATCH_INTERVAL_MS);

// SIGTERM: drain (the hub's shutdown: in-flight requests finish, new ones get 503), close the
// database, exit 0.
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
  // No job starts from now on; one already running may finish within the grace period (below).
  const jobsStopped = jobs.stop();
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  // The hub drains: Connection: close on answers, new requests 503 SHUTTING_DOWN, idle keep-alive
  // connections closed, in-flight ones finished within the timeout (src/http/app.ts).
  await hub.shutdown(server, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  // A job still running gets the rest of the grace period; if it is cut off, its run stays RUNNING
  // and the next run marks it ABANDONED.
  const jobsDone = await Promise.race([
    jobsStopped.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), Math.max(0, deadline - Date.now())).unref()),
  ]);
  if (!jobsDone) logger.warn('grace period over: a job is still running');
  metricsServer.close();
  await database.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
