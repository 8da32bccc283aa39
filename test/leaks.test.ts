// Ways data could leak past the policy: filters, counts, query syntax, "not found" answers that
// differ, links that should have ended, secret involvement, and answers shared between callers.
// Expectations come from docs/domain.md ("lawful link": beyond it, "nothing, not even that the pupil
// exists"; secret involvement "not in lists, counts, search results, timelines"), not from src/policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  DAY_MS,
  DEN_HAAG,
  FixtureBuilder,
  ORG,
  RANDOM_UUID,
  RIJSWIJK,
  type Category,
  type FixturePupil,
  type RoleName,
} from './helpers/fixtures-policy.ts';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';

type As = { org: string; role: RoleName };
const as = (org: string, role: RoleName = 'PROFESSIONAL'): As => ({ org, role });
const LZ = as(ORG.lzDenHaag);
const SCHOOL = as(ORG.dalton);
const POLICE = as(ORG.politie);
const CJG = as(ORG.cjg);
const SMW = as(ORG.smw);
const VT = as(ORG.vt);
const JBW = as(ORG.jbw);

interface GqlError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; fields?: string[]; categories?: string[] };
}
interface Answer {
  status: number;
  body: { data?: any; errors?: GqlError[] };
}

let t: TestHub;
async function ask(who: As, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const response = await t.gql(who, query, variables);
  return { status: response.status, body: response.body };
}
const show = (answer: Answer) => `${answer.status} ${JSON.stringify(answer.body)}`;
const ids = (connection: { edges: Array<{ node: { id: string } }> } | null | undefined) => (connection?.edges ?? []).map((e) => e.node.id);

function expectRefusedWhole(answer: Answer, field?: string) {
  expect(answer.status, show(answer)).toBe(403);
  expect(answer.body.errors?.[0]?.extensions?.code, show(answer)).toBe('FORBIDDEN');
  expect(answer.body.data, show(answer)).toBeUndefined();
  if (field) expect(answer.body.errors?.[0]?.extensions?.fields, show(answer)).toContain(field);
}

// ---- Fixtures --------------------------------------------------------------------------------------
const ALL = CATEGORIES;
const allBut = (...except: Category[]) => CATEGORIES.filter((c) => !except.includes(c));
const SEARCH_NAME = 'Qxylofoon'; // no demo pupil is called this
const SEARCH_DOB = '2001-01-01'; // older than every demo pupil (5-23 years old in 2026)

const f = {} as {
  unlinked: FixturePupil;
  policeLinked: FixturePupil;
  lzHome: FixturePupil;
  lzNoBsn: FixturePupil;
  lzNoIdentity: FixturePupil;
  cjgLinked: FixturePupil;
  cjgNoSchooling: FixturePupil;
  consentExpired: FixturePupil;
  consentLastDay: FixturePupil;
  cancelled: FixturePupil;
  rejected: FixturePupil;
  revoked: FixturePupil;
  revokedReferral: string;
  retained: FixturePupil;
  secret: FixturePupil;
  secretSmwVt: string;
  secretLzCjg: string;
  vtLooseNote: string;
  vtContactNote: string;
  smwContactNote: string;
  smwLooseNote: string;
  smwNoteInSecretReferral: string;
  vtDoorVisit: string;
  lzPhoneCall: string;
  handover: FixturePupil;
  handoverFirst: string;
  handoverSecond: string;
  cache: FixturePupil;
};

