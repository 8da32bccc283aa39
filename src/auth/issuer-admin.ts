// Registering token issuers in the database (`npm run admin -- issuer add|list|rotate|disable`):
// validated input, one transaction per change, and one access-log record per organisation the
// issuer may sign for (register entry beheer-toegang), so each organisation's privacy officer sees
// who changed which identity provider may speak for it. A running hub picks a change up within
// ISSUER_RELOAD_SECONDS (src/auth/issuer-registry.ts).
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AccessLog, LogRecordInput } from '../audit/chain.ts';
import { administrationRecord } from '../audit/administration.ts';
import type { Tables } from '../db/tables.ts';
import type { Algorithm } from './issuers.ts';

export class IssuerAdminError extends Error {
  constructor(
    readonly code: 'INVALID_INPUT' | 'EXISTS' | 'NOT_FOUND' | 'DISABLED' | 'IN_FILE' | 'UNKNOWN_ORGANISATION',
    message: string,
  ) {
    super(message);
  }
}

const IssuerUrl = z.url({ protocol: /^https?$/ }).max(500);
const KeyId = z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'a key id: letters, digits and . _ : - (1 to 200)');
const Pem = z.string().startsWith('-----BEGIN', 'a PEM public key (-----BEGIN PUBLIC KEY-----)').max(20_000);

const KeyInput = z.union([
  z.object({ keyId: KeyId, publicKeyPem: Pem }).strict(),
  z.object({ jwksUri: z.url({ protocol: /^https?$/ }).max(1000) }).strict(),
]);

export const AddIssuerInput = z
  .object({
    issuer: IssuerUrl,
    audiences: z.array(z.string().min(1).max(200)).min(1),
    organisations: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$/, 'an organisation id')).min(1),
    /** For a JWKS URL: which algorithms to accept (a PEM key decides its own). */
    algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'])).min(1).optional(),
    reason: z.string().max(500).optional(),
  })
  .and(KeyInput);
export type AddIssuerInput = z.infer<typeof AddIssuerInput>;

export const RotateIssuerInput = z.object({ issuer: IssuerUrl, reason: z.string().max(500).optional() }).and(KeyInput);
export type RotateIssuerInput = z.infer<typeof RotateIssuerInput>;

/** Who makes the change (`cli:<os user>`), and the options of the production check. */
export interface AdminContext {
  actorSubject: string;
  production: boolean;
  /** Issuers of TRUSTED_ISSUERS_FILE: the file wins, so registering one of them is refused. */
  fileIssuers: ReadonlySet<string>;
  now?: Date;
}

/** The algorithms a public key can sign with (its type decides); throws for anything else. */
export function algorithmsOfKey(pem: string): Algorithm[] {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new IssuerAdminError('INVALID_INPUT', `the public key cannot be read: ${(error as Error).message}`);
  }
  if (key.type !== 'public') throw new IssuerAdminError('INVALID_INPUT', 'give the public key, never the private one');
  if (key.asymmetricKeyType === 'rsa') return ['RS256'];
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return ['ES256'];
    if (curve === 'secp384r1') return ['ES384'];
    if (curve === 'secp521r1') return ['ES512'];
  }
  throw new IssuerAdminError('INVALID_INPUT', `unsupported key type ${key.asymmetricKeyType ?? key.type}: use an RSA or EC (P-256, P-384, P-521) public key`);
}

function keyColumns(input: { keyId: string; publicKeyPem: string } | { jwksUri: string }, production: boolean, algorithms?: Algorithm[]) {
  if ('jwksUri' in input) {
    if (production && !input.jwksUri.startsWith('https://')) throw new IssuerAdminError('INVALID_INPUT', 'jwksUri must be https when NODE_ENV=production');
    return { key_id: null, public_key_pem: null, jwks_uri: input.jwksUri, algorithms: algorithms ?? ['RS256', 'ES256'] };
  }
  return { key_id: input.keyId, public_key_pem: input.publicKeyPem, jwks_uri: null, algorithms: algorithmsOfKey(input.publicKeyPem) };
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new IssuerAdminError('INVALID_INPUT', `${issue.path.join('.') || 'input'}: ${issue.message}`);
  }
  return parsed.data;
}

function records(context: AdminContext, verb: string, issuer: string, organisations: string[], fields: string[], reason: string | undefined, action: 'CREATE' | 'UPDATE'): LogRecordInput[] {
  const traceId = randomBytes(16).toString('hex');
  return organisations.map((organisation) =>
    administrationRecord({
      at: context.now ?? new Date(),
      actorSubject: context.actorSubject,
      organisation,
      action,
      fields,
      // Which issuer, and the operator's reason: what the organisation's privacy officer reads.
      purpose: `issuer ${issuer}${reason ? `: ${reason}` : ''}`,
      command: `npm run admin -- issuer ${verb}`,
      traceId,
    }),
  );
}

