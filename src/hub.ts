// Assembles a hub from configuration: database, migrations, demo data, trusted issuers. Used by
// `npm start` (main.ts), the CLI commands and the tests, so all three run the same wiring.
import { DEV_WEBHOOK_SECRET_KEY } from './events/webhooks.ts';
import { mkdirSync } from 'node:fs';
import { sql } from 'kysely';
import { resolve } from 'node:path';
import { DEMO_ISSUERS_FILE, loadTrustedIssuers, type TrustedIssuer } from './auth/issuers.ts';
import { createVerifier } from './auth/verify.ts';
import { AccessLog, DEV_PSEUDONYM_KEY, DEV_SIGNING_KEY_FILE, loadSigningKey } from './audit/chain.ts';
import type { Config } from './config.ts';
import { connectPostgres, openPGlite, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { isSeeded, seedDemoRegion } from './demo/region.ts';
import { DEFAULT_CONSOLE_DIR } from './http/console.ts';
import { createHub, UnguardedBaselineInProductionError, type Hub } from './http/app.ts';
import { hardeningFromConfig } from './http/hardening.ts';
import type { Logger } from './logging.ts';
import { createMetrics } from './metrics.ts';
import { OrganisationDirectory } from './organisations/directory.ts';

export async function openDatabase(config: Config, logger?: Logger, role?: string): Promise<Database> {
  if (config.DATABASE_URL) {
    return connectPostgres({
      connectionString: config.DATABASE_URL,
      maxConnections: config.DATABASE_POOL_MAX,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      onConnectionError: (error) => logger?.warn({ err: { message: error.message } }, 'database connection lost'),
      ...(role ? { role } : {}),
    });
  }
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  return openPGlite({ dataDir, ...(role ? { role } : {}) });
}

/** Whether the connecting user may work as `role` (it exists and the user is a member of it). */
export async function canUseRole(database: Database, role: string): Promise<boolean> {
  if (!role) return false;
  try {
    const result = await sql<{ member: boolean }>`SELECT pg_has_role(current_user, ${role}, 'MEMBER') AS member`.execute(database.db);
    return result.rows[0]?.member === true;
  } catch {
    return false;
  }
}

/**
 * Opens the database, migrates it (as the connecting user), seeds the demo region where configured,
 * and returns it working as the application role when that role can be used.
 */
export async function openPreparedDatabase(config: Config, logger: Logger): Promise<Database> {
  const owner = await openDatabase(config, logger);
  await prepareDatabase(owner, config, logger);
  if (!(await canUseRole(owner, config.DATABASE_APP_ROLE))) {
    if (config.DATABASE_APP_ROLE) logger.warn({ role: config.DATABASE_APP_ROLE }, 'application role not usable; working as the connecting user');
    return owner;
  }
  await owner.close();
  return openDatabase(config, logger, config.DATABASE_APP_ROLE);
}

/** Migrates, and seeds the demo region into an empty database when configured to. */
export async function prepareDatabase(database: Database, config: Config, logger: Logger): Promise<void> {
  const result = await migrate(database);
  if (result.applied.length > 0) logger.info({ applied: result.applied }, 'migrations applied');
  const seedDemo = config.SEED_DEMO ?? database.engine === 'pglite';
  if (seedDemo && !(await isSeeded(database))) {
    // Moved to today, so the demo shows current work (tests seed unshifted, see test/helpers).
    const seeded = await seedDemoRegion(database, undefined, { now: new Date() });
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
  /** Benchmark only: see HubOptions.unguardedBaseline (throws when NODE_ENV=production). */
  unguardedBaseline?: boolean;
}

/**
 * The access log's keys. Production refuses to start with the development keys, which are in the
 * repository: a pseudonym made with a public key is no pseudonym, and a checkpoint signed with one
 * proves nothing.
 */
export function createAccessLog(config: Config): AccessLog {
  const production = config.NODE_ENV === 'production';
  if (production && !config.AUDIT_PSEUDONYM_KEY) throw new AuditConfigError('AUDIT_PSEUDONYM_KEY must be set when NODE_ENV=production');
  if (production && !config.AUDIT_SIGNING_KEY_FILE) throw new AuditConfigError('AUDIT_SIGNING_KEY_FILE must be set when NODE_ENV=production');
  let signingKey;
  try {
    signingKey = loadSigningKey(config.AUDIT_SIGNING_KEY_FILE ? resolve(config.AUDIT_SIGNING_KEY_FILE) : DEV_SIGNING_KEY_FILE);
  } catch (error) {
    throw new AuditConfigError(`AUDIT_SIGNING_KEY_FILE: ${(error as Error).message}`);
  }
  return new AccessLog({
    pseudonymKey: config.AUDIT_PSEUDONYM_KEY ?? DEV_PSEUDONYM_KEY,
    signingKey,
    checkpointEvery: config.AUDIT_CHECKPOINT_EVERY,
    checkpointMinutes: config.AUDIT_CHECKPOINT_MINUTES,
    signals: { pupilsPerHour: config.AUDIT_SIGNAL_PUPILS_PER_HOUR, refusalsPerHour: config.AUDIT_SIGNAL_REFUSALS_PER_HOUR },
  });
}

export class AuditConfigError extends Error {}

/** The key that seals webhook secrets: the development key is public, so production refuses it. */
export function webhookSecretKey(config: Config): string {
  if (config.NODE_ENV === 'production' && !config.WEBHOOK_SECRET_KEY) throw new AuditConfigError('WEBHOOK_SECRET_KEY must be set when NODE_ENV=production');
  return config.WEBHOOK_SECRET_KEY ?? DEV_WEBHOOK_SECRET_KEY;
}

export function assembleHub({ config, database, logger, issuers, clock, unguardedBaseline }: AssembleOptions): Hub {
  if (unguardedBaseline && config.NODE_ENV === 'production') throw new UnguardedBaselineInProductionError();
  const directory = new OrganisationDirectory(database.db);
  const trusted = issuers ?? trustedIssuers(config);
  const metrics = createMetrics({ processMetrics: config.NODE_ENV !== 'test' });
  const verifyBearer = createVerifier({
    issuers: trusted,
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
    hardening: hardeningFromConfig(config),
    accessLog: createAccessLog(config),
    webhookSecretKey: webhookSecretKey(config),
    console: {
      directory: config.CONSOLE_DIR ? resolve(config.CONSOLE_DIR) : DEFAULT_CONSOLE_DIR,
      // The demo issuer's key is public: its sign-in only outside production, and only where the
      // hub trusts that issuer at all.
      devSignIn: config.NODE_ENV !== 'production' && [...trusted.values()].some((issuer) => issuer.demo),
    },
    ...(clock ? { clock } : {}),
    ...(unguardedBaseline ? { unguardedBaseline: true } : {}),
  });
}
