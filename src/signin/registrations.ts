// Per organisation, its OpenID Connect client registration at its own identity provider: how its
// officers sign in to the console (`npm run admin -- sign-in add|list|disable`). The organisation is
// fixed by the registration, never by a claim the provider sends. The client secret is sealed at
// rest under WEBHOOK_SECRET_KEY (the hub's key for secrets it must use again, see events/webhooks.ts).
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AccessLog, LogRecordInput } from '../audit/chain.ts';
import { administrationRecord } from '../audit/administration.ts';
import type { Tables } from '../db/tables.ts';
import { sealSecret } from '../events/webhooks.ts';
import { roleExistsForKind } from '../policy/policy.ts';
import { ROLES, type OrganisationKind, type Role } from '../policy/vocabulary.ts';

export class SignInAdminError extends Error {
  constructor(
    readonly code: 'INVALID_INPUT' | 'EXISTS' | 'NOT_FOUND' | 'DISABLED' | 'UNKNOWN_ORGANISATION',
    message: string,
  ) {
    super(message);
  }
}

const ClaimName = z.string().regex(/^[A-Za-z0-9_:.\/-]{1,200}$/, 'a claim name');

export const AddRegistrationInput = z
  .object({
    organisation: z.string().min(1).max(100),
    issuer: z.url({ protocol: /^https?$/ }).max(500),
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(8, 'at least 8 characters').max(2000),
    scopes: z.string().regex(/^openid( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'space-separated scopes starting with openid').default('openid profile'),
    roleClaim: ClaimName.default('groups'),
    /** Provider group (or role value) → hub role; at least one. */
    roleMap: z.record(z.string().min(1).max(500), z.enum(ROLES)).refine((map) => Object.keys(map).length > 0, 'map at least one group to a role (--role group=ROLE)'),
    organisationClaim: ClaimName.optional(),
    reason: z.string().max(500).optional(),
  })
  .strict();
export type AddRegistrationInput = z.input<typeof AddRegistrationInput>;

export interface RegistrationAdminContext {
  actorSubject: string;
  production: boolean;
  /** Seals the client secret (WEBHOOK_SECRET_KEY). */
  secretKey: string;
  now?: Date;
}

function record(context: RegistrationAdminContext, verb: string, organisation: string, fields: string[], purpose: string, action: 'CREATE' | 'UPDATE'): LogRecordInput {
  return administrationRecord({
    at: context.now ?? new Date(),
    actorSubject: context.actorSubject,
    organisation,
    action,
    fields,
    purpose,
    command: `npm run admin -- sign-in ${verb}`,
  });
}

export async function addRegistration(db: Kysely<Tables>, accessLog: AccessLog, raw: unknown, context: RegistrationAdminContext): Promise<void> {
  const parsed = AddRegistrationInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SignInAdminError('INVALID_INPUT', `${issue.path.join('.') || 'input'}: ${issue.message}`);
  }
  const input = parsed.data;
  if (context.production && !input.issuer.startsWith('https://')) throw new SignInAdminError('INVALID_INPUT', 'issuer must be https when NODE_ENV=production');
  const now = context.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const organisation = await trx.selectFrom('organisations').select(['id', 'kind', 'disabled_at']).where('id', '=', input.organisation).executeTakeFirst();
    if (!organisation) throw new SignInAdminError('UNKNOWN_ORGANISATION', `no organisation ${input.organisation}`);
    for (const [group, role] of Object.entries(input.roleMap))
      if (!roleExistsForKind(organisation.kind as OrganisationKind, role as Role))
        throw new SignInAdminError('INVALID_INPUT', `--role ${group}=${role}: an organisation of kind ${organisation.kind} has no role ${role}`);
    const existing = await trx.selectFrom('sign_in_registrations').select(['organisation_id', 'disabled_at']).where('organisation_id', '=', input.organisation).forUpdate().executeTakeFirst();
    if (existing && !existing.disabled_at) throw new SignInAdminError('EXISTS', `organisation ${input.organisation} has a sign-in registration already (disable it first to replace it)`);
    const values = {
      issuer: input.issuer,
      client_id: input.clientId,
      client_secret_sealed: sealSecret(input.clientSecret, context.secretKey),
      scopes: input.scopes,
      role_claim: input.roleClaim,
      role_map: JSON.stringify(input.roleMap),
      organisation_claim: input.organisationClaim ?? null,
      updated_at: now,
      disabled_at: null,
    };
    if (existing) await trx.updateTable('sign_in_registrations').set(values).where('organisation_id', '=', input.organisation).execute();
    else await trx.insertInto('sign_in_registrations').values({ organisation_id: input.organisation, created_at: now, ...values }).execute();
    await accessLog.append(trx, [
      record(
        context,
        'add',
        input.organisation,
        ['SignInRegistration.issuer', 'SignInRegistration.clientId', 'SignInRegistration.clientSecret', 'SignInRegistration.roleMap'],
        `provider ${input.issuer}${input.reason ? `: ${input.reason}` : ''}`,
        'CREATE',
      ),
    ]);
  });
}

export async function disableRegistration(db: Kysely<Tables>, accessLog: AccessLog, raw: { organisation?: string; reason?: string }, context: RegistrationAdminContext): Promise<void> {
  if (!raw.organisation) throw new SignInAdminError('INVALID_INPUT', '--organisation is required');
  const now = context.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('sign_in_registrations').select(['issuer', 'disabled_at']).where('organisation_id', '=', raw.organisation!).forUpdate().executeTakeFirst();
    if (!existing) throw new SignInAdminError('NOT_FOUND', `organisation ${raw.organisation} has no sign-in registration`);
    if (existing.disabled_at) throw new SignInAdminError('DISABLED', `the sign-in registration of ${raw.organisation} is disabled already`);
    await trx.updateTable('sign_in_registrations').set({ disabled_at: now, updated_at: now }).where('organisation_id', '=', raw.organisation!).execute();
    // Sessions made through it end now (their next request is refused).
    await trx
      .updateTable('console_sessions')
      .set({ ended_at: now, end_reason: 'DISABLED', id_token: null })
      .where('organisation_id', '=', raw.organisation!)
      .where('ended_at', 'is', null)
      .execute();
    await accessLog.append(trx, [record(context, 'disable', raw.organisation!, ['SignInRegistration.disabledAt'], `provider ${existing.issuer}${raw.reason ? `: ${raw.reason}` : ''}`, 'UPDATE')]);
  });
}

export async function listRegistrations(db: Kysely<Tables>) {
  return db
    .selectFrom('sign_in_registrations')
    .select(['organisation_id', 'issuer', 'client_id', 'scopes', 'role_claim', 'role_map', 'organisation_claim', 'disabled_at'])
    .orderBy('organisation_id')
    .execute();
}
