// The rights of the people in the file: rectification (AVG art. 16) keeps the earlier value with who,
// when and why; restriction (art. 18) stops partners' access except statutory processing (the
// register says which: src/audit/processing-activities.ts, enforced in src/policy/access.ts); the
// privacy officer's consent to name employees in subject access exports (art. 15, see src/inzage/).
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { newId } from '../db/ids.ts';
import type { PupilRow, Tables } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { badInput, forbidden } from '../errors.ts';
import { isCalendarDate, parseInput, text, uuid } from '../graphql/input.ts';
import { systemData } from '../policy/gateway.ts';
import { requireOperation } from '../policy/operations.ts';
import { LETTER_LANGUAGES, type DataCategory } from '../policy/vocabulary.ts';
import { isValidBsn } from '../pupils/bsn.ts';
import { inTransaction } from '../referrals/service.ts';

const reason = text(1000);
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine(isCalendarDate, 'is not a calendar date');

/** What each correctable field is: its column, its category, and what a value must look like. */
export const CORRECTABLE: Readonly<Record<string, { column: keyof PupilRow; category: DataCategory; value: z.ZodType<string | null> }>> = {
  givenName: { column: 'given_name', category: 'IDENTITY', value: text(100) },
  familyNamePrefix: { column: 'family_name_prefix', category: 'IDENTITY', value: text(20).nullable() },
  familyName: { column: 'family_name', category: 'IDENTITY', value: text(100) },
  dateOfBirth: { column: 'date_of_birth', category: 'IDENTITY', value: date },
  bsn: { column: 'bsn', category: 'BSN', value: z.string().regex(/^[0-9]{9}$/, 'must be 9 digits').refine(isValidBsn, 'is not a valid BSN (the eleven test fails)').nullable() },
  street: { column: 'street', category: 'CONTACT', value: text(200).nullable() },
  houseNumber: { column: 'house_number', category: 'CONTACT', value: text(20).nullable() },
  postalCode: { column: 'postal_code', category: 'CONTACT', value: z.string().trim().regex(/^[1-9][0-9]{3} ?[A-Z]{2}$/, 'must be a Dutch postal code such as 2511 AB').nullable() },
  city: { column: 'city', category: 'CONTACT', value: text(100).nullable() },
  phone: { column: 'phone', category: 'CONTACT', value: z.string().trim().regex(/^[0-9+() -]{6,20}$/, 'must be a phone number').nullable() },
  letterLanguage: { column: 'letter_language', category: 'CONTACT', value: z.enum(LETTER_LANGUAGES) },
  grade: { column: 'grade', category: 'SCHOOLING', value: text(50).nullable() },
  absentSince: { column: 'absent_since', category: 'SCHOOLING', value: date.nullable() },
};

const CorrectInput = z.object({ pupilId: uuid, field: z.enum(Object.keys(CORRECTABLE) as [string, ...string[]]), value: z.string().nullish(), reason });
const RestrictInput = z.object({ pupilId: uuid, reason });
const AllowInput = z.object({ pupilId: uuid, reason, days: z.number().int().min(1, 'must be at least 1').max(90, 'must be at most 90').nullish() });

const NO_PUPIL = () => badInput('no pupil with this id that you may see', { argument: 'input.pupilId' });

/** The pupil, locked for the change, if the caller sees it; else the same answer as for no pupil. */
async function pupilForChange(trx: Transaction<Tables>, ctx: RequestContext, pupilId: string): Promise<PupilRow> {
  const pupil = await ctx.data.in(trx).pupils().selectAll('pupils').where('pupils.id', '=', pupilId.toLowerCase()).forUpdate().executeTakeFirst();
  if (!pupil) throw NO_PUPIL();
  return pupil;
}

const asText = (value: unknown): string | null => (value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : String(value));

/** A change to a pupil's data keeps what it was, with who, when and why (pupil_corrections). */
async function keepEarlierValue(
  trx: Transaction<Tables>,
  ctx: RequestContext,
  pupilId: string,
  field: string,
  previous: string | null,
  next: string | null,
  reason: string,
): Promise<void> {
  await trx
    .insertInto('pupil_corrections')
    .values({
      id: newId(),
      pupil_id: pupilId,
      field,
      previous_value: previous,
      new_value: next,
      reason,
      org_id: ctx.actor.organisationId,
      actor_subject: ctx.actor.subject,
      actor_role: ctx.actor.role,
      corrected_at: ctx.now,
    })
    .execute();
}

