// Explicit fixtures for the policy matrix and the leak tests: pupils, referrals, notes and contact
// attempts inserted directly, so every situation a test relies on is written down where it is used.
// Nothing here reads src/policy: the expectations of the tests come from docs/domain.md, not the code.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../../src/db/tables.ts';
import { DEMO_NOW } from './hub.ts';

export type Kind = 'LEERLINGZAKEN' | 'SCHOOL' | 'SCHOOL_SOCIAL_WORK' | 'POLICE' | 'CRISIS_TEAM' | 'VEILIG_THUIS' | 'CJG';
export type RoleName = 'PROFESSIONAL' | 'COORDINATOR' | 'PRIVACY_OFFICER';
export type Category = 'IDENTITY' | 'BSN' | 'CONTACT' | 'SCHOOLING' | 'CONTACT_ATTEMPTS' | 'REFERRAL' | 'CARE' | 'SAFETY';

export const KINDS: readonly Kind[] = ['LEERLINGZAKEN', 'SCHOOL', 'SCHOOL_SOCIAL_WORK', 'POLICE', 'CRISIS_TEAM', 'VEILIG_THUIS', 'CJG'];
export const ROLES: readonly RoleName[] = ['PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER'];
export const CATEGORIES: readonly Category[] = ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE', 'SAFETY'];

/** The seeded demo organisations the tests use. */
export const ORG = {
  lzDenHaag: 'lz-den-haag', // LEERLINGZAKEN, GM0518
  lzRijswijk: 'lz-rijswijk', // LEERLINGZAKEN, GM0603
  dalton: 'school-dalton-laak', // SCHOOL, GM0518
  zeester: 'school-zeester-escamp', // SCHOOL, GM0518
  elsenburg: 'school-elsenburg-college', // SCHOOL, GM0603
  smw: 'smw-den-haag',
  politie: 'politie-den-haag',
  jbw: 'jbw-crisisteam',
  vt: 'veilig-thuis-haaglanden',
  cjg: 'cjg-den-haag',
} as const;

/** One organisation per kind: the organisation under test for that kind. */
export const ORG_OF_KIND: Readonly<Record<Kind, string>> = {
  LEERLINGZAKEN: ORG.lzDenHaag,
  SCHOOL: ORG.dalton,
  SCHOOL_SOCIAL_WORK: ORG.smw,
  POLICE: ORG.politie,
  CRISIS_TEAM: ORG.jbw,
  VEILIG_THUIS: ORG.vt,
  CJG: ORG.cjg,
};

export const DEN_HAAG = 'GM0518';
export const RIJSWIJK = 'GM0603';
export const DAY_MS = 24 * 3600 * 1000;
/** A UUID that is no pupil, referral or organisation. */
export const RANDOM_UUID = '3f1c7a52-9d1e-4c0b-a6f4-2b8e5d7c9a10';

export interface FixturePupil {
  id: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  bsn: string;
  grade: string;
  letterLanguage: string;
  municipality: string;
  schoolId: string | null;
}

export interface PupilSpec {
  familyName?: string;
  dateOfBirth?: string;
  municipality: string;
  schoolId: string | null;
  letterLanguage?: string;
  grade?: string;
}

export interface ReferralSpec {
  pupil: FixturePupil;
  sender: string;
  receiver: string;
  status?: string;
  shared: readonly Category[];
  legalBasis?: string;
  consent?: { givenBy: string; validFrom: string; validUntil: string | null; revokedAt?: Date | null };
  closedAt?: Date | null;
  handedOverFrom?: string | null;
  outcome?: string | null;
}

/**
 * Collects rows and writes them in one go (pupils, then referrals, then notes and attempts).
 * BSNs are '8' + 8 digits (the demo uses 9999…), unique within one builder's `bsnBase`.
 */
export class FixtureBuilder {
  private pupilRows: Array<Record<string, unknown>> = [];
  private referralRows: Array<Record<string, unknown>> = [];
  private noteRows: Array<Record<string, unknown>> = [];
  private attemptRows: Array<Record<string, unknown>> = [];
  private counter = 0;

  constructor(
    private readonly label: string,
    private readonly bsnBase: number,
  ) {}

