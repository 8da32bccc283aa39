// A region-scale data set for benchmarks (The Hague: ~84,000 pupils in 309 schools), on top of the
// demo region or on its own. Deterministic like the demo, but from its own PRNG stream and its own
// BSN range, so the two never collide.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Tables } from '../db/tables.ts';
import { DEMO_ISSUER, type LegalBasis, type ReferralStatus } from '../policy/vocabulary.ts';
import { SCHOOL_NAME_WORDS, STREETS } from './names.ts';
import { Random, addMinutes, addDays, deriveSeed, isoDate } from './random.ts';
import {
  DEMO_BASE_TIME,
  DEMO_MUNICIPALITIES,
  DEMO_ORGANISATIONS,
  LEERLINGZAKEN_OF,
  buildReferral,
  chunks,
  completeBsn,
  consentGiver,
  generateContactAttempts,
  generateGuardians,
  generatePupil,
  parentsFirst,
  shiftReferral,
  type BuiltReferral,
  type DemoContactAttempt,
  type DemoGuardian,
  type DemoOrganisation,
  type DemoPupil,
  type DemoReferral,
  type DemoReferralEvent,
  type MunicipalityCode,
  type SchoolInfo,
  type SchoolType,
} from './region.ts';

export const DEFAULT_SCALE_SEED = 84_000_309;

export interface ScaleOptions {
  pupils: number;
  schools: number;
  seed?: number;
  onProgress?: (message: string) => void;
}

export interface ScaleResult {
  schools: number;
  pupils: number;
  guardians: number;
  referrals: number;
  referralEvents: number;
  contactAttempts: number;
}

// Pupils per transaction (a commit costs ~45 ms on PGlite: fewer, larger ones), and rows per INSERT.
const PUPILS_PER_BATCH = 5_000;
const ROWS_PER_INSERT = 1_000;
const MISSING_SHARE = 0.03;
// Scale BSNs come from 990000000–998999999; the demo uses 9999xxxxx.
const FIRST_SCALE_BSN_PREFIX = 99_000_000;
const LAST_SCALE_BSN_PREFIX = 99_899_999;

const SCHOOL_PREFIX: Readonly<Record<SchoolType, readonly string[]>> = {
  primary: ['Basisschool', 'Kindcentrum', 'Daltonschool', 'Montessorischool'],
  secondary: ['College', 'Lyceum', 'Scholengemeenschap'],
  mbo: ['Vakcollege (mbo)', 'Techniekcollege (mbo)'],
};
// Secondary and mbo schools are larger than primary schools.
const SCHOOL_SIZE: Readonly<Record<SchoolType, number>> = { primary: 1, secondary: 4, mbo: 8 };

const PARTNERS: readonly (readonly [string, number])[] = [
  ['smw-den-haag', 40],
  ['cjg-den-haag', 25],
  ['politie-den-haag', 15],
  ['veilig-thuis-haaglanden', 12],
  ['jbw-crisisteam', 8],
];

const STATUS_WEIGHTS: readonly (readonly [ReferralStatus, number])[] = [
  ['REQUESTED', 8],
  ['RECEIVED', 8],
  ['ACCEPTED', 8],
  ['REJECTED', 6],
  ['IN_PROGRESS', 30],
  ['ON_HOLD', 8],
  ['COMPLETED', 20],
  ['FAILED', 5],
  ['CANCELLED', 7],
];

function scaleSchools(rng: Random, count: number): { info: SchoolInfo; row: DemoOrganisation }[] {
  const schools: { info: SchoolInfo; row: DemoOrganisation }[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `scale-school-${String(i).padStart(4, '0')}`;
    // The first three cover every school type, so every age has a school even in small sets.
    const type: SchoolType =
      i === 1 ? 'primary' : i === 2 ? 'secondary' : i === 3 ? 'mbo' : rng.weighted<SchoolType>([['primary', 68], ['secondary', 24], ['mbo', 8]]);
    const municipality: MunicipalityCode = i > 3 && rng.chance(0.08) ? 'GM0603' : 'GM0518';
    schools.push({
      info: { id, municipality_code: municipality, type },
      row: {
        id,
        kind: 'SCHOOL',
        name: `${rng.pick(SCHOOL_PREFIX[type])} ${rng.pick(SCHOOL_NAME_WORDS)} (${STREETS[municipality].city}, ${i})`,
        municipality_code: municipality,
        issuer: DEMO_ISSUER,
        contact_email: `administratie@${id}.example`,
        contact_phone: `070-555${String(1000 + (i % 9000)).padStart(4, '0')}`,
      },
    });
  }
  return schools;
}

