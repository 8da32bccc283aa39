// The coordinators' overview of pupils out of view, against a hand count on the demo region: the
// counts are worked out here from the generated data with the rules written out plainly (which
// cases the caller sees in full, which it only knows exist, what is hidden below five), and must
// equal what the API answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ORGANISATIONS, generateDemoRegion } from '../src/demo/region.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlOk, NO_RATE_LIMITS } from './helpers/referrals.ts';

const region = generateDemoRegion();
const OPEN_REFERRAL = new Set(['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD']);
const orgById = new Map(DEMO_ORGANISATIONS.map((org) => [org.id, org]));
const pupilById = new Map(region.pupils.map((pupil) => [pupil.id, pupil]));

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t.close();
});

type Who = { org: string; role: 'COORDINATOR' };

/** What the caller may read of each case's pupil, as the API says (the link rules are tested elsewhere). */
async function categoriesByPupil(who: Who): Promise<Map<string, Set<string>>> {
  const seen = new Map<string, Set<string>>();
  let after: string | null = null;
  do {
    const data = await gqlOk(t, who, 'query($after: String) { pupils(first: 100, after: $after) { edges { node { id visibleCategories } } pageInfo { hasNextPage endCursor } } }', { after });
    for (const edge of data.pupils.edges) seen.set(edge.node.id, new Set(edge.node.visibleCategories));
    after = data.pupils.pageInfo.hasNextPage ? data.pupils.pageInfo.endCursor : null;
  } while (after);
  return new Map(region.outOfViewCases.map((found) => [found.pupil_id, seen.get(found.pupil_id) ?? new Set<string>()]));
}

const hide = (visible: number, hidden: number) => (hidden > 0 && hidden < 5 ? null : visible + hidden);

async function handCount(who: Who, grouping: 'SCHOOL' | 'MUNICIPALITY') {
  const categories = await categoriesByPupil(who);
  const me = orgById.get(who.org)!;
  const now = t.clock.now;
  const groups = new Map<string, any>();
  for (const found of region.outOfViewCases) {
    const pupil = pupilById.get(found.pupil_id)!;
    const full = categories.get(found.pupil_id)!.has('SCHOOLING');
    const school = orgById.get(found.reporting_school_id)!;
    const knows = found.reporting_school_id === me.id || (me.kind === 'LEERLINGZAKEN' && school.municipality_code === me.municipality_code);
    if (!full && !knows) continue;
    const key = grouping === 'SCHOOL' ? found.reporting_school_id : pupil.municipality_code;
    const g = groups.get(key) ?? { reportedFull: 0, reportedHidden: 0, closedFull: 0, closedHidden: 0, openFull: 0, openHidden: 0, referred: 0, overdue: 0, phone: 0, letter: 0, doorVisit: 0, noteLeft: 0, referrals: new Map<string, Set<string>>() };
    groups.set(key, g);
    const open = found.status === 'OPEN';
    if (full) {
      g.reportedFull++;
      if (open) g.openFull++;
      else g.closedFull++;
      if (found.outcome === 'REFERRED_TO_PARTNER') g.referred++;
      for (const referral of region.referrals) {
        if (referral.pupil_id !== found.pupil_id || !OPEN_REFERRAL.has(referral.status)) continue;
        if (referral.sender_org_id !== me.id && referral.receiver_org_id !== me.id) continue;
        const kind = orgById.get(referral.receiver_org_id)!.kind;
        g.referrals.set(kind, (g.referrals.get(kind) ?? new Set()).add(referral.id));
      }
    } else {
      g.reportedHidden++;
      if (open) g.openHidden++;
      else g.closedHidden++;
    }
    if (full && categories.get(found.pupil_id)!.has('CONTACT_ATTEMPTS')) {
      if (open && found.next_step_due_at! < now) g.overdue++;
      for (const attempt of region.contactAttempts.filter((a) => a.case_id === found.id)) {
        if (attempt.kind === 'PHONE') g.phone++;
        if (attempt.kind === 'LETTER') g.letter++;
        if (attempt.kind === 'DOOR_VISIT') g.doorVisit++;
        if (attempt.kind === 'NOTE_LEFT') g.noteLeft++;
      }
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, g]) => {
      // One hidden, all three hidden: reported = back in view + still out of view.
      const hidden = [hide(g.reportedFull, g.reportedHidden), hide(g.closedFull, g.closedHidden), hide(g.openFull, g.openHidden)].includes(null);
      return {
      key,
      reported: hidden ? null : g.reportedFull + g.reportedHidden,
      backInView: hidden ? null : g.closedFull + g.closedHidden,
      stillOutOfView: hidden ? null : g.openFull + g.openHidden,
      referredToPartner: g.referred,
      attempts: { phone: g.phone, letter: g.letter, doorVisit: g.doorVisit, noteLeft: g.noteLeft },
      overdueNextSteps: g.overdue,
      openReferralsByPartnerKind: [...g.referrals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, ids]) => ({ kind, count: ids.size })),
      };
    });
}