  pupil(spec: PupilSpec): FixturePupil {
    const n = ++this.counter;
    const pupil: FixturePupil = {
      id: randomUUID(),
      givenName: `Fixture${n}`,
      familyName: spec.familyName ?? `${this.label}${String(n).padStart(3, '0')}`,
      dateOfBirth: spec.dateOfBirth ?? '2012-05-01',
      bsn: `8${String(this.bsnBase + n).padStart(8, '0')}`,
      grade: spec.grade ?? `groep ${(n % 8) + 1}`,
      letterLanguage: spec.letterLanguage ?? 'pl',
      municipality: spec.municipality,
      schoolId: spec.schoolId,
    };
    this.pupilRows.push({
      id: pupil.id,
      given_name: pupil.givenName,
      family_name_prefix: null,
      family_name: pupil.familyName,
      date_of_birth: pupil.dateOfBirth,
      municipality_code: pupil.municipality,
      bsn: pupil.bsn,
      street: 'Fixturestraat',
      house_number: String(n),
      postal_code: '2280 AA',
      city: pupil.municipality === DEN_HAAG ? 'Den Haag' : 'Rijswijk',
      phone: `06${String(10_000_000 + n)}`,
      letter_language: pupil.letterLanguage,
      school_id: pupil.schoolId,
      grade: pupil.grade,
      absent_since: '2026-02-02',
      reported_missing_at: new Date(DEMO_NOW.getTime() - 30 * DAY_MS),
      created_at: new Date(DEMO_NOW.getTime() - 60 * DAY_MS),
      updated_at: new Date(DEMO_NOW.getTime() - 60 * DAY_MS),
    });
    return pupil;
  }

  referral(spec: ReferralSpec): string {
    const id = randomUUID();
    const created = new Date(DEMO_NOW.getTime() - 10 * DAY_MS);
    this.referralRows.push({
      id,
      pupil_id: spec.pupil.id,
      sender_org_id: spec.sender,
      receiver_org_id: spec.receiver,
      status: spec.status ?? 'ACCEPTED',
      urgency: 'NORMAL',
      reason: 'fixture referral',
      shared_categories: [...spec.shared],
      legal_basis: spec.legalBasis ?? (spec.consent ? 'CONSENT' : 'JEUGDWET'),
      consent_given_by: spec.consent?.givenBy ?? null,
      consent_valid_from: spec.consent?.validFrom ?? null,
      consent_valid_until: spec.consent?.validUntil ?? null,
      consent_revoked_at: spec.consent?.revokedAt ?? null,
      handed_over_from_id: spec.handedOverFrom ?? null,
      response_due_at: null,
      outcome: spec.outcome ?? null,
      closed_at: spec.closedAt ?? null,
      version: 1,
      created_at: created,
      updated_at: created,
    });
    return id;
  }

  note(pupil: FixturePupil, category: Category, author: string, referralId: string | null, body?: string): string {
    const id = randomUUID();
    this.noteRows.push({
      id,
      pupil_id: pupil.id,
      referral_id: referralId,
      category,
      body: body ?? `${category} note by ${author}`,
      author_org_id: author,
      author_subject: `fixture@${author}`,
      author_role: 'PROFESSIONAL',
      created_at: new Date(DEMO_NOW.getTime() - 5 * DAY_MS + this.noteRows.length * 1000),
    });
    return id;
  }

  attempt(pupil: FixturePupil, org: string, kind = 'PHONE', outcome = 'NO_ANSWER'): string {
    const id = randomUUID();
    this.attemptRows.push({
      id,
      pupil_id: pupil.id,
      kind,
      outcome,
      letter_language: null,
      org_id: org,
      actor_subject: `fixture@${org}`,
      actor_role: 'PROFESSIONAL',
      remark: null,
      occurred_at: new Date(DEMO_NOW.getTime() - 7 * DAY_MS + this.attemptRows.length * 1000),
    });
    return id;
  }