export async function correctPupil(ctx: RequestContext, rawInput: unknown): Promise<PupilRow> {
  requireOperation(ctx, 'correctPupilData');
  const input = parseInput(CorrectInput, rawInput);
  const spec = CORRECTABLE[input.field]!;
  const given = input.value === undefined || input.value === null || input.value.trim() === '' ? null : input.value;
  const parsed = spec.value.safeParse(given);
  if (!parsed.success) throw badInput(`input.value ${given === null ? 'is required for this field' : parsed.error.issues[0]!.message}`, { argument: 'input.value' });
  return inTransaction(ctx, { pupilId: null, action: 'UPDATE', field: 'Mutation.correctPupil' }, async (trx) => {
    const pupil = await pupilForChange(trx, ctx, input.pupilId);
    // The pupil's administration is kept by its home Leerlingzaken and its school: a link through a
    // referral lets one read, not rewrite, another's records.
    const keeper =
      (ctx.actor.organisationKind === 'LEERLINGZAKEN' && pupil.municipality_code === ctx.actor.municipalityCode) || pupil.school_id === ctx.actor.organisationId;
    if (!keeper) throw forbidden("only the pupil's home Leerlingzaken or its school corrects the pupil's data", { argument: 'input.pupilId' });
    const [access] = await ctx.data.in(trx).pupilAccess([pupil]);
    if (!access!.categories.has(spec.category))
      throw forbidden(`you may not read ${spec.category} of this pupil, so you may not correct ${input.field}`, { argument: 'input.field', category: spec.category });
    const previous = asText(pupil[spec.column]);
    if (previous === parsed.data) throw badInput(`input.value is the value already held; nothing to correct`, { argument: 'input.value' });
    if (spec.column === 'bsn' && parsed.data) {
      const taken = await systemData(trx, 'integrity').selectFrom('pupils').select('id').where('bsn', '=', parsed.data).where('id', '<>', pupil.id).executeTakeFirst();
      // Said without naming whose: the BSN belongs to another record, which a clerk must sort out.
      if (taken) throw badInput('input.value: another pupil record holds this BSN; ask Leerlingzaken to merge the records', { argument: 'input.value' });
    }
    await keepEarlierValue(trx, ctx, pupil.id, input.field, previous, parsed.data, input.reason);
    const updated = await trx
      .updateTable('pupils')
      .set({ [spec.column]: parsed.data, updated_at: ctx.now })
      .where('id', '=', pupil.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    ctx.audit.record({ pupilId: pupil.id, action: 'UPDATE', outcome: 'GRANTED', category: spec.category, field: `Mutation.correctPupil(${input.field})`, emergency: access!.emergency });
    return updated;
  });
}

/** The municipality's own pupil (home link): restriction and inzage are the controller's to decide. */
export async function ownPupilForChange(trx: Transaction<Tables>, ctx: RequestContext, pupilId: string): Promise<PupilRow> {
  const pupil = await pupilForChange(trx, ctx, pupilId);
  if (pupil.municipality_code !== ctx.actor.municipalityCode)
    throw forbidden('only the Leerlingzaken of the pupil\'s home municipality decides this', { argument: 'input.pupilId' });
  return pupil;
}

export async function restrictPupil(ctx: RequestContext, rawInput: unknown, lift: boolean): Promise<PupilRow> {
  requireOperation(ctx, 'restrictProcessing');
  const input = parseInput(RestrictInput, rawInput);
  const field = lift ? 'Mutation.liftPupilRestriction' : 'Mutation.restrictPupil';
  return inTransaction(ctx, { pupilId: null, action: 'UPDATE', field }, async (trx) => {
    const pupil = await ownPupilForChange(trx, ctx, input.pupilId);
    if (!lift && pupil.restricted_at) throw badInput('processing of this pupil is already restricted', { argument: 'input.pupilId' });
    if (lift && !pupil.restricted_at) throw badInput('processing of this pupil is not restricted', { argument: 'input.pupilId' });
    // The earlier state is kept like any correction: who, when, why.
    await keepEarlierValue(
      trx,
      ctx,
      pupil.id,
      'restriction',
      pupil.restricted_at ? `${asText(pupil.restricted_at)}: ${pupil.restriction_reason}` : null,
      lift ? null : `${ctx.now.toISOString()}: ${input.reason}`,
      input.reason,
    );
    const updated = await trx
      .updateTable('pupils')
      .set(lift ? { restricted_at: null, restriction_reason: null, restricted_by_org_id: null, updated_at: ctx.now } : { restricted_at: ctx.now, restriction_reason: input.reason, restricted_by_org_id: ctx.actor.organisationId, updated_at: ctx.now })
      .where('id', '=', pupil.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    ctx.audit.record({ pupilId: pupil.id, action: 'UPDATE', outcome: 'GRANTED', category: 'IDENTITY', field });
    return updated;
  });
}

export async function allowEmployeesInSubjectAccess(ctx: RequestContext, rawInput: unknown) {
  requireOperation(ctx, 'allowEmployeesInSubjectAccess');
  const input = parseInput(AllowInput, rawInput);
  return inTransaction(ctx, { pupilId: null, action: 'UPDATE', field: 'Mutation.allowEmployeesInSubjectAccess' }, async (trx) => {
    // The privacy officer reads no case data: only whether the pupil lives in her municipality.
    const pupil = await ctx.data.in(trx).tenantPupils().select('pupils.id').where('pupils.id', '=', input.pupilId.toLowerCase()).executeTakeFirst();
    if (!pupil)
      throw badInput('no pupil of your municipality with this id', { argument: 'input.pupilId' });
    const row = await trx
      .insertInto('subject_access_disclosures')
      .values({
        id: newId(),
        pupil_id: pupil.id,
        granted_by_org_id: ctx.actor.organisationId,
        granted_by_subject: ctx.actor.subject,
        reason: input.reason,
        granted_at: ctx.now,
        expires_at: new Date(ctx.now.getTime() + (input.days ?? 30) * 24 * 3600_000),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    ctx.audit.record({ pupilId: pupil.id, action: 'UPDATE', outcome: 'GRANTED', field: 'Mutation.allowEmployeesInSubjectAccess' });
    return row;
  });
}