export async function seedScaleRegion(database: Database, options: ScaleOptions): Promise<ScaleResult> {
  const { db } = database;
  const progress = options.onProgress ?? (() => undefined);
  // A stream of its own: even the demo's seed gives data unrelated to (and not colliding with) the demo.
  const rng = new Random(deriveSeed(options.seed ?? DEFAULT_SCALE_SEED, 'scale-region'));
  const base = new Date(DEMO_BASE_TIME);

  // Municipalities, Leerlingzaken and partners: reuse the demo's, adding whatever is missing.
  const partners = DEMO_ORGANISATIONS.filter((org) => org.kind !== 'SCHOOL');
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('municipalities').values([...DEMO_MUNICIPALITIES]).onConflict((oc) => oc.doNothing()).execute();
    await trx.insertInto('organisations').values([...partners]).onConflict((oc) => oc.doNothing()).execute();
  });
  const schools = scaleSchools(rng.fork('schools'), options.schools);
  await db.transaction().execute(async (trx) => {
    for (const rows of chunks(schools.map((school) => school.row), ROWS_PER_INSERT)) await trx.insertInto('organisations').values(rows).execute();
  });
  progress(`scale: ${schools.length} schools`);

  const schoolWeights = schools.map((school) => [school.info, SCHOOL_SIZE[school.info.type]] as const);
  let bsnPrefix = FIRST_SCALE_BSN_PREFIX;
  const nextBsn = (): string => {
    for (;;) {
      if (bsnPrefix > LAST_SCALE_BSN_PREFIX) throw new RangeError('scale BSN range exhausted (max ~818,000 pupils)');
      const bsn = completeBsn(String(bsnPrefix++));
      if (bsn) return bsn;
    }
  };

  const result: ScaleResult = { schools: schools.length, pupils: 0, guardians: 0, referrals: 0, referralEvents: 0, contactAttempts: 0 };
  const rngPupils = rng.fork('pupils');
  const rngReferrals = rng.fork('referrals');
  const rngContacts = rng.fork('contact-attempts');
  let reportedAt = 0;

  while (result.pupils < options.pupils) {
    const size = Math.min(PUPILS_PER_BATCH, options.pupils - result.pupils);
    const pupils: DemoPupil[] = [];
    const guardians: DemoGuardian[] = [];
    const referrals: DemoReferral[] = [];
    const events: DemoReferralEvent[] = [];
    const attempts: DemoContactAttempt[] = [];

    for (let i = 0; i < size; i++) {
      const school = rngPupils.weighted(schoolWeights);
      // Most pupils live where they go to school; some cross the municipal border.
      const home: MunicipalityCode =
        school.municipality_code === 'GM0603' ? (rngPupils.chance(0.85) ? 'GM0603' : 'GM0518') : rngPupils.chance(0.04) ? 'GM0603' : 'GM0518';
      const generated = generatePupil(rngPupils, { school, home, bsn: nextBsn(), base });
      const pupil = generated.pupil;
      const own = generateGuardians(rngPupils, generated);
      pupils.push(pupil);
      guardians.push(...own);
      const lz = LEERLINGZAKEN_OF[home];

      const missing = rngPupils.chance(MISSING_SHARE);
      if (missing) {
        const reported = addMinutes(addDays(base, -rngPupils.int(1, 28)), rngPupils.int(60, 8 * 60));
        pupil.reported_missing_at = reported;
        pupil.absent_since = isoDate(addDays(reported, -rngPupils.int(2, 6)));
        pupil.updated_at = reported;
      }

      // About one referral per four pupils: nearly every missing pupil, and others with concerns.
      const built: BuiltReferral[] = [];
      if (rngReferrals.chance(missing ? 0.8 : 0.21)) {
        const fromSchool = missing || rngReferrals.chance(0.55);
        const receiver = fromSchool ? lz : rngReferrals.weighted(PARTNERS);
        const consent = !fromSchool && rngReferrals.chance(0.25);
        const legalBasis: LegalBasis | undefined = consent ? 'CONSENT' : undefined;
        const first = buildReferral(rngReferrals, {
          pupil,
          sender: fromSchool ? school.id : lz,
          receiver,
          status: rngReferrals.weighted(STATUS_WEIGHTS),
          urgency: rngReferrals.chance(0.1) ? 'URGENT' : 'NORMAL',
          ...(legalBasis ? { legalBasis } : {}),
          consentGivenBy: consentGiver(pupil, base, own),
          createdAt: pupil.reported_missing_at ?? addMinutes(addDays(base, -rngReferrals.int(2, 60)), rngReferrals.int(0, 10 * 60)),
        });
        built.push(first);
        // Leerlingzaken hands some of the school reports over to a partner.
        const takenOn = first.events.find((event) => event.action === 'START');
        if (fromSchool && takenOn && rngReferrals.chance(0.3)) {
          const partner = rngReferrals.weighted(PARTNERS);
          built.push(
            buildReferral(rngReferrals, {
              pupil,
              sender: lz,
              receiver: partner,
              status: rngReferrals.weighted(STATUS_WEIGHTS),
              urgency: rngReferrals.chance(0.1) ? 'URGENT' : 'NORMAL',
              consentGivenBy: consentGiver(pupil, base, own),
              handedOverFrom: first.referral,
              createdAt: addMinutes(takenOn.occurred_at, rngReferrals.int(30, 24 * 60)),
            }),
          );
        }
        // Nothing may happen after "now": move the chain back when it runs past it.
        const last = Math.max(...built.flatMap((entry) => entry.events.map((event) => event.occurred_at.getTime())));
        const overshoot = last - addMinutes(base, -10).getTime();
        if (overshoot > 0) for (const entry of built) shiftReferral(entry, -overshoot);
        for (const entry of built) {
          referrals.push(entry.referral);
          events.push(...entry.events);
        }
        if (pupil.reported_missing_at && first.referral.created_at < pupil.reported_missing_at) {
          pupil.reported_missing_at = first.referral.created_at;
          pupil.absent_since = isoDate(addDays(first.referral.created_at, -rngPupils.int(2, 6)));
          pupil.updated_at = first.referral.created_at;
        }
      }

      if (pupil.reported_missing_at && rngContacts.chance(0.9)) {
        const smw = built.find((entry) => entry.referral.receiver_org_id === 'smw-den-haag')?.referral;
        attempts.push(
          ...generateContactAttempts(rngContacts, {
            pupil,
            guardians: own,
            orgId: lz,
            ...(smw ? { partnerVisitor: { orgId: 'smw-den-haag', from: smw.created_at } } : {}),
            start: addMinutes(pupil.reported_missing_at, rngContacts.int(60, 20 * 60)),
            until: addMinutes(base, -10),
            urgent: built.some((entry) => entry.referral.urgency === 'URGENT'),
          }),
        );
      }
    }

    await db.transaction().execute(async (trx) => {
      await bulkInsert(trx, 'pupils', PUPIL_COLUMNS, pupils);
      await bulkInsert(trx, 'guardians', GUARDIAN_COLUMNS, guardians);
      await bulkInsert(trx, 'referrals', REFERRAL_COLUMNS, parentsFirst(referrals));
      await bulkInsert(trx, 'referral_events', EVENT_COLUMNS, events);
      await bulkInsert(trx, 'contact_attempts', CONTACT_ATTEMPT_COLUMNS, attempts);
    });
    result.pupils += pupils.length;
    result.guardians += guardians.length;
    result.referrals += referrals.length;
    result.referralEvents += events.length;
    result.contactAttempts += attempts.length;
    if (result.pupils - reportedAt >= 10_000 || result.pupils === options.pupils) {
      reportedAt = result.pupils;
      progress(`scale: ${result.pupils}/${options.pupils} pupils, ${result.referrals} referrals`);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Bulk insert: INSERT ... SELECT FROM unnest(one array parameter per column). Same SQL on both
// engines, one parameter per column instead of one per value: on PGlite the whole 84,000-pupil
// seed went from 27 s (multi-row VALUES) to 21 s; most of the rest is index maintenance.

type Columns<Row> = readonly (readonly [column: keyof Row & string, sqlType: string])[];

const PUPIL_COLUMNS: Columns<DemoPupil> = [
  ['id', 'uuid'], ['given_name', 'text'], ['family_name_prefix', 'text'], ['family_name', 'text'],
  ['date_of_birth', 'date'], ['municipality_code', 'text'], ['bsn', 'text'], ['street', 'text'],
  ['house_number', 'text'], ['postal_code', 'text'], ['city', 'text'], ['phone', 'text'],
  ['letter_language', 'text'], ['school_id', 'text'], ['grade', 'text'], ['absent_since', 'date'],
  ['reported_missing_at', 'timestamptz'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'],
];
const GUARDIAN_COLUMNS: Columns<DemoGuardian> = [
  ['id', 'uuid'], ['pupil_id', 'uuid'], ['name', 'text'], ['relation', 'text'], ['phone', 'text'],
  ['email', 'text'], ['position', 'int2'],
];
const REFERRAL_COLUMNS: Columns<DemoReferral> = [
  ['id', 'uuid'], ['pupil_id', 'uuid'], ['sender_org_id', 'text'], ['receiver_org_id', 'text'],
  ['status', 'text'], ['urgency', 'text'], ['reason', 'text'], ['shared_categories', 'text[]'],
  ['legal_basis', 'text'], ['consent_given_by', 'text'], ['consent_valid_from', 'date'],
  ['consent_valid_until', 'date'], ['consent_revoked_at', 'timestamptz'], ['handed_over_from_id', 'uuid'],
  ['response_due_at', 'timestamptz'], ['receive_due_at', 'timestamptz'], ['received_at', 'timestamptz'],
  ['outcome', 'text'], ['closed_at', 'timestamptz'], ['version', 'int4'],
  ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'],
];
const EVENT_COLUMNS: Columns<DemoReferralEvent> = [
  ['id', 'uuid'], ['referral_id', 'uuid'], ['action', 'text'], ['from_status', 'text'], ['to_status', 'text'],
  ['actor_org_id', 'text'], ['actor_subject', 'text'], ['actor_role', 'text'], ['reason', 'text'],
  ['occurred_at', 'timestamptz'],
];
const CONTACT_ATTEMPT_COLUMNS: Columns<DemoContactAttempt> = [
  ['id', 'uuid'], ['pupil_id', 'uuid'], ['kind', 'text'], ['outcome', 'text'], ['letter_language', 'text'],
  ['org_id', 'text'], ['actor_subject', 'text'], ['actor_role', 'text'], ['remark', 'text'],
  ['occurred_at', 'timestamptz'],
];

function parameterValue(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  // An array column travels as its text literal; our values (category names) need no quoting.
  if (Array.isArray(value)) return `{${value.join(',')}}`;
  return value as string | number;
}

async function bulkInsert<Row>(executor: Kysely<Tables>, table: keyof Tables, columns: Columns<Row>, rows: readonly Row[]): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) {
    // Array columns are unnested as text (unnest would flatten a two-dimensional array) and cast back.
    const parameters = columns.map(([column, type]) => {
      const values = chunk.map((row) => parameterValue(row[column]));
      return sql`${values}::${sql.raw(type.endsWith('[]') ? 'text' : type)}[]`;
    });
    const names = columns.map(([column]) => sql.ref(column));
    const selected = columns.map(([column, type]) => (type.endsWith('[]') ? sql`${sql.ref(column)}::${sql.raw(type)}` : sql.ref(column)));
    await sql`INSERT INTO ${sql.table(table)} (${sql.join(names)}) SELECT ${sql.join(selected)} FROM unnest(${sql.join(parameters)}) AS t(${sql.join(names)})`.execute(executor);
  }
}
