// Assembles a hub from configuration: database, migrations, demo data, trusted issuers. Used by
// `npm start` (main.ts), the CLI commands and the tests, so all three run the same wiring.
import { DEV_WEBHOOK_SECRET_KEY } from './events/webhooks.ts';
import { mkdirSync } from 'node:fs';
import { sql } from 'kysely';
import { resolve } from 'node:path';
import { DEMO_ISSUERS_FILE, loadTrustedIssuers, type TrustedIssuer } from './auth/issuers.ts';
import { createVerifier } from './auth/verify.ts';
import { IssuerRegistry } from './auth/issuer-registry.ts';
import { createSignIn } from './signin/flow.ts';
import { AccessLog, DEV_PSEUDONYM_KEY, DEV_SIGNING_KEY_FILE, loadSigningKey, type PseudonymKey } from './audit/chain.ts';
import type { Config } from './config.ts';
import { connectPostgres, openPGlite, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { isSeeded, seedDemoRegion } from './demo/region.ts';
import { DEFAULT_CONSOLE_DIR } from './http/console.ts';
import { createHub, UnguardedBaselineInProductionError, type Hub } from './http/app.ts';
import { hardeningFromConfig } from './http/hardening.ts';
import type { Logger } from './logging.ts';
import type { GatewayFactory } from './graphql/context.ts';
import type { JobDefinition } from './jobs/scheduler.ts';
import { createMetrics } from './metrics.ts';
import { expireStaleReferrals } from './referrals/service.ts';
import { runRetention } from './retention/engine.ts';
import { PreflightError, type Checked } from './preflight.ts';
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
  const production = config.NODE_ENV === 'production';
  const role = config.DATABASE_APP_ROLE;
  const owner = await openDatabase(config, logger);
  try {
    // In production the hub never works as the owner: an unusable role stops the start, on a
    // server before anything is migrated.
    if (production && owner.engine === 'postgres') {
      const problem = await checkAppRoleBeforeMigrating(owner, role);
      if (problem) throw new PreflightError([problem]);
    }
    await prepareDatabase(owner, config, logger);
    if (!(await canUseRole(owner, role))) {
      if (production) throw new PreflightError([`DATABASE_APP_ROLE: the connecting user cannot work as role ${role || '(none)'}`]);
      if (role) logger.warn({ role }, 'application role not usable; working as the connecting user');
      return owner;
    }
  } catch (error) {
    await owner.close();
    throw error;
  }
  await owner.close();
  return openAppDatabase(config, logger, role);
}

/**
 * The database as the application role, on an already migrated database (the workers of a cluster:
 * the supervisor migrated). `role` null: the connecting user, as a development start decided.
 */
export async function openAppDatabase(config: Config, logger: Logger, role: string | null): Promise<Database> {
  if (role === null) return openDatabase(config, logger);
  const app = await openDatabase(config, logger, role);
  // Every pooled connection runs SET ROLE before its first query, and a failure fails that query;
  // this one proves it on the first connection rather than on the first request.
  const current = await sql<{ user: string }>`SELECT current_user AS user`.execute(app.db).catch(async (error: Error) => {
    await app.close();
    throw new PreflightError([`DATABASE_APP_ROLE: cannot work as role ${role}: ${error.message}`]);
  });
  if (current.rows[0]?.user !== role) {
    await app.close();
    throw new PreflightError([`DATABASE_APP_ROLE: connections work as ${current.rows[0]?.user}, not as role ${role}`]);
  }
  return app;
}

/** The role migration 0004 creates where the connecting user may create roles. */
export const MIGRATION_APP_ROLE = 'ketenhub_app';

/**
 * Before migrating: can the connecting user work as `role`? Either it is a member of the role now, or
 * the role is the one migration 0004 creates and the user may create roles. Returns the problem, or null.
 */
