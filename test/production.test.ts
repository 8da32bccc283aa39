// The hub as operators run it: checks before it touches data, an application role that must work,
// and `npm start` (the built node dist/main.js) stopping cleanly on SIGTERM while under load.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../src/auth/dev-token.ts';
import { loadConfig } from '../src/config.ts';
import { connectPostgres } from '../src/db/database.ts';
import { preflight } from '../src/preflight.ts';
import { productionEnv } from './helpers/hub.ts';
import { databaseUrlFor } from './helpers/pg-admin.ts';

const POSTGRES = process.env.DATABASE_URL;
const temp = mkdtempSync(join(tmpdir(), 'ketenhub-production-test-'));
const databases: string[] = [];
afterAll(async () => {
  rmSync(temp, { recursive: true, force: true });
  if (POSTGRES && databases.length > 0) {
    const admin = new pg.Client({ connectionString: POSTGRES });
    await admin.connect();
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});

/** Where a hub would keep its data: a new, empty database on PostgreSQL, or a DATA_DIR that does not exist yet. */
async function freshTarget(): Promise<{ env: Record<string, string>; touched: () => Promise<boolean> }> {
  if (!POSTGRES) {
    const dataDir = join(temp, `data-${randomBytes(4).toString('hex')}`);
    return { env: { DATA_DIR: dataDir, DATABASE_URL: '' }, touched: async () => existsSync(dataDir) };
  }
  const name = `ketenhub_production_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  databases.push(name);
  const url = databaseUrlFor(POSTGRES, name);
  return {
    env: { DATABASE_URL: url },
    // Touched = any table at all (the migrations' bookkeeping is the first).
    touched: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
        return rows[0].n > 0;
      } finally {
        await client.end();
      }
    },
  };
}

function startSync(env: Record<string, string>) {
  const merged: NodeJS.ProcessEnv = { ...process.env, PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env };
  for (const [key, value] of Object.entries(merged)) if (value === '') delete merged[key];
  // A refused start exits by itself; a hub that did start is stopped by the timeout (and fails the test).
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: merged, encoding: 'utf8', timeout: 60_000 });
}

describe('checks before a production start touches data', () => {
  it('refuses a missing key with one line naming it, and leaves no data directory or schema behind', async () => {
    const target = await freshTarget();
    const env = productionEnv(target.env);
    delete env.AUDIT_PSEUDONYM_KEY;
    const result = startSync(env);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['AUDIT_PSEUDONYM_KEY must be set when NODE_ENV=production']);
    expect(await target.touched()).toBe(false);
  });

  it('lists every problem at once: keys, issuers, CORS', async () => {
    const target = await freshTarget();
    const result = startSync({
      NODE_ENV: 'production',
      AUDIT_PSEUDONYM_KEY: 'a-test-pseudonym-key-of-at-least-32-characters',
      AUDIT_SIGNING_KEY_FILE: join(temp, 'no-such-key.pem'),
      CORS_ORIGINS: 'http://console.example.nl',
      ...target.env,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^AUDIT_SIGNING_KEY_FILE: ENOENT/),
      'WEBHOOK_SECRET_KEY must be set when NODE_ENV=production',
      expect.stringMatching(/^no trusted issuers: set TRUSTED_ISSUERS_FILE/),
      expect.stringMatching(/^CORS_ORIGINS: http:\/\/console\.example\.nl is not https/),
    ]);
    expect(await target.touched()).toBe(false);
  });

  it('refuses an application role it cannot work as, before migrating anything', async () => {
    const target = await freshTarget();
    const result = startSync(productionEnv({ ...target.env, DATABASE_APP_ROLE: 'no_such_role' }));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/DATABASE_APP_ROLE: role no_such_role (does not exist|cannot exist in a new PGlite database)/);
    expect(await target.touched()).toBe(false);
  });

  it('refuses a pool of one connection while a job runs (its lock holds one)', () => {
    const env = productionEnv({ DATABASE_URL: 'postgres://hub@db.example:5432/ketenhub', DATABASE_POOL_MAX: '1' });
    expect(() => preflight(loadConfig(env))).toThrow(/^DATABASE_POOL_MAX must be at least 2 while a background job is on/m);
    expect(() => preflight(loadConfig({ ...env, RETENTION_JOB_INTERVAL_SECONDS: '0', EXPIRY_JOB_INTERVAL_SECONDS: '0' }))).not.toThrow();
    expect(() => preflight(loadConfig({ ...env, DATABASE_POOL_MAX: '2' }))).not.toThrow();
  });

  it.skipIf(!POSTGRES)('on PostgreSQL, a pooled connection whose SET ROLE fails fails its query (never runs as the owner)', async () => {
    const database = connectPostgres({ connectionString: POSTGRES!, maxConnections: 1, role: 'no_such_role' });
    try {
      await expect(database.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute()).rejects.toThrow(/role "no_such_role" does not exist/);
    } finally {
      await database.close();
    }
  });
});

/** The newest modification time of the server's sources and assets (not the console's). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join(process.cwd(), 'src', 'console')) newest = Math.max(newest, newestSource(path));
    } else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
const builtAt = () => (existsSync('dist/main.js') ? statSync('dist/main.js').mtimeMs : 0);

interface Running {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` as an operator (or a supervisor) runs it, with the production environment. */
async function npmStart(env: Record<string, string>): Promise<Running> {
  const merged: NodeJS.ProcessEnv = { ...process.env, PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env };
  for (const [key, value] of Object.entries(merged)) if (value === '') delete merged[key];
  const child = spawn('npm', ['start'], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 90_000);
    child.stdout!.on('data', () => {
      const line = output.split('\n').find((l) => l.includes('"ketenhub listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).port);
      }
    });
    void exited.then(() => reject(new Error(`hub exited:\n${output}`)));
  });
  return { child, port, output: () => output, exited };
}

type Outcome = { startedBeforeSignal: boolean; status?: number; error?: string };

describe('npm start (node dist/main.js) under load', () => {
  beforeAll(() => {
    // The server as `npm install` builds it; built again only when a source file is newer than the
    // build (in CI `npm ci` has just built it, and a compiler beside the timed tests costs them).
    if (newestSource(join(process.cwd(), 'src')) < builtAt()) return;
    const build = spawnSync('npm', ['run', '-s', 'build:server'], { encoding: 'utf8', timeout: 180_000 });
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  }, 200_000);

  it('stops on SIGTERM to the npm process with exit code 0, answering every request that started before the signal', async () => {
    const target = await freshTarget();
    const hub = await npmStart(productionEnv({ ...target.env, SEED_DEMO: 'true', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_ORGANISATION: '0' }));
    const token = signDevToken({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL' });
    // Metrics on their own port, not on the API's.
    await expect.poll(() => hub.output().includes('"metrics listening"')).toBe(true);
    const metricsPort = JSON.parse(hub.output().split('\n').find((l) => l.includes('"metrics listening"'))!).port;
    expect(metricsPort).not.toBe(hub.port);
    expect((await fetch(`http://127.0.0.1:${hub.port}/metrics`)).status).toBe(404);
    const body = JSON.stringify({ query: '{ pupils(first: 50) { totalCount edges { node { displayName school { name } } } } }' });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const outcomes: Outcome[] = [];
    let signalled = false;
    let stop = false;
    const once = () =>
      new Promise<Outcome>((resolve) => {
        const outcome: Outcome = { startedBeforeSignal: !signalled };
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: hub.port,
            path: '/graphql',
            method: 'POST',
            agent,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ ...outcome, status: res.statusCode! }));
            res.on('error', (error: NodeJS.ErrnoException) => resolve({ ...outcome, error: error.code ?? error.message }));
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) => resolve({ ...outcome, error: error.code ?? error.message }));
        req.end(body);
      });
    const worker = async () => {
      while (!stop) {
        const outcome = await once();
        outcomes.push(outcome);
        // After the signal: a refused connection or a 503 means the hub stopped taking work.
        if (!outcome.startedBeforeSignal && (outcome.error || outcome.status !== 200)) return;
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    // Load first: some answered requests (a cold worker of a cluster takes a moment for its first).
    await expect.poll(() => outcomes.length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(10);
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(scraped).toMatch(/^ketenhub_graphql_request_duration_seconds_count\{operation="anonymous",outcome="ok"\} [1-9]/m);
    expect(scraped).toMatch(/^ketenhub_db_pool_connections\{state="max"\} 10$|^# HELP ketenhub_db_pool_connections/m);
    expect(scraped).toMatch(/^process_resident_memory_bytes /m);
    const beforeSignal = outcomes.length;
    signalled = true;
    hub.child.kill('SIGTERM');
    const code = await hub.exited;
    stop = true;
    await Promise.all(workers);
    agent.destroy();

    const started = outcomes.filter((o) => o.startedBeforeSignal);
    const failed = started.filter((o) => o.error !== undefined || o.status !== 200);
    const after = outcomes.filter((o) => !o.startedBeforeSignal);
    const tally = (list: Outcome[]) => {
      const counts = new Map<string, number>();
      for (const o of list) counts.set(o.error ?? String(o.status), (counts.get(o.error ?? String(o.status)) ?? 0) + 1);
      return [...counts].map(([what, n]) => `${what}: ${n}`).join(', ');
    };
    // For the CI log: how the stop went (requests started after the signal may be refused).
    console.info(`SIGTERM under load: before the signal ${tally(started)}; after it ${tally(after) || 'none'}`);
    expect(beforeSignal).toBeGreaterThan(10);
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    expect(hub.output()).toContain('"stopped"');
  }, 180_000);
});
