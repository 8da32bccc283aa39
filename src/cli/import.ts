// npm run import -- reports.csv --org <school id> [--as <person>] [--purpose text]
//
// Imports a school's CSV file of pupils it cannot reach, exactly as the HTTP upload does
// (importOutOfViewReports): all rows or none, one error per bad row with its line number, every
// report in the access log as the person named with --as (default: cli:<your user name>).
// Uses DATABASE_URL, or the PGlite database in DATA_DIR (stop the hub first: PGlite has one user;
// with a running hub, use the HTTP upload).
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { HubError } from '../errors.ts';
import type { Actor } from '../auth/actor.ts';
import { createRequestContext } from '../graphql/context.ts';
import type { Hub } from '../http/app.ts';
import { assembleHub, openPreparedDatabase } from '../hub.ts';
import { createLogger } from '../logging.ts';
import { reportOutOfView } from '../outreach/cases.ts';
import { CSV_FIELD_NAMES, decodeCsv, parseReportsCsv } from '../outreach/reports.ts';
import { configOrStop, errDestination, fail, type Command } from './command.ts';

const USAGE = 'usage: npm run import -- <reports.csv> --org <school id> [--as <person>] [--purpose <text>]';

export const run: Command = async (io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: io.args,
      options: { org: { type: 'string' }, as: { type: 'string' }, purpose: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    fail(io, `${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const file = positionals[0];
  if (!file || positionals.length > 1 || !values.org) fail(io, USAGE);

  let text: string;
  try {
    text = decodeCsv(readFileSync(file));
  } catch (error) {
    fail(io, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }

  const config = configOrStop(io);
  // Logs go to stderr at warn: the command's own output is the summary on stdout.
  const logger = createLogger('warn', errDestination(io));
  const database = await openPreparedDatabase(config, logger);
  let exitCode = 0;
  let hub: Hub | null = null;
  try {
    hub = assembleHub({ config, database, logger });
    const school = await hub.services.directory.get(values.org);
    if (!school || school.kind !== 'SCHOOL') fail(io, `"${values.org}" is not a school in the hub (npm run token -- --list shows the demo organisations)`);
    const actor: Actor = {
      subject: values.as ?? `cli:${userInfo().username}`,
      issuer: 'ketenhub-cli',
      organisationId: school.id,
      organisationKind: 'SCHOOL',
      municipalityCode: school.municipality_code,
      role: 'COORDINATOR',
      purpose: values.purpose ?? 'melding leerlingen uit beeld (import)',
      onBehalfOf: null,
    };
    const ctx = createRequestContext(hub.services, actor, { requestId: randomUUID(), clientAddress: null, log: logger });
    ctx.audit.setOperationName('npm run import');
    try {
      const { raw, rowNumbers } = parseReportsCsv(text);
      const result = await reportOutOfView(ctx, raw, { rowNumbers, field: 'cli.import', fieldNames: CSV_FIELD_NAMES });
      io.out(
        `${result.reports} reports from ${file} (batch ${result.batchId}): ${result.casesOpened} new cases, ` +
          `${result.joinedOpenCases} joined a case already open\n`,
      );
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      const rows = (error.extensions.rows ?? []) as { row: number; field: string; message: string }[];
      io.err(`${rows.length > 0 ? 'Nothing was imported.' : error.message}\n`);
      for (const row of rows) io.err(`line ${row.row}, ${row.field}: ${row.message}\n`);
      exitCode = 1;
    } finally {
      // Refused attempts are on record too.
      await ctx.audit.flush(database.db);
    }
  } finally {
    // The hub's event listening and webhook sending end before the database closes.
    await hub?.stop();
    await database.close();
  }
  return exitCode;
};