export async function checkAppRoleBeforeMigrating(database: Database, role: string): Promise<string | null> {
  if (!role) return 'DATABASE_APP_ROLE must be set when NODE_ENV=production';
  const result = await sql<{ exists: boolean; member: boolean; creates: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${role}) AS exists,
           EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${role}) AND pg_has_role(current_user, ${role}, 'MEMBER') AS member,
           (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) AS creates`.execute(database.db);
  const row = result.rows[0]!;
  if (row.member) return null;
  if (!row.exists && role === MIGRATION_APP_ROLE && row.creates) return null;
  return row.exists
    ? `DATABASE_APP_ROLE: the connecting user is not a member of role ${role} (GRANT ${role} TO <user>)`
    : `DATABASE_APP_ROLE: role ${role} does not exist${role === MIGRATION_APP_ROLE ? ' and the connecting user may not create it' : ''}`;
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
  /** Benchmark only: see HubOptions.baseline (throws when NODE_ENV=production). */
  baseline?: { gateway: GatewayFactory };
  /** What preflight(config) built at start; without it the same is built from the configuration here. */
  checked?: Checked;
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
    pseudonymKeyVersion: config.AUDIT_PSEUDONYM_KEY_VERSION,
    previousPseudonymKeys: previousPseudonymKeys(config),
    signingKey,
    checkpointEvery: config.AUDIT_CHECKPOINT_EVERY,
    checkpointMinutes: config.AUDIT_CHECKPOINT_MINUTES,
    signals: { pupilsPerHour: config.AUDIT_SIGNAL_PUPILS_PER_HOUR, refusalsPerHour: config.AUDIT_SIGNAL_REFUSALS_PER_HOUR },
  });
}

export class AuditConfigError extends Error {}

/** AUDIT_PSEUDONYM_PREVIOUS_KEYS: `version:key,version:key`, each an earlier version than the current. */
function previousPseudonymKeys(config: Config): PseudonymKey[] {
  if (!config.AUDIT_PSEUDONYM_PREVIOUS_KEYS) return [];
  const keys = config.AUDIT_PSEUDONYM_PREVIOUS_KEYS.split(',').map((entry) => {
    const match = /^\s*(\d{1,5}):(.+?)\s*$/.exec(entry);
    if (!match) throw new AuditConfigError('AUDIT_PSEUDONYM_PREVIOUS_KEYS: each entry must be version:key, separated by commas');
    const version = Number(match[1]);
    if (match[2]!.length < 32) throw new AuditConfigError(`AUDIT_PSEUDONYM_PREVIOUS_KEYS: the key of version ${version} must be at least 32 characters`);
    if (version < 1 || version >= config.AUDIT_PSEUDONYM_KEY_VERSION)
      throw new AuditConfigError(`AUDIT_PSEUDONYM_PREVIOUS_KEYS: version ${version} must be below AUDIT_PSEUDONYM_KEY_VERSION (${config.AUDIT_PSEUDONYM_KEY_VERSION})`);
    return { version, key: match[2]! };
  });
  if (new Set(keys.map((key) => key.version)).size !== keys.length) throw new AuditConfigError('AUDIT_PSEUDONYM_PREVIOUS_KEYS: a version appears twice');
  return keys;
}

/** The key that seals webhook secrets: the development key is public, so production refuses it. */
export function webhookSecretKey(config: Config): string {
  if (config.NODE_ENV === 'production' && !config.WEBHOOK_SECRET_KEY) throw new AuditConfigError('WEBHOOK_SECRET_KEY must be set when NODE_ENV=production');
  return config.WEBHOOK_SECRET_KEY ?? DEV_WEBHOOK_SECRET_KEY;
}

export function assembleHub({ config, database, logger, issuers, clock, baseline, checked }: AssembleOptions): Hub {
  if (baseline && config.NODE_ENV === 'production') throw new UnguardedBaselineInProductionError();
  const directory = new OrganisationDirectory(database.db);
  const trusted = issuers ?? checked?.issuers ?? trustedIssuers(config);
  // The file's issuers and those registered with `npm run admin -- issuer` (the file wins).
  const registry = new IssuerRegistry(trusted, database.db, {
    reloadMs: config.ISSUER_RELOAD_SECONDS * 1000,
    production: config.NODE_ENV === 'production',
    logger,
  });
  const metrics = createMetrics({ processMetrics: config.NODE_ENV !== 'test' });
  const verifyBearer = createVerifier({
    issuers: registry,
    organisations: directory,
    maxLifetimeSeconds: config.TOKEN_MAX_LIFETIME_SECONDS,
    clockToleranceSeconds: config.TOKEN_CLOCK_TOLERANCE_SECONDS,
    ...(clock ? { now: () => clock().getTime() } : {}),
  });
  const accessLog = checked?.accessLog ?? createAccessLog(config);
  const secretKey = checked?.webhookSecretKey ?? webhookSecretKey(config);
  const production = config.NODE_ENV === 'production';
  return createHub({
    database,
    logger,
    metrics,
    verifyBearer,
    directory,
    production,
    hardening: checked?.hardening ?? hardeningFromConfig(config),
    accessLog,
    webhookSecretKey: secretKey,
    signIn: createSignIn({
      db: database.db,
      directory,
      accessLog,
      clock: clock ?? (() => new Date()),
      logger,
      production,
      publicUrl: config.PUBLIC_URL,
      secretKey,
      timeouts: { idleMs: config.SESSION_IDLE_MINUTES * 60_000, absoluteMs: config.SESSION_MAX_HOURS * 3600_000 },
    }),
    console: {
      directory: config.CONSOLE_DIR ? resolve(config.CONSOLE_DIR) : DEFAULT_CONSOLE_DIR,
      // The demo issuer's key is public: its sign-in only outside production, and only where the
      // hub trusts that issuer at all.
      devSignIn: config.NODE_ENV !== 'production' && [...trusted.values()].some((issuer) => issuer.demo),
    },
    ...(clock ? { clock } : {}),
    ...(baseline ? { baseline } : {}),
  });
}

/** The hub's background jobs (src/jobs/scheduler.ts runs them): what each does, and how often. */
export function hubJobs(config: Config, database: Database, accessLog: AccessLog): JobDefinition[] {
  return [
    {
      // What the register's retention periods no longer allow goes (docs/privacy-officers.md: Retention).
      name: 'retention',
      intervalSeconds: config.RETENTION_JOB_INTERVAL_SECONDS,
      async run(now) {
        const report = await runRetention({ db: database.db, accessLog, now });
        return {
          planned: report.items.length,
          cases: report.deleted.cases,
          anonymisedCases: report.deleted.anonymisedCases,
          referrals: report.deleted.referrals,
          pupils: report.deleted.pupils,
          events: report.deleted.events,
          transactions: report.transactions,
        };
      },
    },
    {
      // Referrals left REQUESTED for 30 days expire, with an event.
      name: 'expiry',
      intervalSeconds: config.EXPIRY_JOB_INTERVAL_SECONDS,
      run: async (now) => ({ expired: await expireStaleReferrals(database.db, now) }),
    },
  ];
}
