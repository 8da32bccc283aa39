import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPGlite, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import {
  DEMO_BASE_TIME,
  DEMO_ORGANISATIONS,
  generateDemoRegion,
  isSeeded,
  seedDemoRegion,
  type DemoReferralEvent,
  shiftDemoRegion,
} from '../src/demo/region.ts';
import { ageOn } from '../src/demo/random.ts';
import { deadlinesFor } from '../src/referrals/deadlines.ts';
import { seedScaleRegion } from '../src/demo/scale.ts';
import { SCRIPTED_CASES } from '../src/demo/out-of-view.ts';
import { RULES } from '../src/outreach/next-step.ts';
import { CASE_OUTCOMES } from '../src/policy/vocabulary.ts';
import { DATA_CATEGORIES, LEGAL_BASES, ORGANISATION_KINDS, REFERRAL_STATUSES, type ReferralStatus } from '../src/policy/vocabulary.ts';

const region = generateDemoRegion();
const base = new Date(DEMO_BASE_TIME);
const orgKind = new Map(region.organisations.map((org) => [org.id, org.kind]));
const pupilById = new Map(region.pupils.map((pupil) => [pupil.id, pupil]));

// Written out independently of the generator: the lifecycle from docs/domain.md.
const OPEN: readonly ReferralStatus[] = ['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'];
const TRANSITIONS: Record<string, { from: readonly (ReferralStatus | null)[]; to: ReferralStatus; bySender: boolean }> = {
  CREATE: { from: [null], to: 'REQUESTED', bySender: true },
  RECEIVE: { from: ['REQUESTED'], to: 'RECEIVED', bySender: false },
  ACCEPT: { from: ['RECEIVED'], to: 'ACCEPTED', bySender: false },
  REJECT: { from: ['RECEIVED'], to: 'REJECTED', bySender: false },
  START: { from: ['ACCEPTED'], to: 'IN_PROGRESS', bySender: false },
  PUT_ON_HOLD: { from: ['IN_PROGRESS'], to: 'ON_HOLD', bySender: false },
  RESUME: { from: ['ON_HOLD'], to: 'IN_PROGRESS', bySender: false },
  COMPLETE: { from: ['IN_PROGRESS'], to: 'COMPLETED', bySender: false },
  FAIL: { from: ['IN_PROGRESS', 'ON_HOLD'], to: 'FAILED', bySender: false },
  CANCEL: { from: OPEN, to: 'CANCELLED', bySender: true },
};
const REASON_REQUIRED = new Set(['REJECT', 'PUT_ON_HOLD', 'CANCEL', 'FAIL', 'COMPLETE']);

function elfproef(bsn: string): boolean {
  if (!/^[1-9]\d{8}$/.test(bsn)) return false;
  const digits = [...bsn].map(Number);
  const sum = digits.slice(0, 8).reduce((total, digit, i) => total + digit * (9 - i), 0) - (digits[8] as number);
  return sum % 11 === 0;
}

function eventsOf(referralId: string): DemoReferralEvent[] {
  return region.referralEvents.filter((event) => event.referral_id === referralId);
}

