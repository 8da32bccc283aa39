// One typed query layer (kysely) over two engines: a PostgreSQL server through `pg`, or an embedded
// PGlite database. Both run the same SQL migrations and return the same JS types.
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Tables } from './tables.ts';

export type Engine = 'postgres' | 'pglite';

export interface Database {
  readonly engine: Engine;
  readonly db: Kysely<Tables>;
  /** Runs a multi-statement SQL script (migrations) outside kysely's prepared statements. */
  execScript(sql: string): Promise<void>;
  /** true when the database answers a trivial query (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** The embedded engine itself, when there is one (the test harness snapshots it). */
  readonly pglite?: PGlite;
  /** Statements run through kysely since start: tests use it to prove a request's query count. */
  readonly stats: { queries: number };
  /** The connection pool now (PostgreSQL; PGlite has its one session): for the metrics. */
  poolStats?(): { total: number; idle: number; waiting: number; max: number };
  /**
   * LISTEN on a channel: `onPayload` gets each NOTIFY payload (from any session, at its commit).
   * Resolves once listening; the function it gives stops it.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
}

function createKysely(pool: PostgresPool, stats: { queries: number }): Kysely<Tables> {
  return new Kysely<Tables>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') stats.queries++;
    },
  });
}

// Type OIDs whose default parsing differs between pg and PGlite, or loses information.
const DATE_OID = 1082; // date -> 'YYYY-MM-DD', never a Date at local midnight
const INT8_OID = 20; // bigint (count(*), bigserial) -> number; our counts stay far below 2^53
const NUMERIC_OID = 1700;

const identity = (value: string) => value;
const toNumber = (value: string | number | bigint) => Number(value);

let pgTypesConfigured = false;
function configurePgTypes(): void {
  if (pgTypesConfigured) return;
  pg.types.setTypeParser(DATE_OID, identity);
  pg.types.setTypeParser(INT8_OID, toNumber);
  pg.types.setTypeParser(NUMERIC_OID, toNumber);
  pgTypesConfigured = true;
}

export interface PostgresOptions {
  connectionString: string;
  maxConnections?: number;
  statementTimeoutMs?: number;
  /** A connection was cut (server restart, failover, an administrator, a session timeout). */
  onConnectionError?: (error: Error) => void;
  /** Run every connection as this role (SET ROLE): the application role, see migration 0004. */
  role?: string;
}

export function connectPostgres(options: PostgresOptions): Database {
  configurePgTypes();
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    // Applied per connection so a runaway query cannot hold a connection forever.
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    // No JIT compilation: the policy's subqueries make the planner's cost estimates of a request's
    // short queries high enough to JIT-compile them (~850 ms for a pupil's timeline on a busy
    // machine, for a query that runs in a few milliseconds). Requests are short; JIT pays off only
    // for long analytical queries, which the hub does not run on this pool.
    options: '-c jit=off',
    // Each new connection switches to the role before the pool hands it out; when SET ROLE fails the
    // connection is dropped and whoever asked for it gets the error (never a connection working as
    // the owner).
    ...(options.role ? { onConnect: (client: pg.ClientBase) => client.query(`SET ROLE ${quoteIdentifier(options.role!)}`).then(() => undefined) } : {}),
  });
  // A connection can be cut by the server (restart, failover, an administrator, a session timeout).
  // pg emits 'error' on the client, and an 'error' event nobody listens to ends the process. pg-pool
  // listens only while the client is idle (and re-emits on the pool); while it is checked out, this
  // listener of the client's own is the only one. Its query fails (the request gets 503, see
  // isConnectionLost) and on release the pool drops the client, which is no longer queryable, and
  // opens a new one when needed.
  pool.on('error', () => undefined); // already reported by the client's own listener
  pool.on('connect', (client) => {
    client.on('error', (error) => options.onConnectionError?.(error));
  });
  const stats = { queries: 0 };
  const db = createKysely(pool, stats);
  return {
    engine: 'postgres',
    db,
    stats,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max }),
    // No parameters: pg uses the simple query protocol, which accepts several statements.
    execScript: (sql) => runScript(() => pool.connect(), (client, text) => client.query(text), sql),
    ping: () => ping(db),
    listen: (channel, onPayload) => listenPostgres(options, channel, onPayload),
    async close() {
      await db.destroy();
    },
  };
}

/**
 * A connection of its own for LISTEN (a pooled one would be handed to others). When it drops, it
 * comes back after a second; notifications sent meanwhile are missed, which is why subscribers
 * are told to re-query after a reconnect and webhooks come from the outbox, not from NOTIFY.
 */
