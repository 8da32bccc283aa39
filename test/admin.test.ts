// Rotating the key that seals the webhook endpoints' secrets: `npm run admin -- webhook-secrets
// reseal` opens every secret with the previous key and seals it under the new one, in one
// transaction; a second run changes nothing; a wrong previous key changes nothing and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPGlite, type Database } from '../src/db/database.ts';
import { DEV_WEBHOOK_SECRET_KEY, openSecret, sealSecret } from '../src/events/webhooks.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { commandEnv, runCommand } from './helpers/retention.ts';

const NEW_KEY = 'the-new-webhook-secret-key-of-2027-at-least-32-characters';
const SECRETS = ['whsec_first-partner-secret', 'whsec_second-partner-secret'];
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
  // Two endpoints, sealed as the hub seals them (this hub runs with the development key).
  await t.asOwner(async (db) => {
    for (const [i, secret] of SECRETS.entries())
      await db
        .insertInto('webhook_endpoints')
        .values({ id: crypto.randomUUID(), org_id: 'lz-den-haag', url: `https://partner-${i}.example.nl/hook`, secret: sealSecret(secret, DEV_WEBHOOK_SECRET_KEY), kinds: ['NOTE_ADDED'], created_by_subject: 'test', created_at: new Date() })
        .execute();
  });
});
afterAll(async () => {
  await t?.close();
});

/** The sealed secrets of the database the command ran on (its PGlite copy, or the test's PostgreSQL database). */
async function sealedIn(env: NodeJS.ProcessEnv): Promise<string[]> {
  let database: Database = t.database;
  let opened: Database | null = null;
  if (env.DATA_DIR) database = opened = await openPGlite({ dataDir: env.DATA_DIR });
  try {
    const rows = await database.db.selectFrom('webhook_endpoints').select('secret').where('url', 'like', 'https://partner-%').orderBy('url').execute();
    return rows.map((row) => row.secret);
  } finally {
    await opened?.close();
  }
}

describe('npm run admin -- webhook-secrets reseal', () => {
  it('re-seals every secret under the new key, once', async () => {
    const { env, cleanup } = await commandEnv(t);
    try {
      const rotate = { ...env, WEBHOOK_SECRET_KEY: NEW_KEY, WEBHOOK_SECRET_KEY_PREVIOUS: DEV_WEBHOOK_SECRET_KEY };
      const first = runCommand(['scripts/cli.mjs', 'admin', 'webhook-secrets', 'reseal'], rotate);
      expect(first.stderr).toBe('');
      expect(first.stdout).toMatch(/^webhook secrets: 2 re-sealed under WEBHOOK_SECRET_KEY, \d+ already under it$/m);
      expect(first.status).toBe(0);
      const sealed = await sealedIn(env);
      expect(sealed.map((secret) => openSecret(secret, NEW_KEY))).toEqual(SECRETS);
      for (const secret of sealed) expect(() => openSecret(secret, DEV_WEBHOOK_SECRET_KEY)).toThrow();

      const again = runCommand(['scripts/cli.mjs', 'admin', 'webhook-secrets', 'reseal'], rotate);
      expect(again.stdout).toMatch(/^webhook secrets: 0 re-sealed under WEBHOOK_SECRET_KEY, [2-9]\d* already under it$/m);
      expect(await sealedIn(env)).toEqual(sealed);
    } finally {
      cleanup();
    }
  }, 120_000);

  it('changes nothing when the previous key is wrong', async () => {
    const { env, cleanup } = await commandEnv(t);
    try {
      const before = await sealedIn(env);
      // Neither key opens the secrets (on PostgreSQL the first test left them under NEW_KEY).
      const wrong = runCommand(['scripts/cli.mjs', 'admin', 'webhook-secrets', 'reseal'], {
        ...env,
        WEBHOOK_SECRET_KEY: 'yet-another-webhook-secret-key-of-at-least-32-characters',
        WEBHOOK_SECRET_KEY_PREVIOUS: 'not-the-key-these-secrets-were-sealed-with',
      });
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toMatch(/^reseal failed: the secret of webhook endpoint [0-9a-f-]+ opens with neither key: nothing was changed$/m);
      expect(await sealedIn(env)).toEqual(before);
      const missing = runCommand(['scripts/cli.mjs', 'admin', 'webhook-secrets', 'reseal'], { ...env, WEBHOOK_SECRET_KEY: NEW_KEY });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/WEBHOOK_SECRET_KEY_PREVIOUS must name the key/);
    } finally {
      cleanup();
    }
  }, 120_000);
});