describe('generateDemoRegion', () => {
  it('is deterministic for a seed, and differs for another seed', () => {
    expect(generateDemoRegion()).toEqual(region);
    expect(generateDemoRegion(20200316)).toEqual(region);
    const other = generateDemoRegion(42);
    expect(other.pupils.map((pupil) => pupil.id)).not.toEqual(region.pupils.map((pupil) => pupil.id));
    expect(other.pupils).toHaveLength(200);
  });

  it('has 200 pupils aged 5 to 23 with UUID ids', () => {
    expect(region.pupils).toHaveLength(200);
    for (const pupil of region.pupils) {
      expect(pupil.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const age = ageOn(pupil.date_of_birth, base);
      expect(age).toBeGreaterThanOrEqual(5);
      expect(age).toBeLessThanOrEqual(23);
    }
    const ids = [...region.pupils, ...region.guardians, ...region.referrals, ...region.referralEvents, ...region.notes, ...region.contactAttempts].map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every pupil a unique BSN that passes the 11-proof', () => {
    const bsns = region.pupils.map((pupil) => pupil.bsn);
    for (const bsn of bsns) expect(elfproef(bsn), bsn).toBe(true);
    expect(new Set(bsns).size).toBe(bsns.length);
  });

  it('uses every letter language and 1–2 guardians per pupil', () => {
    expect(new Set(region.pupils.map((pupil) => pupil.letter_language))).toEqual(new Set(['nl', 'en', 'pl', 'tr', 'ar', 'bg']));
    for (const pupil of region.pupils) {
      const positions = region.guardians.filter((guardian) => guardian.pupil_id === pupil.id).map((guardian) => guardian.position);
      expect([[0], [0, 1]]).toContainEqual(positions);
    }
  });

  it('has every organisation kind with valid ids and the demo issuer', () => {
    expect(new Set(region.organisations.map((org) => org.kind))).toEqual(new Set(ORGANISATION_KINDS));
    for (const org of region.organisations) expect(org.id).toMatch(/^[a-z0-9][a-z0-9-]{1,62}$/);
    expect(region.organisations.filter((org) => org.kind === 'SCHOOL')).toHaveLength(5);
    expect(new Set(region.organisations.map((org) => org.issuer)).size).toBe(1);
    expect(region.organisations).toEqual(DEMO_ORGANISATIONS);
  });

  it('has about 15 Rijswijk residents at Den Haag schools, and a Rijswijk school of mostly Rijswijk pupils', () => {
    const crossing = region.pupils.filter((pupil) => pupil.municipality_code === 'GM0603' && orgMunicipality(pupil.school_id) === 'GM0518');
    expect(crossing.length).toBeGreaterThanOrEqual(12);
    expect(crossing.length).toBeLessThanOrEqual(18);
    const rijswijkSchool = region.pupils.filter((pupil) => orgMunicipality(pupil.school_id) === 'GM0603');
    const local = rijswijkSchool.filter((pupil) => pupil.municipality_code === 'GM0603');
    expect(local.length / rijswijkSchool.length).toBeGreaterThan(0.75);
  });

  it('has 30 missing pupils from its history plus one per scripted out-of-view case, absent before they were reported', () => {
    const missing = region.pupils.filter((pupil) => pupil.reported_missing_at);
    expect(missing).toHaveLength(30 + SCRIPTED_CASES.length);
    for (const pupil of missing) {
      expect(pupil.absent_since).not.toBeNull();
      expect(pupil.absent_since! < pupil.reported_missing_at!.toISOString().slice(0, 10)).toBe(true);
    }
  });

  it('covers every referral status at least twice (but a mistake, ENTERED_IN_ERROR, which lists leave out), both urgencies and every legal basis', () => {
    expect(region.referrals.length).toBeGreaterThanOrEqual(36);
    expect(region.referrals.length).toBeLessThanOrEqual(46);
    for (const status of REFERRAL_STATUSES.filter((status) => status !== 'ENTERED_IN_ERROR')) {
      expect(region.referrals.filter((referral) => referral.status === status).length, status).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(region.referrals.map((referral) => referral.urgency))).toEqual(new Set(['NORMAL', 'URGENT']));
    expect(new Set(region.referrals.map((referral) => referral.legal_basis))).toEqual(new Set(LEGAL_BASES));
  });

  it('fills referral fields consistently', () => {
    for (const referral of region.referrals) {
      expect(referral.sender_org_id).not.toBe(referral.receiver_org_id);
      expect(referral.shared_categories).toContain('IDENTITY');
      expect(referral.shared_categories).toContain('REFERRAL');
      for (const category of referral.shared_categories) expect(DATA_CATEGORIES).toContain(category);
      const kind = orgKind.get(referral.receiver_org_id);
      if (kind === 'SCHOOL_SOCIAL_WORK' || kind === 'CJG' || kind === 'VEILIG_THUIS' || kind === 'CRISIS_TEAM') {
        expect(referral.shared_categories).toContain('CARE');
      }
      if (kind === 'VEILIG_THUIS' || kind === 'POLICE' || kind === 'CRISIS_TEAM') expect(referral.shared_categories).toContain('SAFETY');
      const consent = referral.legal_basis === 'CONSENT';
      expect(referral.consent_given_by !== null).toBe(consent);
      expect(referral.consent_valid_from !== null).toBe(consent);
      expect(referral.consent_valid_until !== null).toBe(consent);
      // The hub's deadline rule: urgent 48 hours to decide; normal 5 working days (5 days at least;
      // the exact day is checked against the rule below).
      const hours = (referral.response_due_at.getTime() - referral.created_at.getTime()) / 3_600_000;
      if (referral.urgency === 'URGENT') expect(hours).toBe(48);
      else expect(hours).toBeGreaterThanOrEqual(5 * 24 - 1);
      const closed = ['REJECTED', 'COMPLETED', 'FAILED', 'CANCELLED'].includes(referral.status);
      expect(referral.closed_at !== null).toBe(closed);
      expect(referral.outcome !== null).toBe(referral.status === 'COMPLETED' || referral.status === 'FAILED');
    }
  });

  it('follows the hub\'s own rules: deadlines as createReferral sets them (an URGENT referral is due to be opened within 24 hours), and one that was opened says when', () => {
    const problems: string[] = [];
    for (const referral of [...region.referrals, ...shiftDemoRegion(region, new Date('2027-04-20T09:00:00Z')).referrals]) {
      const rule = deadlinesFor(referral.created_at, referral.urgency);
      if (referral.response_due_at.getTime() !== rule.decideBy.getTime()) problems.push(`${referral.id}: response_due_at ${referral.response_due_at.toISOString()}`);
      const receiveDueAt = (referral as { receive_due_at?: Date | null }).receive_due_at ?? null;
      const receivedAt = (referral as { received_at?: Date | null }).received_at ?? null;
      const expectedDue = referral.urgency === 'URGENT' ? referral.created_at.getTime() + 24 * 3_600_000 : null;
      if ((receiveDueAt?.getTime() ?? null) !== expectedDue) problems.push(`${referral.id} ${referral.urgency}: receive_due_at ${receiveDueAt?.toISOString()}`);
      const received = eventsOf(referral.id).find((event) => event.action === 'RECEIVE');
      const shifted = referral.created_at.getTime() - region.referrals.find((r) => r.id === referral.id)!.created_at.getTime();
      const expectedReceived = received ? received.occurred_at.getTime() + shifted : null;
      if ((receivedAt?.getTime() ?? null) !== expectedReceived) problems.push(`${referral.id}: received_at ${receivedAt?.toISOString()}, RECEIVE ${received?.occurred_at.toISOString()}`);
    }
    expect(problems).toEqual([]);
    // Both kinds are there to check.
    expect(region.referrals.filter((r) => r.urgency === 'URGENT').length).toBeGreaterThan(5);
    expect(region.referrals.filter((r) => eventsOf(r.id).some((e) => e.action === 'RECEIVE')).length).toBeGreaterThan(20);
  });

  it('gives every referral a legal path of events ending in its status, with version = event count', () => {
    for (const referral of region.referrals) {
      const events = eventsOf(referral.id);
      expect(referral.version).toBe(events.length);
      let status: ReferralStatus | null = null;
      let previous = 0;
      for (const event of events) {
        const transition = TRANSITIONS[event.action];
        expect(transition, event.action).toBeDefined();
        expect(transition!.from).toContain(status);
        expect(event.from_status).toBe(status);
        expect(event.to_status).toBe(transition!.to);
        expect(event.actor_org_id).toBe(transition!.bySender ? referral.sender_org_id : referral.receiver_org_id);
        expect(event.actor_subject).toBe(`demo-user-${event.actor_org_id}`);
        expect(['PROFESSIONAL', 'COORDINATOR']).toContain(event.actor_role);
        if (REASON_REQUIRED.has(event.action)) expect(event.reason).toBeTruthy();
        expect(event.occurred_at.getTime()).toBeGreaterThan(previous);
        expect(event.occurred_at.getTime()).toBeLessThanOrEqual(base.getTime());
        previous = event.occurred_at.getTime();
        status = event.to_status;
      }
      expect(status).toBe(referral.status);
    }
  });

  it('has hand-over chains in which the sender is the parent referral’s receiver', () => {
    const byId = new Map(region.referrals.map((referral) => [referral.id, referral]));
    const children = region.referrals.filter((referral) => referral.handed_over_from_id);
    expect(children.length).toBeGreaterThanOrEqual(2);
    for (const child of children) {
      const parent = byId.get(child.handed_over_from_id!);
      expect(parent).toBeDefined();
      expect(child.sender_org_id).toBe(parent!.receiver_org_id);
      expect(child.pupil_id).toBe(parent!.pupil_id);
      expect(child.created_at.getTime()).toBeGreaterThan(parent!.created_at.getTime());
    }
    // At least one chain of three: school -> Leerlingzaken -> partner -> partner.
    expect(children.some((child) => byId.get(child.handed_over_from_id!)?.handed_over_from_id)).toBe(true);
  });

  it('only lets organisations act on pupils they have a lawful link to', () => {
    const linked = (orgId: string, pupilId: string): boolean => {
      const pupil = pupilById.get(pupilId)!;
      const kind = orgKind.get(orgId);
      if (kind === 'LEERLINGZAKEN' && orgMunicipality(orgId) === pupil.municipality_code) return true;
      if (kind === 'SCHOOL' && pupil.school_id === orgId) return true;
      return region.referrals.some((r) => r.pupil_id === pupilId && (r.sender_org_id === orgId || r.receiver_org_id === orgId));
    };
    for (const referral of region.referrals) {
      const kind = orgKind.get(referral.sender_org_id);
      if (referral.handed_over_from_id) continue; // the sender received the parent
      const pupil = pupilById.get(referral.pupil_id)!;
      if (kind === 'SCHOOL') expect(pupil.school_id).toBe(referral.sender_org_id);
      else expect(orgMunicipality(referral.sender_org_id)).toBe(pupil.municipality_code);
    }
    for (const note of region.notes) {
      expect(linked(note.author_org_id, note.pupil_id)).toBe(true);
      if (note.referral_id) {
        const referral = region.referrals.find((r) => r.id === note.referral_id)!;
        expect([referral.sender_org_id, referral.receiver_org_id]).toContain(note.author_org_id);
      }
    }
    for (const attempt of region.contactAttempts) expect(linked(attempt.org_id, attempt.pupil_id)).toBe(true);
  });

  it('has about 60 notes and contact attempts for most missing pupils', () => {
    expect(region.notes.length).toBeGreaterThanOrEqual(50);
    expect(region.notes.length).toBeLessThanOrEqual(70);
    for (const note of region.notes) expect(['CARE', 'SAFETY', 'SCHOOLING', 'CONTACT']).toContain(note.category);
    const missing = region.pupils.filter((pupil) => pupil.reported_missing_at);
    const contacted = new Set(region.contactAttempts.map((attempt) => attempt.pupil_id));
    expect(missing.filter((pupil) => contacted.has(pupil.id)).length).toBeGreaterThan(missing.length / 2);
    const allowed: Record<string, string[]> = {
      PHONE: ['REACHED', 'NO_ANSWER', 'WRONG_NUMBER', 'NO_NUMBER'],
      LETTER: ['SENT'],
      DOOR_VISIT: ['CONTACT_MADE', 'NOBODY_HOME'],
      NOTE_LEFT: ['LEFT'],
    };
    for (const attempt of region.contactAttempts) {
      expect(allowed[attempt.kind]).toContain(attempt.outcome);
      const pupil = pupilById.get(attempt.pupil_id)!;
      expect(pupil.reported_missing_at).not.toBeNull();
      expect(attempt.letter_language).toBe(attempt.kind === 'LETTER' ? pupil.letter_language : null);
    }
  });
});

describe('the demo region\'s pupils out of view', () => {
  const cases = region.outOfViewCases;
  it('has one case per pupil reported missing, at the Leerlingzaken of the pupil\'s home municipality', () => {
    const missing = region.pupils.filter((pupil) => pupil.reported_missing_at);
    expect(cases.map((found) => found.pupil_id).sort()).toEqual(missing.map((pupil) => pupil.id).sort());
    for (const found of cases) {
      const pupil = pupilById.get(found.pupil_id)!;
      const home = region.organisations.find((org) => org.kind === 'LEERLINGZAKEN' && org.municipality_code === pupil.municipality_code)!;
      expect(found.leerlingzaken_org_id).toBe(home.id);
      expect(found.reporting_school_id).toBe(pupil.school_id);
      expect(region.outOfViewReports.filter((report) => report.case_id === found.id).length).toBeGreaterThanOrEqual(1);
    }
  });

  it('has open cases at every step of the rule table, some overdue, and closed cases with every outcome', () => {
    const open = cases.filter((found) => found.status === 'OPEN');
    for (const rule of RULES) expect(open.some((found) => found.next_step_rule === rule.id), rule.id).toBe(true);
    expect(open.some((found) => found.next_step_due_at! < base)).toBe(true);
    expect(open.some((found) => found.next_step_due_at! > base)).toBe(true);
    const closed = cases.filter((found) => found.status === 'CLOSED');
    for (const outcome of CASE_OUTCOMES) expect(closed.some((found) => found.outcome === outcome), outcome).toBe(true);
    for (const found of closed.filter((c) => c.outcome === 'REFERRED_TO_PARTNER')) {
      const referral = region.referrals.find((r) => r.id === found.referral_id)!;
      expect(referral.pupil_id).toBe(found.pupil_id);
      expect(referral.sender_org_id).toBe(found.leerlingzaken_org_id);
    }
  });

  it('has a case reported by a Den Haag school of a pupil living in Rijswijk, held by Rijswijk', () => {
    const crossing = cases.filter((found) => found.leerlingzaken_org_id === 'lz-rijswijk' && orgMunicipality(found.reporting_school_id) === 'GM0518');
    expect(crossing.length).toBeGreaterThanOrEqual(1);
  });

  it('puts each attempt of a case in that case, after it opened', () => {
    for (const attempt of region.contactAttempts.filter((a) => a.case_id)) {
      const found = cases.find((c) => c.id === attempt.case_id)!;
      expect(found.pupil_id).toBe(attempt.pupil_id);
      expect(attempt.occurred_at.getTime()).toBeGreaterThanOrEqual(found.opened_at.getTime());
    }
  });
});

function orgMunicipality(orgId: string): string | undefined {
  return region.organisations.find((org) => org.id === orgId)?.municipality_code;
}

describe('seeding PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openPGlite();
    await migrate(database);
  });
  afterAll(async () => {
    await database?.close();
  });

  async function count(table: 'municipalities' | 'organisations' | 'pupils' | 'guardians' | 'referrals' | 'referral_events' | 'notes' | 'contact_attempts') {
    const row = await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('seeds the demo region in one go', async () => {
    expect(await isSeeded(database)).toBe(false);
    expect(await seedDemoRegion(database)).toEqual({ pupils: 200, referrals: region.referrals.length });
    expect(await isSeeded(database)).toBe(true);
    expect(await count('municipalities')).toBe(2);
    expect(await count('organisations')).toBe(region.organisations.length);
    expect(await count('pupils')).toBe(200);
    expect(await count('guardians')).toBe(region.guardians.length);
    expect(await count('referrals')).toBe(region.referrals.length);
    expect(await count('referral_events')).toBe(region.referralEvents.length);
    expect(await count('notes')).toBe(region.notes.length);
    expect(await count('contact_attempts')).toBe(region.contactAttempts.length);
    const stored = await database.db.selectFrom('referrals').select(['shared_categories']).where('id', '=', region.referrals[0]!.id).executeTakeFirstOrThrow();
    expect(stored.shared_categories).toEqual(region.referrals[0]!.shared_categories);
  });

  it('adds a region-scale data set on top without collisions', async () => {
    const messages: string[] = [];
    const result = await seedScaleRegion(database, { pupils: 2000, schools: 20, onProgress: (message) => messages.push(message) });
    expect(result.pupils).toBe(2000);
    expect(result.schools).toBe(20);
    expect(messages.length).toBeGreaterThan(0);
    expect(await count('pupils')).toBe(2200);
    expect(await count('organisations')).toBe(region.organisations.length + 20);
    expect(await count('guardians')).toBe(region.guardians.length + result.guardians);
    expect(await count('referrals')).toBe(region.referrals.length + result.referrals);
    expect(await count('referral_events')).toBe(region.referralEvents.length + result.referralEvents);
    expect(await count('contact_attempts')).toBe(region.contactAttempts.length + result.contactAttempts);
    expect(result.referrals).toBeGreaterThan(350);
    expect(result.referrals).toBeLessThan(650);
    const sample = await database.db.selectFrom('pupils').select(['bsn']).where('school_id', 'like', 'scale-school-%').limit(200).execute();
    for (const { bsn } of sample) expect(elfproef(bsn!)).toBe(true);
    // Every referral's version matches its events, also at scale.
    const mismatched = await database.db
      .selectFrom('referrals as r')
      .select('r.id')
      .where((eb) => eb(eb.selectFrom('referral_events as e').select((e) => e.fn.countAll().as('n')).whereRef('e.referral_id', '=', 'r.id'), '<>', eb.ref('r.version')))
      .execute();
    expect(mismatched).toEqual([]);
  });

  it('stores every seeded referral, the region-scale ones too, with the hub\'s receive deadline and the moment it was opened', async () => {
    const referrals = await database.db.selectFrom('referrals').select(['id', 'urgency', 'created_at', 'response_due_at', 'receive_due_at', 'received_at']).execute();
    const opened = new Map(
      (await database.db.selectFrom('referral_events').select(['referral_id', 'occurred_at']).where('action', '=', 'RECEIVE').execute()).map((e) => [
        e.referral_id,
        new Date(e.occurred_at).getTime(),
      ]),
    );
    expect(referrals.length).toBeGreaterThan(region.referrals.length);
    const problems = referrals.flatMap((r) => {
      const due = r.receive_due_at ? new Date(r.receive_due_at).getTime() : null;
      const received = r.received_at ? new Date(r.received_at).getTime() : null;
      const expectedDue = r.urgency === 'URGENT' ? new Date(r.created_at).getTime() + 24 * 3_600_000 : null;
      const decideBy = deadlinesFor(new Date(r.created_at), r.urgency as 'URGENT' | 'NORMAL').decideBy.getTime();
      return [
        ...(due !== expectedDue ? [`${r.id} receive_due_at`] : []),
        ...(received !== (opened.get(r.id) ?? null) ? [`${r.id} received_at`] : []),
        ...(new Date(r.response_due_at!).getTime() !== decideBy ? [`${r.id} response_due_at`] : []),
      ];
    });
    expect(problems).toEqual([]);
  });
});