beforeAll(async () => {
  t = await startTestHub();
  const b = new FixtureBuilder('Leak', 20_000);
  const rijswijkPupil = (familyName?: string, dateOfBirth?: string) =>
    b.pupil({ municipality: RIJSWIJK, schoolId: ORG.elsenburg, ...(familyName ? { familyName } : {}), ...(dateOfBirth ? { dateOfBirth } : {}) });
  const linkedBy = (pupil: FixturePupil, receiver: string, shared: readonly Category[], extra: Partial<Parameters<FixtureBuilder['referral']>[0]> = {}) => {
    const id = b.referral({ pupil, sender: ORG.lzRijswijk, receiver, shared, ...extra });
    b.everyCategory(pupil, id);
    return id;
  };

  // Search targets: one pupil nobody under test is linked to, one the police is linked to.
  f.unlinked = rijswijkPupil(`${SEARCH_NAME}-Los`, SEARCH_DOB);
  b.everyCategory(f.unlinked, null);
  f.policeLinked = rijswijkPupil(`${SEARCH_NAME}-Wijk`, SEARCH_DOB);
  linkedBy(f.policeLinked, ORG.politie, ALL, { legalBasis: 'POLITIEWET' });
  f.lzHome = b.pupil({ municipality: DEN_HAAG, schoolId: ORG.zeester, familyName: `${SEARCH_NAME}-Haag` });
  b.everyCategory(f.lzHome, null);
  // Linked to lz-den-haag only through a referral that does not share one category.
  f.lzNoBsn = rijswijkPupil();
  linkedBy(f.lzNoBsn, ORG.lzDenHaag, allBut('BSN'));
  f.lzNoIdentity = rijswijkPupil(`${SEARCH_NAME}-Geheim`, SEARCH_DOB);
  linkedBy(f.lzNoIdentity, ORG.lzDenHaag, allBut('IDENTITY'));
  f.cjgLinked = rijswijkPupil();
  linkedBy(f.cjgLinked, ORG.cjg, ALL);
  f.cjgNoSchooling = rijswijkPupil();
  linkedBy(f.cjgNoSchooling, ORG.cjg, allBut('SCHOOLING'));

  // Links that end (receiver cjg-den-haag). The hub's clock date is 2026-03-16.
  f.consentExpired = rijswijkPupil();
  linkedBy(f.consentExpired, ORG.cjg, ALL, { consent: { givenBy: 'ouder', validFrom: '2026-01-01', validUntil: '2026-03-15' } });
  f.consentLastDay = rijswijkPupil();
  linkedBy(f.consentLastDay, ORG.cjg, ALL, { consent: { givenBy: 'ouder', validFrom: '2026-01-01', validUntil: '2026-03-16' } });
  f.cancelled = rijswijkPupil();
  linkedBy(f.cancelled, ORG.cjg, ALL, { status: 'CANCELLED', closedAt: new Date(DEMO_NOW.getTime() - DAY_MS) });
  f.rejected = rijswijkPupil();
  linkedBy(f.rejected, ORG.cjg, ALL, { status: 'REJECTED', closedAt: new Date(DEMO_NOW.getTime() - DAY_MS) });
  f.revoked = rijswijkPupil();
  f.revokedReferral = linkedBy(f.revoked, ORG.cjg, ALL, { consent: { givenBy: 'ouder', validFrom: '2026-01-01', validUntil: null } });
  f.retained = rijswijkPupil();
  linkedBy(f.retained, ORG.cjg, ALL, { status: 'COMPLETED', outcome: 'back at school', closedAt: new Date(DEMO_NOW.getTime() - 89 * DAY_MS) });

  // Secret involvement: a Den Haag pupil (lz-den-haag linked by municipality) with a referral
  // smw-den-haag -> veilig-thuis-haaglanden, and one lz-den-haag -> cjg-den-haag sharing CARE.
  f.secret = b.pupil({ municipality: DEN_HAAG, schoolId: ORG.zeester });
  f.secretSmwVt = b.referral({ pupil: f.secret, sender: ORG.smw, receiver: ORG.vt, shared: ALL, legalBasis: 'MELDCODE' });
  f.secretLzCjg = b.referral({ pupil: f.secret, sender: ORG.lzDenHaag, receiver: ORG.cjg, shared: ['IDENTITY', 'CARE', 'REFERRAL'] });
  f.vtLooseNote = b.note(f.secret, 'CARE', ORG.vt, null, 'Veilig Thuis: melding in onderzoek');
  f.vtContactNote = b.note(f.secret, 'CONTACT', ORG.vt, null, 'Veilig Thuis: nieuw adres bij oma');
  f.smwContactNote = b.note(f.secret, 'CONTACT', ORG.smw, null, 'SMW: moeder heeft nieuw nummer');
  f.smwLooseNote = b.note(f.secret, 'CARE', ORG.smw, null, 'SMW: gesprek met moeder');
  f.smwNoteInSecretReferral = b.note(f.secret, 'CARE', ORG.smw, f.secretSmwVt, 'SMW aan Veilig Thuis: zorgen over thuissituatie');
  f.vtDoorVisit = b.attempt(f.secret, ORG.vt, 'DOOR_VISIT', 'NOBODY_HOME');
  f.lzPhoneCall = b.attempt(f.secret, ORG.lzDenHaag, 'PHONE', 'NO_ANSWER');

  // A hand-over chain smw -> vt -> cjg: cjg is party to the second referral only.
  f.handover = b.pupil({ municipality: DEN_HAAG, schoolId: ORG.zeester });
  f.handoverFirst = b.referral({ pupil: f.handover, sender: ORG.smw, receiver: ORG.vt, shared: ALL, legalBasis: 'MELDCODE' });
  f.handoverSecond = b.referral({ pupil: f.handover, sender: ORG.vt, receiver: ORG.cjg, shared: ALL, handedOverFrom: f.handoverFirst });

  // Two views of one pupil: lz-den-haag (municipality) and cjg (IDENTITY + REFERRAL only).
  f.cache = b.pupil({ municipality: DEN_HAAG, schoolId: ORG.zeester, letterLanguage: 'tr', grade: 'groep 6' });
  b.everyCategory(f.cache, b.referral({ pupil: f.cache, sender: ORG.lzDenHaag, receiver: ORG.cjg, shared: ['IDENTITY', 'REFERRAL'] }));

  await b.flush(t.database.db);
});
afterAll(async () => {
  await t?.close();
});

