// `npm start`: configuration, database, migrations, demo data, then serve until SIGTERM.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { IssuerConfigError } from './auth/issuers.ts';
import { fail, configOrExit } from './cli/exit.ts';
import { ConfigError } from './config.ts';
import type { Hub } from './http/app.ts';
import { DEFAULT_CONSOLE_DIR } from './http/console.ts';
import { assembleHub, AuditConfigError, openPreparedDatabase } from './hub.ts';
import { createLogger } from './logging.ts';
import { expireStaleReferrals } from './referrals/service.ts';
import { runRetention } from './retention/engine.ts';

const config = configOrExit();

const logger = createLogger(config.LOG_LEVEL);
const database = await openPreparedDatabase(config, logger).catch((error: Error) => fail(`cannot open the database: ${error.message}`));

let hub: Hub;
try {
  hub = assembleHub({ config, database, logger });
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

// Referrals left REQUESTED for 30 days expire, with an event. Safe on several instances at once.
const expiryJob =
  config.EXPIRY_JOB_INTERVAL_SECONDS > 0
    ? setInterval(() => {
        expireStaleReferrals(database.db, new Date())
          .then((expired) => expired > 0 && logger.info({ expired }, 'stale referrals expired'))
          .catch((error: Error) => logger.error({ err: { message: error.message } }, 'expiry job failed'));
      }, config.EXPIRY_JOB_INTERVAL_SECONDS * 1000)
    : null;
expiryJob?.unref();

// Retention: what the register's periods no longer allow goes (one run at a time across instances).
const retentionJob =
  config.RETENTION_JOB_INTERVAL_SECONDS > 0
    ? setInterval(() => {
        runRetention({ db: database.db, accessLog: hub.services.accessLog, now: new Date() })
          .then((report) => report.items.length > 0 && logger.info({ deleted: report.deleted }, 'retention: data past its period deleted'))
          .catch((error: Error) => logger.error({ err: { message: error.message } }, 'retention job failed'));
      }, config.RETENTION_JOB_INTERVAL_SECONDS * 1000)
    : null;
retentionJob?.unref();

// Webhooks: every instance sends what is due from the outbox (leases keep them from sending twice).
if (config.WEBHOOK_DISPATCH_INTERVAL_MS > 0) hub.webhooks.start(config.WEBHOOK_DISPATCH_INTERVAL_MS);

// SIGTERM: drain (the hub's shutdown: in-flight requests finish, new ones get 503), close the
// database, exit 0.
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  if (expiryJob) clearInterval(expiryJob);
  if (retentionJob) clearInterval(retentionJob);
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  await hub.shutdown(server, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  await database.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
