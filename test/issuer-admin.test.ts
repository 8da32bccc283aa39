// Identity providers registered without SQL (`npm run admin -- issuer add|list|rotate|disable`):
// a token signed with a key added by the command works against a hub that is already running (no
// restart), a rotation makes the old key stop working and the new one work, a disabled issuer is
// refused, and every change is a record in the access log of the organisation concerned.
// On PostgreSQL the command itself runs against the running hub's database; PGlite has one user, so
// there the same change is made directly through the functions the command calls, and the command
// is exercised on a copy of the database.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIssuer, disableIssuer, rotateIssuer } from '../src/auth/issuer-admin.ts';
import { loadConfig } from '../src/config.ts';
import { openPGlite } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { preflight, preflightStart } from '../src/preflight.ts';
import { productionEnv, startTestHub, type TestHub } from './helpers/hub.ts';
import { runCli } from './helpers/cli.ts';
import { commandEnv } from './helpers/retention.ts';

const ISSUER = 'https://login.cjg-rijswijk.example';
const ORG = 'cjg-rijswijk';
const dir = mkdtempSync(join(tmpdir(), 'ketenhub-issuer-admin-'));

interface Key {
  kid: string;
  privateKey: KeyObject;
  pemFile: string;
  pem: string;
}
function newKey(kid: string): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const pemFile = join(dir, `${kid}.pem`);
  writeFileSync(pemFile, pem);
  return { kid, privateKey, pemFile, pem };
}

let t: TestHub;
beforeAll(async () => {
  // ISSUER_RELOAD_SECONDS=0: the hub reads the database's issuers before each verification, so the
  // test needs no waiting; in production a change takes effect within the interval (default 10 s).
  t = await startTestHub({ env: { ISSUER_RELOAD_SECONDS: '0' }, now: new Date() });
  await t.asOwner((db) =>
    db.insertInto('organisations').values({ id: ORG, kind: 'CJG', name: 'CJG Rijswijk', municipality_code: 'GM0603', issuer: ISSUER, contact_email: null, contact_phone: null }).execute(),
  );
});
afterAll(async () => {
  await t?.close();
});

function token(key: Key, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ org: ORG, role: 'PROFESSIONAL', iat: now, exp: now + 600, ...claims }, key.privateKey, {
    algorithm: 'ES256',
    keyid: key.kid,
    issuer: ISSUER,
    audience: 'ketenhub',
    subject: 'medewerker@cjg-rijswijk',
  });
}

async function ask(bearer: string) {
  // The hub's clock stands still in tests; the commands take a while on a busy machine.
  t.clock.now = new Date();
  const response = await t.gql({ token: bearer }, '{ viewer { organisation { id } role } }');
  return { status: response.status, reason: response.body.errors?.[0]?.extensions?.reason as string | undefined, viewer: response.body.data?.viewer };
}

const admin = (args: string[], env: NodeJS.ProcessEnv) => runCli('admin', ['issuer', ...args], env);

/** The change, made by the command on PostgreSQL (the running hub's database), directly on PGlite. */
async function change(verb: 'add' | 'rotate' | 'disable', key?: Key, reason?: string) {
  if (t.databaseUrl) {
    const env = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: t.databaseUrl };
    const args = [verb, '--issuer', ISSUER, ...(key ? ['--key-file', key.pemFile, '--kid', key.kid] : []), ...(reason ? ['--reason', reason] : [])];
    if (verb === 'add') args.push('--audience', 'ketenhub', '--organisation', ORG);
    const result = await admin(args, env);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return;
  }
  const context = { actorSubject: 'cli:test', production: false, fileIssuers: new Set<string>() };
  const accessLog = t.hub.services.accessLog;
  const keyInput = key ? { keyId: key.kid, publicKeyPem: key.pem } : {};
  await t.asOwner(async (db) => {
    if (verb === 'add') await addIssuer(db, accessLog, { issuer: ISSUER, audiences: ['ketenhub'], organisations: [ORG], ...keyInput, ...(reason ? { reason } : {}) }, context);
    else if (verb === 'rotate') await rotateIssuer(db, accessLog, { issuer: ISSUER, ...keyInput, ...(reason ? { reason } : {}) }, context);
    else await disableIssuer(db, accessLog, { issuer: ISSUER, ...(reason ? { reason } : {}) }, context);
  });
}