// ---- Filters -------------------------------------------------------------------------------------
const SEARCH = 'query Search($filter: PupilFilter) { pupils(first: 100, filter: $filter) { totalCount edges { node { id } } } }';

describe('filters find no pupil without a lawful link', () => {
  it('the fixtures are what the search tests assume (only our pupils have this name and birth date)', async () => {
    const byName = await t.database.db.selectFrom('pupils').select('id').where('family_name', 'like', `${SEARCH_NAME}%`).execute();
    expect(byName).toHaveLength(4);
    const byDate = await t.database.db.selectFrom('pupils').select('id').where('date_of_birth', '=', SEARCH_DOB).execute();
    expect(byDate).toHaveLength(3);
  });

  it.each([
    ['lz-den-haag', LZ],
    ['school-dalton-laak', SCHOOL],
  ])('bsn of an unlinked pupil, as %s (which may read BSNs of its own pupils): nothing', async (_name, who) => {
    const answer = await ask(who, SEARCH, { filter: { bsn: f.unlinked.bsn } });
    expect(answer.body, show(answer)).toEqual({ data: { pupils: { totalCount: 0, edges: [] } } });
  });

  it('bsn of its own pupil, as lz-den-haag: found (control)', async () => {
    const answer = await ask(LZ, SEARCH, { filter: { bsn: f.lzHome.bsn } });
    expect(answer.body.data.pupils, show(answer)).toEqual({ totalCount: 1, edges: [{ node: { id: f.lzHome.id } }] });
  });

  it.each([
    ['cjg-den-haag', CJG],
    ['jbw-crisisteam', JBW],
    ['veilig-thuis-haaglanden', VT],
  ])('familyNameStartsWith and dateOfBirth, as unlinked %s: nothing', async (_name, who) => {
    for (const filter of [{ familyNameStartsWith: SEARCH_NAME.toLowerCase() }, { familyNameStartsWith: SEARCH_NAME }, { dateOfBirth: SEARCH_DOB }]) {
      const answer = await ask(who, SEARCH, { filter });
      expect(answer.body, `${JSON.stringify(filter)} ${show(answer)}`).toEqual({ data: { pupils: { totalCount: 0, edges: [] } } });
    }
  });

  it('familyNameStartsWith and dateOfBirth, as the police: only the pupil it is linked to', async () => {
    for (const filter of [{ familyNameStartsWith: SEARCH_NAME.toLowerCase() }, { dateOfBirth: SEARCH_DOB }]) {
      const answer = await ask(POLICE, SEARCH, { filter });
      expect(answer.body, `${JSON.stringify(filter)} ${show(answer)}`).toEqual({
        data: { pupils: { totalCount: 1, edges: [{ node: { id: f.policeLinked.id } }] } },
      });
    }
  });

  it('a filter on a category the caller may never read (police on bsn) is refused, naming the filter', async () => {
    for (const query of [SEARCH, `{ pupils(filter: { bsn: "${f.policeLinked.bsn}" }) { totalCount } }`]) {
      const answer = await ask(POLICE, query, { filter: { bsn: f.policeLinked.bsn } });
      const error = answer.body.errors?.[0];
      expect(error?.extensions?.code, show(answer)).toBe('FORBIDDEN');
      expect(error?.message, show(answer)).toMatch(/\bbsn\b/);
      expect(answer.body.data?.pupils ?? null, show(answer)).toBeNull();
      expect(JSON.stringify(answer.body)).not.toContain(f.policeLinked.id);
    }
  });

  it('a schooling filter (schoolId, reportedMissing) is refused for the police too', async () => {
    for (const filter of [{ schoolId: ORG.elsenburg }, { reportedMissing: true }]) {
      const answer = await ask(POLICE, SEARCH, { filter });
      expect(answer.body.errors?.[0]?.extensions?.code, show(answer)).toBe('FORBIDDEN');
      expect(answer.body.data?.pupils ?? null, show(answer)).toBeNull();
    }
  });

  // A filter is a way of reading. A pupil whose link does not share the filter's category must not
  // be found by it: otherwise a caller confirms a BSN (or a name, a school) it may not read.
  describe('a filter does not match on a category the link to that pupil does not share', () => {
    const notFoundBy = async (who: As, filter: Record<string, unknown>, hidden: FixturePupil, visible?: FixturePupil) => {
      const answer = await ask(who, SEARCH, { filter });
      const found = ids(answer.body.data?.pupils);
      expect(found, `${JSON.stringify(filter)} ${show(answer)}`).not.toContain(hidden.id);
      if (visible) expect(found, `${JSON.stringify(filter)} ${show(answer)}`).toContain(visible.id);
      if (answer.body.data?.pupils) expect(answer.body.data.pupils.totalCount).toBe(found.length);
    };
    it('the pupils themselves are visible to the caller (control)', async () => {
      for (const [who, pupil] of [[LZ, f.lzNoBsn], [LZ, f.lzNoIdentity], [CJG, f.cjgNoSchooling]] as const) {
        const answer = await ask(who, 'query($id: ID!) { pupil(id: $id) { id visibleCategories } }', { id: pupil.id });
        expect(answer.body.data.pupil?.id, show(answer)).toBe(pupil.id);
      }
    });
    it('lz-den-haag, filter bsn, pupil linked by a referral not sharing BSN', async () => {
      await notFoundBy(LZ, { bsn: f.lzNoBsn.bsn }, f.lzNoBsn);
    });
    it('lz-den-haag, filter familyNameStartsWith, pupil linked by a referral not sharing IDENTITY', async () => {
      await notFoundBy(LZ, { familyNameStartsWith: SEARCH_NAME }, f.lzNoIdentity, f.lzHome);
    });
    it('lz-den-haag, filter dateOfBirth, pupil linked by a referral not sharing IDENTITY', async () => {
      await notFoundBy(LZ, { dateOfBirth: SEARCH_DOB }, f.lzNoIdentity);
    });
    it('cjg-den-haag, filter schoolId, pupil linked by a referral not sharing SCHOOLING', async () => {
      await notFoundBy(CJG, { schoolId: ORG.elsenburg }, f.cjgNoSchooling, f.cjgLinked);
    });
  });
});

