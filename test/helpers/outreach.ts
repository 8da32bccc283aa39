// Helpers for the tests of pupils out of view: fresh pupils with valid BSNs inserted
// directly (so no case exists for them yet), the GraphQL operations, CSV uploads through a GraphQL
// multipart request, and counts of everything a refused batch must leave untouched.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { signDevToken } from '../../src/auth/dev-token.ts';
import { completeBsn } from '../../src/demo/region.ts';
import type { Body, As } from './referrals.ts';
import { gqlBody } from './referrals.ts';
import type { TestHub } from './hub.ts';

export const DEN_HAAG = 'GM0518';
export const RIJSWIJK = 'GM0603';

export const LZ_DH: As = { org: 'lz-den-haag', role: 'PROFESSIONAL' };
export const LZ_DH_COORD: As = { org: 'lz-den-haag', role: 'COORDINATOR' };
export const LZ_RW: As = { org: 'lz-rijswijk', role: 'PROFESSIONAL' };
export const LZ_RW_COORD: As = { org: 'lz-rijswijk', role: 'COORDINATOR' };
export const DALTON: As = { org: 'school-dalton-laak', role: 'PROFESSIONAL' };
export const DALTON_COORD: As = { org: 'school-dalton-laak', role: 'COORDINATOR' };
export const ZEESTER: As = { org: 'school-zeester-escamp', role: 'PROFESSIONAL' };
export const ELSENBURG: As = { org: 'school-elsenburg-college', role: 'PROFESSIONAL' };
export const SMW_DH: As = { org: 'smw-den-haag', role: 'PROFESSIONAL' };
export const POLICE: As = { org: 'politie-den-haag', role: 'PROFESSIONAL' };
export const CJG_DH: As = { org: 'cjg-den-haag', role: 'PROFESSIONAL' };

export interface NewPupil {
  id: string;
  bsn: string;
  municipality: string;
  schoolId: string | null;
  letterLanguage: string;
}

// BSNs '7' + 7 digits + check digit: the demo uses 9999…, FixtureBuilder 8…; a random start per
// test file keeps reruns on a reused database apart too.
let bsnCounter = Math.floor(Math.random() * 5_000_000);
export function nextBsn(): string {
  for (;;) {
    const bsn = completeBsn(`7${String(++bsnCounter).padStart(7, '0')}`);
    if (bsn) return bsn;
  }
}

/** A 9-digit number that fails the eleven test (the last digit is off by one). */
export function invalidBsn(): string {
  const good = nextBsn();
  return good.slice(0, 8) + String((Number(good[8]) + 1) % 10);
}

let nameCounter = 0;
/** Fresh pupils with valid BSNs, inserted directly in chunks: nothing links anyone to them but home and school. */
export async function insertPupils(
  t: TestHub,
  count: number,
  spec: { municipality?: string; schoolId?: string | null; letterLanguage?: string } = {},
): Promise<NewPupil[]> {
  const municipality = spec.municipality ?? DEN_HAAG;
  const schoolId = spec.schoolId === undefined ? 'school-dalton-laak' : spec.schoolId;
  const letterLanguage = spec.letterLanguage ?? 'tr';
  const created = new Date('2026-01-05T09:00:00Z');
  const pupils: NewPupil[] = [];
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const n = ++nameCounter;
    const pupil = { id: randomUUID(), bsn: nextBsn(), municipality, schoolId, letterLanguage };
    pupils.push(pupil);
    rows.push({
      id: pupil.id,
      given_name: `Uitbeeld${n}`,
      family_name_prefix: null,
      family_name: `Outreach${String(n).padStart(5, '0')}`,
      date_of_birth: '2013-04-01',
      municipality_code: municipality,
      bsn: pupil.bsn,
      street: 'Meldingstraat',
      house_number: String(n),
      postal_code: '2500 AA',
      city: municipality === RIJSWIJK ? 'Rijswijk' : 'Den Haag',
      phone: `06${String(20_000_000 + n)}`,
      letter_language: letterLanguage,
      school_id: schoolId,
      grade: 'groep 6',
      absent_since: null,
      reported_missing_at: null,
      created_at: created,
      updated_at: created,
    });
  }
  for (let i = 0; i < rows.length; i += 1000) await t.database.db.insertInto('pupils').values(rows.slice(i, i + 1000) as never).execute();
  return pupils;
}

