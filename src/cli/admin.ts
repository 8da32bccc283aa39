// npm run admin -- organisation list
// npm run admin -- organisation add --id <id> --kind <KIND> --name <name> --municipality <GMxxxx> --issuer <iss> [--email e] [--phone p] [--reason text]
// npm run admin -- organisation disable --id <id> [--reason text]
//   Registers or disables an organisation of the chain without SQL, on PGlite and PostgreSQL. Each
//   change is a record in the access log (register entry beheer-toegang), made by `cli:<os user>`.
//   A disabled organisation's tokens are refused (403 organisation_disabled) within a minute (the
//   hub's organisation cache); everything that refers to it stays.
// npm run admin -- issuer list
// npm run admin -- issuer add --issuer <url> --audience <aud> --organisation <id> [--organisation <id> ...]
//                             (--key-file <public.pem> --kid <key id> | --jwks-uri <url> [--algorithm RS256 ...]) [--reason text]
// npm run admin -- issuer rotate --issuer <url> (--key-file <public.pem> --kid <key id> | --jwks-uri <url>) [--reason text]
// npm run admin -- issuer disable --issuer <url> [--reason text]
//   Registers an identity provider whose tokens the hub accepts for the named organisations, kept in
//   the database beside TRUSTED_ISSUERS_FILE (the file wins for an issuer in both). Each change is a
//   record in the access log of every organisation concerned; a running hub uses it within
//   ISSUER_RELOAD_SECONDS, without a restart.
// npm run admin -- sign-in list
// SIGN_IN_CLIENT_SECRET=<secret> npm run admin -- sign-in add --organisation <id> --issuer <provider url> --client-id <id>
//                             --role <group>=<ROLE> [--role ...] [--role-claim groups] [--scope "openid profile"] [--organisation-claim <claim>] [--reason text]
// npm run admin -- sign-in disable --organisation <id> [--reason text]
//   The organisation's OpenID Connect client registration, for console sign-in (src/signin). The
//   client secret comes from the environment, never an argument (shell histories, process lists),
//   and is sealed at rest under WEBHOOK_SECRET_KEY. Disabling ends the sessions made through it.
// npm run admin -- webhook-secrets reseal
//   Re-seals every webhook endpoint's signing secret under WEBHOOK_SECRET_KEY, opening it with the
//   key it was sealed with, WEBHOOK_SECRET_KEY_PREVIOUS (from the environment, never an argument:
//   arguments end up in shell histories and process lists). One transaction; running it again
//   changes nothing. See docs/operations.md, "Keys and their rotation".
// Uses DATABASE_URL, or the PGlite database in DATA_DIR (stop the hub first: PGlite has one user).
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { administrationRecord } from '../audit/administration.ts';
import type { LogRecordInput } from '../audit/chain.ts';
import { ORGANISATION_KINDS, type OrganisationKind } from '../policy/vocabulary.ts';
import { DEV_WEBHOOK_SECRET_KEY, openSecret, sealSecret } from '../events/webhooks.ts';
import { createAccessLog, openDatabase, trustedIssuers, webhookSecretKey } from '../hub.ts';
import { addIssuer, disableIssuer, IssuerAdminError, listIssuers, rotateIssuer } from '../auth/issuer-admin.ts';
import { readFileSync } from 'node:fs';
import { addRegistration, disableRegistration, listRegistrations, SignInAdminError } from '../signin/registrations.ts';
import { configOrStop, fail, type Command, type CommandIO } from './command.ts';

const USAGE = [
  'usage: npm run admin -- organisation list',
  '       npm run admin -- organisation add --id <id> --kind <KIND> --name <name> --municipality <code> --issuer <iss> [--email e] [--phone p] [--reason text]',
  '       npm run admin -- organisation disable --id <id> [--reason text]',
  '       npm run admin -- issuer list',
  '       npm run admin -- issuer add --issuer <url> --audience <aud> --organisation <id> [--organisation <id> ...] (--key-file <public.pem> --kid <kid> | --jwks-uri <url> [--algorithm <alg> ...]) [--reason text]',
  '       npm run admin -- issuer rotate --issuer <url> (--key-file <public.pem> --kid <kid> | --jwks-uri <url>) [--reason text]',
  '       npm run admin -- issuer disable --issuer <url> [--reason text]',
  '       npm run admin -- sign-in list',
  '       SIGN_IN_CLIENT_SECRET=<secret> npm run admin -- sign-in add --organisation <id> --issuer <url> --client-id <id> --role <group>=<ROLE> [--role ...] [--role-claim groups] [--scope "openid profile"] [--organisation-claim <claim>] [--reason text]',
  '       npm run admin -- sign-in disable --organisation <id> [--reason text]',
  '       npm run admin -- webhook-secrets reseal   (with WEBHOOK_SECRET_KEY_PREVIOUS and WEBHOOK_SECRET_KEY set)',
].join('\n');

