// Assembles a hub from configuration: database, migrations, demo data, trusted issuers. Used by
// `npm start` (main.ts), the CLI commands and the tests, so all three run the same wiring.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEMO_ISSUERS_FILE, loadTrustedIssuers, type TrustedIssuer } from './auth/issuers.ts';
import { createVerifier } from './auth/verify.ts';
import type { Config } from './config.ts';
import { connectPostgres, openPGlite, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { isSeeded, seedDemoRegion } from './demo/region.ts';
import { createHub, type Hub } from './http/app.ts';
import type { Logger } from './logging.ts';
import { createMetrics } from './metrics.ts';
import { OrganisationDirectory } from './organisations/directory.ts';

export async function openDatabase(config: Config, logger?: Logger): Promise<Database> {
  if (config.DATABASE_URL) {
    return connectPostgres({
      connectionString: config.DATABASE_URL,
      maxConnections: config.DATABASE_POOL_MAX,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      onIdleError: (error) => logger?.warn({ err: { message: error.message } }, 'idle database connection lost'),
    });
  }
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  return openPGlite({ dataDir });
}

/** Migrates, and seeds the demo region into an empty database when configured to. */
export async function prepareDatabase(database: Database, config: Config, logger: Logger): Promise<void> {
  const result = await migrate(database);
  if (result.applied.length > 0) logger.info({ applied: result.applied }, 'migrations applied');
  const seedDemo = config.SEED_DEMO ?? database.engine === 'pglite';
  if (seedDemo && !(await isSeeded(database))) {
    const seeded = await seedDemoRegion(database);
    logger.info(seeded, 'demo region seeded');
  }
}

export function trustedIssuers(config: Config): Map<string, TrustedIssuer> {
  return loadTrustedIssuers(config.TRUSTED_ISSUERS_FILE ? resolve(config.TRUSTED_ISSUERS_FILE) : DEMO_ISSUERS_FILE, {
    production: config.NODE_ENV === 'production',
    allowDemoIssuerInProduction: config.ALLOW_DEMO_ISSUER_IN_PRODUCTION,
  });
}

export interface AssembleOptions {
  config: Config;
  database: Database;
  logger: Logger;
  issuers?: Map<string, TrustedIssuer>;
  clock?: () => Date;
}

export function assembleHub({ config, database, logger, issuers, clock }: AssembleOptions): Hub {
  const directory = new OrganisationDirectory(database.db);
  const metrics = createMetrics({ processMetrics: config.NODE_ENV !== 'test' });
  const verifyBearer = createVerifier({
    issuers: issuers ?? trustedIssuers(config),
    organisations: directory,
    maxLifetimeSeconds: config.TOKEN_MAX_LIFETIME_SECONDS,
    clockToleranceSeconds: config.TOKEN_CLOCK_TOLERANCE_SECONDS,
    ...(clock ? { now: () => clock().getTime() } : {}),
  });
  return createHub({
    database,
    logger,
    metrics,
    verifyBearer,
    directory,
    production: config.NODE_ENV === 'production',
    ...(clock ? { clock } : {}),
  });
}
