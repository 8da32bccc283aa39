// A cluster of hub processes on one port (node:cluster): the supervisor has migrated the database,
// forks HUB_WORKERS workers that serve the API (the port is shared; the operating system spreads
// connections), runs the background jobs and serves the metrics port with the workers' metrics
// summed. A worker that dies is replaced; SIGTERM drains every worker, then the supervisor exits.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { sql } from 'kysely';
import { fail } from '../cli/exit.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { createAccessLog, hubJobs } from '../hub.ts';
import { lastSuccesses, startJobs } from '../jobs/scheduler.ts';
import type { Logger } from '../logging.ts';
import { createMetrics } from '../metrics.ts';
import { announce, monthsFromNow, withinDeadline } from './instance.ts';
import { serveMetrics } from './metrics-server.ts';
import { WORKER_ENV, type SupervisorMessage, type WorkerMessage, type WorkerMetrics } from './messages.ts';

export interface SupervisorOptions {
  config: Config;
  logger: Logger;
  database: Database;
  workers: number;
}

/** A worker that dies this soon after its start counts as failing to start. */
const START_GRACE_MS = 10_000;
const RESTART_DELAY_MS = { first: 500, max: 30_000 };
const SCRAPE_TIMEOUT_MS = 5_000;

export async function superviseWorkers({ config, logger, database, workers }: SupervisorOptions): Promise<void> {
  const accessLog = createAccessLog(config);
  await accessLog.ensurePartitions(database.db, monthsFromNow(2)).catch((error: Error) => fail(`cannot prepare the access log: ${error.message}`));
  const role = await workingRole(database, config);

  // The supervisor's own metrics: its process and the jobs; the workers' are added at each scrape.
  const metrics = createMetrics({ processMetrics: true });
  const lastSuccess = await lastSuccesses(database).catch(() => new Map<string, Date>());
  for (const [job, at] of lastSuccess) metrics.jobLastSuccess.set({ job }, at.getTime() / 1000);

  let stopping = false;
  let announced = false;
  const listening = new Set<number>();
  const restartDelay = new Map<number, number>();
  const started = new Map<number, number>();

  const fork = (slot: number) => {
    const worker = cluster.fork({ [WORKER_ENV.databaseRole]: role ?? '', KETENHUB_WORKER_SLOT: String(slot) });
    started.set(worker.id, Date.now());
    logger.info({ worker: worker.id, slot, pid: worker.process.pid }, 'worker started');
    worker.on('message', (message: WorkerMessage) => onMessage(worker, slot, message));
    worker.on('exit', (code, signal) => onExit(worker, slot, code, signal));
  };

  const onMessage = (worker: Worker, slot: number, message: WorkerMessage) => {
    if (message?.type === 'ketenhub:listening') {
      listening.add(slot);
      restartDelay.delete(slot);
      if (!announced && listening.size === workers) {
        announced = true;
        announce(config, database, message.port, workers);
        logger.info({ port: message.port, engine: database.engine, workers }, 'ketenhub listening');
      } else if (announced) {
        logger.info({ worker: worker.id, slot }, 'worker replaced and listening');
      }
    } else if (message?.type === 'ketenhub:metrics') {
      scrapes.get(message.requestId)?.(message.metrics);
    }
  };

  const onExit = (worker: Worker, slot: number, code: number | null, signal: string | null) => {
    listening.delete(slot);
    if (stopping) return;
    const early = Date.now() - (started.get(worker.id) ?? 0) < START_GRACE_MS;
    if (!announced && early) {
      // A worker that cannot start will not start on a retry either (configuration, database):
      // stop the others and fail like a single process would.
      void stopAll('a worker failed to start', 1);
      logger.error({ worker: worker.id, code, signal }, 'a worker failed to start; stopping');
      return;
    }
    const delay = restartDelay.get(slot) ?? RESTART_DELAY_MS.first;
    restartDelay.set(slot, Math.min(delay * 2, RESTART_DELAY_MS.max));
    logger.error({ worker: worker.id, slot, code, signal, restartInMs: delay }, 'a worker stopped unexpectedly; replacing it');
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, delay).unref();
  };

  // Metrics: each worker's registry, and the supervisor's, summed per metric (histograms and
  // counters add up; gauges declare their own aggregator in metrics.ts).
  let nextScrape = 0;
  const scrapes = new Map<number, (metrics: WorkerMetrics) => void>();
  const scrape = async () => {
    const requestId = nextScrape++;
    const alive = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker?.isConnected());
    const answers: WorkerMetrics[] = [];
    await new Promise<void>((resolve) => {
      let pending = alive.length;
      if (pending === 0) return resolve();
      const timer = setTimeout(resolve, SCRAPE_TIMEOUT_MS);
      scrapes.set(requestId, (metrics) => {
        answers.push(metrics);
        if (--pending === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      const ask: SupervisorMessage = { type: 'ketenhub:metrics?', requestId };
      for (const worker of alive) worker.send(ask);
    });
    scrapes.delete(requestId);
    const registry = AggregatorRegistry.aggregate([await metrics.registry.getMetricsAsJSON(), ...answers]);
    return { text: await registry.metrics(), contentType: metrics.registry.contentType };
  };
  const metricsServer = serveMetrics(config, logger, scrape);

  for (let slot = 0; slot < workers; slot++) fork(slot);

  const jobs = startJobs({
    database,
    logger,
    startDelayMs: config.JOBS_START_DELAY_SECONDS * 1000,
    onSuccess: (job, at) => metrics.jobLastSuccess.set({ job }, at.getTime() / 1000),
    jobs: hubJobs(config, database, accessLog),
  });

  // SIGTERM (docker stop, Kubernetes) reaches the supervisor: every worker drains (its own
  // shutdown, within SHUTDOWN_TIMEOUT_MS), then the jobs and the database stop, exit 0.
  async function stopAll(reason: string, exitCode: number) {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS + 2_000;
    logger.info({ reason }, 'shutting down: draining the workers');
    const jobsStopped = jobs.stop();
    const exits = Object.values(cluster.workers ?? {})
      .filter((worker): worker is Worker => !!worker)
      .map(
        (worker) =>
          new Promise<boolean>((resolve) => {
            if (worker.isDead()) return resolve(true);
            worker.once('exit', (code) => resolve(code === 0));
            worker.process.kill('SIGTERM');
          }),
      );
    const allExited = Promise.all(exits);
    const clean = (await withinDeadline(allExited, deadline)) && (await allExited).every(Boolean);
    if (!clean) {
      logger.warn('a worker did not stop cleanly within the grace period');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    }
    if (!(await withinDeadline(jobsStopped, deadline))) logger.warn('grace period over: a job is still running');
    metricsServer.close();
    await database.close();
    logger.info('stopped');
    process.exit(exitCode !== 0 ? exitCode : clean ? 0 : 1);
  }
  process.on('SIGTERM', () => void stopAll('SIGTERM', 0));
  process.on('SIGINT', () => void stopAll('SIGINT', 0));
}

/** The role the supervisor's connections work as: the workers work as the same one. */
async function workingRole(database: Database, config: Config): Promise<string | null> {
  if (!config.DATABASE_APP_ROLE) return null;
  const result = await sql<{ user: string }>`SELECT current_user AS user`.execute(database.db);
  return result.rows[0]?.user === config.DATABASE_APP_ROLE ? config.DATABASE_APP_ROLE : null;
}
