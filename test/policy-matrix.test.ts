// The access policy as a matrix: every organisation kind (one organisation per kind) × role ×
// data category × situation (linked, not linked, linked through a referral that does not share the
// category). The expected outcomes come from the table below, copied from docs/domain.md ("Data
// categories" and "lawful link"), NOT from src/policy: a wrong policy cannot agree with itself here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildMatrixFixtures,
  CATEGORIES,
  pool,
  KINDS,
  ORG_OF_KIND,
  RANDOM_UUID,
  ROLES,
  SITUATIONS,
  type Category,
  type FixturePupil,
  type Kind,
  type MatrixFixtures,
  type RoleName,
  type Situation,
} from './helpers/fixtures-policy.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';

// ---- The ground truth, from docs/domain.md "Data categories" -------------------------------------------
/**
 * kind -> categories it may see (only for pupils it has a lawful link to). REFERRAL is "the sending
 * and receiving organisation of that referral": every kind, as a party to the referral.
 */
const DOMAIN_TABLE: Readonly<Record<Kind, readonly Category[]>> = {
  LEERLINGZAKEN: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL'],
  SCHOOL: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL'],
  SCHOOL_SOCIAL_WORK: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE'],
  POLICE: ['IDENTITY', 'CONTACT', 'REFERRAL', 'SAFETY'],
  CRISIS_TEAM: ['IDENTITY', 'CONTACT', 'REFERRAL', 'CARE', 'SAFETY'],
  VEILIG_THUIS: ['IDENTITY', 'CONTACT', 'REFERRAL', 'CARE', 'SAFETY'],
  CJG: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'REFERRAL', 'CARE'],
};
const kindMaySee = (kind: Kind, category: Category) => DOMAIN_TABLE[kind].includes(category);
/** "A privacy officer reads the access log; she does not read case data through that role." */
const ROLE_READS_CASE_DATA: Readonly<Record<RoleName, boolean>> = { PROFESSIONAL: true, COORDINATOR: true, PRIVACY_OFFICER: false };
/** A school's privacy officer is not a party in the hub: its token is refused at authentication. */
const ROLE_EXISTS = (kind: Kind, role: RoleName) => !(kind === 'SCHOOL' && role === 'PRIVACY_OFFICER');

type Outcome = 'VALUE' | 'ABSENT' | 'REFUSED' | 'TOKEN_REFUSED' | 'OWN_NOTES_ONLY';

function expectedOutcome(kind: Kind, role: RoleName, category: Category, situation: Situation): Outcome {
  if (!ROLE_EXISTS(kind, role)) return 'TOKEN_REFUSED';
  if (!ROLE_READS_CASE_DATA[role] || !kindMaySee(kind, category)) return 'REFUSED';
  if (situation === 'linked') return 'VALUE';
  // "Beyond that: nothing, not even that the pupil exists."
  if (situation === 'not linked') return 'ABSENT';
  // The parties of a referral always see the referral itself, whatever it shares.
  if (category === 'REFERRAL') return 'VALUE';
  // Notes: an organisation always reads its own notes of a category its kind may read (its own
  // records); a referral that does not share the category gives it none of the others' notes.
  if (category === 'CARE' || category === 'SAFETY') return 'OWN_NOTES_ONLY';
  return 'REFUSED';
}

// ---- One probe field per category ------------------------------------------------------------------
interface Probe {
  selection: string;
  /** The response key under `pupil`. */
  field: string;
  /** The value expected when the category is readable. */
  check: (value: unknown, pupil: FixturePupil) => void;
  /** Whether the field itself carries @category (refused before execution when never readable). */
  tagged: boolean;
}
const count = (value: unknown) => expect((value as { totalCount: number }).totalCount).toBeGreaterThanOrEqual(1);
const PROBES: Readonly<Record<Category, Probe>> = {
  IDENTITY: { selection: 'familyName', field: 'familyName', tagged: true, check: (v, p) => expect(v).toBe(p.familyName) },
  BSN: { selection: 'bsn', field: 'bsn', tagged: true, check: (v, p) => expect(v).toBe(p.bsn) },
  CONTACT: { selection: 'letterLanguage', field: 'letterLanguage', tagged: true, check: (v, p) => expect(v).toBe(p.letterLanguage) },
  SCHOOLING: { selection: 'grade', field: 'grade', tagged: true, check: (v, p) => expect(v).toBe(p.grade) },
  CONTACT_ATTEMPTS: { selection: 'contactAttempts { totalCount }', field: 'contactAttempts', tagged: true, check: count },
  REFERRAL: { selection: 'referrals { totalCount }', field: 'referrals', tagged: true, check: count },
  CARE: { selection: 'notes(categories: [CARE]) { totalCount }', field: 'notes', tagged: false, check: count },
  SAFETY: { selection: 'notes(categories: [SAFETY]) { totalCount }', field: 'notes', tagged: false, check: count },
};
const probeQuery = (category: Category) => `query Probe($id: ID!) { pupil(id: $id) { ${PROBES[category].selection} } }`;