async function listenPostgres(options: PostgresOptions, channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | null = null;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.connectionString });
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload) onPayload(message.payload);
    });
    next.on('error', (error) => {
      options.onConnectionError?.(error);
      client = null;
      void next.end().catch(() => undefined);
      if (!stopped) setTimeout(() => void connect().catch(() => undefined), 1000).unref();
    });
    await next.connect();
    await next.query(`LISTEN ${quoteIdentifier(channel)}`);
    client = next;
  };
  await connect();
  return async () => {
    stopped = true;
    await client?.end().catch(() => undefined);
  };
}

export interface PGliteOptions {
  /** Folder for the database files; undefined keeps it in memory (tests). */
  dataDir?: string;
  /** Run the (single) session as this role; see PostgresOptions.role. */
  role?: string;
  /** A data directory dump (from `dumpDataDir`) to start from instead of an empty cluster. */
  loadDataDir?: Blob | File;
}

export async function openPGlite(options: PGliteOptions = {}): Promise<Database> {
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    parsers: { [DATE_OID]: identity, [INT8_OID]: toNumber, [NUMERIC_OID]: toNumber },
  });
  if (options.role) await pglite.exec(`SET ROLE ${quoteIdentifier(options.role)}`);
  const pool = new PGlitePool(pglite);
  const stats = { queries: 0 };
  const db = createKysely(pool, stats);
  return {
    engine: 'pglite',
    db,
    stats,
    execScript: (sql) => runScript(() => pool.connect(), (_client, text) => pglite.exec(text), sql),
    ping: () => ping(db),
    async listen(channel, onPayload) {
      // LISTEN through the one session while no transaction holds it (inside one, it would wait for
      // that transaction's commit, or vanish with its rollback).
      const client = await pool.connect();
      let stop: (() => Promise<void>) | undefined;
      try {
        stop = await pglite.listen(channel, onPayload);
      } finally {
        client.release();
      }
      return async () => {
        const held = await pool.connect();
        try {
          await stop?.();
        } finally {
          held.release();
        }
      };
    },
    async close() {
      await db.destroy();
      await pglite.close();
    },
    pglite,
  };
}

// SQLSTATE class 08 (connection exception); 57P01-57P03: the server ended or refuses the session.
const CONNECTION_LOST_CODES = /^(08...|57P0[123]|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)$/;
const CONNECTION_LOST_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed and is not queryable)/;

/**
 * Whether an error (or what it wraps) means the database could not be reached or the connection
 * was cut, rather than a refusal of the statement: the request failed for want of a database and
 * may be retried.
 */
export function isConnectionLost(error: unknown): boolean {
  for (let current = error, hops = 0; current && hops < 5; current = (current as { originalError?: unknown; cause?: unknown }).originalError ?? (current as { cause?: unknown }).cause, hops++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && CONNECTION_LOST_CODES.test(code)) return true;
    if (typeof message === 'string' && CONNECTION_LOST_MESSAGES.test(message)) return true;
  }
  return false;
}

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Runs a script on one borrowed session; a failed script must not hand back an aborted transaction. */
async function runScript<C extends { release(): void }>(
  connect: () => Promise<C>,
  run: (client: C, sql: string) => Promise<unknown>,
  sql: string,
): Promise<void> {
  const client = await connect();
  try {
    await run(client, sql);
  } catch (error) {
    await run(client, 'ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function ping(db: Kysely<Tables>): Promise<boolean> {
  try {
    await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    return true;
  } catch {
    return false;
  }
}

/**
 * PGlite is one session on one thread. kysely's PostgresDialect asks a pool for a connection per
 * query or per transaction; this pool hands out the single session to one borrower at a time, so
 * two concurrent transactions can never interleave their statements in the same session.
 */
class PGlitePool implements PostgresPool {
  #queue: Promise<void> = Promise.resolve();
  constructor(private readonly pglite: PGlite) {}

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const previous = this.#queue;
    this.#queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    const pglite = this.pglite;
    let released = false;
    const client = {
      async query(sql: string, parameters: readonly unknown[]) {
        const result = await pglite.query<Record<string, unknown>>(sql, parameters as unknown[]);
        return {
          command: commandOf(sql),
          rowCount: result.affectedRows ?? result.rows.length,
          rows: result.rows,
        };
      },
      release() {
        if (released) return;
        released = true;
        release();
      },
    };
    // kysely only uses the (sql, parameters) form; streaming cursors are not supported on PGlite.
    return client as unknown as PostgresPoolClient;
  }

  async end() {
    // Closing the PGlite instance is the owner's job (Database.close).
  }
}

function commandOf(sql: string): 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE' {
  // Only used by kysely for numAffectedRows; code that needs certainty uses RETURNING instead.
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
  switch (word) {
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
      return word;
    default:
      return 'SELECT';
  }
}