  /**
   * Data in every category for a pupil: (bsn, phone, letter language, grade are on the row) a
   * contact attempt by lz-rijswijk, and a CARE and a SAFETY note — within `referralId` when given,
   * else by lz-rijswijk outside any referral.
   */
  everyCategory(pupil: FixturePupil, referralId: string | null, noteAuthor: string = ORG.lzRijswijk): void {
    this.attempt(pupil, ORG.lzRijswijk);
    this.note(pupil, 'CARE', noteAuthor, referralId);
    this.note(pupil, 'SAFETY', noteAuthor, referralId);
  }

  async flush(db: Kysely<Tables>): Promise<void> {
    if (this.pupilRows.length) await db.insertInto('pupils').values(this.pupilRows as never).execute();
    if (this.referralRows.length) await db.insertInto('referrals').values(this.referralRows as never).execute();
    if (this.noteRows.length) await db.insertInto('notes').values(this.noteRows as never).execute();
    if (this.attemptRows.length) await db.insertInto('contact_attempts').values(this.attemptRows as never).execute();
    this.pupilRows = [];
    this.referralRows = [];
    this.noteRows = [];
    this.attemptRows = [];
  }
}

export type Situation = 'linked' | 'not linked' | 'referral not sharing it';
export const SITUATIONS: readonly Situation[] = ['linked', 'not linked', 'referral not sharing it'];

export interface MatrixFixtures {
  linked: Record<string, FixturePupil>;
  unlinked: FixturePupil;
  notShared: Record<string, Record<Category, FixturePupil>>;
}

/**
 * The matrix's situations, for each organisation under test:
 *  - linked: lz-den-haag, a pupil living in Den Haag; school-dalton-laak, a pupil enrolled there
 *    (each also sends a referral about it to lz-rijswijk, so it has a REFERRAL to see); every other
 *    partner, a Rijswijk pupil with an ACCEPTED Jeugdwet referral lz-rijswijk -> partner sharing all
 *    eight categories;
 *  - not linked: one Rijswijk pupil at Elsenburg College, with no referral at all;
 *  - referral not sharing C: a Rijswijk pupil at Elsenburg whose only link to the organisation is an
 *    ACCEPTED referral lz-rijswijk -> organisation sharing every category except C.
 */
export async function buildMatrixFixtures(db: Kysely<Tables>): Promise<MatrixFixtures> {
  const b = new FixtureBuilder('Matrix', 10_000);
  const linked: Record<string, FixturePupil> = {};
  const notShared: Record<string, Record<Category, FixturePupil>> = {};

  for (const kind of KINDS) {
    const org = ORG_OF_KIND[kind];
    if (kind === 'LEERLINGZAKEN') {
      const pupil = b.pupil({ municipality: DEN_HAAG, schoolId: ORG.zeester });
      b.everyCategory(pupil, b.referral({ pupil, sender: org, receiver: ORG.lzRijswijk, shared: CATEGORIES }));
      linked[org] = pupil;
    } else if (kind === 'SCHOOL') {
      const pupil = b.pupil({ municipality: RIJSWIJK, schoolId: org });
      b.everyCategory(pupil, b.referral({ pupil, sender: org, receiver: ORG.lzRijswijk, shared: CATEGORIES }));
      linked[org] = pupil;
    } else {
      const pupil = b.pupil({ municipality: RIJSWIJK, schoolId: ORG.elsenburg });
      b.everyCategory(pupil, b.referral({ pupil, sender: ORG.lzRijswijk, receiver: org, shared: CATEGORIES }));
      linked[org] = pupil;
    }
    const perCategory = {} as Record<Category, FixturePupil>;
    for (const category of CATEGORIES) {
      const pupil = b.pupil({ municipality: RIJSWIJK, schoolId: ORG.elsenburg });
      const shared = CATEGORIES.filter((c) => c !== category);
      b.everyCategory(pupil, b.referral({ pupil, sender: ORG.lzRijswijk, receiver: org, shared }));
      perCategory[category] = pupil;
    }
    notShared[org] = perCategory;
  }

  const unlinked = b.pupil({ municipality: RIJSWIJK, schoolId: ORG.elsenburg });
  b.everyCategory(unlinked, null);

  await b.flush(db);
  return { linked, unlinked, notShared };
}

/** Runs `tasks` with at most `limit` in flight, keeping the order of results. */
export async function pool<T>(limit: number, tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
