// Every check a start can make from the configuration alone, made before the hub creates a data
// directory, opens a database or migrates one: a production start with a missing key must refuse
// with nothing touched, not after it has created, migrated and seeded a database. Every problem is
// reported at once (one line each), so an operator fixes them in one round.
import { existsSync } from 'node:fs';
import pg from 'pg';
import { resolve } from 'node:path';
import { IssuerConfigError, type TrustedIssuer } from './auth/issuers.ts';
import type { AccessLog } from './audit/chain.ts';
import { ConfigError, type Config } from './config.ts';
import { hardeningFromConfig, type Hardening } from './http/hardening.ts';
import { AuditConfigError, createAccessLog, MIGRATION_APP_ROLE, trustedIssuers, webhookSecretKey } from './hub.ts';

export class PreflightError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** What the checks built (keys parsed, files read); assembleHub uses them instead of reading again. */
export interface Checked {
  accessLog: AccessLog;
  webhookSecretKey: string;
  issuers: Map<string, TrustedIssuer>;
  hardening: Hardening;
}

/**
 * Checks keys, issuers, CORS and files; throws a PreflightError listing every problem. No I/O but
 * reading files. `databaseIssuers`: how many enabled issuers the database holds (see
 * preflightStart); a production start without issuers in TRUSTED_ISSUERS_FILE is refused only when
 * the database has none either.
 */
export function preflight(config: Config, options: { databaseIssuers?: number } = {}): Checked {
  const production = config.NODE_ENV === 'production';
  const problems: string[] = [];
  const attempt = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (error) {
      if (error instanceof AuditConfigError || error instanceof IssuerConfigError || error instanceof ConfigError) {
        problems.push(error.message);
        return undefined;
      }
      throw error;
    }
  };
  if (production && !config.AUDIT_PSEUDONYM_KEY) problems.push('AUDIT_PSEUDONYM_KEY must be set when NODE_ENV=production');
  if (production && !config.AUDIT_SIGNING_KEY_FILE) problems.push('AUDIT_SIGNING_KEY_FILE must be set when NODE_ENV=production');
  // With both set, the signing key file is read and parsed (a wrong path or key type is caught here).
  const accessLog = problems.length === 0 ? attempt(() => createAccessLog(config)) : undefined;
  const secretKey = attempt(() => webhookSecretKey(config));
  const issuers = attempt(() => trustedIssuers(config));
  if (production && issuers && issuers.size === 0 && !options.databaseIssuers)
    problems.push(
      'no trusted issuers: set TRUSTED_ISSUERS_FILE to the identity providers of the organisations, or register them with `npm run admin -- issuer add` (the demo issuer is refused in production)',
    );
  if (production)
    for (const origin of config.CORS_ORIGINS)
      if (!origin.startsWith('https://')) problems.push(`CORS_ORIGINS: ${origin} is not https: browsers send bearer tokens only to HTTPS origins in production`);
  if (production && config.PUBLIC_URL && !config.PUBLIC_URL.startsWith('https://'))
    problems.push('PUBLIC_URL must be https when NODE_ENV=production: the console session cookie is Secure');
  if (production && !config.DATABASE_APP_ROLE)
    problems.push('DATABASE_APP_ROLE must be set when NODE_ENV=production: the hub works as a role that may only append to the access log');
  if (production && !config.DATABASE_URL && config.DATABASE_APP_ROLE && config.DATABASE_APP_ROLE !== MIGRATION_APP_ROLE && !existsSync(resolve(config.DATA_DIR)))
    problems.push(`DATABASE_APP_ROLE: role ${config.DATABASE_APP_ROLE} cannot exist in a new PGlite database (only ${MIGRATION_APP_ROLE} is created)`);
  // A job's run keeps one pooled connection for its lock while its queries use another.
  if (config.DATABASE_URL && config.DATABASE_POOL_MAX < 2 && (config.RETENTION_JOB_INTERVAL_SECONDS > 0 || config.EXPIRY_JOB_INTERVAL_SECONDS > 0))
    problems.push('DATABASE_POOL_MAX must be at least 2 while a background job is on: a run holds one connection for its lock');
  const hardening = attempt(() => hardeningFromConfig(config));
  if (problems.length > 0 || !accessLog || secretKey === undefined || !issuers || !hardening) throw new PreflightError(problems);
  return { accessLog, webhookSecretKey: secretKey, issuers, hardening };
}

/**
 * preflight() for `npm start`: in production, when TRUSTED_ISSUERS_FILE names no usable issuer, the
 * issuers may come from the database (`npm run admin -- issuer add`). Their number is read without
 * creating or migrating anything: a PGlite data directory that does not exist has none (and is not
 * created), and on PostgreSQL a database without the table has none.
 */
export async function preflightStart(config: Config): Promise<Checked> {
  let databaseIssuers: number | undefined;
  if (config.NODE_ENV === 'production') {
    let fileIssuers = 1;
    try {
      fileIssuers = trustedIssuers(config).size;
    } catch {
      // preflight() reports the file's problem.
    }
    if (fileIssuers === 0) databaseIssuers = await countDatabaseIssuers(config);
  }
  return preflight(config, databaseIssuers === undefined ? {} : { databaseIssuers });
}

async function countDatabaseIssuers(config: Config): Promise<number> {
  const query = `SELECT CASE WHEN to_regclass('public.trusted_issuers') IS NULL THEN 0
    ELSE (SELECT count(*) FROM trusted_issuers WHERE disabled_at IS NULL) END::int AS n`;
  try {
    if (config.DATABASE_URL) {
      const client = new pg.Client({ connectionString: config.DATABASE_URL, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        return (await client.query<{ n: number }>(query)).rows[0]?.n ?? 0;
      } finally {
        await client.end();
      }
    }
    const dataDir = resolve(config.DATA_DIR);
    if (!existsSync(dataDir)) return 0;
    const { openPGlite } = await import('./db/database.ts');
    const database = await openPGlite({ dataDir });
    try {
      return (await database.pglite!.query<{ n: number }>(query)).rows[0]?.n ?? 0;
    } finally {
      await database.close();
    }
  } catch {
    // Unreachable or unreadable: counted as none; opening the database later reports why.
    return 0;
  }
}
