// Cases of pupils out of view (leerling uit beeld): opened by a school's report, routed to the
// Leerlingzaken of the pupil's home municipality, worked through contact attempts, closed when the
// pupil is back in view or a partner takes over. Every change runs in one transaction with its
// access-log records (inTransaction) and recomputes the case's next step from the rule table.
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import { newId } from '../db/ids.ts';
import type { OutOfViewCaseRow, Tables } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { apiError, badInput, forbidden } from '../errors.ts';
import { parseInput, uuid } from '../graphql/input.ts';
import { fullOutOfViewCases } from '../policy/access.ts';
import { systemData, type DataGateway } from '../policy/gateway.ts';
import { requireOperation } from '../policy/operations.ts';
import { ATTEMPTS_BY_KIND } from '../policy/policy.ts';
import {
  CASE_OUTCOMES,
  CONTACT_ATTEMPT_KINDS,
  CONTACT_ATTEMPT_OUTCOMES,
  LETTER_LANGUAGES,
  OPEN_REFERRAL_STATUSES,
  OUTCOMES_BY_ATTEMPT_KIND,
  type DataCategory,
  type LetterLanguage,
} from '../policy/vocabulary.ts';
import { createReferralIn, inTransaction, ShareInput } from '../referrals/service.ts';
import { nextStepColumns, type AttemptFacts } from './next-step.ts';
import { recordHubEvent, recordHubEvents } from '../events/events.ts';
import { refuseBatch, validateReports, type ReportRow, type RowError } from './reports.ts';

type Db = Kysely<Tables> | Transaction<Tables>;

/** A case as resolvers get it: the row, the pupil's link facts, and whether the caller sees it in full. */
export type CaseModel = OutOfViewCaseRow & {
  pupil_municipality_code: string;
  pupil_school_id: string | null;
  pupil_restricted_at: Date | null;
  full: boolean;
};

const CHUNK = 1_000;

/** Cases the caller may see (through its gateway; pass the one `in(trx)` inside a transaction). */
export function casesQuery(data: DataGateway) {
  return data.outOfViewCases();
}

/** The columns of CaseModel. */
export function selectCase<Q extends ReturnType<typeof casesQuery>>(query: Q, ctx: Pick<RequestContext, 'actor' | 'now'>) {
  return query
    .selectAll('out_of_view_cases')
    .select((eb) => [
      'pupils.municipality_code as pupil_municipality_code',
      'pupils.school_id as pupil_school_id',
      'pupils.restricted_at as pupil_restricted_at',
      sql<boolean>`${fullOutOfViewCases(ctx.actor, ctx.now)(eb)}`.as('full'),
    ]);
}

const NO_CASE = () => badInput('no case of a pupil out of view with this id that you may see', { argument: 'input.caseId' });

/** The case, locked for the change, if the caller sees it in full (else the same error as "none"). */
async function caseForChange(trx: Transaction<Tables>, ctx: RequestContext, caseId: string): Promise<CaseModel> {
  const found = (await selectCase(casesQuery(ctx.data.in(trx)).where('out_of_view_cases.id', '=', caseId.toLowerCase()), ctx)
    .forUpdate()
    .executeTakeFirst()) as CaseModel | undefined;
  if (!found) throw NO_CASE();
  if (!found.full)
    throw forbidden('you may know this case exists, but the Leerlingzaken of the pupil\'s home municipality works it; ask them', {
      argument: 'input.caseId',
    });
  return found;
}

async function categoriesOf(trx: Transaction<Tables>, ctx: RequestContext, found: CaseModel): Promise<Set<DataCategory>> {
  const [access] = await ctx.data
    .in(trx)
    .pupilAccess([{ id: found.pupil_id, municipality_code: found.pupil_municipality_code, school_id: found.pupil_school_id, restricted_at: found.pupil_restricted_at }]);
  return access!.categories;
}

/**
 * The attempts of the given cases, for working out their next step. All attempts count, whoever
 * made them: the step is the case holder's work list; only the attempts' kind, outcome and time are read.
 */