export const run: Command = async (io) => {
  const [subject, verb, ...rest] = io.args;
  if (subject === 'organisation' && (verb === 'list' || verb === 'add' || verb === 'disable')) return organisation(io, verb, rest);
  if (subject === 'issuer' && (verb === 'list' || verb === 'add' || verb === 'rotate' || verb === 'disable')) return issuer(io, verb, rest);
  if (subject === 'sign-in' && (verb === 'list' || verb === 'add' || verb === 'disable')) return signIn(io, verb, rest);
  if (subject === 'webhook-secrets' && verb === 'reseal' && rest.length === 0) return reseal(io);
  fail(io, USAGE);
};

async function organisation(io: CommandIO, verb: 'list' | 'add' | 'disable', args: string[]): Promise<number | void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        id: { type: 'string' },
        kind: { type: 'string' },
        name: { type: 'string' },
        municipality: { type: 'string' },
        issuer: { type: 'string' },
        email: { type: 'string' },
        phone: { type: 'string' },
        reason: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(io, `${(error as Error).message}\n${USAGE}`);
  }
  const config = configOrStop(io);
  if (verb === 'add') {
    if (!values.id || !values.kind || !values.name || !values.municipality || !values.issuer) fail(io, USAGE);
    if (!/^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$/.test(values.id)) fail(io, '--id: lower-case letters, digits and hyphens, 3 to 100 characters (e.g. cjg-delft)');
    if (!ORGANISATION_KINDS.includes(values.kind as OrganisationKind)) fail(io, `--kind: one of ${ORGANISATION_KINDS.join(', ')}`);
  }
  if (verb === 'disable' && !values.id) fail(io, USAGE);
  // The access log's keys (production refuses the development ones), before anything changes.
  const accessLog = verb === 'list' ? null : createAccessLog(config);
  const database = await openDatabase(config);
  try {
    if (verb === 'list') {
      const rows = await database.db.selectFrom('organisations').selectAll().orderBy('kind').orderBy('id').execute();
      io.out(['id', 'kind', 'name', 'municipality', 'issuer', 'disabled'].join('\t') + '\n');
      for (const row of rows)
        io.out([row.id, row.kind, row.name, row.municipality_code, row.issuer, row.disabled_at ? new Date(row.disabled_at).toISOString() : ''].join('\t') + '\n');
      return;
    }
    const now = new Date();
    const record = (action: 'CREATE' | 'UPDATE', fields: string[]): LogRecordInput =>
      administrationRecord({
        at: now,
        actorSubject: `cli:${userInfo().username}`,
        organisation: values.id!,
        action,
        fields,
        purpose: values.reason ?? null,
        command: `npm run admin -- organisation ${verb}`,
      });

    const outcome = await database.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('organisations').select(['id', 'disabled_at']).where('id', '=', values.id!).forUpdate().executeTakeFirst();
      if (verb === 'add') {
        if (existing) return `organisation ${values.id} exists already`;
        const municipality = await trx.selectFrom('municipalities').select('code').where('code', '=', values.municipality!).executeTakeFirst();
        if (!municipality) return `unknown municipality ${values.municipality} (see the municipalities table)`;
        await trx
          .insertInto('organisations')
          .values({ id: values.id!, kind: values.kind as OrganisationKind, name: values.name!, municipality_code: values.municipality!, issuer: values.issuer!, contact_email: values.email ?? null, contact_phone: values.phone ?? null })
          .execute();
        await accessLog!.append(trx, [record('CREATE', ['Organisation.id', 'Organisation.kind', 'Organisation.name', 'Organisation.municipality', 'Organisation.issuer'])]);
        return null;
      }
      if (!existing) return `no organisation ${values.id}`;
      if (existing.disabled_at) return `organisation ${values.id} is disabled already`;
      await trx.updateTable('organisations').set({ disabled_at: now }).where('id', '=', values.id!).execute();
      await accessLog!.append(trx, [record('UPDATE', ['Organisation.disabledAt'])]);
      return null;
    });
    if (outcome) {
      io.err(`${outcome}\n`);
      return 1;
    }
    io.out(verb === 'add' ? `organisation ${values.id} added\n` : `organisation ${values.id} disabled: its tokens are refused within a minute\n`);
  } finally {
    await database.close();
  }
}