const OVERVIEW = `query($groupBy: OverviewGrouping!) { outOfViewOverview(groupBy: $groupBy) {
  rows { school { id } municipality { code } reported backInView stillOutOfView referredToPartner
         attempts { phone letter doorVisit noteLeft } overdueNextSteps openReferralsByPartnerKind { kind count } smallGroupsHidden }
  total { reported backInView stillOutOfView overdueNextSteps smallGroupsHidden } } }`;

async function overview(who: Who, groupBy: 'SCHOOL' | 'MUNICIPALITY') {
  return (await gqlOk(t, who, OVERVIEW, { groupBy })).outOfViewOverview;
}

const CALLERS: Array<[Who, 'SCHOOL' | 'MUNICIPALITY']> = [
  [{ org: 'lz-den-haag', role: 'COORDINATOR' }, 'SCHOOL'],
  [{ org: 'lz-den-haag', role: 'COORDINATOR' }, 'MUNICIPALITY'],
  [{ org: 'lz-rijswijk', role: 'COORDINATOR' }, 'SCHOOL'],
  [{ org: 'school-zuiderpark-college', role: 'COORDINATOR' }, 'SCHOOL'],
  [{ org: 'smw-den-haag', role: 'COORDINATOR' }, 'MUNICIPALITY'],
];