async function attemptsOf(db: Db, caseIds: readonly string[]): Promise<Map<string, AttemptFacts[]>> {
  const byCase = new Map<string, AttemptFacts[]>();
  if (caseIds.length === 0) return byCase;
  const rows = await systemData(db as Kysely<Tables>, 'next-step')
    .selectFrom('contact_attempts')
    .select(['case_id', 'kind', 'outcome', 'occurred_at'])
    .where(sql<boolean>`case_id = any(cast(${[...caseIds]} as uuid[]))`)
    .execute();
  for (const row of rows) {
    const list = byCase.get(row.case_id!) ?? [];
    list.push({ kind: row.kind as AttemptFacts['kind'], outcome: row.outcome as AttemptFacts['outcome'], occurred_at: new Date(row.occurred_at) });
    byCase.set(row.case_id!, list);
  }
  return byCase;
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

// ---- Reports --------------------------------------------------------------------------------------

export interface ReportResult {
  batchId: string;
  reports: number;
  casesOpened: number;
  joinedOpenCases: number;
  cases: CaseModel[];
}

/**
 * A school reports pupils it cannot reach. All rows or none: every row is checked (fields, then
 * whether the pupil is enrolled at this school, then duplicates) before anything is written.
 */
export async function reportOutOfView(
  ctx: RequestContext,
  raw: readonly unknown[],
  options: { rowNumbers?: readonly number[]; field: string; fieldNames?: Readonly<Record<string, string>> },
): Promise<ReportResult> {
  requireOperation(ctx, 'reportPupilOutOfView');
  const { rows, errors } = validateReports(raw, ctx.now, options.rowNumbers);
  const refuse = (found: readonly RowError[]) => refuseBatch(found, options.fieldNames);
  if (errors.length > 0 && rows.length === 0) refuse(errors);
  try {
    return await inTransaction(ctx, { pupilId: null, action: 'CREATE', field: options.field }, (trx) => reportIn(trx, ctx, rows, errors, options.field, refuse));
  } catch (error) {
    if (isUniqueViolation(error))
      throw apiError('CONFLICT', 'another report of the same pupil was handled at the same moment; nothing was reported, send the reports again');
    throw error;
  }
}

async function reportIn(
  trx: Transaction<Tables>,
  ctx: RequestContext,
  rows: ReportRow[],
  errors: RowError[],
  field: string,
  refuse: (errors: readonly RowError[]) => never,
): Promise<ReportResult> {
  const school = ctx.actor.organisationId;
  // Only pupils enrolled at this school can be found: a BSN of anyone else gives the same answer as
  // a BSN of no one.
  const bsns = rows.flatMap((row) => (row.bsn ? [row.bsn] : []));
  const ids = rows.flatMap((row) => (row.pupilId ? [row.pupilId] : []));
  const pupils = await ctx.data
    .in(trx)
    .pupils()
    .select(['pupils.id', 'pupils.bsn', 'pupils.municipality_code', 'pupils.school_id', 'pupils.restricted_at'])
    .where('pupils.school_id', '=', school)
    .where((eb) =>
      eb.or([
        sql<boolean>`${eb.ref('pupils.bsn')} = any(cast(${bsns} as text[]))`,
        sql<boolean>`${eb.ref('pupils.id')} = any(cast(${ids} as uuid[]))`,
      ]),
    )
    .execute();
  const byBsn = new Map(pupils.filter((pupil) => pupil.bsn).map((pupil) => [pupil.bsn!, pupil]));
  const byId = new Map(pupils.map((pupil) => [pupil.id, pupil]));
  const firstRowOf = new Map<string, number>();
  const resolved: { row: ReportRow; pupil: (typeof pupils)[number] }[] = [];
  for (const row of rows) {
    const pupil = row.bsn ? byBsn.get(row.bsn) : byId.get(row.pupilId!);
    const idField = row.bsn ? 'bsn' : 'pupilId';
    if (!pupil) {
      errors.push({ row: row.row, field: idField, message: `no pupil enrolled at your school has this ${row.bsn ? 'BSN' : 'id'}` });
      continue;
    }
    const earlier = firstRowOf.get(pupil.id);
    if (earlier !== undefined) {
      errors.push({ row: row.row, field: idField, message: `the same pupil as row ${earlier}: report each pupil once per batch` });
      continue;
    }
    firstRowOf.set(pupil.id, row.row);
    resolved.push({ row, pupil });
  }
  if (errors.length > 0) refuse(errors);

  // Routing: the Leerlingzaken of each pupil's home municipality.
  const municipalities = [...new Set(resolved.map(({ pupil }) => pupil.municipality_code))];
  const offices = await trx
    .selectFrom('organisations')
    .select(['id', 'municipality_code'])
    .where('kind', '=', 'LEERLINGZAKEN')
    .where('municipality_code', 'in', municipalities)
    .execute();
  const officeOf = new Map(offices.map((office) => [office.municipality_code, office.id]));
  const unrouted = resolved.filter(({ pupil }) => !officeOf.has(pupil.municipality_code));
  if (unrouted.length > 0)
    refuse(
      unrouted.map(({ row }) => ({
        row: row.row,
        field: row.bsn ? 'bsn' : 'pupilId',
        message: "the pupil's home municipality has no Leerlingzaken in the hub; report this pupil to that municipality directly",
      })),
    );

  const now = ctx.now;
  const pupilIds = resolved.map(({ pupil }) => pupil.id);
  // The school's own pupils (enrolment): their cases are the school's to see in full.
  const open = await ctx.data
    .in(trx)
    .outOfViewCases()
    .selectAll('out_of_view_cases')
    .where('out_of_view_cases.status', '=', 'OPEN')
    .where(sql<boolean>`out_of_view_cases.pupil_id = any(cast(${pupilIds} as uuid[]))`)
    // Only the case rows (the gateway joins the pupils, which concurrent batches must not lock), and
    // always in the same order, so two batches with the same pupils queue instead of deadlocking.
    .orderBy('out_of_view_cases.id')
    .forUpdate('out_of_view_cases')
    .execute();
  const openByPupil = new Map(open.map((row) => [row.pupil_id, row]));

  // New cases; reports of pupils already out of view join their open case (not a duplicate case).
  const created: OutOfViewCaseRow[] = [];
  const caseOf = new Map<string, OutOfViewCaseRow>();
  for (const { row, pupil } of resolved) {
    const existing = openByPupil.get(pupil.id);
    if (existing) {
      caseOf.set(pupil.id, existing);
      continue;
    }
    const fresh: OutOfViewCaseRow = {
      id: newId(),
      pupil_id: pupil.id,
      leerlingzaken_org_id: officeOf.get(pupil.municipality_code)!,
      reporting_school_id: school,
      urgent: row.urgent,
      urgent_since: row.urgent ? now : null,
      status: 'OPEN',
      opened_at: now,
      ...nextStepColumns({ urgent: row.urgent, urgent_since: row.urgent ? now : null, opened_at: now, attempts: [] }),
      closed_at: null,
      outcome: null,
      closing_remark: null,
      closed_by_org_id: null,
      closed_by_subject: null,
      closed_by_role: null,
      referral_id: null,
      version: 1,
      updated_at: now,
    };
    created.push(fresh);
    caseOf.set(pupil.id, fresh);
  }
  for (let i = 0; i < created.length; i += CHUNK) await trx.insertInto('out_of_view_cases').values(created.slice(i, i + CHUNK)).execute();

  // An urgent report makes an open case urgent: its next step is recomputed.
  const escalated = resolved.filter(({ row, pupil }) => row.urgent && openByPupil.get(pupil.id) && !openByPupil.get(pupil.id)!.urgent);
  if (escalated.length > 0) {
    const attempts = await attemptsOf(trx, escalated.map(({ pupil }) => openByPupil.get(pupil.id)!.id));
    for (const { pupil } of escalated) {
      const existing = openByPupil.get(pupil.id)!;
      const columns = nextStepColumns({ urgent: true, urgent_since: now, opened_at: new Date(existing.opened_at), attempts: attempts.get(existing.id) ?? [] });
      const updated = await trx
        .updateTable('out_of_view_cases')
        .set({ urgent: true, urgent_since: now, ...columns, version: existing.version + 1, updated_at: now })
        .where('id', '=', existing.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      caseOf.set(pupil.id, updated);
    }
  }

  const batchId = newId();
  const reports = resolved.map(({ row, pupil }) => ({
    id: newId(),
    case_id: caseOf.get(pupil.id)!.id,
    school_id: school,
    reported_by_subject: ctx.actor.subject,
    reported_by_role: ctx.actor.role,
    absent_since: row.absentSince,
    urgent: row.urgent,
    remark: row.remark,
    batch_id: batchId,
    reported_at: now,
  }));
  for (let i = 0; i < reports.length; i += CHUNK) await trx.insertInto('out_of_view_reports').values(reports.slice(i, i + CHUNK)).execute();

  // SCHOOLING on the pupil: reported missing now; absent since the date given, or as it was.
  await sql`
    update pupils set reported_missing_at = ${now}, updated_at = ${now},
      absent_since = coalesce(given.absent_since, pupils.absent_since)
    from (select unnest(cast(${pupilIds} as uuid[])) as id,
                 unnest(cast(${resolved.map(({ row }) => row.absentSince)} as date[])) as absent_since) as given
    where pupils.id = given.id`.execute(trx);

  await recordHubEvents(
    trx,
    reports.map((report, i) => ({
      kind: 'PUPIL_REPORTED_OUT_OF_VIEW' as const,
      pupilId: resolved[i]!.pupil.id,
      referralId: null,
      subjectId: report.id,
      actorOrgId: school,
      occurredAt: now,
    })),
  );
  for (const { pupil } of resolved) ctx.audit.record({ pupilId: pupil.id, action: 'CREATE', outcome: 'GRANTED', category: 'SCHOOLING', field });
  return {
    batchId,
    reports: resolved.length,
    casesOpened: created.length,
    joinedOpenCases: resolved.length - created.length,
    cases: resolved.map(({ pupil }) => ({
      ...caseOf.get(pupil.id)!,
      pupil_municipality_code: pupil.municipality_code,
      pupil_school_id: pupil.school_id,
      pupil_restricted_at: pupil.restricted_at,
      full: true,
    })),
  };
}

// ---- Contact attempts -----------------------------------------------------------------------------

const AttemptInput = z
  .object({
    caseId: uuid,
    kind: z.enum(CONTACT_ATTEMPT_KINDS),
    outcome: z.enum(CONTACT_ATTEMPT_OUTCOMES),
    letterLanguage: z.enum(LETTER_LANGUAGES).nullish(),
    occurredAt: z.union([z.date(), z.string()]).nullish(),
    remark: z.string().trim().max(1000, 'must be at most 1000 characters').nullish(),
  })
  .refine((input) => OUTCOMES_BY_ATTEMPT_KIND[input.kind].includes(input.outcome), {
    path: ['outcome'],
    message: 'does not fit the kind of attempt (PHONE: REACHED, NO_ANSWER, WRONG_NUMBER, NO_NUMBER; LETTER: SENT; DOOR_VISIT: CONTACT_MADE, NOBODY_HOME; NOTE_LEFT: LEFT)',
  })
  .refine((input) => input.kind === 'LETTER' || !input.letterLanguage, { path: ['letterLanguage'], message: 'is only for letters' });

export async function recordContactAttempt(ctx: RequestContext, rawInput: unknown) {
  requireOperation(ctx, 'recordContactAttempt');
  const input = parseInput(AttemptInput, rawInput);
  const allowed = ATTEMPTS_BY_KIND[ctx.actor.organisationKind] ?? [];
  if (!allowed.includes(input.kind))
    throw forbidden(`${ctx.actor.organisationKind} records ${allowed.join(', ') || 'no'} attempts, not ${input.kind}`, { argument: 'input.kind' });
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : ctx.now;
  if (Number.isNaN(occurredAt.getTime())) throw badInput('input.occurredAt must be a date-time', { argument: 'input.occurredAt' });
  if (occurredAt.getTime() > ctx.now.getTime() + 60_000) throw badInput('input.occurredAt must not be in the future', { argument: 'input.occurredAt' });
  return inTransaction(ctx, { pupilId: null, action: 'CREATE', field: 'Mutation.recordContactAttempt' }, async (trx) => {
    const found = await caseForChange(trx, ctx, input.caseId);
    if (!(await categoriesOf(trx, ctx, found)).has('CONTACT_ATTEMPTS'))
      throw forbidden('your link to this pupil does not cover CONTACT_ATTEMPTS', { argument: 'input.caseId' });
    if (found.status !== 'OPEN') throw apiError('CONFLICT', 'the case is closed; a new report opens a new case');
    if (occurredAt < new Date(found.opened_at)) throw badInput('input.occurredAt must not be before the case was opened', { argument: 'input.occurredAt' });
    let language: LetterLanguage | null = input.letterLanguage ?? null;
    if (input.kind === 'LETTER' && !language) {
      const pupil = await ctx.data.in(trx).pupils().select('pupils.letter_language').where('pupils.id', '=', found.pupil_id).executeTakeFirstOrThrow();
      language = pupil.letter_language;
    }
    const attempt = await trx
      .insertInto('contact_attempts')
      .values({
        id: newId(),
        pupil_id: found.pupil_id,
        case_id: found.id,
        kind: input.kind,
        outcome: input.outcome,
        letter_language: language,
        org_id: ctx.actor.organisationId,
        actor_subject: ctx.actor.subject,
        actor_role: ctx.actor.role,
        remark: input.remark ? input.remark : null,
        occurred_at: occurredAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const attempts = (await attemptsOf(trx, [found.id])).get(found.id) ?? [];
    await trx
      .updateTable('out_of_view_cases')
      .set({
        ...nextStepColumns({ urgent: found.urgent, urgent_since: found.urgent_since ? new Date(found.urgent_since) : null, opened_at: new Date(found.opened_at), attempts }),
        version: found.version + 1,
        updated_at: ctx.now,
      })
      .where('id', '=', found.id)
      .execute();
    await recordHubEvent(trx, { kind: 'CONTACT_ATTEMPT_RECORDED', pupilId: found.pupil_id, referralId: null, subjectId: attempt.id, actorOrgId: ctx.actor.organisationId, occurredAt: ctx.now });
    ctx.audit.record({ pupilId: found.pupil_id, action: 'CREATE', outcome: 'GRANTED', category: 'CONTACT_ATTEMPTS', field: 'Mutation.recordContactAttempt' });
    return attempt;
  });
}

// ---- Closing --------------------------------------------------------------------------------------

const CloseInput = z
  .object({
    caseId: uuid,
    version: z.number().int().min(1, 'must be at least 1'),
    outcome: z.enum(CASE_OUTCOMES),
    remark: z.string().trim().max(2000, 'must be at most 2000 characters').nullish(),
    referralId: uuid.nullish(),
  })
  .refine((input) => input.outcome !== 'OTHER' || Boolean(input.remark), { path: ['remark'], message: 'is required when the outcome is OTHER' })
  .refine((input) => (input.outcome === 'REFERRED_TO_PARTNER') === Boolean(input.referralId), {
    path: ['referralId'],
    message: 'is required for REFERRED_TO_PARTNER and only for it (or use referOutOfViewCase)',
  });

const ReferInput = z.intersection(z.object({ caseId: uuid, version: z.number().int().min(1, 'must be at least 1') }), ShareInput);

/** The case, if the caller's organisation works it, at the version the caller saw, and open. */
async function caseToClose(trx: Transaction<Tables>, ctx: RequestContext, caseId: string, version: number): Promise<CaseModel> {
  const found = await caseForChange(trx, ctx, caseId);
  if (found.leerlingzaken_org_id !== ctx.actor.organisationId)
    throw forbidden(`only the Leerlingzaken that works the case (${found.leerlingzaken_org_id}) closes it`, { argument: 'input.caseId' });
  if (found.version !== version)
    throw apiError('CONFLICT', `the case changed since version ${version} (it is now at version ${found.version}); reload it and try again`, {
      currentVersion: found.version,
    });
  if (found.status !== 'OPEN') throw apiError('CONFLICT', 'the case is already closed');
  return found;
}

async function close(
  trx: Transaction<Tables>,
  ctx: RequestContext,
  found: CaseModel,
  outcome: (typeof CASE_OUTCOMES)[number],
  remark: string | null,
  referralId: string | null,
  field: string,
): Promise<CaseModel> {
  const updated = await trx
    .updateTable('out_of_view_cases')
    .set({
      status: 'CLOSED',
      closed_at: ctx.now,
      outcome,
      closing_remark: remark,
      closed_by_org_id: ctx.actor.organisationId,
      closed_by_subject: ctx.actor.subject,
      closed_by_role: ctx.actor.role,
      referral_id: referralId,
      next_step: null,
      next_step_rule: null,
      next_step_not_before: null,
      next_step_due_at: null,
      version: found.version + 1,
      updated_at: ctx.now,
    })
    .where('id', '=', found.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordHubEvent(trx, { kind: 'OUT_OF_VIEW_CASE_CLOSED', pupilId: found.pupil_id, referralId: null, subjectId: found.id, actorOrgId: ctx.actor.organisationId, occurredAt: ctx.now });
  ctx.audit.record({ pupilId: found.pupil_id, action: 'UPDATE', outcome: 'GRANTED', category: 'SCHOOLING', field });
  return { ...updated, pupil_municipality_code: found.pupil_municipality_code, pupil_school_id: found.pupil_school_id, pupil_restricted_at: found.pupil_restricted_at, full: true };
}

export async function closeOutOfViewCase(ctx: RequestContext, rawInput: unknown): Promise<CaseModel> {
  requireOperation(ctx, 'closeOutOfViewCase');
  const input = parseInput(CloseInput, rawInput);
  return inTransaction(ctx, { pupilId: null, action: 'UPDATE', field: 'Mutation.closeOutOfViewCase' }, async (trx) => {
    const found = await caseToClose(trx, ctx, input.caseId, input.version);
    if (input.referralId) {
      const referral = await ctx.data
        .in(trx)
        .referrals()
        .select('referrals.id')
        .where('referrals.id', '=', input.referralId.toLowerCase())
        .where('referrals.pupil_id', '=', found.pupil_id)
        .where('referrals.sender_org_id', '=', ctx.actor.organisationId)
        // A partner took the pupil over: the referral is open work, or completed.
        .where('referrals.status', 'in', [...OPEN_REFERRAL_STATUSES, 'COMPLETED'])
        .executeTakeFirst();
      if (!referral)
        throw badInput('input.referralId must be a referral your organisation sent about this pupil that a partner took on (open or completed)', {
          argument: 'input.referralId',
        });
    }
    return close(trx, ctx, found, input.outcome, input.remark ? input.remark : null, input.referralId?.toLowerCase() ?? null, 'Mutation.closeOutOfViewCase');
  });
}

export async function referOutOfViewCase(ctx: RequestContext, rawInput: unknown): Promise<CaseModel> {
  requireOperation(ctx, 'closeOutOfViewCase');
  requireOperation(ctx, 'createReferral');
  const input = parseInput(ReferInput, rawInput);
  return inTransaction(ctx, { pupilId: null, action: 'UPDATE', field: 'Mutation.referOutOfViewCase' }, async (trx) => {
    const found = await caseToClose(trx, ctx, input.caseId, input.version);
    const referral = await createReferralIn(trx, ctx, found.pupil_id, input);
    return close(trx, ctx, found, 'REFERRED_TO_PARTNER', input.reason, referral.id, 'Mutation.referOutOfViewCase');
  });
}