export async function addIssuer(db: Kysely<Tables>, accessLog: AccessLog, raw: unknown, context: AdminContext): Promise<void> {
  const input = parse(AddIssuerInput, raw);
  if (context.fileIssuers.has(input.issuer))
    throw new IssuerAdminError('IN_FILE', `issuer ${input.issuer} is in TRUSTED_ISSUERS_FILE, which wins over the database: change it there`);
  const columns = keyColumns(input, context.production, input.algorithms);
  const now = context.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('trusted_issuers').select('issuer').where('issuer', '=', input.issuer).forUpdate().executeTakeFirst();
    if (existing) throw new IssuerAdminError('EXISTS', `issuer ${input.issuer} exists already (use rotate for a new key)`);
    const organisations = [...new Set(input.organisations)].sort();
    const known = await trx.selectFrom('organisations').select(['id', 'issuer']).where('id', 'in', organisations).execute();
    for (const id of organisations) {
      const organisation = known.find((row) => row.id === id);
      if (!organisation) throw new IssuerAdminError('UNKNOWN_ORGANISATION', `no organisation ${id} (register it first: npm run admin -- organisation add)`);
      if (organisation.issuer !== input.issuer)
        throw new IssuerAdminError('UNKNOWN_ORGANISATION', `organisation ${id} names issuer ${organisation.issuer}, not ${input.issuer}`);
    }
    await trx
      .insertInto('trusted_issuers')
      .values({ issuer: input.issuer, audiences: input.audiences, organisations, ...columns, created_at: now, updated_at: now })
      .execute();
    await accessLog.append(
      trx,
      records(context, 'add', input.issuer, organisations, ['TrustedIssuer.issuer', 'TrustedIssuer.audiences', columns.jwks_uri ? 'TrustedIssuer.jwksUri' : 'TrustedIssuer.publicKey', 'TrustedIssuer.organisations'], input.reason, 'CREATE'),
    );
  });
}

export async function rotateIssuer(db: Kysely<Tables>, accessLog: AccessLog, raw: unknown, context: AdminContext): Promise<void> {
  const input = parse(RotateIssuerInput, raw);
  const columns = keyColumns(input, context.production);
  const now = context.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('trusted_issuers').selectAll().where('issuer', '=', input.issuer).forUpdate().executeTakeFirst();
    if (!existing) throw new IssuerAdminError('NOT_FOUND', `no issuer ${input.issuer} in the database`);
    if (existing.disabled_at) throw new IssuerAdminError('DISABLED', `issuer ${input.issuer} is disabled`);
    if (existing.key_id && 'keyId' in input && existing.key_id === input.keyId)
      throw new IssuerAdminError('INVALID_INPUT', `the new key needs a key id other than ${existing.key_id}`);
    // The new key replaces the old one at once: tokens signed with the old key are refused from the
    // moment a hub reloads its issuers. (A provider that publishes both during a rotation uses a JWKS URL.)
    await trx.updateTable('trusted_issuers').set({ ...columns, updated_at: now }).where('issuer', '=', input.issuer).execute();
    await accessLog.append(trx, records(context, 'rotate', input.issuer, existing.organisations, [columns.jwks_uri ? 'TrustedIssuer.jwksUri' : 'TrustedIssuer.publicKey'], input.reason, 'UPDATE'));
  });
}

export async function disableIssuer(db: Kysely<Tables>, accessLog: AccessLog, raw: unknown, context: AdminContext): Promise<void> {
  const input = parse(z.object({ issuer: IssuerUrl, reason: z.string().max(500).optional() }), raw);
  const now = context.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('trusted_issuers').selectAll().where('issuer', '=', input.issuer).forUpdate().executeTakeFirst();
    if (!existing) throw new IssuerAdminError('NOT_FOUND', `no issuer ${input.issuer} in the database`);
    if (existing.disabled_at) throw new IssuerAdminError('DISABLED', `issuer ${input.issuer} is disabled already`);
    await trx.updateTable('trusted_issuers').set({ disabled_at: now, updated_at: now }).where('issuer', '=', input.issuer).execute();
    await accessLog.append(trx, records(context, 'disable', input.issuer, existing.organisations, ['TrustedIssuer.disabledAt'], input.reason, 'UPDATE'));
  });
}

export async function listIssuers(db: Kysely<Tables>) {
  return db.selectFrom('trusted_issuers').selectAll().orderBy('issuer').execute();
}
