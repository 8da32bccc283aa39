// `npm start` as a newcomer runs it: embedded PGlite in DATA_DIR, created, migrated and seeded on
// first start, kept across restarts; SIGTERM lets in-flight requests finish and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../src/auth/dev-token.ts';
import { openPGlite } from '../src/db/database.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'ketenhub-data-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function startHub(): Promise<Running> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'info', METRICS_PORT: '0' };
  delete env.DATABASE_URL;
  delete env.SEED_DEMO;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 60_000);
    const check = () => {
      const line = output.split('\n').find((l) => l.includes('"ketenhub listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).port);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`hub exited:\n${output}`)));
  });
  return { child, port, output: () => output, exited };
}

async function graphql(port: number, query: string, org = 'lz-den-haag') {
  const token = signDevToken({ organisationId: org, role: 'PROFESSIONAL' });
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: unknown[] } };
}

describe.skipIf(Boolean(process.env.DATABASE_URL))('npm start on embedded PGlite', () => {
  it('creates, seeds, serves, drains on SIGTERM, and keeps its data across a restart', async () => {
    const first = await startHub();
    expect(first.output()).toContain('demo region seeded');
    expect(first.output()).toContain('npm run token -- --org lz-den-haag --role PROFESSIONAL');
    expect((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${first.port}/readyz`)).status).toBe(200);

    const demo = await graphql(first.port, '{ pupils(first: 2) { totalCount edges { node { displayName } } } }');
    expect(demo.status).toBe(200);
    expect(demo.body.data.pupils.totalCount).toBeGreaterThan(100);

    // A request in flight when SIGTERM arrives is answered; then the process exits 0.
    const inFlight = graphql(first.port, '{ pupils(first: 100) { edges { node { displayName guardians { name } } } } }');
    await new Promise((resolve) => setTimeout(resolve, 30));
    first.child.kill('SIGTERM');
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.body.data.pupils.edges).toHaveLength(100);
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"stopped"');

    // Write while the hub is down, straight into its data directory.
    const database = await openPGlite({ dataDir });
    // The stopped hub let go of its access-log chain: the next start continues that one.
    const chains = await database.db.selectFrom('access_log_chains').select(['id', 'writer']).where('format', '=', 2).execute();
    expect(chains.length).toBeGreaterThan(0);
    expect(chains.filter((chain) => chain.writer !== null)).toEqual([]);
    await database.db
      .insertInto('organisations')
      .values({ id: 'cjg-rijswijk', kind: 'CJG', name: 'CJG Rijswijk', municipality_code: 'GM0603', issuer: 'https://demo-idp.ketenhub.invalid', contact_email: null, contact_phone: null })
      .execute();
    await database.close();

    const second = await startHub();
    try {
      expect(second.output()).not.toContain('demo region seeded');
      expect(second.output()).not.toContain('migrations applied');
      const kept = await graphql(second.port, '{ organisation(id: "cjg-rijswijk") { name } pupils { totalCount } }');
      expect(kept.body.data.organisation).toEqual({ name: 'CJG Rijswijk' });
      expect(kept.body.data.pupils.totalCount).toBe(demo.body.data.pupils.totalCount);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    const after = await openPGlite({ dataDir });
    try {
      const chainsAfter = await after.db.selectFrom('access_log_chains').select('id').where('format', '=', 2).execute();
      expect(chainsAfter.map((chain) => chain.id)).toEqual(chains.map((chain) => chain.id));
    } finally {
      await after.close();
    }
  }, 120_000);
});
