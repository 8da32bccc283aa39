// HUB_WORKERS: several hub processes on one port under a supervisor (src/serve/). On PostgreSQL
// (PGlite's data directory belongs to one process, which the configuration enforces).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { signDevToken } from '../src/auth/dev-token.ts';
import { databaseUrlFor } from './helpers/pg-admin.ts';

const POSTGRES = process.env.DATABASE_URL;
const databases: string[] = [];

afterAll(async () => {
  if (!POSTGRES || databases.length === 0) return;
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
});

interface Running {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function startCluster(env: Record<string, string>): Promise<Running> {
  const merged: NodeJS.ProcessEnv = { ...process.env, PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development', JOBS_START_DELAY_SECONDS: '3600', ...env };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const portOf = (message: string) => {
    const line = output.split('\n').find((l) => l.includes(`"${message}"`));
    return line ? (JSON.parse(line).port as number) : null;
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 120_000);
    child.stdout!.on('data', () => {
      if (portOf('ketenhub listening') !== null && portOf('metrics listening') !== null) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`hub exited:\n${output}`)));
  });
  return { child, port: portOf('ketenhub listening')!, metricsPort: portOf('metrics listening')!, output: () => output, exited };
}

async function freshDatabase(): Promise<string> {
  const name = `ketenhub_workers_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  databases.push(name);
  return databaseUrlFor(POSTGRES!, name);
}

const token = signDevToken({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL' });
async function pupilsCount(port: number): Promise<number> {
  // A new connection each time (no keep-alive), so the supervisor hands requests to every worker.
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, connection: 'close' },
    body: JSON.stringify({ query: '{ pupils(first: 1) { totalCount } }' }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: { pupils: { totalCount: number } } };
  return body.data.pupils.totalCount;
}

/** The worker ids that wrote request log lines. */
const servingWorkers = (output: string) =>
  new Set(
    output
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"responseTime"'))
      .map((line) => JSON.parse(line).worker as number | undefined)
      .filter((id) => id !== undefined),
  );

describe('HUB_WORKERS on PGlite', () => {
  it('refuses more than one worker without DATABASE_URL, before touching anything', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HUB_WORKERS: '2', DATA_DIR: '/nonexistent/ketenhub-never-created' };
    delete env.DATABASE_URL;
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'invalid configuration: HUB_WORKERS: more than one worker needs DATABASE_URL (one process owns a PGlite data directory)',
    );
  });
});

describe.skipIf(!POSTGRES)('HUB_WORKERS on PostgreSQL', () => {
  it('serves one port from every worker, sums their metrics, replaces a worker that dies, and stops all on SIGTERM', async () => {
    const hub = await startCluster({ DATABASE_URL: await freshDatabase(), SEED_DEMO: 'true', HUB_WORKERS: '2' });
    expect(hub.output()).toMatch(/"workers":2,"msg":"ketenhub listening"/);

    const requests = 12;
    const counts = [];
    for (let i = 0; i < requests; i++) counts.push(await pupilsCount(hub.port));
    expect(new Set(counts).size).toBe(1);
    await expect.poll(() => servingWorkers(hub.output()).size).toBe(2);

    // The metrics port sums the workers: every request counted once.
    const scraped = await (await fetch(`http://127.0.0.1:${hub.metricsPort}/metrics`)).text();
    expect(scraped).toMatch(new RegExp(`^ketenhub_graphql_request_duration_seconds_count\\{operation="anonymous",outcome="ok"\\} ${requests}$`, 'm'));
    expect(scraped.match(/^# TYPE ketenhub_graphql_request_duration_seconds histogram$/gm)).toHaveLength(1);

    // A worker killed outright is replaced; the port keeps answering meanwhile.
    const workerPids = hub
      .output()
      .split('\n')
      .filter((line) => line.includes('"worker started"'))
      .map((line) => JSON.parse(line).pid as number);
    expect(workerPids).toHaveLength(2);
    process.kill(workerPids[0]!, 'SIGKILL');
    await expect.poll(() => hub.output().includes('a worker stopped unexpectedly; replacing it'), { timeout: 10_000 }).toBe(true);
    expect(await pupilsCount(hub.port)).toBe(counts[0]);
    await expect.poll(() => hub.output().includes('worker replaced and listening'), { timeout: 60_000, interval: 200 }).toBe(true);

    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    expect(hub.output().match(/"msg":"stopped"/g)!.length).toBe(3);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const everyWorker = hub
      .output()
      .split('\n')
      .filter((line) => line.includes('"worker started"'))
      .map((line) => JSON.parse(line).pid as number);
    expect(everyWorker).toHaveLength(3);
    expect(everyWorker.filter(alive)).toEqual([]);
  }, 240_000);
});