export async function insertPupil(t: TestHub, spec: Parameters<typeof insertPupils>[2] = {}): Promise<NewPupil> {
  return (await insertPupils(t, 1, spec))[0]!;
}

// ---- Operations ----------------------------------------------------------------------------------

export const CASE_FIELDS = `id visibility status version openedAt closedAt urgent outcome closingRemark
  assignedTo { id } reportingSchool { id }
  pupil { id }
  reports { id school { id } absentSince urgent remark reportedAt }
  nextStep { action rule description notBefore dueAt overdue }
  referral { id status receiver { id } }`;

// The operations. CASE_FIELDS selects SCHOOLING and CONTACT_ATTEMPTS fields: for kinds that may never
// read those (police, CJG, ...) select `{ id }` only, or the category guard refuses the operation.
export const REPORT_ONE = `mutation($input: OutOfViewReportInput!) { reportPupilOutOfView(input: $input) { ${CASE_FIELDS} } }`;
export const REPORT_BATCH = `mutation($input: ReportPupilsOutOfViewInput!) {
  reportPupilsOutOfView(input: $input) { batchId reports casesOpened joinedOpenCases cases { id status urgent assignedTo { id } pupil { id } } } }`;
export const CASE_BY_ID = `query($id: ID!) { outOfViewCase(id: $id) { ${CASE_FIELDS} } }`;
export const RECORD = `mutation($input: RecordContactAttemptInput!) { recordContactAttempt(input: $input) { id kind outcome letterLanguage organisation { id } role remark occurredAt } }`;
export const CLOSE = `mutation($input: CloseOutOfViewCaseInput!) { closeOutOfViewCase(input: $input) { id status version outcome closingRemark closedAt nextStep { action } referral { id } } }`;
export const REFER = `mutation($input: ReferOutOfViewCaseInput!) { referOutOfViewCase(input: $input) { id status version outcome closingRemark referral { id status receiver { id } sharedCategories } } }`;

/** Reports one pupil (by id unless `bsn` is given) and returns the case; fails the test on errors. */
export async function reportOk(t: TestHub, who: As, input: Record<string, unknown>): Promise<any> {
  const body = await gqlBody(t, who, REPORT_ONE, { input });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data.reportPupilOutOfView;
}

/** Opens a case for a fresh pupil (Den Haag, enrolled at Dalton) and returns { pupil, case }. */
export async function openCase(
  t: TestHub,
  spec: { municipality?: string; schoolId?: string; urgent?: boolean; letterLanguage?: string; reporter?: As } = {},
): Promise<{ pupil: NewPupil; case: any }> {
  const schoolId = spec.schoolId ?? 'school-dalton-laak';
  const pupil = await insertPupil(t, { municipality: spec.municipality ?? DEN_HAAG, schoolId, ...(spec.letterLanguage ? { letterLanguage: spec.letterLanguage } : {}) });
  const reporter = spec.reporter ?? { org: schoolId, role: 'PROFESSIONAL' };
  const found = await reportOk(t, reporter, { pupilId: pupil.id, urgent: spec.urgent ?? false, absentSince: '2026-03-02' });
  return { pupil, case: found };
}

export async function record(t: TestHub, who: As, input: Record<string, unknown>): Promise<Body> {
  return gqlBody(t, who, RECORD, { input });
}

export async function recordOk(t: TestHub, who: As, input: Record<string, unknown>): Promise<any> {
  const body = await record(t, who, input);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data.recordContactAttempt;
}