describe('issuers registered in the database, used by a running hub', () => {
  const first = newKey('rijswijk-2026');
  const second = newKey('rijswijk-2027');

  it('accepts tokens of an added issuer without a restart; rotate swaps the key; disable refuses', async () => {
    expect(await ask(token(first))).toMatchObject({ status: 401, reason: 'unknown_issuer' });

    await change('add', first, 'convenant 2026');
    expect(await ask(token(first))).toMatchObject({ status: 200, viewer: { organisation: { id: ORG }, role: 'PROFESSIONAL' } });
    // The issuer speaks only for the organisations it was registered for.
    expect(await ask(token(first, { org: 'lz-den-haag' }))).toMatchObject({ status: 403, reason: 'organisation_of_other_issuer' });

    // The token accepted (and remembered) a moment ago is verified again once the issuers change.
    const beforeRotation = token(first);
    expect((await ask(beforeRotation)).status).toBe(200);
    await change('rotate', second, 'jaarlijkse sleutelwissel');
    expect(await ask(beforeRotation)).toMatchObject({ status: 401, reason: 'unknown_kid' });
    expect(await ask(token(first))).toMatchObject({ status: 401, reason: 'unknown_kid' });
    expect((await ask(token(second))).status).toBe(200);

    await change('disable', undefined, 'contract beëindigd');
    expect(await ask(token(second))).toMatchObject({ status: 401, reason: 'unknown_issuer' });

    const records = await t.asOwner((db) =>
      db
        .selectFrom('access_log_records')
        .select(['action', 'outcome', 'actor_role', 'activity_id', 'operation_name', 'purpose', 'fields'])
        .where('actor_org_id', '=', ORG)
        .where('operation_name', 'like', 'npm run admin -- issuer %')
        .orderBy('seq')
        .execute(),
    );
    expect(records).toEqual([
      expect.objectContaining({ action: 'CREATE', outcome: 'GRANTED', actor_role: 'SYSTEM', activity_id: 'beheer-toegang', operation_name: 'npm run admin -- issuer add', purpose: `issuer ${ISSUER}: convenant 2026` }),
      expect.objectContaining({ action: 'UPDATE', operation_name: 'npm run admin -- issuer rotate', purpose: `issuer ${ISSUER}: jaarlijkse sleutelwissel`, fields: ['TrustedIssuer.publicKey'] }),
      expect.objectContaining({ action: 'UPDATE', operation_name: 'npm run admin -- issuer disable', fields: ['TrustedIssuer.disabledAt'] }),
    ]);
  }, 300_000);
});

describe('npm run admin -- issuer', () => {
  it('lists, and refuses what it cannot do with one line, changing nothing', async () => {
    const { env, cleanup } = await commandEnv(t);
    try {
      const key = newKey('delft-1');
      const other = 'https://login.elders.example';
      expect(await admin(['add', '--issuer', other, '--audience', 'ketenhub', '--organisation', 'no-such-organisation', '--key-file', key.pemFile, '--kid', 'k1'], env)).toMatchObject({
        status: 1,
        stderr: 'no organisation no-such-organisation (register it first: npm run admin -- organisation add)\n',
      });
      // lz-den-haag names the demo issuer, not this one.
      expect((await admin(['add', '--issuer', other, '--audience', 'ketenhub', '--organisation', 'lz-den-haag', '--key-file', key.pemFile, '--kid', 'k1'], env)).stderr).toMatch(
        /^organisation lz-den-haag names issuer \S+, not https:\/\/login\.elders\.example\n$/,
      );
      expect(await admin(['rotate', '--issuer', other, '--jwks-uri', 'https://login.elders.example/jwks'], env)).toMatchObject({ status: 1, stderr: `no issuer ${other} in the database\n` });
      // The demo issuer is in the issuers file, which wins: registering it in the database is refused.
      const demo = await admin(['add', '--issuer', 'https://demo-idp.ketenhub.invalid', '--audience', 'ketenhub', '--organisation', 'lz-den-haag', '--jwks-uri', 'https://x.example/jwks'], env);
      expect(demo).toMatchObject({ status: 1, stderr: expect.stringMatching(/is in TRUSTED_ISSUERS_FILE, which wins over the database/) });
      const listed = (await admin(['list'], env)).stdout.split('\n').map((line) => line.split('\t'));
      expect(listed[0]).toEqual(['issuer', 'audiences', 'organisations', 'key', 'algorithms', 'disabled', 'source']);
      expect(listed).toContainEqual(['https://demo-idp.ketenhub.invalid', '', '', '', '', '', 'file']);
      expect(listed.some((row) => row[0] === other)).toBe(false);
    } finally {
      cleanup();
    }
  }, 400_000);
});

describe('preflight with issuers in the database', () => {
  it.skipIf(!!process.env.DATABASE_URL)('does not refuse a production start without an issuers file when the database has issuers', async () => {
    const dataDir = join(dir, 'data');
    const database = await openPGlite({ dataDir });
    try {
      await migrate(database);
      await database.db.insertInto('municipalities').values({ code: 'GM0603', name: 'Rijswijk' }).execute();
      await database.db.insertInto('organisations').values({ id: ORG, kind: 'CJG', name: 'CJG Rijswijk', municipality_code: 'GM0603', issuer: ISSUER, contact_email: null, contact_phone: null }).execute();
    } finally {
      await database.close();
    }
    const env = productionEnv({ DATA_DIR: dataDir, ALLOW_DEMO_ISSUER_IN_PRODUCTION: 'false', DATABASE_APP_ROLE: 'ketenhub_app' });
    const config = loadConfig(env);
    // No issuer anywhere yet: refused, with the way to register one.
    await expect(preflightStart(config)).rejects.toThrow(/^no trusted issuers: set TRUSTED_ISSUERS_FILE .* or register them with `npm run admin -- issuer add`/m);
    const reopened = await openPGlite({ dataDir });
    try {
      const key = newKey('preflight-1');
      await addIssuer(reopened.db, t.hub.services.accessLog, { issuer: ISSUER, audiences: ['ketenhub'], organisations: [ORG], keyId: key.kid, publicKeyPem: key.pem }, {
        actorSubject: 'cli:test',
        production: true,
        fileIssuers: new Set(),
      });
    } finally {
      await reopened.close();
    }
    await expect(preflightStart(config)).resolves.toMatchObject({ issuers: expect.any(Map) });
    // The synchronous check alone (no database read) still refuses: it cannot know.
    expect(() => preflight(config)).toThrow(/no trusted issuers/);
  }, 120_000);
});
