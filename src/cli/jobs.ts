// npm run jobs                        the last runs of the hub's background jobs (newest first)
// npm run jobs -- --job retention     of one job
//   [--limit N]                       how many (default 20)
// Uses DATABASE_URL, or the PGlite database in DATA_DIR (stop the hub first: PGlite has one user).
// Tab-separated: job, outcome, started, finished, seconds, instance, counts, error.
import { parseArgs } from 'node:util';
import { openDatabase } from '../hub.ts';
import { configOrStop, fail, type Command } from './command.ts';

const USAGE = 'usage: npm run jobs -- [--job <name>] [--limit <N>]';

export const run: Command = async (io) => {
  let values;
  try {
    ({ values } = parseArgs({ args: io.args, options: { job: { type: 'string' }, limit: { type: 'string' } }, strict: true }));
  } catch (error) {
    fail(io, `${(error as Error).message}\n${USAGE}`);
  }
  const limit = values.limit ? Number(values.limit) : 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) fail(io, '--limit must be a whole number from 1 to 10000');

  const config = configOrStop(io);
  const database = await openDatabase(config);
  try {
    let query = database.db.selectFrom('job_runs').selectAll().orderBy('started_at', 'desc').limit(limit);
    if (values.job) query = query.where('job', '=', values.job);
    const runs = await query.execute().catch((error: Error) =>
      fail(io, /job_runs/.test(error.message) ? 'no job runs recorded yet: the database has not been migrated (start the hub or run npm run migrate)' : error.message),
    );
    const out = (fields: (string | number)[]) => io.out(`${fields.join('\t')}\n`);
    out(['job', 'outcome', 'started', 'finished', 'seconds', 'instance', 'counts', 'error']);
    for (const run of runs) {
      const finished = run.finished_at ? new Date(run.finished_at) : null;
      const started = new Date(run.started_at);
      const counts = typeof run.counts === 'string' ? JSON.parse(run.counts) : run.counts;
      out([
        run.job,
        run.outcome,
        started.toISOString(),
        finished?.toISOString() ?? '',
        finished ? ((finished.getTime() - started.getTime()) / 1000).toFixed(1) : '',
        run.instance,
        Object.entries(counts as Record<string, number>).map(([key, value]) => `${key}=${value}`).join(' '),
        run.error ?? '',
      ]);
    }
  } finally {
    await database.close();
  }
};