async function reseal(io: CommandIO): Promise<number | void> {
  const config = configOrStop(io);
  const previous = io.env.WEBHOOK_SECRET_KEY_PREVIOUS;
  if (!previous) fail(io, `WEBHOOK_SECRET_KEY_PREVIOUS must name the key the secrets are sealed with now\n${USAGE}`);
  const next = config.WEBHOOK_SECRET_KEY ?? (config.NODE_ENV === 'production' ? fail(io, 'WEBHOOK_SECRET_KEY must be set when NODE_ENV=production') : DEV_WEBHOOK_SECRET_KEY);
  if (next === previous) fail(io, 'WEBHOOK_SECRET_KEY and WEBHOOK_SECRET_KEY_PREVIOUS are the same key');

  const opens = (sealed: string, key: string) => {
    try {
      return openSecret(sealed, key);
    } catch {
      return null;
    }
  };

  const database = await openDatabase(config);
  try {
    const result = await database.db.transaction().execute(async (trx) => {
      const endpoints = await trx.selectFrom('webhook_endpoints').select(['id', 'secret']).orderBy('id').forUpdate().execute();
      let resealed = 0;
      let already = 0;
      for (const endpoint of endpoints) {
        const secret = opens(endpoint.secret, previous);
        if (secret === null) {
          // Sealed under the new key already (a second run, or an endpoint registered since): leave it.
          if (opens(endpoint.secret, next) !== null) {
            already++;
            continue;
          }
          throw new Error(`the secret of webhook endpoint ${endpoint.id} opens with neither key: nothing was changed`);
        }
        await trx.updateTable('webhook_endpoints').set({ secret: sealSecret(secret, next) }).where('id', '=', endpoint.id).execute();
        resealed++;
      }
      return { resealed, already };
    });
    io.out(`webhook secrets: ${result.resealed} re-sealed under WEBHOOK_SECRET_KEY, ${result.already} already under it\n`);
  } catch (error) {
    io.err(`reseal failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await database.close();
  }
}

async function issuer(io: CommandIO, verb: 'list' | 'add' | 'rotate' | 'disable', args: string[]): Promise<number | void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        issuer: { type: 'string' },
        audience: { type: 'string', multiple: true },
        organisation: { type: 'string', multiple: true },
        'key-file': { type: 'string' },
        kid: { type: 'string' },
        'jwks-uri': { type: 'string' },
        algorithm: { type: 'string', multiple: true },
        reason: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(io, `${(error as Error).message}\n${USAGE}`);
  }
  const config = configOrStop(io);
  if (verb !== 'list' && !values.issuer) fail(io, `--issuer is required\n${USAGE}`);
  if ((verb === 'add' || verb === 'rotate') && !values['jwks-uri'] === !values['key-file'])
    fail(io, 'give either --key-file (a PEM public key, with --kid) or --jwks-uri');
  let key: { keyId?: string; publicKeyPem?: string; jwksUri?: string } = {};
  if (values['key-file']) {
    let pem: string;
    try {
      pem = readFileSync(values['key-file'], 'utf8');
    } catch (error) {
      fail(io, `--key-file: ${(error as Error).message}`);
    }
    key = { keyId: values.kid ?? fail(io, '--kid is required with --key-file (the "kid" in the tokens\' header)'), publicKeyPem: pem };
  } else if (values['jwks-uri']) key = { jwksUri: values['jwks-uri'] };

  const accessLog = verb === 'list' ? null : createAccessLog(config);
  // The file's issuers: registering one of them in the database would have no effect (the file wins).
  let fileIssuers = new Set<string>();
  try {
    fileIssuers = new Set(trustedIssuers(config).keys());
  } catch {
    // An unreadable file is the hub's start to report; the database is still administrable.
  }
  const database = await openDatabase(config);
  try {
    if (verb === 'list') {
      const rows = await listIssuers(database.db);
      io.out(['issuer', 'audiences', 'organisations', 'key', 'algorithms', 'disabled', 'source'].join('\t') + '\n');
      for (const row of rows)
        io.out(
          [row.issuer, row.audiences.join(','), row.organisations.join(','), row.jwks_uri ?? `kid ${row.key_id}`, row.algorithms.join(','), row.disabled_at ? new Date(row.disabled_at).toISOString() : '', fileIssuers.has(row.issuer) ? 'database (overridden by file)' : 'database'].join('\t') + '\n',
        );
      for (const name of fileIssuers) io.out([name, '', '', '', '', '', 'file'].join('\t') + '\n');
      return;
    }
    const context = { actorSubject: `cli:${userInfo().username}`, production: config.NODE_ENV === 'production', fileIssuers };
    const common = { issuer: values.issuer, ...(values.reason ? { reason: values.reason } : {}) };
    if (verb === 'add')
      await addIssuer(database.db, accessLog!, { ...common, ...key, audiences: values.audience ?? [], organisations: values.organisation ?? [], ...(values.algorithm ? { algorithms: values.algorithm } : {}) }, context);
    else if (verb === 'rotate') await rotateIssuer(database.db, accessLog!, { ...common, ...key }, context);
    else await disableIssuer(database.db, accessLog!, common, context);
    const after = `a running hub uses it within ${config.ISSUER_RELOAD_SECONDS} s`;
    io.out(
      verb === 'add'
        ? `issuer ${values.issuer} added: ${after}\n`
        : verb === 'rotate'
          ? `issuer ${values.issuer} rotated: the previous key is refused, ${after}\n`
          : `issuer ${values.issuer} disabled: its tokens are refused, ${after}\n`,
    );
  } catch (error) {
    if (!(error instanceof IssuerAdminError)) throw error;
    io.err(`${error.message}\n`);
    return 1;
  } finally {
    await database.close();
  }
}

async function signIn(io: CommandIO, verb: 'list' | 'add' | 'disable', args: string[]): Promise<number | void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        organisation: { type: 'string' },
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        role: { type: 'string', multiple: true },
        'role-claim': { type: 'string' },
        scope: { type: 'string' },
        'organisation-claim': { type: 'string' },
        reason: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(io, `${(error as Error).message}\n${USAGE}`);
  }
  const config = configOrStop(io);
  let secretKey = '';
  try {
    secretKey = webhookSecretKey(config);
  } catch (error) {
    fail(io, (error as Error).message);
  }
  const roleMap: Record<string, string> = {};
  for (const pair of values.role ?? []) {
    const at = pair.lastIndexOf('=');
    if (at <= 0) fail(io, `--role ${pair}: expected <group>=<ROLE>, e.g. leerplicht-team=PROFESSIONAL`);
    roleMap[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const clientSecret = io.env.SIGN_IN_CLIENT_SECRET;
  if (verb === 'add' && !clientSecret) fail(io, 'SIGN_IN_CLIENT_SECRET must hold the client secret the provider issued (never an argument)');
  const accessLog = verb === 'list' ? null : createAccessLog(config);
  const database = await openDatabase(config);
  try {
    if (verb === 'list') {
      const rows = await listRegistrations(database.db);
      io.out(['organisation', 'issuer', 'client id', 'scopes', 'role claim', 'roles', 'organisation claim', 'disabled'].join('\t') + '\n');
      for (const row of rows)
        io.out(
          [row.organisation_id, row.issuer, row.client_id, row.scopes, row.role_claim, Object.entries(row.role_map).map(([group, role]) => `${group}=${role}`).join(','), row.organisation_claim ?? '', row.disabled_at ? new Date(row.disabled_at).toISOString() : ''].join('\t') + '\n',
        );
      return;
    }
    const context = { actorSubject: `cli:${userInfo().username}`, production: config.NODE_ENV === 'production', secretKey };
    if (verb === 'add') {
      await addRegistration(
        database.db,
        accessLog!,
        {
          organisation: values.organisation,
          issuer: values.issuer,
          clientId: values['client-id'],
          clientSecret,
          roleMap,
          ...(values.scope ? { scopes: values.scope } : {}),
          ...(values['role-claim'] ? { roleClaim: values['role-claim'] } : {}),
          ...(values['organisation-claim'] ? { organisationClaim: values['organisation-claim'] } : {}),
          ...(values.reason ? { reason: values.reason } : {}),
        },
        context,
      );
      io.out(`sign-in for ${values.organisation} added: redirect URI ${config.PUBLIC_URL ? new URL('/sign-in/callback', config.PUBLIC_URL).href : '<PUBLIC_URL>/sign-in/callback'}\n`);
    } else {
      await disableRegistration(database.db, accessLog!, { ...(values.organisation ? { organisation: values.organisation } : {}), ...(values.reason ? { reason: values.reason } : {}) }, context);
      io.out(`sign-in for ${values.organisation} disabled: its console sessions have ended\n`);
    }
  } catch (error) {
    if (!(error instanceof SignInAdminError)) throw error;
    io.err(`${error.message}\n`);
    return 1;
  } finally {
    await database.close();
  }
}
