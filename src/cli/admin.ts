// npm run admin -- organisation list
// npm run admin -- organisation add --id <id> --kind <KIND> --name <name> --municipality <GMxxxx> --issuer <iss> [--email e] [--phone p] [--reason text]
// npm run admin -- organisation disable --id <id> [--reason text]
//   Registers or disables an organisation of the chain without SQL, on PGlite and PostgreSQL. Each
//   change is a record in the access log (register entry beheer-toegang), made by `cli:<os user>`.
//   A disabled organisation's tokens are refused (403 organisation_disabled) within a minute (the
//   hub's organisation cache); everything that refers to it stays.
// npm run admin -- webhook-secrets reseal
//   Re-seals every webhook endpoint's signing secret under WEBHOOK_SECRET_KEY, opening it with the
//   key it was sealed with, WEBHOOK_SECRET_KEY_PREVIOUS (from the environment, never an argument:
//   arguments end up in shell histories and process lists). One transaction; running it again
//   changes nothing. See docs/operations.md, "Keys and their rotation".
// Uses DATABASE_URL, or the PGlite database in DATA_DIR (stop the hub first: PGlite has one user).
import { randomBytes, randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { activity } from '../audit/processing-activities.ts';
import type { LogRecordInput } from '../audit/chain.ts';
import { ORGANISATION_KINDS, type OrganisationKind } from '../policy/vocabulary.ts';
import { DEV_WEBHOOK_SECRET_KEY, openSecret, sealSecret } from '../events/webhooks.ts';
import { createAccessLog, openDatabase } from '../hub.ts';
import { configOrExit, fail } from './exit.ts';

const USAGE = [
  'usage: npm run admin -- organisation list',
  '       npm run admin -- organisation add --id <id> --kind <KIND> --name <name> --municipality <code> --issuer <iss> [--email e] [--phone p] [--reason text]',
  '       npm run admin -- organisation disable --id <id> [--reason text]',
  '       npm run admin -- webhook-secrets reseal   (with WEBHOOK_SECRET_KEY_PREVIOUS and WEBHOOK_SECRET_KEY set)',
].join('\n');
const [subject, verb, ...rest] = process.argv.slice(2);
if (subject === 'organisation' && (verb === 'list' || verb === 'add' || verb === 'disable')) await organisation(verb, rest);
else if (subject === 'webhook-secrets' && verb === 'reseal' && rest.length === 0) await reseal();
else fail(USAGE);

async function organisation(verb: 'list' | 'add' | 'disable', args: string[]): Promise<void> {
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
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const config = configOrExit();
  if (verb === 'add') {
    if (!values.id || !values.kind || !values.name || !values.municipality || !values.issuer) fail(USAGE);
    if (!/^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$/.test(values.id)) fail('--id: lower-case letters, digits and hyphens, 3 to 100 characters (e.g. cjg-delft)');
    if (!ORGANISATION_KINDS.includes(values.kind as OrganisationKind)) fail(`--kind: one of ${ORGANISATION_KINDS.join(', ')}`);
  }
  if (verb === 'disable' && !values.id) fail(USAGE);
  // The access log's keys (production refuses the development ones), before anything changes.
  const accessLog = verb === 'list' ? null : createAccessLog(config);
  const database = await openDatabase(config);
  try {
    if (verb === 'list') {
      const rows = await database.db.selectFrom('organisations').selectAll().orderBy('kind').orderBy('id').execute();
      process.stdout.write(['id', 'kind', 'name', 'municipality', 'issuer', 'disabled'].join('\t') + '\n');
      for (const row of rows)
        process.stdout.write([row.id, row.kind, row.name, row.municipality_code, row.issuer, row.disabled_at ? new Date(row.disabled_at).toISOString() : ''].join('\t') + '\n');
      return;
    }
    const now = new Date();
    const record = (action: 'CREATE' | 'UPDATE', fields: string[]): LogRecordInput => {
      const register = activity('beheer-toegang', now);
      return {
        occurredAt: now,
        traceId: randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        requestId: `admin-${randomUUID()}`,
        action,
        outcome: 'GRANTED',
        actorSubject: `cli:${userInfo().username}`,
        actorOrgId: values.id!,
        actorRole: 'SYSTEM',
        onBehalfOf: null,
        purpose: values.reason ?? null,
        activityId: register.id,
        activityVersion: register.version,
        pupilId: null,
        categories: [],
        fields,
        operationName: `npm run admin -- organisation ${verb}`,
        clientAddress: null,
        emergency: false,
      };
    };
    const outcome = await database.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('organisations').select(['id', 'disabled_at']).where('id', '=', values.id!).forUpdate().executeTakeFirst();
      if (verb === 'add') {
        if (existing) return `organisation ${values.id} exists already`;
        const municipality = await trx.selectFrom('municipalities').select('code').where('code', '=', values.municipality!).executeTakeFirst();
        if (!municipality) return `unknown municipality ${values.municipality} (see the municipalities table)`;
        await trx
          .insertInto('organisations')
          .values({ id: values.id!, kind: values.kind!, name: values.name!, municipality_code: values.municipality!, issuer: values.issuer!, contact_email: values.email ?? null, contact_phone: values.phone ?? null })
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
      process.stderr.write(`${outcome}\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(verb === 'add' ? `organisation ${values.id} added\n` : `organisation ${values.id} disabled: its tokens are refused within a minute\n`);
  } finally {
    await database.close();
  }
}

async function reseal(): Promise<void> {
  const config = configOrExit();
  const previous = process.env.WEBHOOK_SECRET_KEY_PREVIOUS;
  if (!previous) fail(`WEBHOOK_SECRET_KEY_PREVIOUS must name the key the secrets are sealed with now\n${USAGE}`);
  const next = config.WEBHOOK_SECRET_KEY ?? (config.NODE_ENV === 'production' ? fail('WEBHOOK_SECRET_KEY must be set when NODE_ENV=production') : DEV_WEBHOOK_SECRET_KEY);
  if (next === previous) fail('WEBHOOK_SECRET_KEY and WEBHOOK_SECRET_KEY_PREVIOUS are the same key');

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
    process.stdout.write(`webhook secrets: ${result.resealed} re-sealed under WEBHOOK_SECRET_KEY, ${result.already} already under it\n`);
  } catch (error) {
    process.stderr.write(`reseal failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await database.close();
  }
}