// ---- The hub and fixtures ------------------------------------------------------------------------
let t: TestHub;
let fx: MatrixFixtures;
/** Every probe's answer, fetched up front with modest concurrency; each `it` then judges one. */
const answers = new Map<string, Answer>();
const key = (org: string, role: RoleName, category: Category, situation: Situation | 'random') => `${org}|${role}|${category}|${situation}`;
beforeAll(async () => {
  t = await startTestHub();
  fx = await buildMatrixFixtures(t.database.db);
  const tasks: Array<() => Promise<void>> = [];
  for (const kind of KINDS)
    for (const role of ROLES)
      for (const category of CATEGORIES)
        for (const situation of [...SITUATIONS, 'random'] as const) {
          const org = ORG_OF_KIND[kind];
          // The random-UUID answer is only compared with where a pupil is expected to be ABSENT.
          if (situation === 'random' && expectedOutcome(kind, role, category, 'not linked') !== 'ABSENT') continue;
          const id = situation === 'random' ? RANDOM_UUID : pupilFor(org, category, situation).id;
          tasks.push(async () => {
            const response = await t.gql({ org, role }, probeQuery(category), { id });
            answers.set(key(org, role, category, situation), { status: response.status, body: response.body as GqlBody });
          });
        }
  await pool(8, tasks);
});
afterAll(async () => {
  await t?.close();
});

function pupilFor(org: string, category: Category, situation: Situation): FixturePupil {
  if (situation === 'linked') return fx.linked[org]!;
  if (situation === 'not linked') return fx.unlinked;
  return fx.notShared[org]![category];
}

interface GqlBody {
  data?: { pupil: Record<string, unknown> | null } | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string; fields?: string[]; categories?: string[] } }>;
}

interface Answer {
  status: number;
  body: GqlBody;
}

function probe(org: string, role: RoleName, category: Category, situation: Situation): void {
  const pupil = pupilFor(org, category, situation);
  const kind = KINDS.find((k) => ORG_OF_KIND[k] === org)!;
  const expected = expectedOutcome(kind, role, category, situation);
  const { field } = PROBES[category];
  const response = answers.get(key(org, role, category, situation))!;
  const body = response.body;
  const context = `${org} ${role} ${category} (${situation}) → ${expected}: ${response.status} ${JSON.stringify(body)}`;

  switch (expected) {
    case 'TOKEN_REFUSED':
      expect(response.status, context).toBe(403);
      expect(body.errors?.[0]?.extensions?.code, context).toBe('FORBIDDEN');
      expect(body.data, context).toBeUndefined();
      return;
    case 'VALUE': {
      expect(response.status, context).toBe(200);
      expect(body.errors, context).toBeUndefined();
      const value = body.data?.pupil?.[field];
      expect(value, context).not.toBeNull();
      expect(value, context).not.toBeUndefined();
      PROBES[category].check(value, pupil);
      return;
    }
    case 'ABSENT': {
      // Exactly like a pupil that does not exist.
      expect(response.status, context).toBe(200);
      expect(body, context).toEqual({ data: { pupil: null } });
      const random = answers.get(key(org, role, category, 'random'))!;
      expect({ status: response.status, body }, context).toEqual(random);
      return;
    }
    case 'OWN_NOTES_ONLY': {
      // No error, and none of the fixture's notes (all written by lz-rijswijk): only its own, none here.
      expect(response.status, context).toBe(200);
      expect(body.errors, context).toBeUndefined();
      expect((body.data?.pupil?.[field] as { totalCount: number }).totalCount, context).toBe(0);
      return;
    }
    case 'REFUSED': {
      // A FORBIDDEN error and no value.
      const forbidden = (body.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN');
      expect(forbidden.length, context).toBeGreaterThan(0);
      const value = body.data?.pupil?.[field];
      expect(value ?? null, context).toBeNull();
      const never = !kindMaySee(kind, category) || !ROLE_READS_CASE_DATA[role];
      if (never) {
        // Layer 1: refused before execution, naming the field (or the category named in the notes
        // argument), no data at all.
        expect(response.status, context).toBe(403);
        expect(body.data, context).toBeUndefined();
        expect(forbidden[0]!.extensions?.fields, context).toContain(
          PROBES[category].tagged ? `Pupil.${field}` : `Pupil.${field}(categories: ${category})`,
        );
      } else {
        // Layer 2: the field is null, the error points at it.
        expect(response.status, context).toBe(200);
        expect(body.data?.pupil, context).not.toBeNull();
        expect(forbidden[0]!.path, context).toEqual(['pupil', field]);
      }
      return;
    }
  }
}

for (const kind of KINDS) {
  const org = ORG_OF_KIND[kind];
  describe(`${kind} (${org})`, () => {
    for (const role of ROLES) {
      describe(role, () => {
        for (const category of CATEGORIES) {
          for (const situation of SITUATIONS) {
            const expected = expectedOutcome(kind, role, category, situation);
            const name = `${category} of a pupil ${situation === 'referral not sharing it' ? `linked by a referral not sharing ${category}` : situation} → ${expected}`;
            it(name, () => probe(org, role, category, situation));
          }
        }
      });
    }
  });
}

describe('the matrix itself', () => {
  it('covers every kind, role, category and situation (504 cases)', () => {
    expect(KINDS.length * ROLES.length * CATEGORIES.length * SITUATIONS.length).toBe(7 * 3 * 8 * 3);
  });
  it('has a column in the docs/domain.md table for every category (the ones every kind may see included)', () => {
    for (const category of ['IDENTITY', 'CONTACT', 'REFERRAL'] as const) for (const kind of KINDS) expect(kindMaySee(kind, category)).toBe(true);
    expect(KINDS.filter((kind) => kindMaySee(kind, 'BSN'))).toEqual(['LEERLINGZAKEN', 'SCHOOL']);
  });
});
