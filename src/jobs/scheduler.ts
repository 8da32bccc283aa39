// The hub's background jobs (retention, expiry of referrals nobody received). Each runs shortly
// after start and then on its interval, so a hub restarted more often than a job's interval still
// runs it; one run at a time across every instance on the database (a PostgreSQL advisory lock held
// by the run's own session, released when it ends or its process dies); every run is a row in
// job_runs with its start, end, outcome and counts (`npm run jobs` lists them).
import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logging.ts';

export interface JobDefinition {
  name: string;
  /** Seconds between runs; 0 turns the job off. */
  intervalSeconds: number;
  /** Does the work as of `now`; returns what it did as counts (never which pupils). */
  run: (now: Date) => Promise<Record<string, number>>;
}

export interface JobRun {
  id: string;
  job: string;
  outcome: 'SUCCEEDED' | 'FAILED';
  startedAt: Date;
  finishedAt: Date;
  counts: Record<string, number>;
  error: string | null;
}

export interface JobRunnerOptions {
  database: Database;
  logger: Logger;
  clock?: () => Date;
  /** After every successful run (the metrics' last-success gauge). */
  onSuccess?: (job: string, finishedAt: Date) => void;
}

// pg_try_advisory_lock(namespace, hashtext(job)): the namespace keeps these apart from the hub's
// other advisory locks (migrations, retention batches, the access log).
const JOB_LOCK_NAMESPACE = 4242020;
const INSTANCE = `${hostname()}:${process.pid}`;
const ERROR_LIMIT = 500;

/** Runs one job now, unless another run of it holds its lock (then null: nothing was done or recorded). */
export async function runJobOnce(options: JobRunnerOptions, job: JobDefinition, running = new Set<string>()): Promise<JobRun | null> {
  if (running.has(job.name)) return null;
  running.add(job.name);
  try {
    const { database } = options;
    if (database.engine === 'pglite') return await record(options, job);
    // The lock lives in one reserved session; the job's own queries use the rest of the pool.
    return await database.db.connection().execute(async (session) => {
      const lock = await sql<{ got: boolean }>`SELECT pg_try_advisory_lock(${JOB_LOCK_NAMESPACE}, hashtext(${job.name})) AS got`.execute(session);
      if (!lock.rows[0]?.got) return null;
      try {
        return await record(options, job);
      } finally {
        await sql`SELECT pg_advisory_unlock(${JOB_LOCK_NAMESPACE}, hashtext(${job.name}))`.execute(session);
      }
    });
  } finally {
    running.delete(job.name);
  }
}

async function record(options: JobRunnerOptions, job: JobDefinition): Promise<JobRun> {
  const { db } = options.database;
  const now = options.clock ?? (() => new Date());
  const startedAt = now();
  // Holding the lock, any run of this job still RUNNING belongs to an instance that stopped mid-run.
  await db
    .updateTable('job_runs')
    .set({ outcome: 'ABANDONED', finished_at: startedAt, error: 'still running when a later run began: its instance stopped mid-run' })
    .where('job', '=', job.name)
    .where('outcome', '=', 'RUNNING')
    .execute();
  const { id } = await db
    .insertInto('job_runs')
    .values({ job: job.name, instance: INSTANCE, started_at: startedAt, outcome: 'RUNNING' })
    .returning('id')
    .executeTakeFirstOrThrow();
  let counts: Record<string, number> = {};
  let error: string | null = null;
  try {
    counts = await job.run(startedAt);
  } catch (caught) {
    error = ((caught as Error)?.message ?? String(caught)).slice(0, ERROR_LIMIT);
  }
  const finishedAt = now();
  const outcome = error === null ? 'SUCCEEDED' : 'FAILED';
  await db
    .updateTable('job_runs')
    .set({ outcome, finished_at: finishedAt, counts: JSON.stringify(counts), error })
    .where('id', '=', id)
    .execute();
  const seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  if (error === null) {
    options.logger.info({ job: job.name, seconds, counts }, 'job done');
    options.onSuccess?.(job.name, finishedAt);
  } else {
    options.logger.error({ job: job.name, seconds, err: { message: error } }, 'job failed');
  }
  return { id, job: job.name, outcome, startedAt, finishedAt, counts, error };
}

/** When each job last succeeded, from job_runs (the metrics start from it after a restart). */
export async function lastSuccesses(database: Database): Promise<Map<string, Date>> {
  const rows = await database.db
    .selectFrom('job_runs')
    .select(['job', (eb) => eb.fn.max('finished_at').as('at')])
    .where('outcome', '=', 'SUCCEEDED')
    .groupBy('job')
    .execute();
  return new Map(rows.filter((row) => row.at).map((row) => [row.job, new Date(row.at as unknown as string)]));
}

export interface Jobs {
  /** Runs a job now (between its scheduled runs); null when another run of it holds the lock. */
  runNow(name: string): Promise<JobRun | null>;
  /** Cancels the schedule and waits for runs in progress to end. */
  stop(): Promise<void>;
}

export function startJobs(options: JobRunnerOptions & { jobs: JobDefinition[]; startDelayMs: number }): Jobs {
  const running = new Set<string>();
  const inProgress = new Set<Promise<unknown>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const launch = (job: JobDefinition) => {
    if (stopped) return Promise.resolve(null);
    const run = runJobOnce(options, job, running).catch((error: Error) => {
      // The run could not even be recorded (the database is away): say so, try again next time.
      options.logger.error({ job: job.name, err: { message: error.message } }, 'job could not run');
      return null;
    });
    inProgress.add(run);
    void run.finally(() => inProgress.delete(run));
    return run;
  };
  for (const job of options.jobs) {
    if (job.intervalSeconds <= 0) continue;
    const first = setTimeout(() => {
      void launch(job);
      const every = setInterval(() => void launch(job), job.intervalSeconds * 1000);
      every.unref();
      timers.push(every);
    }, options.startDelayMs);
    first.unref();
    timers.push(first);
  }
  return {
    runNow(name) {
      const job = options.jobs.find((candidate) => candidate.name === name);
      if (!job) return Promise.reject(new Error(`no job ${name}`));
      return launch(job);
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.allSettled([...inProgress]);
    },
  };
}
