// npm run bench [-- --quick | --smoke | --full] : the price of privacy at region scale.
// On PostgreSQL when DATABASE_URL is set (in its own database, ketenhub_bench, made when missing),
// otherwise on PGlite in bench/data/. Prints a Markdown table and writes bench/results/*.json.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { MODES, runBench, type Mode } from './bench.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    'no-results': { type: 'boolean', default: false },
  },
  strict: true,
});
const chosen = (['smoke', 'quick', 'full'] as const).filter((name) => values[name]);
if (chosen.length > 1) {
  process.stderr.write('choose one of --smoke, --quick, --full\n');
  process.exit(2);
}
const mode: Mode = chosen[0] ?? 'standard';
const spec = MODES[mode].spec;
process.stdout.write(
  `mode ${mode}: ${spec.pupils} pupils, ${spec.schools} schools, ≥ ${spec.logRecords.toLocaleString('en')} access-log records; ` +
    `${MODES[mode].seconds} s per run after ${MODES[mode].warmupSeconds} s warm-up` +
    `${mode === 'smoke' ? ' (a throwaway database)' : ' (the data set is generated on the first run, a few minutes, and reused)'}\n`,
);
try {
  const result = await runBench({
    mode,
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    // The smoke's numbers mean nothing: it keeps no result file.
    ...(values['no-results'] || mode === 'smoke' ? {} : { resultsDir: resolve(new URL('.', import.meta.url).pathname, 'results') }),
  });
  process.stdout.write(`\n${result.table}\n`);
  if (result.file) process.stdout.write(`\nresult: ${result.file}\n`);
} catch (error) {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
}
