// Helpers for the tests of the rights of the people in the file: the mutations, the
// shape of an error, valid BSNs, and a pupil inserted with every field written down by the test.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../../src/db/tables.ts';
import type { LetterLanguage, Role } from '../../src/policy/vocabulary.ts';
import type { Body } from './referrals.ts';
import type { TestHub } from './hub.ts';

export const who = (org: string, role: Role, subject?: string) => ({ org, role, ...(subject ? { subject } : {}) });

export const CORRECTION_FIELDS = 'field previousValue newValue reason organisation { id } correctedAt';

export const CORRECT = `mutation Correct($input: CorrectPupilInput!) { correctPupil(input: $input) { id } }`;
export const RESTRICT = `mutation Restrict($input: RestrictPupilInput!) {
  restrictPupil(input: $input) { id restriction { since reason organisation { id } } }
}`;
export const LIFT = `mutation Lift($input: LiftRestrictionInput!) { liftPupilRestriction(input: $input) { id restriction { since } } }`;
export const ALLOW = `mutation Allow($input: AllowEmployeesInSubjectAccessInput!) {
  allowEmployeesInSubjectAccess(input: $input) { id pupilId reason grantedAt expiresAt }
}`;
export const EXPORT = `mutation Export($input: ExportSubjectAccessInput!) {
  exportSubjectAccess(input: $input) {
    exportId json employeesIncluded exceptionsApplied
    pdf { filename contentType language base64 byteLength }
  }
}`;

/** The one error of a response, as a client branches on it. */
export function errorOf(body: Body): { code: string | undefined; message: string; argument: unknown } {
  if (!body.errors || body.errors.length !== 1) throw new Error(`expected exactly one error, got ${JSON.stringify(body.errors ?? body.data)}`);
  const [error] = body.errors;
  return { code: error!.extensions?.code, message: error!.message, argument: error!.extensions?.argument };
}

/** What a caller learns from a refusal: the whole error but where in the query it happened. */
export function answerOf(body: Body) {
  if (!body.errors || body.errors.length !== 1) throw new Error(`expected exactly one error, got ${JSON.stringify(body.errors ?? body.data)}`);
  const { message, extensions } = body.errors[0]!;
  return { data: body.data ?? null, message, extensions };
}

/** A BSN that passes the eleven test: '7' + seven digits of `n` + the check digit (n chosen so it is < 10). */
export function validBsn(n: number): string {
  for (let k = n * 10; ; k++) {
    const first = `7${String(k).padStart(7, '0')}`;
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(first[i]) * (9 - i);
    const check = sum % 11;
    if (check < 10) return `${first}${check}`;
  }
}

export interface KnownPupil {
  id: string;
  given_name: string;
  family_name_prefix: string | null;
  family_name: string;
  date_of_birth: string;
  municipality_code: string;
  bsn: string;
  street: string;
  house_number: string;
  postal_code: string;
  city: string;
  phone: string;
  letter_language: LetterLanguage;
  school_id: string | null;
  grade: string;
  absent_since: string;
  reported_missing_at: Date;
}

/** Inserts a pupil whose every field the caller states (and nothing else about it). */
export async function insertPupil(db: Kysely<Tables>, pupil: Omit<KnownPupil, 'id'>, createdAt: Date): Promise<KnownPupil> {
  const row = { id: randomUUID(), ...pupil };
  await db
    .insertInto('pupils')
    .values({ ...row, created_at: createdAt, updated_at: createdAt })
    .execute();
  return row;
}

/** The pupil's row as it is now (to prove a refused change changed nothing). */
export async function pupilRow(t: TestHub, id: string) {
  return t.database.db.selectFrom('pupils').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function correctionRows(t: TestHub, pupilId: string) {
  return t.database.db.selectFrom('pupil_corrections').selectAll().where('pupil_id', '=', pupilId).orderBy('corrected_at').orderBy('id').execute();
}

/** Access-log records about one pupil, oldest first. */
export async function logRecords(t: TestHub, pupilId: string) {
  return t.database.db
    .selectFrom('access_log_records')
    .select(['seq', 'occurred_at', 'action', 'outcome', 'actor_org_id', 'actor_role', 'actor_subject', 'categories', 'fields', 'activity_id', 'activity_version'])
    .where('pupil_id', '=', pupilId)
    .orderBy('seq')
    .execute();
}
