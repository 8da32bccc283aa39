// Restoring a backup, and rotating the checkpoint signing key, as docs/operations.md describes them:
// `npm run audit:verify -- --checkpoints FILE` against checkpoints kept outside the database reports a
// database restored from an older backup as a rollback (exit 1), never as intact; and checkpoints
// signed with a retired key still verify when its public key is given.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../src/auth/dev-token.ts';
import { loadConfig } from '../src/config.ts';
import { openPGlite } from '../src/db/database.ts';
import { assembleHub } from '../src/hub.ts';
import { createLogger } from '../src/logging.ts';
import { LogCapture, openTestDatabase, startTestHub, type TestDatabase, type TestHub } from './helpers/hub.ts';
import { runCli } from './helpers/cli.ts';
import { commandEnv } from './helpers/retention.ts';

const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' } as const;
const READ_PUPILS = '{ pupils(first: 3) { edges { node { displayName } } } }';
const dir = mkdtempSync(join(tmpdir(), 'ketenhub-backup-'));
let live: TestHub;
let backup: TestDatabase;

beforeAll(async () => {
  // The backup: the database as it was before today's work (a copy of the same seeded state).
  backup = await openTestDatabase();
  // The live hub signs a checkpoint with every append, so each request moves the signed state on.
  live = await startTestHub({ env: { AUDIT_CHECKPOINT_EVERY: '1' } });
  for (let i = 0; i < 3; i++) expect((await live.gql(LZ, READ_PUPILS)).status).toBe(200);
});
afterAll(async () => {
  await live?.close();
  await backup?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** The environment of a command against the backup (its PGlite data directory, or its database URL). */
async function backupEnv(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn' };
  if (backup.url) return { ...env, DATABASE_URL: backup.url };
  delete env.DATABASE_URL;
  const dataDir = mkdtempSync(join(dir, 'restored-'));
  const copy = await openPGlite({ dataDir, loadDataDir: await backup.database.pglite!.dumpDataDir('none') });
  await copy.close();
  return { ...env, DATA_DIR: dataDir };
}

const verify = (args: string[], env: NodeJS.ProcessEnv) => runCli('audit-verify', args, env);

describe('restoring an older backup', () => {
  it('is reported as a rollback against the checkpoints kept outside the database', async () => {
    const kept = join(dir, 'kept-checkpoints.jsonl');
    const { env: liveEnv, cleanup } = await commandEnv(live);
    try {
      // Kept outside the database: what the operator exports after every backup (and more often).
      const exported = await verify(['--export-checkpoints', kept], liveEnv);
      expect(exported.status).toBe(0);
      expect(readFileSync(kept, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(3);
      // The live database matches them.
      const intact = await verify(['--checkpoints', kept], liveEnv);
      expect(intact.stdout).toMatch(/: intact \(and \d+ checkpoints kept outside\)$/m);
      expect(intact.status).toBe(0);
    } finally {
      cleanup();
    }

    const restoredEnv = await backupEnv();
    // On its own the restored database is consistent: nothing inside it shows what was lost...
    const alone = await verify([], restoredEnv);
    expect(alone.stdout).toMatch(/: intact$/m);
    expect(alone.status).toBe(0);
    // ...the checkpoints kept outside do.
    const restored = await verify(['--checkpoints', kept], restoredEnv);
    expect(restored.stdout).toMatch(/\trollback\tthe database's log ends at record \d+, but a checkpoint kept outside it \(\d+, signed [^)]+\) covers records up to \d+: the database was restored from an older backup/m);
    expect(restored.stdout).toMatch(/: 1 problems \(and \d+ checkpoints kept outside\)$/m);
    expect(restored.status).toBe(1);
  }, 120_000);

  it('refuses a kept checkpoint that was altered', async () => {
    const kept = join(dir, 'altered.jsonl');
    const { env, cleanup } = await commandEnv(live);
    try {
      expect((await verify(['--export-checkpoints', kept], env)).status).toBe(0);
      const lines = readFileSync(kept, 'utf8').trim().split('\n');
      const last = JSON.parse(lines.at(-1)!);
      lines[lines.length - 1] = JSON.stringify({ ...last, seq: Number(last.seq) + 1000 });
      writeFileSync(kept, `${lines.join('\n')}\n`);
      const result = await verify(['--checkpoints', kept], env);
      expect(result.stdout).toMatch(new RegExp(`\\tbad_signature\\tkept checkpoint ${last.id} has a bad signature`));
      expect(result.stdout).not.toMatch(/\trollback\t/);
      expect(result.status).toBe(1);
    } finally {
      cleanup();
    }
  }, 120_000);
});

describe('rotating the checkpoint signing key', () => {
  it('signs new checkpoints with the new key; the old ones verify with the old public key given', async () => {
    const keyFile = join(dir, 'checkpoint-2027.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    // The hub restarted with the new key (AUDIT_SIGNING_KEY_FILE) on the same database.
    const config = loadConfig({ NODE_ENV: 'test', AUDIT_SIGNING_KEY_FILE: keyFile, AUDIT_CHECKPOINT_EVERY: '1', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_ORGANISATION: '0' });
    const rotated = assembleHub({ config, database: live.database, logger: createLogger('silent', new LogCapture()), clock: () => live.clock.now });
    try {
      const token = signDevToken({ organisationId: LZ.org, role: LZ.role, issuedAt: Math.floor(live.clock.now.getTime() / 1000) });
      const answer = await supertest(rotated.app).post('/graphql').set('Authorization', `Bearer ${token}`).send({ query: READ_PUPILS });
      expect(answer.status).toBe(200);
    } finally {
      await rotated.stop();
    }
    const { env, cleanup } = await commandEnv(live);
    try {
      const withNewKeyOnly = await verify([], { ...env, AUDIT_SIGNING_KEY_FILE: keyFile });
      expect(withNewKeyOnly.stdout).toMatch(/\tunknown_key\tcheckpoint \d+ is signed with unknown key/);
      expect(withNewKeyOnly.status).toBe(1);
      const oldPublicKey = new URL('../src/audit/dev-keys/checkpoint-ed25519.public.pem', import.meta.url).pathname;
      const withBoth = await verify(['--public-key', oldPublicKey], { ...env, AUDIT_SIGNING_KEY_FILE: keyFile });
      expect(withBoth.stdout).toMatch(/: intact$/m);
      expect(withBoth.status).toBe(0);
    } finally {
      cleanup();
    }
  }, 120_000);
});