describe('the out-of-view overview on the demo region', () => {
  for (const [who, grouping] of CALLERS) {
    it(`equals the hand count for ${who.org} per ${grouping.toLowerCase()}`, async () => {
      const expected = await handCount(who, grouping);
      const actual = await overview(who, grouping);
      expect(
        actual.rows.map((row: any) => {
          const { school, municipality, smallGroupsHidden: _hidden, ...rest } = row;
          return { key: school?.id ?? municipality?.code, ...rest };
        }),
      ).toEqual(expected);
      // The total: sums, or hidden when any row hides that count.
      const sum = (metric: 'reported' | 'backInView' | 'stillOutOfView') =>
        expected.some((row) => row[metric] === null) ? null : expected.reduce((n, row) => n + (row[metric] as number), 0);
      expect(actual.total.reported).toBe(sum('reported'));
      expect(actual.total.backInView).toBe(sum('backInView'));
      expect(actual.total.stillOutOfView).toBe(sum('stillOutOfView'));
      expect(actual.total.overdueNextSteps).toBe(expected.reduce((n, row) => n + row.overdueNextSteps, 0));
    });
  }

  it('lists for Den Haag\'s Leerlingzaken, without the pupil, exactly the cases its schools reported of pupils it may not see', async () => {
    const who: Who = { org: 'lz-den-haag', role: 'COORDINATOR' };
    const categories = await categoriesByPupil(who);
    const existence = region.outOfViewCases.filter(
      (found) => orgById.get(found.reporting_school_id)!.municipality_code === 'GM0518' && !categories.get(found.pupil_id)!.has('SCHOOLING'),
    );
    expect(existence.length).toBeGreaterThanOrEqual(1);
    // A list is a count too: only the existence-only cases of schools whose existence-only group is
    // not small (reported, closed and open each 0 or 5 or more) are listed, as the overview shows
    // only those counts.
    const bySchool = new Map<string, { reported: number; closed: number; open: number }>();
    for (const found of existence) {
      const g = bySchool.get(found.reporting_school_id) ?? { reported: 0, closed: 0, open: 0 };
      g.reported++;
      if (found.status === 'OPEN') g.open++;
      else g.closed++;
      bySchool.set(found.reporting_school_id, g);
    }
    const listable = (school: string) => [bySchool.get(school)!.reported, bySchool.get(school)!.closed, bySchool.get(school)!.open].every((n) => hide(0, n) !== null);
    const expected = existence
      .filter((found) => listable(found.reporting_school_id))
      .map((found) => found.id)
      .sort();
    const listed: any[] = [];
    let after: string | null = null;
    do {
      const data = await gqlOk(t, who, 'query($after: String) { outOfViewCases(first: 100, after: $after) { edges { node { id visibility pupil { id } nextStep { action } assignedTo { id } } } pageInfo { hasNextPage endCursor } } }', { after });
      listed.push(...data.outOfViewCases.edges.map((edge: any) => edge.node));
      after = data.outOfViewCases.pageInfo.hasNextPage ? data.outOfViewCases.pageInfo.endCursor : null;
    } while (after);
    const existenceOnly = listed.filter((node) => node.visibility === 'EXISTENCE_ONLY');
    expect(existenceOnly.map((node) => node.id).sort()).toEqual(expected);
    for (const node of existenceOnly) {
      expect(node.pupil).toBeNull();
      expect(node.nextStep).toBeNull();
      expect(node.assignedTo.id).toBe('lz-rijswijk');
    }
    // Each of them, listed or not, still answers by id: known to exist, without the pupil.
    for (const found of existence) {
      const data = await gqlOk(t, who, 'query($id: ID!) { outOfViewCase(id: $id) { id visibility pupil { id } nextStep { action } assignedTo { id } } }', { id: found.id });
      expect(data.outOfViewCase).toEqual({ id: found.id, visibility: 'EXISTENCE_ONLY', pupil: null, nextStep: null, assignedTo: { id: 'lz-rijswijk' } });
    }
  });

  it('has something to count for Den Haag: attempts, overdue steps, referrals to partners and a hidden count', async () => {
    const expected = await handCount({ org: 'lz-den-haag', role: 'COORDINATOR' }, 'SCHOOL');
    expect(expected.reduce((n, row) => n + row.attempts.phone + row.attempts.doorVisit, 0)).toBeGreaterThan(10);
    expect(expected.reduce((n, row) => n + row.overdueNextSteps, 0)).toBeGreaterThan(2);
    expect(expected.some((row) => row.openReferralsByPartnerKind.length > 0)).toBe(true);
    expect(expected.some((row) => row.reported === null)).toBe(true);
  });

  it('hides a school\'s count that rests on fewer than five Rijswijk pupils Den Haag may not see', async () => {
    const rows = (await overview({ org: 'lz-den-haag', role: 'COORDINATOR' }, 'SCHOOL')).rows;
    const hidden = rows.filter((row: any) => row.smallGroupsHidden);
    expect(hidden.length).toBeGreaterThanOrEqual(1);
    for (const row of hidden) expect(row.reported).toBeNull();
  });

  it('is for coordinators: a professional is refused', async () => {
    const response = await t.gql({ org: 'lz-den-haag', role: 'PROFESSIONAL' }, OVERVIEW, { groupBy: 'SCHOOL' });
    expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('counts nothing for a police coordinator, who may not read schooling', async () => {
    const result = await overview({ org: 'politie-den-haag', role: 'COORDINATOR' }, 'SCHOOL');
    expect(result.rows).toEqual([]);
    expect(result.total.reported).toBe(0);
  });
});

describe('the pupil\'s timeline', () => {
  const TIMELINE = `query($id: ID!) { pupil(id: $id) { timeline(first: 100) { edges { node { kind action status text organisation { id } referral { id } } } } } }`;

  it('shows the school\'s report and the case\'s close to those who read SCHOOLING', async () => {
    const closed = region.outOfViewCases.find((c) => c.outcome === 'REFERRED_TO_PARTNER' && c.leerlingzaken_org_id === 'lz-den-haag')!;
    const entries = (await gqlOk(t, { org: 'lz-den-haag', role: 'PROFESSIONAL' }, TIMELINE, { id: closed.pupil_id })).pupil.timeline.edges.map((e: any) => e.node);
    const outOfView = entries.filter((entry: any) => entry.kind === 'OUT_OF_VIEW');
    expect(outOfView.map((entry: any) => entry.action)).toEqual(['REPORTED', 'CASE_CLOSED']);
    expect(outOfView[0].organisation.id).toBe(closed.reporting_school_id);
    expect(outOfView[1]).toMatchObject({ status: 'REFERRED_TO_PARTNER', organisation: { id: 'lz-den-haag' }, referral: { id: closed.referral_id } });
  });

  it('shows nothing of it to a partner whose link does not cover SCHOOLING', async () => {
    // The police, party to a referral about a pupil who was out of view, may not read SCHOOLING.
    const linking = (r: (typeof region.referrals)[number]) =>
      OPEN_REFERRAL.has(r.status) || (['COMPLETED', 'FAILED'].includes(r.status) && r.closed_at!.getTime() > t.clock.now.getTime() - 90 * 24 * 3600_000);
    const policeReferral = region.referrals.find(
      (r) =>
        (r.receiver_org_id === 'politie-den-haag' || r.sender_org_id === 'politie-den-haag') &&
        linking(r) &&
        region.outOfViewCases.some((c) => c.pupil_id === r.pupil_id),
    );
    expect(policeReferral).toBeDefined();
    const pupil = (await gqlOk(t, { org: 'politie-den-haag', role: 'PROFESSIONAL' }, TIMELINE, { id: policeReferral!.pupil_id })).pupil;
    expect(pupil).not.toBeNull();
    const kinds = pupil.timeline.edges.map((e: any) => e.node.kind);
    expect(kinds).not.toContain('OUT_OF_VIEW');
    expect(kinds).not.toContain('CONTACT_ATTEMPT');
  });
});