// ---- Counts ----------------------------------------------------------------------------------------
/** docs/domain.md's lawful link through referrals, written out here: open, or closed within retention, and consent valid. */
function referralLinksNow(r: { status: string; closed_at: Date | null; legal_basis: string; consent_valid_from: string | null; consent_valid_until: string | null; consent_revoked_at: Date | null }, now: Date): boolean {
  const open =
    ['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'].includes(r.status) ||
    (['COMPLETED', 'FAILED'].includes(r.status) && r.closed_at !== null && new Date(r.closed_at).getTime() > now.getTime() - 90 * DAY_MS);
  if (!open) return false;
  if (r.legal_basis !== 'CONSENT') return true;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(now);
  return r.consent_revoked_at === null && r.consent_valid_from !== null && r.consent_valid_from <= today && (r.consent_valid_until === null || r.consent_valid_until >= today);
}

async function allPages(who: As, list: 'pupils' | 'referrals'): Promise<{ totalCount: number; ids: string[] }> {
  const found: string[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (let page = 0; page < 100; page++) {
    const answer = await ask(who, `query($after: String) { ${list}(first: 100, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { after });
    expect(answer.body.errors, show(answer)).toBeUndefined();
    const connection = answer.body.data[list];
    totalCount = connection.totalCount;
    found.push(...ids(connection));
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { totalCount, ids: found };
}

describe('counts count only what the caller may see', () => {
  it.each([
    ['politie-den-haag', POLICE],
    ['cjg-den-haag', CJG],
    ['jbw-crisisteam', JBW],
  ])('pupils { totalCount } as %s equals its linked pupils, and nothing else', async (_name, who) => {
    const rows = await t.database.db
      .selectFrom('referrals')
      .select(['pupil_id', 'status', 'closed_at', 'legal_basis', 'consent_valid_from', 'consent_valid_until', 'consent_revoked_at'])
      .where((eb) => eb.or([eb('sender_org_id', '=', who.org), eb('receiver_org_id', '=', who.org)]))
      .execute();
    const expected = new Set(rows.filter((r) => referralLinksNow(r, t.clock.now)).map((r) => r.pupil_id));
    const listed = await allPages(who, 'pupils');
    expect(listed.totalCount).toBe(expected.size);
    expect(new Set(listed.ids)).toEqual(expected);
    expect(listed.ids).not.toContain(f.unlinked.id);
  });

  it('pupils { totalCount } as police includes its fixture pupil and not the unlinked one', async () => {
    const listed = await allPages(POLICE, 'pupils');
    expect(listed.ids).toContain(f.policeLinked.id);
    expect(listed.ids).not.toContain(f.unlinked.id);
    expect(listed.ids).not.toContain(f.secret.id);
  });

  it.each([
    ['politie-den-haag', POLICE],
    ['cjg-den-haag', CJG],
    ['lz-den-haag', LZ],
  ])('referrals { totalCount } as %s counts only referrals it sent or received', async (_name, who) => {
    const listed = await allPages(who, 'referrals');
    expect(listed.totalCount).toBe(listed.ids.length);
    const rows = listed.ids.length
      ? await t.database.db.selectFrom('referrals').select(['sender_org_id', 'receiver_org_id']).where('id', 'in', listed.ids).execute()
      : [];
    for (const row of rows) expect([row.sender_org_id, row.receiver_org_id]).toContain(who.org);
    const own = await t.database.db
      .selectFrom('referrals')
      .select(['id', 'closed_at'])
      .where((eb) => eb.or([eb('sender_org_id', '=', who.org), eb('receiver_org_id', '=', who.org)]))
      .execute();
    // Its own open referrals are all there; those between others never are.
    for (const row of own.filter((r) => r.closed_at === null)) expect(listed.ids).toContain(row.id);
    expect(listed.ids).not.toContain(f.secretSmwVt);
    expect(listed.ids).not.toContain(f.handoverFirst);
    expect(listed.totalCount).toBeLessThanOrEqual(own.length);
  });

  it.each(['lz-den-haag', 'politie-den-haag', 'cjg-den-haag'])('a privacy officer of %s counts no pupils and no referrals', async (org) => {
    const answer = await ask(as(org, 'PRIVACY_OFFICER'), '{ pupils { totalCount edges { node { id } } } referrals { totalCount edges { node { id } } } }');
    expect(answer.body, show(answer)).toEqual({ data: { pupils: { totalCount: 0, edges: [] }, referrals: { totalCount: 0, edges: [] } } });
  });
});

// ---- The same forbidden field, whatever the syntax ---------------------------------------------------
describe('a never-readable field is refused whatever the syntax (police asking for bsn)', () => {
  const cases: Array<[string, string]> = [
    ['plain', 'query($id: ID!) { pupil(id: $id) { bsn } }'],
    ['named fragment', 'query($id: ID!) { pupil(id: $id) { ...Nummer } } fragment Nummer on Pupil { id bsn }'],
    ['alias', 'query($id: ID!) { pupil(id: $id) { nummer: bsn naam: familyName } }'],
    ['inline fragment on Node via node(id:)', 'query($id: ID!) { node(id: $id) { id ... on Pupil { bsn } } }'],
    ['fragment on the Node interface', 'query($id: ID!) { node(id: $id) { ...N } } fragment N on Node { ... on Pupil { bsn } }'],
    ['next to __schema', 'query($id: ID!) { __schema { queryType { name } } pupil(id: $id) { bsn } }'],
    ['next to __typename', 'query($id: ID!) { __typename pupil(id: $id) { __typename bsn } }'],
    ['through a referral', 'query($id: ID!) { pupil(id: $id) { id } referrals { edges { node { pupil { bsn } } } } }'],
    ['in a second, aliased pupil', 'query($id: ID!) { a: pupil(id: $id) { id } b: pupil(id: $id) { ... on Pupil { ... on Pupil { bsn } } } }'],
  ];
  it.each(cases)('%s: 403 FORBIDDEN naming Pupil.bsn, no data', async (_name, query) => {
    const answer = await ask(POLICE, query, { id: f.policeLinked.id });
    expectRefusedWhole(answer, 'Pupil.bsn');
    expect(JSON.stringify(answer.body)).not.toContain(f.policeLinked.bsn);
  });

  it('a never-readable category named in notes(categories:) (police, CARE) is refused whole, literal or variable', async () => {
    for (const [query, variables] of [
      ['query($id: ID!) { pupil(id: $id) { id notes(categories: [CARE]) { totalCount } } }', { id: f.policeLinked.id }],
      ['query($id: ID!, $c: [DataCategory!]) { pupil(id: $id) { id notes(categories: $c) { totalCount } } }', { id: f.policeLinked.id, c: ['SAFETY', 'CARE'] }],
    ] as const) {
      expectRefusedWhole(await ask(POLICE, query, variables), 'Pupil.notes(categories: CARE)');
    }
  });

  it('CJG asking for bsn of a pupil it is linked to with every category shared: refused whole', async () => {
    expectRefusedWhole(await ask(CJG, 'query($id: ID!) { pupil(id: $id) { familyName ... on Pupil { bsn } } }', { id: f.cjgLinked.id }), 'Pupil.bsn');
  });
});

// ---- Unlinked answers exactly like non-existent --------------------------------------------------------
describe('an existing but unlinked pupil or referral answers exactly like a random UUID', () => {
  const PUPIL = 'query($id: ID!) { pupil(id: $id) { id familyName letterLanguage visibleCategories } }';
  const NODE = 'query($id: ID!) { node(id: $id) { id __typename ... on Pupil { familyName } ... on Referral { status } } }';
  const REFERRAL = 'query($id: ID!) { referral(id: $id) { id status sender { id } receiver { id } pupil { id } } }';
  const same = async (who: As, query: string, id: string) => {
    const real = await ask(who, query, { id });
    const random = await ask(who, query, { id: RANDOM_UUID });
    expect(real, show(real)).toEqual(random);
    const upper = await ask(who, query, { id: id.toUpperCase() });
    expect(upper, show(upper)).toEqual(random);
    return real;
  };

  it.each([
    ['politie-den-haag', POLICE],
    ['cjg-den-haag', CJG],
    ['lz-den-haag', LZ],
    ['veilig-thuis-haaglanden', VT],
  ])('pupil(id:) and node(id:) of an unlinked pupil, as %s', async (_name, who) => {
    const pupil = await same(who, PUPIL, f.unlinked.id);
    expect(pupil.body).toEqual({ data: { pupil: null } });
    const node = await same(who, NODE, f.unlinked.id);
    expect(node.body).toEqual({ data: { node: null } });
  });

  it.each([
    ['politie-den-haag', POLICE],
    ['cjg-den-haag (linked to the pupil itself)', CJG],
    ['lz-den-haag (linked to the pupil by municipality)', LZ],
  ])('referral(id:) and node(id:) of a referral between smw-den-haag and veilig-thuis-haaglanden, as %s', async (_name, who) => {
    const referral = await same(who, REFERRAL, f.secretSmwVt);
    expect(referral.body).toEqual({ data: { referral: null } });
    const node = await same(who, NODE, f.secretSmwVt);
    expect(node.body).toEqual({ data: { node: null } });
  });

  it('the parties do see that referral (control)', async () => {
    for (const who of [SMW, VT]) {
      const answer = await ask(who, REFERRAL, { id: f.secretSmwVt });
      expect(answer.body.data.referral?.id, show(answer)).toBe(f.secretSmwVt);
    }
  });
});

// ---- Links that end --------------------------------------------------------------------------------------
describe('access to the pupil ends with its link', () => {
  const SEE = 'query($id: ID!) { pupil(id: $id) { id familyName } node(id: $id) { id } }';
  const hidden = async (who: As, pupil: FixturePupil) => {
    const answer = await ask(who, SEE, { id: pupil.id });
    const random = await ask(who, SEE, { id: RANDOM_UUID });
    expect(answer, show(answer)).toEqual(random);
    expect(answer.body).toEqual({ data: { pupil: null, node: null } });
    const listed = await ask(who, SEARCH, { filter: { familyNameStartsWith: pupil.familyName } });
    expect(listed.body, show(listed)).toEqual({ data: { pupils: { totalCount: 0, edges: [] } } });
  };
  const visible = async (who: As, pupil: FixturePupil) => {
    const answer = await ask(who, SEE, { id: pupil.id });
    expect(answer.body, show(answer)).toEqual({ data: { pupil: { id: pupil.id, familyName: pupil.familyName }, node: { id: pupil.id } } });
  };

  it('a consent that expired yesterday (valid until 2026-03-15, the clock says 2026-03-16)', async () => {
    await hidden(CJG, f.consentExpired);
  });
  it('a consent whose last day is today still links (control)', async () => {
    await visible(CJG, f.consentLastDay);
  });
  it('a CANCELLED referral', async () => {
    await hidden(CJG, f.cancelled);
  });
  it('a REJECTED referral', async () => {
    await hidden(CJG, f.rejected);
  });
  it('a revoked consent: access ends on the very next request', async () => {
    await visible(CJG, f.revoked);
    await t.database.db.updateTable('referrals').set({ consent_revoked_at: t.clock.now }).where('id', '=', f.revokedReferral).execute();
    await hidden(CJG, f.revoked);
  });
  it('the retention window: a COMPLETED referral closed 89 days ago links, at 91 days it no longer does', async () => {
    await visible(CJG, f.retained);
    const before = t.clock.now;
    try {
      t.clock.now = new Date(DEMO_NOW.getTime() + 2 * DAY_MS);
      await hidden(CJG, f.retained);
    } finally {
      t.clock.now = before;
    }
    await visible(CJG, f.retained);
  });
});

// ---- Secret involvement ----------------------------------------------------------------------------------
describe('secret involvement: a referral with Veilig Thuis shows to nobody but its parties', () => {
  const PUPIL_REFERRALS = 'query($id: ID!) { pupil(id: $id) { id referrals(first: 100) { totalCount edges { node { id sender { id } receiver { id } } } } } }';
  const CARE_NOTES = 'query($id: ID!) { pupil(id: $id) { notes(categories: [CARE], first: 100) { totalCount edges { node { id organisation { id } } } } } }';

  it('lz-den-haag sees the pupil (municipality) but not the smw -> vt referral in pupil.referrals or its count', async () => {
    const answer = await ask(LZ, PUPIL_REFERRALS, { id: f.secret.id });
    expect(answer.body.errors, show(answer)).toBeUndefined();
    expect(answer.body.data.pupil.referrals.totalCount).toBe(1);
    expect(ids(answer.body.data.pupil.referrals)).toEqual([f.secretLzCjg]);
    expect(JSON.stringify(answer.body)).not.toContain(ORG.vt);
  });

  it('lz-den-haag: not in referrals, not by referral(id:), not by node(id:)', async () => {
    const listed = await allPages(LZ, 'referrals');
    expect(listed.ids).not.toContain(f.secretSmwVt);
    expect(listed.ids).toContain(f.secretLzCjg);
    for (const query of ['query($id: ID!) { referral(id: $id) { id } }', 'query($id: ID!) { node(id: $id) { id } }']) {
      const answer = await ask(LZ, query, { id: f.secretSmwVt });
      expect(answer.body.errors, show(answer)).toBeUndefined();
      expect(Object.values(answer.body.data)).toEqual([null]);
    }
  });

  it('lz-den-haag: no note of veilig-thuis in notes { totalCount }', async () => {
    const answer = await ask(LZ, 'query($id: ID!) { pupil(id: $id) { notes(first: 100) { totalCount edges { node { id organisation { id } } } } } }', { id: f.secret.id });
    expect(answer.body.errors, show(answer)).toBeUndefined();
    expect(answer.body.data.pupil.notes.totalCount).toBe(answer.body.data.pupil.notes.edges.length);
    expect(JSON.stringify(answer.body)).not.toContain(ORG.vt);
  });

  it('lz-den-haag: a note veilig-thuis wrote in a category lz may read (CONTACT) stays hidden; smw\'s shows', async () => {
    const answer = await ask(LZ, 'query($id: ID!) { pupil(id: $id) { notes(categories: [CONTACT], first: 100) { totalCount edges { node { id } } } } }', { id: f.secret.id });
    expect(answer.body.errors, show(answer)).toBeUndefined();
    expect(answer.body.data.pupil.notes).toEqual({ totalCount: 1, edges: [{ node: { id: f.smwContactNote } }] });
  });

  it('cjg-den-haag (CARE shared with it) sees the smw note, not the veilig-thuis note nor the notes within the smw -> vt referral', async () => {
    const answer = await ask(CJG, CARE_NOTES, { id: f.secret.id });
    expect(answer.body.errors, show(answer)).toBeUndefined();
    expect(answer.body.data.pupil.notes).toEqual({
      totalCount: 1,
      edges: [{ node: { id: f.smwLooseNote, organisation: { id: ORG.smw } } }],
    });
  });

  it('smw-den-haag (party to the referral with veilig-thuis) does not see the note veilig-thuis wrote outside it', async () => {
    const answer = await ask(SMW, CARE_NOTES, { id: f.secret.id });
    expect(answer.body.errors, show(answer)).toBeUndefined();
    const noteIds = ids(answer.body.data.pupil.notes);
    expect(noteIds).not.toContain(f.vtLooseNote);
    expect(new Set(noteIds)).toEqual(new Set([f.smwLooseNote, f.smwNoteInSecretReferral]));
    expect(answer.body.data.pupil.notes.totalCount).toBe(2);
  });

  it('veilig-thuis sees its own note (control)', async () => {
    const answer = await ask(VT, CARE_NOTES, { id: f.secret.id });
    expect(ids(answer.body.data?.pupil?.notes), show(answer)).toContain(f.vtLooseNote);
  });

  it('cjg-den-haag sees only its own referral about the pupil', async () => {
    const answer = await ask(CJG, PUPIL_REFERRALS, { id: f.secret.id });
    expect(answer.body.data.pupil.referrals.totalCount, show(answer)).toBe(1);
    expect(ids(answer.body.data.pupil.referrals)).toEqual([f.secretLzCjg]);
    expect(JSON.stringify(answer.body)).not.toContain(ORG.vt);
  });

  it('politie-den-haag, not linked, gets nothing about the pupil', async () => {
    const answer = await ask(POLICE, 'query($id: ID!) { pupil(id: $id) { id } }', { id: f.secret.id });
    expect(answer.body).toEqual({ data: { pupil: null } });
  });

  it('a hand-over from the smw -> vt referral does not reveal the first referral to the next receiver', async () => {
    const answer = await ask(CJG, 'query($id: ID!) { referral(id: $id) { id handedOverFrom { id } } }', { id: f.handoverSecond });
    expect(answer.body, show(answer)).toEqual({ data: { referral: { id: f.handoverSecond, handedOverFrom: null } } });
    const first = await ask(CJG, 'query($id: ID!) { node(id: $id) { id } }', { id: f.handoverFirst });
    expect(first.body).toEqual({ data: { node: null } });
  });

  // docs/domain.md: "that Veilig Thuis has a referral must not show ... not in lists, counts, search
  // results, timelines". A door visit by Veilig Thuis in the contact-attempt list (a timeline)
  // discloses its involvement just as a note would; notes by secret kinds are hidden, attempts are not.
  it('lz-den-haag does not see a door visit by veilig-thuis in contactAttempts or its count', async () => {
    const answer = await ask(LZ, 'query($id: ID!) { pupil(id: $id) { contactAttempts(first: 100) { totalCount edges { node { id organisation { id } } } } } }', {
      id: f.secret.id,
    });
    expect(answer.body.errors, show(answer)).toBeUndefined();
    const attempts = answer.body.data.pupil.contactAttempts;
    expect(ids(attempts)).toContain(f.lzPhoneCall);
    expect(ids(attempts), show(answer)).not.toContain(f.vtDoorVisit);
    expect(attempts.totalCount).toBe(1);
  });
});

// ---- No answer is shared between callers -----------------------------------------------------------------
describe('concurrent callers each get their own view', () => {
  it('20 interleaved concurrent requests from lz-den-haag and cjg-den-haag for the same pupil', async () => {
    const query = 'query($id: ID!) { pupil(id: $id) { id familyName letterLanguage grade referrals { totalCount } notes { totalCount } } }';
    const callers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? LZ : CJG));
    const answers = await Promise.all(callers.map((who) => ask(who, query, { id: f.cache.id })));
    answers.forEach((answer, i) => {
      const who = callers[i]!;
      const context = `${i} ${who.org}: ${show(answer)}`;
      expect(answer.status, context).toBe(200);
      const pupil = answer.body.data.pupil;
      expect(pupil.id, context).toBe(f.cache.id);
      expect(pupil.familyName, context).toBe(f.cache.familyName);
      expect(pupil.referrals.totalCount, context).toBe(1);
      if (who === LZ) {
        expect(answer.body.errors, context).toBeUndefined();
        expect(pupil.letterLanguage, context).toBe('tr');
        expect(pupil.grade, context).toBe('groep 6');
      } else {
        // The referral shares IDENTITY and REFERRAL only: CONTACT and SCHOOLING are refused per field.
        expect(pupil.letterLanguage, context).toBeNull();
        expect(pupil.grade, context).toBeNull();
        const refused = (answer.body.errors ?? []).map((e) => ({ code: e.extensions?.code, path: e.path }));
        expect(refused, context).toEqual(
          expect.arrayContaining([
            { code: 'FORBIDDEN', path: ['pupil', 'letterLanguage'] },
            { code: 'FORBIDDEN', path: ['pupil', 'grade'] },
          ]),
        );
        expect(refused, context).toHaveLength(2);
        expect(JSON.stringify(answer.body), context).not.toContain('groep 6');
      }
      // Neither reads CARE/SAFETY here, so no note is counted for either.
      expect(pupil.notes.totalCount, context).toBe(0);
    });
  });

  it('20 interleaved concurrent requests for bsn: lz-den-haag gets it, cjg is refused whole every time', async () => {
    const query = 'query($id: ID!) { pupil(id: $id) { bsn familyName } }';
    const callers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? LZ : CJG));
    const answers = await Promise.all(callers.map((who) => ask(who, query, { id: f.cache.id })));
    answers.forEach((answer, i) => {
      if (callers[i] === LZ) expect(answer.body, show(answer)).toEqual({ data: { pupil: { bsn: f.cache.bsn, familyName: f.cache.familyName } } });
      else expectRefusedWhole(answer, 'Pupil.bsn');
    });
  });
});
