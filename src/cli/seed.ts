// npm run seed                                  the demo region, into an empty database
// npm run seed -- --pupils 84000 --schools 309  a region-scale data set on top (benchmarks)
// Uses DATABASE_URL, or the PGlite database in DATA_DIR (stop the hub first: PGlite has one user).
import { parseArgs } from 'node:util';
import { migrate } from '../db/migrate.ts';
import { isSeeded, seedDemoRegion } from '../demo/region.ts';
import { seedScaleRegion } from '../demo/scale.ts';
import { openDatabase } from '../hub.ts';
import { configOrStop, fail, type Command } from './command.ts';

export const run: Command = async (io) => {
  let values;
  try {
    ({ values } = parseArgs({ args: io.args, options: { pupils: { type: 'string' }, schools: { type: 'string' }, seed: { type: 'string' } }, strict: true }));
  } catch (error) {
    fail(io, `${(error as Error).message}\nusage: npm run seed [-- --pupils N --schools M]`);
  }
  const count = (name: string, value: string | undefined, max: number) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) fail(io, `--${name} must be a whole number from 1 to ${max}`);
    return n;
  };
  const pupils = count('pupils', values.pupils, 800_000);
  const schools = count('schools', values.schools, 5_000);
  const seed = count('seed', values.seed, 2 ** 31);
  if ((pupils === undefined) !== (schools === undefined)) fail(io, 'give both --pupils and --schools, or neither');

  const config = configOrStop(io);
  const database = await openDatabase(config);
  try {
    await migrate(database);
    if (!(await isSeeded(database))) {
      const demo = await seedDemoRegion(database, undefined, { now: new Date() });
      io.out(`demo region: ${demo.pupils} pupils, ${demo.referrals} referrals\n`);
    } else if (pupils === undefined) {
      io.out('the database already holds the demo region; nothing to do\n');
    }
    if (pupils !== undefined && schools !== undefined) {
      const started = Date.now();
      const result = await seedScaleRegion(database, {
        pupils,
        schools,
        ...(seed !== undefined ? { seed } : {}),
        onProgress: (message) => io.out(`${message}\n`),
      });
      io.out(`${JSON.stringify(result)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  } catch (error) {
    fail(io, `seed failed: ${(error as Error).message}`);
  } finally {
    await database.close();
  }
};
