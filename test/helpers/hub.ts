// A hub per test file, on its own copy of the seeded demo database (PGlite by default, PostgreSQL
// when DATABASE_URL is set), driven through HTTP with supertest like any client would.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import supertest from 'supertest';
import { inject } from 'vitest';
import { signDevToken } from '../../src/auth/dev-token.ts';
import type { TrustedIssuer } from '../../src/auth/issuers.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Kysely } from 'kysely';
import { connectPostgres, openPGlite, type Database } from '../../src/db/database.ts';
import type { Tables } from '../../src/db/tables.ts';
import { DEMO_BASE_TIME } from '../../src/demo/region.ts';
import type { Hub } from '../../src/http/app.ts';
import { assembleHub } from '../../src/hub.ts';
import { createLogger } from '../../src/logging.ts';
import type { Role } from '../../src/policy/vocabulary.ts';
import { databaseUrlFor } from './pg-admin.ts';

/**
 * The environment of a hub in production mode as tests need it: the keys production insists on (a
 * fresh checkpoint signing key in a temporary file, test pseudonym and webhook keys) and the demo
 * issuer allowed, so demo tokens still sign in; `extra` adds or overrides.
 */
export function productionEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'ketenhub-production-')), 'checkpoint.pem');
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return {
    NODE_ENV: 'production',
    ALLOW_DEMO_ISSUER_IN_PRODUCTION: 'true',
    AUDIT_PSEUDONYM_KEY: 'a-test-pseudonym-key-of-at-least-32-characters',
    WEBHOOK_SECRET_KEY: 'a-test-webhook-secret-key-of-at-least-32-characters',
    AUDIT_SIGNING_KEY_FILE: keyFile,
    ...extra,
  };
}

/** A moment shortly after the demo data was made, so its deadlines and consents are current. */
export const DEMO_NOW = new Date(new Date(DEMO_BASE_TIME).getTime() + 3600_000);

/** The role the hub works as (migration 0004); tests run as it too, so its grants are proven. */
export const APP_ROLE = 'ketenhub_app';

/**
 * A fresh copy of the seeded demo database for one test file, working as the application role
 * (`asOwner`: as the connecting user, e.g. to run migrations or to tamper with the log on purpose).
 */
export interface TestDatabase {
  database: Database;
  drop: () => Promise<void>;
  /** The PostgreSQL URL of this copy, when on PostgreSQL (for spawning CLI commands against it). */
  url?: string;
  /** Runs `fn` as the database owner (a superuser here): to tamper with the log on purpose. */
  asOwner<T>(fn: (db: Kysely<Tables>) => Promise<T>): Promise<T>;
}

export async function openTestDatabase(options: { asOwner?: boolean } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  const role = options.asOwner ? {} : { role: APP_ROLE };
  if (!url) {
    const dump = new Blob([readFileSync(inject('pgliteDump'))]);
    const database = await openPGlite({ loadDataDir: dump, ...role });
    return {
      database,
      drop: () => database.close(),
      // One session: step out of the application role and back.
      async asOwner(fn) {
        await database.execScript('RESET ROLE');
        try {
          return await fn(database.db);
        } finally {
          if (!options.asOwner) await database.execScript(`SET ROLE ${APP_ROLE}`);
        }
      },
    };
  }
  const name = `ketenhub_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
  } finally {
    await admin.end();
  }
  const database = connectPostgres({ connectionString: databaseUrlFor(url, name), maxConnections: 5, ...role });
  return {
    database,
    url: databaseUrlFor(url, name),
    async asOwner(fn) {
      const owner = connectPostgres({ connectionString: databaseUrlFor(url, name), maxConnections: 1 });
      try {
        return await fn(owner.db);
      } finally {
        await owner.close();
      }
    },
    drop: async () => {
      await database.close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** Captures every log line the hub writes, to prove what does (not) reach the logs. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  get text() {
    return this.lines.join('\n');
  }
}

export interface TestHub {
  hub: Hub;
  database: Database;
  asOwner: TestDatabase['asOwner'];
  databaseUrl?: string;
  config: Config;
  logs: LogCapture;
  clock: { now: Date };
  request: supertest.Agent;
  /** POST /graphql as the given organisation and role, with a demo token. */
  gql(
    as: { org: string; role: Role; purpose?: string; subject?: string } | { token: string },
    query: string,
    variables?: Record<string, unknown>,
  ): supertest.Test;
  close(): Promise<void>;
}

export async function startTestHub(
  options: { env?: Record<string, string>; issuers?: Map<string, TrustedIssuer>; now?: Date } = {},
): Promise<TestHub> {
  const { database, drop, asOwner, url } = await openTestDatabase();
  // Rate limits and organisations' shares are tested where they are the subject (hardening and load
  // tests set them); elsewhere one demo subject sends hundreds of requests a minute, and some at once,
  // which is not what those tests are about.
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_SUBJECT: '0',
    RATE_LIMIT_PER_ORGANISATION: '0',
    HTTP_MAX_IN_FLIGHT_PER_ORGANISATION: '0',
    HTTP_MAX_COST_IN_FLIGHT_PER_ORGANISATION: '0',
    ...options.env,
  });
  const logs = new LogCapture();
  const logger = createLogger(config.LOG_LEVEL, logs);
  const clock = { now: options.now ?? DEMO_NOW };
  const hub = assembleHub({
    config,
    database,
    logger,
    clock: () => clock.now,
    ...(options.issuers ? { issuers: options.issuers } : {}),
  });
  const request = supertest.agent(hub.app);
  return {
    hub,
    database,
    asOwner,
    ...(url ? { databaseUrl: url } : {}),
    config,
    logs,
    clock,
    request,
    gql(as, query, variables) {
      const token =
        'token' in as
          ? as.token
          : signDevToken({
              organisationId: as.org,
              role: as.role,
              issuedAt: Math.floor(clock.now.getTime() / 1000),
              ...(as.purpose ? { purpose: as.purpose } : {}),
              ...(as.subject ? { subject: as.subject } : {}),
            });
      return request
        .post('/graphql')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/json')
        .send({ query, variables });
    },
    async close() {
      await hub.stop();
      await drop();
    },
  };
}
