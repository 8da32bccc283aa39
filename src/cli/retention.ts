// npm run retention -- --dry-run     lists what would go and why (nothing changes)
// npm run retention                  deletes (or anonymises) it, in batches, each deletion in the access log
//   [--now <ISO time>]               as if it were then: with --dry-run (a rehearsal); a real run at
//                                    another time only with NODE_ENV=test, as it writes DELETE records
//                                    dated then into the access log
//   [--batch <pupils per transaction>]
// Uses DATABASE_URL, or the PGlite database in DATA_DIR (stop the hub first: PGlite has one user).
// The hub also runs retention itself every RETENTION_JOB_INTERVAL_SECONDS (default daily).
import { parseArgs } from 'node:util';
import { createAccessLog, openPreparedDatabase } from '../hub.ts';
import { createLogger } from '../logging.ts';
import { runRetention } from '../retention/engine.ts';
import { EVENT_RETENTION_DAYS } from '../audit/processing-activities.ts';
import { configOrStop, errDestination, fail, type Command } from './command.ts';

const USAGE = 'usage: npm run retention -- [--dry-run] [--now <ISO time>] [--batch <N>]';
// Strict: a guessed date would delete data as of the wrong day (12/01/2031 is not 1 December).
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

export const run: Command = async (io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: io.args,
      options: { 'dry-run': { type: 'boolean', default: false }, now: { type: 'string' }, batch: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    fail(io, `${(error as Error).message}\n${USAGE}`);
  }
  const given = values.now ? ISO_TIME.exec(values.now) : null;
  const now = values.now ? new Date(values.now) : new Date();
  if (values.now && (!given || Number.isNaN(now.getTime()) || !new Date(`${given[1]}-${given[2]}-${given[3]}T00:00:00Z`).toISOString().startsWith(`${given[1]}-${given[2]}-${given[3]}`)))
    fail(io, `--now must be an ISO time with a time zone, such as 2031-03-16T09:00:00Z\n${USAGE}`);
  const batch = values.batch ? Number(values.batch) : 100;
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) fail(io, '--batch must be a whole number from 1 to 10000');

  const config = configOrStop(io);
  // A real run deletes data and writes DELETE records stamped with `now` into the hash-chained access
  // log, which can never be taken out again: a run "in 2031" would leave records dated years ahead in
  // the real log. Outside tests, another time is for looking only.
  if (values.now && !values['dry-run'] && config.NODE_ENV !== 'test')
    fail(io, '--now is for rehearsals: use it with --dry-run (a real run takes the current time)');
  const logger = createLogger('warn', errDestination(io));
  const database = await openPreparedDatabase(config, logger);
  try {
    const report = await runRetention({ db: database.db, accessLog: createAccessLog(config), now, dryRun: values['dry-run'], batchSize: batch });
    const out = (line: string) => io.out(`${line}\n`);
    out(`${report.dryRun ? 'Would go' : 'Gone'} at ${now.toISOString()}: ${report.items.length} item(s)`);
    if (report.items.length > 0) out(['rule', 'id', 'closed at', 'retention ended', 'then', 'register entry', 'why'].join('\t'));
    for (const item of report.items)
      out([item.rule, item.id, item.closedAt?.toISOString() ?? '', item.endedAt.toISOString(), item.onEnd.toLowerCase(), `${item.activityId} v${item.activityVersion}`, item.why].join('\t'));
    if (!report.dryRun)
      out(
        `deleted: ${report.deleted.cases} case(s) (${report.deleted.anonymisedCases} anonymised into statistics first), ` +
          `${report.deleted.referrals} referral(s), ${report.deleted.pupils} pupil file(s), in ${report.transactions} transaction(s)`,
      );
    out(`events (no content) past ${EVENT_RETENTION_DAYS} days with their deliveries done: ${report.expiredEvents}${report.dryRun ? '' : ' deleted'}`);
    if (report.archivableLogMonths.length > 0)
      out(`access-log months past their own retention (archive, then detach the partition; the hub does not delete them): ${report.archivableLogMonths.join(', ')}`);
  } catch (error) {
    fail(io, `retention failed: ${(error as Error).message}`);
  } finally {
    await database.close();
  }
};
