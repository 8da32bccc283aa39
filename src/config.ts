// Configuration is read once, from the environment, and validated. A bad value stops the process
// with one line naming the variable (see main.ts), never a stack trace.
import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** PostgreSQL server; when absent the hub runs on embedded PGlite in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** Seed the demo region into an empty database at start. Default: on for PGlite, off for a server. */
  SEED_DEMO: booleanFlag.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** JSON file listing the trusted token issuers and their keys; default: the demo issuer. */
  TRUSTED_ISSUERS_FILE: z.string().min(1).optional(),
  /** Maximum accepted token lifetime (exp - iat), in seconds. */
  TOKEN_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(12 * 3600),
  /** Clock tolerance for exp/nbf/iat, in seconds; the brief caps it at 60. */
  TOKEN_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(60).default(30),
  /** Allows the demo issuer (whose signing key is in the repository) when NODE_ENV=production. */
  ALLOW_DEMO_ISSUER_IN_PRODUCTION: booleanFlag.default(false),
  /** How often the hub expires referrals left REQUESTED for 30 days; 0 turns the job off. */
  EXPIRY_JOB_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(7 * 24 * 3600).default(3600),
  /**
   * Key for the access log's pseudonyms of pupils (HMAC-SHA256), at least 32 characters. Without it a
   * development key is used, which NODE_ENV=production refuses.
   */
  AUDIT_PSEUDONYM_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Ed25519 private key (PEM file) that signs access-log checkpoints; development key when absent. */
  AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** A signed checkpoint of the access log every this many records... */
  AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** ...or every this many minutes, whichever comes first (0: only by count). */
  AUDIT_CHECKPOINT_MINUTES: z.coerce.number().int().min(0).max(24 * 60).default(15),
  /** Grace period for in-flight requests on SIGTERM. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parses the environment; throws a ConfigError whose message is one line per bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset: `PORT= npm start` should mean the default, not "invalid number".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      // Never echo the value: DATABASE_URL may hold a password.
      return `invalid configuration: ${name}: ${issue.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  return parsed.data;
}
