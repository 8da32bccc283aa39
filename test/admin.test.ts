// `npm run admin`: organisations registered and disabled without SQL (each change in the access
// log; a disabled organisation's tokens refused), and rotating the key that seals the webhook
// endpoints' secrets (`webhook-secrets reseal`: every secret opened with the previous key and sealed
// under the new one, in one transaction; a second run changes nothing; a wrong key changes nothing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { signDevToken } from '../src/auth/dev-token.ts';
import { openPGlite, type Database } from '../src/db/database.ts';
import { assembleHub } from '../src/hub.ts';
import { createLogger } from '../src/logging.ts';
import { DEV_WEBHOOK_SECRET_KEY, openSecret, sealSecret } from '../src/events/webhooks.ts';
import { LogCapture, startTestHub, type TestHub } from './helpers/hub.ts';
import { runCli } from './helpers/cli.ts';
import { commandEnv } from './helpers/retention.ts';

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
      const first = await runCli('admin', ['webhook-secrets', 'reseal'], rotate);
      expect(first.stderr).toBe('');
      expect(first.stdout).toMatch(/^webhook secrets: 2 re-sealed under WEBHOOK_SECRET_KEY, \d+ already under it$/m);
      expect(first.status).toBe(0);
      const sealed = await sealedIn(env);
      expect(sealed.map((secret) => openSecret(secret, NEW_KEY))).toEqual(SECRETS);
      for (const secret of sealed) expect(() => openSecret(secret, DEV_WEBHOOK_SECRET_KEY)).toThrow();

      const again = await runCli('admin', ['webhook-secrets', 'reseal'], rotate);
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
      const wrong = await runCli('admin', ['webhook-secrets', 'reseal'], {
        ...env,
        WEBHOOK_SECRET_KEY: 'yet-another-webhook-secret-key-of-at-least-32-characters',
        WEBHOOK_SECRET_KEY_PREVIOUS: 'not-the-key-these-secrets-were-sealed-with',
      });
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toMatch(/^reseal failed: the secret of webhook endpoint [0-9a-f-]+ opens with neither key: nothing was changed$/m);
      expect(await sealedIn(env)).toEqual(before);
      const missing = await runCli('admin', ['webhook-secrets', 'reseal'], { ...env, WEBHOOK_SECRET_KEY: NEW_KEY });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/WEBHOOK_SECRET_KEY_PREVIOUS must name the key/);
    } finally {
      cleanup();
    }
  }, 120_000);
});

describe('npm run admin -- organisation', () => {
  const admin = (args: string[], env: NodeJS.ProcessEnv) => runCli('admin', ['organisation', ...args], env);

  /** A hub on the database the command changed, asked with a demo token of `org`; then closed. */
  async function askAs(env: NodeJS.ProcessEnv, org: string) {
    let database: Database = t.database;
    let opened: Database | null = null;
    if (env.DATA_DIR) database = opened = await openPGlite({ dataDir: env.DATA_DIR });
    try {
      const hub = assembleHub({ config: t.config, database, logger: createLogger('silent', new LogCapture()) });
      // The hub caches organisations for a minute; a new one's ask reloads, a disable waits for it.
      await hub.services.directory.reload();
      const token = signDevToken({ organisationId: org, role: 'PROFESSIONAL' });
      const response = await supertest(hub.app).post('/graphql').set('Authorization', `Bearer ${token}`).send({ query: '{ viewer { organisation { id name } } }' });
      const records = await database.db
        .selectFrom('access_log_records')
        .select(['action', 'actor_org_id', 'actor_role', 'activity_id', 'fields', 'purpose', 'operation_name'])
        .where('activity_id', '=', 'beheer-toegang')
        .where('actor_org_id', '=', org)
        .orderBy('seq')
        .execute();
      await hub.stop();
      return { status: response.status, body: response.body, records };
    } finally {
      await opened?.close();
    }
  }

  it('adds an organisation whose people can then sign in, and disables it again; both in the access log', async () => {
    const { env, cleanup } = await commandEnv(t);
    try {
      const added = await admin(
        ['add', '--id', 'cjg-delft', '--kind', 'CJG', '--name', 'CJG Delft', '--municipality', 'GM0518', '--issuer', 'https://demo-idp.ketenhub.invalid', '--reason', 'convenant 2027'],
        env,
      );
      expect(added.stderr).toBe('');
      expect(added.stdout.trim()).toBe('organisation cjg-delft added');
      expect(added.status).toBe(0);
      const listed = (await admin(['list'], env)).stdout.split('\n').map((line) => line.split('\t'));
      expect(listed[0]).toEqual(['id', 'kind', 'name', 'municipality', 'issuer', 'disabled']);
      expect(listed).toContainEqual(['cjg-delft', 'CJG', 'CJG Delft', 'GM0518', 'https://demo-idp.ketenhub.invalid', '']);

      const signedIn = await askAs(env, 'cjg-delft');
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.data.viewer.organisation).toEqual({ id: 'cjg-delft', name: 'CJG Delft' });

      const disabled = await admin(['disable', '--id', 'cjg-delft'], env);
      expect(disabled.status).toBe(0);
      expect(await admin(['disable', '--id', 'cjg-delft'], env)).toMatchObject({ status: 1, stderr: 'organisation cjg-delft is disabled already\n' });
      const refused = await askAs(env, 'cjg-delft');
      expect(refused.status).toBe(403);
      expect(refused.body.errors[0].extensions.reason).toBe('organisation_disabled');
      expect(refused.records).toEqual([
        expect.objectContaining({ action: 'CREATE', actor_role: 'SYSTEM', purpose: 'convenant 2027', operation_name: 'npm run admin -- organisation add' }),
        expect.objectContaining({ action: 'UPDATE', actor_role: 'SYSTEM', fields: ['Organisation.disabledAt'], operation_name: 'npm run admin -- organisation disable' }),
      ]);
      // Still listed, with when it was disabled.
      expect((await admin(['list'], env)).stdout).toMatch(/^cjg-delft\tCJG\tCJG Delft\tGM0518\t\S+\t\d{4}-\d{2}-\d{2}T/m);
    } finally {
      cleanup();
    }
  }, 180_000);

  it('refuses what it cannot do, changing nothing', async () => {
    const { env, cleanup } = await commandEnv(t);
    try {
      const base = ['--name', 'X', '--municipality', 'GM0518', '--issuer', 'https://demo-idp.ketenhub.invalid'];
      expect(await admin(['add', '--id', 'lz-den-haag', '--kind', 'LEERLINGZAKEN', ...base], env)).toMatchObject({ status: 1, stderr: 'organisation lz-den-haag exists already\n' });
      expect(await admin(['add', '--id', 'cjg-nergens', '--kind', 'BAKERY', ...base], env)).toMatchObject({ status: 1, stderr: expect.stringMatching(/^--kind: one of /) });
      expect(await admin(['disable', '--id', 'no-such-organisation'], env)).toMatchObject({ status: 1, stderr: 'no organisation no-such-organisation\n' });
    } finally {
      cleanup();
    }
  }, 180_000);
});

