// npm run migrate: apply pending migrations to DATABASE_URL (or the PGlite database in DATA_DIR).
import { ConfigError, loadConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase } from '../hub.ts';

try {
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const result = await migrate(database);
    process.stdout.write(
      result.applied.length > 0
        ? `applied ${result.applied.join(', ')} (${result.alreadyApplied} already applied)\n`
        : `up to date (${result.alreadyApplied} migrations applied)\n`,
    );
  } finally {
    await database.close();
  }
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? '' : 'migrate failed: '}${(error as Error).message}\n`);
  process.exit(1);
}
