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
  /**
   * The role the hub works as after migrating (SET ROLE): on the access log it may only INSERT and
   * SELECT. Created by migration 0004 where the connecting user may; empty: stay the connecting user.
   */
  DATABASE_APP_ROLE: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a plain role name').or(z.literal('')).default('ketenhub_app'),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** Seed the demo region into an empty database at start. Default: on for PGlite, off for a server. */
  SEED_DEMO: booleanFlag.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** JSON file listing the trusted token issuers and their keys; default: the demo issuer. */
  TRUSTED_ISSUERS_FILE: z.string().min(1).optional(),
  /**
   * How often a running hub reads the issuers registered in the database (`npm run admin -- issuer`)
   * again, in seconds: an added, rotated or disabled issuer takes effect within this time. 0: before
   * every token verification (tests).
   */
  ISSUER_RELOAD_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  /**
   * The hub's address as browsers reach it, e.g. https://ketenhub.example.nl: the console's origin
   * (only it may use a session cookie) and the base of the OpenID Connect redirect URI
   * (<PUBLIC_URL>/sign-in/callback). Needed for console sign-in; https in production.
   */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** A console session ends after this many minutes without a request (idle timeout). */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** A console session ends this many hours after sign-in, however busy (absolute timeout). */
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24).default(10),
  /** Maximum accepted token lifetime (exp - iat), in seconds. */
  TOKEN_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(12 * 3600),
  /** Clock tolerance for exp/nbf/iat, in seconds; at most 60, so a skewed clock cannot stretch a token's life much. */
  TOKEN_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(60).default(30),
  /** Allows the demo issuer (whose signing key is in the repository) when NODE_ENV=production. */
  ALLOW_DEMO_ISSUER_IN_PRODUCTION: booleanFlag.default(false),
  /** How often the hub expires referrals left REQUESTED for 30 days; 0 turns the job off. */
  EXPIRY_JOB_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(7 * 24 * 3600).default(3600),
  /** How often this instance sends due webhooks, in milliseconds (0: never). */
  WEBHOOK_DISPATCH_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  /** How often the hub deletes what the register's retention periods no longer allow (0: never; then run `npm run retention`). */
  RETENTION_JOB_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(7 * 24 * 3600).default(24 * 3600),
  /** The jobs (retention, expiry) first run this long after start, then on their intervals. */
  JOBS_START_DELAY_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).default(30),
  /** Prometheus metrics at GET /metrics on a port of their own (not the API's); 0: any free port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  /** Interface of the metrics port; default: HOST. */
  METRICS_HOST: z.string().min(1).optional(),
  /**
   * Key for the access log's pseudonyms of pupils (HMAC-SHA256), at least 32 characters. Without it a
   * development key is used, which NODE_ENV=production refuses.
   */
  AUDIT_PSEUDONYM_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The version of AUDIT_PSEUDONYM_KEY, named in every record; raise it with every new key. */
  AUDIT_PSEUDONYM_KEY_VERSION: z.coerce.number().int().min(1).max(32_767).default(1),
  /**
   * Earlier pseudonym keys, `version:key` separated by commas (keys without commas), so queries by
   * pupil also find the records made under them. Rotation: see docs/access-log.md.
   */
  AUDIT_PSEUDONYM_PREVIOUS_KEYS: z.string().min(1).optional(),
  /** Seals the webhook endpoints' signing secrets at rest (AES-256-GCM); required in production. */
  WEBHOOK_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Ed25519 private key (PEM file) that signs access-log checkpoints; development key when absent. */
  AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** A signed checkpoint of the access log every this many records... */
  AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** ...or every this many minutes, whichever comes first (0: only by count). */
  AUDIT_CHECKPOINT_MINUTES: z.coerce.number().int().min(0).max(24 * 60).default(15),
  /** Signal for privacy officers: one person touching more distinct pupils than this in an hour. */
  AUDIT_SIGNAL_PUPILS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(50),
  /** Signal for privacy officers: one person refused more often than this in an hour. */
  AUDIT_SIGNAL_REFUSALS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(10),
  /** Grace period for in-flight requests on SIGTERM. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /**
   * Hub processes serving the one port (node:cluster, src/serve/). Default: one per core on
   * PostgreSQL; on PGlite, whose data directory one process owns, always 1.
   */
  HUB_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  /** The built console served at /console (`npm run console:build`); default dist/console. */
  CONSOLE_DIR: z.string().min(1).optional(),
  // --- Hardening: query limits, production surface, rate limits, overload. docs/operations.md: Limits and hardening.
  /** Deepest selection nesting of an operation (fragment spreads count as a level). */
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(8),
  /**
   * Depth allowed for an operation whose every root field is introspection (`__schema`, `__type`,
   * `__typename`); GraphiQL's standard introspection query needs 21. Anything else, also an
   * operation that selects `__schema` beside data or is named `__schema`, gets GRAPHQL_MAX_DEPTH.
   */
  GRAPHQL_MAX_INTROSPECTION_DEPTH: z.coerce.number().int().min(1).max(100).default(21),
  /** Aliases per operation (every alias counts, `__typename` ones too). */
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(15),
  /** Directives per operation. */
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1000).default(50),
  /** Lexical tokens per document. */
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(10).max(100_000).default(2000),
  /** Estimated cost per operation: 1 per field, a connection's edges multiplied by its `first`. */
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).max(10_000_000).default(5000),
  /** Largest `first` of any connection (the schema's hard maximum is 100). */
  GRAPHQL_MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(100).default(100),
  /** Schema introspection; default: on, except with NODE_ENV=production. */
  GRAPHQL_INTROSPECTION: booleanFlag.optional(),
  /** JSON file { "<sha256 of the query text>": "<query text>" }: when set, only these operations run. */
  PERSISTED_OPERATIONS_FILE: z.string().min(1).optional(),
  /** Comma-separated browser origins allowed by CORS, e.g. https://console.example.nl; none by default. */
  CORS_ORIGINS: z
    .string()
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s,]+$/, 'must be a comma-separated list of origins such as https://console.example.nl')))
    .default([]),
  /** Rate limit window; each limit below allows that many GraphQL requests per window (token bucket). */
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Requests per window per token subject (person or system); 0 turns it off. */
  RATE_LIMIT_PER_SUBJECT: z.coerce.number().int().min(0).max(1_000_000).default(300),
  /** Requests per window per organisation, all its subjects together; 0 turns it off. */
  RATE_LIMIT_PER_ORGANISATION: z.coerce.number().int().min(0).max(1_000_000).default(1200),
  /** Largest accepted request body (JSON). 1 MiB holds a batch of 5,000 reports of pupils out of view. */
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(1024 * 1024),
  /** Largest accepted multipart upload (a school's CSV file of up to 5,000 reports). */
  HTTP_UPLOAD_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(4 * 1024 * 1024),
  /** A GraphQL request not answered within this time gets 503 (TIMEOUT). */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Open subscription streams (server-sent events) at once; more get 503 (OVERLOADED). */
  HTTP_MAX_STREAMS: z.coerce.number().int().min(1).max(100_000).default(500),
  /** GraphQL requests in progress at once; more are shed with 503 (OVERLOADED) and Retry-After. */
  HTTP_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(64),
  /** GraphQL requests of one organisation in progress at once: its share of HTTP_MAX_IN_FLIGHT; 0 turns it off. */
  HTTP_MAX_IN_FLIGHT_PER_ORGANISATION: z.coerce.number().int().min(0).max(10_000).default(16),
  /** Summed query cost (see GRAPHQL_MAX_COST) of one organisation's operations in progress; 0 turns it off. */
  HTTP_MAX_COST_IN_FLIGHT_PER_ORGANISATION: z.coerce.number().int().min(0).max(100_000_000).default(10_000),
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
  if ((parsed.data.HUB_WORKERS ?? 1) > 1 && !parsed.data.DATABASE_URL) {
    throw new ConfigError('invalid configuration: HUB_WORKERS: more than one worker needs DATABASE_URL (one process owns a PGlite data directory)');
  }
  return parsed.data;
}
