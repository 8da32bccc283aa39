// npm run migrate: apply pending migrations to DATABASE_URL (or the PGlite database in DATA_DIR).
import { ConfigError, loadConfig } from '../config.ts';
import type { Command } from './command.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase } from '../hub.ts';

export const run: Command = async (io) => {
  try {
    const config = loadConfig(io.env);
    const database = await openDatabase(config);
    try {
      const result = await migrate(database);
      io.out(
        result.applied.length > 0
          ? `applied ${result.applied.join(', ')} (${result.alreadyApplied} already applied)\n`
          : `up to date (${result.alreadyApplied} migrations applied)\n`,
      );
    } finally {
      await database.close();
    }
  } catch (error) {
    io.err(`${error instanceof ConfigError ? '' : 'migrate failed: '}${(error as Error).message}\n`);
    return 1;
  }
};