describe('npm run admin -- sign-in', () => {
  const admin = (args: string[], env: NodeJS.ProcessEnv) => runCli('admin', ['sign-in', ...args], env);

  it('registers an organisation’s OpenID provider, lists it, disables it; each change in the access log; the secret only from the environment', async () => {
    const { env, cleanup } = await commandEnv(t);
    try {
      const args = ['add', '--organisation', 'lz-rijswijk', '--issuer', 'https://login.rijswijk.example', '--client-id', 'ketenhub-console', '--role', 'leerplicht=PROFESSIONAL', '--role', 'fg=PRIVACY_OFFICER', '--organisation-claim', 'org', '--reason', 'aansluiting 2027'];
      expect(await admin(args, env)).toMatchObject({ status: 1, stderr: expect.stringMatching(/^SIGN_IN_CLIENT_SECRET must hold the client secret/) });
      const added = await admin(args, { ...env, SIGN_IN_CLIENT_SECRET: 'a-client-secret-from-the-provider' });
      expect(added.stderr).toBe('');
      expect(added.stdout).toMatch(/^sign-in for lz-rijswijk added: redirect URI <PUBLIC_URL>\/sign-in\/callback$/m);
      const listed = (await admin(['list'], env)).stdout.split('\n').map((line) => line.split('\t'));
      expect(listed[0]).toEqual(['organisation', 'issuer', 'client id', 'scopes', 'role claim', 'roles', 'organisation claim', 'disabled']);
      expect(listed).toContainEqual(['lz-rijswijk', 'https://login.rijswijk.example', 'ketenhub-console', 'openid profile', 'groups', 'fg=PRIVACY_OFFICER,leerplicht=PROFESSIONAL', 'org', '']);
      expect((await admin(['list'], env)).stdout).not.toContain('a-client-secret-from-the-provider');
      expect(await admin(['disable', '--organisation', 'lz-rijswijk'], env)).toMatchObject({ status: 0, stdout: 'sign-in for lz-rijswijk disabled: its console sessions have ended\n' });

      let database: Database = t.database;
      let opened: Database | null = null;
      if (env.DATA_DIR) database = opened = await openPGlite({ dataDir: env.DATA_DIR });
      try {
        const records = await database.db
          .selectFrom('access_log_records')
          .select(['action', 'actor_role', 'purpose', 'operation_name'])
          .where('actor_org_id', '=', 'lz-rijswijk')
          .where('operation_name', 'like', 'npm run admin -- sign-in %')
          .orderBy('seq')
          .execute();
        expect(records).toEqual([
          { action: 'CREATE', actor_role: 'SYSTEM', purpose: 'provider https://login.rijswijk.example: aansluiting 2027', operation_name: 'npm run admin -- sign-in add' },
          { action: 'UPDATE', actor_role: 'SYSTEM', purpose: 'provider https://login.rijswijk.example', operation_name: 'npm run admin -- sign-in disable' },
        ]);
      } finally {
        await opened?.close();
      }
    } finally {
      cleanup();
    }
  }, 400_000);
});
