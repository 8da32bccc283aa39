// The benchmark's scenarios: what each asks, as whom, and with which variables. Request
// bodies are plain JSON strings, so autocannon can send them from its worker thread.
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../src/db/tables.ts';
import type { Role } from '../src/policy/vocabulary.ts';

export interface As {
  org: string;
  role: Role;
  subject?: string;
}

export interface ReadScenario {
  kind: 'read';
  id: string;
  title: string;
  as: As;
  /** One or more request bodies; each connection cycles through them in order. */
  bodies: string[];
  /** A change (e.g. a batch of reports): run on the guarded hub only, as there is no fair baseline. */
  guardedOnly?: boolean;
}

export interface WriteScenario {
  kind: 'write';
  id: string;
  title: string;
  /** Who creates, and who accepts. */
  creator: As;
  receiver: As;
  createBodies: string[];
}

export interface SkippedScenario {
  kind: 'skipped';
  id: string;
  title: string;
  reason: string;
}

export type Scenario = ReadScenario | WriteScenario | SkippedScenario;

const body = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  JSON.stringify({ query, variables, ...(operationName ? { operationName } : {}) });

export const OPEN_STATUSES = ['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'];

/** A partner's open received referrals, with pupil identity and the events (the latest is last). */
export const OPEN_REFERRALS = `query OpenReferrals($first: Int!) {
  referrals(first: $first, filter: { direction: RECEIVED, status: [REQUESTED, RECEIVED, ACCEPTED, IN_PROGRESS, ON_HOLD] }) {
    totalCount
    edges { node {
      id status urgency responseDueAt createdAt
      sender { name }
      pupil { id displayName dateOfBirth }
      events { action toStatus occurredAt }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** A school's first page of pupils, each with name and school (IDENTITY and SCHOOLING). */
export const SCHOOL_PUPILS = `query SchoolPupils($first: Int!) {
  pupils(first: $first) { edges { node { id displayName school { name } } } pageInfo { hasNextPage endCursor } }
}`;

/** The floor: what any authenticated request costs (token, context, GraphQL, access-log check). */
export const TYPENAME = '{ __typename }';
export const typenameBody = () => body(TYPENAME);

export const PUPIL_WITH_TIMELINE = `query PupilTimeline($id: ID!) {
  pupil(id: $id) {
    id displayName dateOfBirth bsn phone letterLanguage
    address { street houseNumber postalCode city }
    guardians { name relation phone }
    school { name } grade absentSince reportedMissingAt
    timeline(first: 25) { totalCount edges { node { kind action status occurredAt text organisation { name } } } }
  }
}`;

export const LOG_BY_PUPIL = `query LogByPupil($pupilId: ID!) {
  accessLog(filter: { pupilId: $pupilId }, first: 50) {
    totalCount
    edges { node { seq occurredAt action outcome role organisation { name } categories fields purpose } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const LOG_BY_ACTOR = `query LogByActor($actorSubject: String!, $from: DateTime!, $to: DateTime!) {
  accessLog(filter: { actorSubject: $actorSubject, from: $from, to: $to }, first: 50) {
    totalCount
    edges { node { seq occurredAt action outcome pupilPseudonym categories fields operationName } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const REPORT = `mutation Report($input: ReportPupilsOutOfViewInput!) { reportPupilsOutOfView(input: $input) { reports casesOpened joinedOpenCases } }`;

const CREATE = `mutation Create($input: CreateReferralInput!) { createReferral(input: $input) { id status version } }`;

export const PARTNER: As = { org: 'smw-den-haag', role: 'PROFESSIONAL', subject: 'bench-2@smw-den-haag' };
export const OFFICER: As = { org: 'lz-den-haag', role: 'PROFESSIONAL', subject: 'bench-2@lz-den-haag' };
export const PRIVACY_OFFICER: As = { org: 'lz-den-haag', role: 'PRIVACY_OFFICER', subject: 'bench-fg@lz-den-haag' };

/** The month the by-actor query asks for: a whole month of the synthetic log. */
/**
 * A school of about the usual size (128 pupils, the median of the region's schools): its first page
 * of pupils is what the enrolment filter costs when most pupils belong to other schools.
 */
export function ordinarySchool(db: Kysely<Tables>): Promise<{ school_id: string | null }> {
  return db
    .selectFrom('pupils')
    .select('school_id')
    .where('school_id', 'is not', null)
    .groupBy('school_id')
    .orderBy(sql`abs(count(*) - 128)`)
    .orderBy('school_id')
    .limit(1)
    .executeTakeFirstOrThrow();
}

export const LOG_MONTH = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };

export const openReferralsBody = (first: number) => body(OPEN_REFERRALS, { first });

/** Picks the scenarios' subjects from the data set (deterministically: ordered by id). */
export async function buildScenarios(db: Kysely<Tables>, variety: number): Promise<Scenario[]> {
  // Den Haag pupils with a referral, so the timeline has entries.
  const officerPupils = await db
    .selectFrom('pupils')
    .select('pupils.id')
    .where('pupils.municipality_code', '=', 'GM0518')
    .where((eb) => eb.exists(eb.selectFrom('referrals').select('referrals.id').whereRef('referrals.pupil_id', '=', 'pupils.id')))
    .orderBy('pupils.id')
    .limit(variety)
    .execute();
  const loggedPupils = await db.selectFrom('pupils').select('id').where('municipality_code', '=', 'GM0518').orderBy('id').limit(variety).execute();
  const subjects = await sql<{ actor_subject: string }>`
    SELECT DISTINCT actor_subject FROM access_log_records
    WHERE actor_subject LIKE 'bench-%' AND occurred_at >= ${LOG_MONTH.from}::timestamptz AND occurred_at < ${LOG_MONTH.to}::timestamptz
    ORDER BY actor_subject LIMIT ${Math.min(variety, 20)}`.execute(db);
  // Pupils Leerlingzaken Den Haag may refer (it sees every pupil living in Den Haag).
  const referable = await db
    .selectFrom('pupils')
    .select('id')
    .where('municipality_code', '=', 'GM0518')
    .orderBy('id', 'desc')
    .limit(Math.max(variety, 10))
    .execute();

  // The school with the most pupils reports them 100 at a time.
  const largest = await db
    .selectFrom('pupils')
    .select(['school_id', sql<number>`count(*)`.as('pupils')])
    .where('school_id', 'is not', null)
    .groupBy('school_id')
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('school_id')
    .limit(1)
    .executeTakeFirstOrThrow();
  const reportingSchool = largest.school_id!;
  const schoolPupils = await db.selectFrom('pupils').select('id').where('school_id', '=', reportingSchool).orderBy('id').limit(Math.max(variety, 1) * 100).execute();
  const ordinary = await ordinarySchool(db);
  const schoolBatches: string[][] = [];
  for (let i = 0; i + 100 <= schoolPupils.length; i += 100) schoolBatches.push(schoolPupils.slice(i, i + 100).map((pupil) => pupil.id));
  if (schoolBatches.length === 0) schoolBatches.push(schoolPupils.map((pupil) => pupil.id)); // a tiny (smoke) data set

  return [
    {
      kind: 'read',
      id: 'typename-with-token',
      title: '`{ __typename }` with a token (the floor)',
      as: PARTNER,
      bodies: [typenameBody()],
    },
    {
      kind: 'read',
      id: 'partner-open-referrals',
      title: 'partner lists its open referrals (25 per page, pupil identity, events)',
      as: PARTNER,
      bodies: [openReferralsBody(25)],
    },
    {
      kind: 'read',
      id: 'school-first-25-pupils',
      title: "a school's first 25 pupils with name and school",
      as: { org: ordinary.school_id!, role: 'PROFESSIONAL', subject: `bench-1@${ordinary.school_id}` },
      bodies: [body(SCHOOL_PUPILS, { first: 25 })],
    },
    {
      kind: 'read',
      id: 'officer-pupil-timeline',
      title: 'officer opens a pupil with timeline',
      as: OFFICER,
      bodies: officerPupils.map((pupil) => body(PUPIL_WITH_TIMELINE, { id: pupil.id })),
    },
    {
      kind: 'read',
      id: 'school-reports-100-pupils',
      title: 'school reports 100 pupils in one batch',
      as: { org: reportingSchool, role: 'PROFESSIONAL', subject: `bench-1@${reportingSchool}` },
      // The first round opens cases; later rounds join them (a report of a pupil out of view is not
      // a new case), so each request still validates 100 rows, writes 100 reports and 100 log records.
      bodies: schoolBatches.map((batch) => body(REPORT, { input: { reports: batch.map((pupilId) => ({ pupilId, absentSince: '2026-01-05' })) } })),
      guardedOnly: true,
    },
    {
      kind: 'write',
      id: 'referral-create-accept',
      title: 'referral created (Leerlingzaken) and accepted (school social work)',
      creator: OFFICER,
      receiver: PARTNER,
      createBodies: referable.map((pupil) =>
        body(CREATE, {
          input: {
            pupilId: pupil.id,
            receiverId: 'smw-den-haag',
            reason: 'Benchmark: verzuim, gezin graag ondersteunen',
            urgency: 'NORMAL',
            sharedCategories: ['IDENTITY', 'CONTACT'],
            legalBasis: 'JEUGDWET',
          },
        }),
      ),
    },
    {
      kind: 'read',
      id: 'privacy-log-by-pupil',
      title: 'privacy officer: access log by pupil',
      as: PRIVACY_OFFICER,
      bodies: loggedPupils.map((pupil) => body(LOG_BY_PUPIL, { pupilId: pupil.id })),
    },
    {
      kind: 'read',
      id: 'privacy-log-by-actor-month',
      title: 'privacy officer: access log by actor for a month',
      as: PRIVACY_OFFICER,
      bodies: subjects.rows.map((row) => body(LOG_BY_ACTOR, { actorSubject: row.actor_subject, ...LOG_MONTH })),
    },
  ];
}
