// `npm start` (node dist/main.js): configuration and its checks, database, migrations, demo data,
// then serve until SIGTERM: one process, or HUB_WORKERS processes on one port under a supervisor
// (src/serve/). A worker of that cluster runs this file too and goes straight to serving.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fail, configOrExit } from './cli/exit.ts';
import type { Config } from './config.ts';
import { openAppDatabase, openPreparedDatabase } from './hub.ts';
import { createLogger } from './logging.ts';
import { preflightStart, PreflightError, type Checked } from './preflight.ts';
import { serveInstance } from './serve/instance.ts';
import { WORKER_ENV } from './serve/messages.ts';
import { superviseWorkers } from './serve/supervisor.ts';

const config = configOrExit();

// Keys, issuers, CORS and files first: a start that would refuse touches no data directory or database.
let checked: Checked;
try {
  checked = await preflightStart(config);
} catch (error) {
  if (error instanceof PreflightError) fail(error.message);
  throw error;
}

const cannotOpen = (error: Error): never =>
  fail(error instanceof PreflightError ? error.message : `cannot open the database: ${error.message}`);

if (cluster.isWorker) {
  // The supervisor has migrated and chosen the role; a worker only opens its pool.
  const logger = createLogger(config.LOG_LEVEL).child({ worker: cluster.worker?.id });
  const role = process.env[WORKER_ENV.databaseRole] || null;
  const database = await openAppDatabase(config, logger, role).catch(cannotOpen);
  await serveInstance({ config, checked, logger, database, mode: 'worker' });
} else {
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openPreparedDatabase(config, logger).catch(cannotOpen);
  const workers = workerCount(config);
  if (workers > 1) await superviseWorkers({ config, logger, database, workers });
  else await serveInstance({ config, checked, logger, database, mode: 'alone' });
}

/** HUB_WORKERS, default one per core; PGlite's data directory belongs to one process. */
function workerCount(config: Config): number {
  if (!config.DATABASE_URL) return 1;
  return config.HUB_WORKERS ?? availableParallelism();
}
