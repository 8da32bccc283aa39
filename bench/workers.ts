// npm run bench:workers [-- --seconds 8 --rounds 3 --pupils 20000]: throughput of the hub as
// `npm start` runs it (node dist/main.js) with HUB_WORKERS=1 against HUB_WORKERS=2 (or --workers N),
// in interleaved rounds on the same PostgreSQL database (DATABASE_URL; a database of its own,
// ketenhub_bench_workers, made and seeded on first use). Prints each round and the median ratio.
// The load generator (autocannon) runs in this process, so on a two-core machine it, PostgreSQL
// and the hub share the cores: the ratio shows what one more process buys on the same machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { signDevToken } from '../src/auth/dev-token.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    pupils: { type: 'string', default: '20000' },
    workers: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
  },
  strict: true,
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const many = Number(values.workers);
const connections = Number(values.connections);

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  process.stderr.write('bench:workers needs DATABASE_URL (a PostgreSQL server): PGlite runs one process only\n');
  process.exit(2);
}
if (!existsSync('dist/main.js')) {
  process.stderr.write('bench:workers runs the built hub: npm run build:server first\n');
  process.exit(2);
}
const benchUrl = new URL(serverUrl);
benchUrl.pathname = '/ketenhub_bench_workers';

async function prepareDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'ketenhub_bench_workers'`);
  if (exists.rowCount === 0) await admin.query('CREATE DATABASE ketenhub_bench_workers');
  await admin.end();
  const client = new pg.Client({ connectionString: benchUrl.toString() });
  await client.connect();
  const seeded = await client
    .query(`SELECT count(*)::int AS n FROM pupils`)
    .then((r) => r.rows[0].n as number)
    .catch(() => 0);
  await client.end();
  if (seeded >= Number(values.pupils)) return;
  process.stdout.write(`seeding ${values.pupils} pupils into ketenhub_bench_workers (once)…\n`);
  await run(process.execPath, ['scripts/cli.mjs', 'seed', '--pupils', String(values.pupils), '--schools', String(Math.max(10, Math.round(Number(values.pupils) / 270)))], {
    DATABASE_URL: benchUrl.toString(),
  });
}

function run(command: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

interface Hub {
  child: ChildProcess;
  port: number;
  stop(): Promise<number | null>;
}

async function startHub(workers: number): Promise<Hub> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: benchUrl.toString(),
      HUB_WORKERS: String(workers),
      PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      JOBS_START_DELAY_SECONDS: '3600',
      RATE_LIMIT_PER_SUBJECT: '0',
      RATE_LIMIT_PER_ORGANISATION: '0',
      HTTP_MAX_IN_FLIGHT_PER_ORGANISATION: '0',
      HTTP_MAX_COST_IN_FLIGHT_PER_ORGANISATION: '0',
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // The listening line is an info line; at LOG_LEVEL=warn the banner's URL tells the port.
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 120_000);
    child.stdout!.on('data', () => {
      const match = /http:\/\/localhost:(\d+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(() => reject(new Error(`hub exited:\n${output}`)));
  });
  return {
    child,
    port,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const token = signDevToken({ organisationId: 'lz-den-haag', role: 'PROFESSIONAL' });
const body = JSON.stringify({ query: '{ pupils(first: 25) { edges { node { displayName school { name } } } } }' });

async function load(port: number, duration: number): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/graphql`,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' },
    body,
    connections,
    duration,
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

await prepareDatabase();
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const throughput: Record<number, number[]> = { 1: [], [many]: [] };
process.stdout.write(`a school's first 25 pupils, ${connections} connections, ${seconds} s per run, ${rounds} interleaved rounds\n`);
process.stdout.write('| round | workers | req/s | p50 ms | p99 ms | errors |\n|--:|--:|--:|--:|--:|--:|\n');
for (let round = 1; round <= rounds; round++) {
  for (const workers of round % 2 === 1 ? [1, many] : [many, 1]) {
    const hub = await startHub(workers);
    await load(hub.port, 2); // warm-up: every worker's first requests compile and connect
    const measured = await load(hub.port, seconds);
    const code = await hub.stop();
    if (code !== 0) throw new Error(`the hub with ${workers} workers exited ${code}`);
    throughput[workers]!.push(measured.rps);
    process.stdout.write(`| ${round} | ${workers} | ${measured.rps.toFixed(0)} | ${measured.p50} | ${measured.p99} | ${measured.errors} |\n`);
  }
}
process.stdout.write(
  `\nmedian throughput: 1 worker ${median(throughput[1]!).toFixed(0)} req/s, ${many} workers ${median(throughput[many]!).toFixed(0)} req/s: ` +
    `${(median(throughput[many]!) / median(throughput[1]!)).toFixed(2)}×\n`,
);