export async function caseRow(t: TestHub, caseId: string) {
  return t.database.db.selectFrom('out_of_view_cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();
}

export function codeOf(body: Body): string | undefined {
  return body.errors?.[0]?.extensions?.code;
}

// ---- Multipart (GraphQL multipart request specification) -----------------------------------------

export function tokenFor(t: TestHub, who: As): string {
  return signDevToken({
    organisationId: who.org,
    role: who.role,
    issuedAt: Math.floor(t.clock.now.getTime() / 1000),
    ...(who.subject ? { subject: who.subject } : {}),
  });
}

export const IMPORT = `mutation($input: ImportOutOfViewReportsInput!) { importOutOfViewReports(input: $input) { batchId reports casesOpened joinedOpenCases cases { id urgent pupil { id } reports { absentSince urgent remark } } } }`;

/** Uploads `csv` as the file of importOutOfViewReports: operations, map, and the file part. */
export async function uploadCsv(t: TestHub, who: As, csv: string | Buffer, filename = 'meldingen.csv'): Promise<{ status: number; body: Body }> {
  const response = await t.request
    .post('/graphql')
    .set('Authorization', `Bearer ${tokenFor(t, who)}`)
    .field('operations', JSON.stringify({ query: IMPORT, variables: { input: { file: null } } }))
    .field('map', JSON.stringify({ 0: ['variables.input.file'] }))
    .attach('0', Buffer.isBuffer(csv) ? csv : Buffer.from(csv, 'utf8'), { filename, contentType: 'text/csv' });
  return { status: response.status, body: response.body as Body };
}

// ---- What a refused change must leave untouched ---------------------------------------------------

export interface Counts {
  cases: number;
  openCases: number;
  reports: number;
  attempts: number;
  referrals: number;
  reportedMissing: number;
  grantedLog: number;
  caseVersions: number;
}

/** Counts of every table a report, attempt or closing touches (granted log records only). */
export async function counts(t: TestHub): Promise<Counts> {
  const { rows } = await sql<Record<keyof Counts, string>>`
    select
      (select count(*) from out_of_view_cases) as "cases",
      (select count(*) from out_of_view_cases where status = 'OPEN') as "openCases",
      (select count(*) from out_of_view_reports) as "reports",
      (select count(*) from contact_attempts) as "attempts",
      (select count(*) from referrals) as "referrals",
      (select count(*) from pupils where reported_missing_at is not null) as "reportedMissing",
      (select count(*) from access_log_records where outcome <> 'REFUSED') as "grantedLog",
      (select coalesce(sum(version), 0) from out_of_view_cases) as "caseVersions"`.execute(t.database.db);
  const row = rows[0]!;
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)])) as unknown as Counts;
}

/** Access-log records of one pupil, oldest first. */
export async function logOf(t: TestHub, pupilId: string) {
  return t.database.db
    .selectFrom('access_log_records')
    .select(['action', 'outcome', 'categories', 'fields', 'actor_org_id', 'actor_role', 'pupil_id'])
    .where('pupil_id', '=', pupilId)
    .orderBy('seq')
    .execute();
}

/** Collects every case id visible through outOfViewCases, page by page. */
export async function allCaseIds(t: TestHub, who: As, filter: Record<string, unknown> = {}, pageSize = 100): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 200; page++) {
    const body = await gqlBody(
      t,
      who,
      `query($first: Int, $after: String, $filter: OutOfViewCaseFilter) { outOfViewCases(first: $first, after: $after, filter: $filter) {
        totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
      { first: pageSize, after, filter },
    );
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const connection = body.data.outOfViewCases;
    ids.push(...connection.edges.map((edge: any) => edge.node.id));
    if (!connection.pageInfo.hasNextPage) return ids;
    after = connection.pageInfo.endCursor;
  }
  throw new Error('more than 200 pages');
}

export const isoPlusHours = (date: Date | string, hours: number) => new Date(new Date(date).getTime() + hours * 3600_000).toISOString();