describe('shiftDemoRegion', () => {
  it('moves every moment and date by whole days, so the demo is current when seeded today', () => {
    const base = DEMO_BASE_TIME;
    const region = generateDemoRegion();
    const now = new Date(new Date(base).getTime() + 100 * 24 * 3600_000 + 5 * 3600_000);
    const shifted = shiftDemoRegion(region, now);
    const day = 24 * 3600_000;
    const r0 = region.referrals[0]!;
    const s0 = shifted.referrals[0]!;
    expect(new Date(s0.created_at).getTime() - new Date(r0.created_at).getTime()).toBe(100 * day);
    expect(shifted.pupils[0]!.date_of_birth).toBe(new Date(new Date(`${region.pupils[0]!.date_of_birth}T00:00:00Z`).getTime() + 100 * day).toISOString().slice(0, 10));
    expect(shifted.pupils[0]!.id).toBe(region.pupils[0]!.id);
    expect(shifted.pupils[0]!.bsn).toBe(region.pupils[0]!.bsn);
    // Nothing lies after the new "now".
    for (const event of shifted.referralEvents) expect(new Date(event.occurred_at).getTime()).toBeLessThanOrEqual(now.getTime());
    expect(shiftDemoRegion(region, new Date(base))).toBe(region);
  });
});
