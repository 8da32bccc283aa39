// A full chain about one Den Haag pupil at Daltonschool Laakkwartier: school → Leerlingzaken →
// school social work → (hand-over) CJG, checked from every organisation's view, then the
// coordinating role, then a secret Veilig Thuis involvement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixturePupil } from './helpers/fixtures-policy.ts';
import { FixtureBuilder } from './helpers/fixtures-policy.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import {
  act,
  actOk,
  CJG,
  CONSENT,
  createReferral,
  gqlBody,
  gqlOk,
  LZ,
  NO_RATE_LIMITS,
  POLITIE,
  SCHOOL,
  SMW,
  VT,
  type As,
  type RefState,
} from './helpers/referrals.ts';

let t: TestHub;
let pupil: FixturePupil;
let r1: RefState; // school → lz (LEERPLICHTWET)
let r2: RefState; // lz → smw (CONSENT)
let r3: RefState; // smw → cjg (hand-over of r2)
let r4: RefState; // smw → veilig thuis (secret)
let careNoteWritten = false;

beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
  const b = new FixtureBuilder('Keten', 70_000);
  pupil = b.pupil({ municipality: 'GM0518', schoolId: 'school-dalton-laak' });
  b.attempt(pupil, 'lz-den-haag', 'PHONE', 'NO_ANSWER');
  await b.flush(t.database.db);
});
afterAll(async () => {
  await t.close();
});

const ids = (list: Array<{ id: string }>) => list.map((x) => x.id).sort();

const REFERRALS = `{ referrals(first: 100) { totalCount edges { node { id } } } }`;
async function myReferralIds(who: As): Promise<{ total: number; ids: string[] }> {
  const data = await gqlOk(t, who, REFERRALS);
  return { total: data.referrals.totalCount, ids: data.referrals.edges.map((e: any) => e.node.id) };
}
const chainIds = () => [r1, r2, r3, r4].filter(Boolean).map((r) => r.id);
const mine = async (who: As) => (await myReferralIds(who)).ids.filter((id) => chainIds().includes(id)).sort();

const TIMELINE = `query($id: ID!) { pupil(id: $id) {
  timeline(first: 100) { totalCount edges { node { kind action status organisation { id } text referral { id } } } }
} }`;
const INVOLVEMENT = `query($id: ID!) { pupil(id: $id) {
  involvement { organisation { id } coordinating }
  pendingCoordinationTransfer { id from { id } to { id } status }
} }`;

async function timeline(who: As) {
  const data = await gqlOk(t, who, TIMELINE, { id: pupil.id });
  return data.pupil.timeline as { totalCount: number; edges: Array<{ node: any }> };
}
async function involvement(who: As) {
  return (await gqlOk(t, who, INVOLVEMENT, { id: pupil.id })).pupil as {
    involvement: Array<{ organisation: { id: string }; coordinating: boolean }>;
    pendingCoordinationTransfer: any;
  };
}

describe('the chain', () => {
  it('school → Leerlingzaken on the Leerplichtwet; Leerlingzaken accepts and starts', async () => {
    r1 = await createReferral(t, SCHOOL, {
      pupilId: pupil.id,
      receiverId: 'lz-den-haag',
      reason: 'Leerling sinds februari niet op school, ouders onbereikbaar',
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS'],
      legalBasis: 'LEERPLICHTWET',
    });
    await actOk(t, LZ, 'ACCEPT', r1);
    await actOk(t, LZ, 'START', r1);
    expect(r1).toMatchObject({ status: 'IN_PROGRESS', version: 4 });
  });

  it('Leerlingzaken → school social work on consent; SMW accepts', async () => {
    r2 = await createReferral(t, LZ, {
      pupilId: pupil.id,
      receiverId: 'smw-den-haag',
      reason: 'Gezin heeft hulp nodig bij schoolgang',
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS'],
      legalBasis: 'CONSENT',
      consent: CONSENT,
    });
    const consent = (await gqlOk(t, LZ, 'query($id: ID!) { referral(id: $id) { consent { givenBy validFrom validUntil revokedAt } } }', { id: r2.id })).referral.consent;
    expect(consent).toEqual({ ...CONSENT, revokedAt: null });
    await actOk(t, SMW, 'ACCEPT', r2);
    expect(r2.status).toBe('ACCEPTED');
  });

  // Leerlingzaken cannot share CARE (it may not read it), but school social work keeps its own care
  // notes about a pupil it works with: sharing limits what flows in, not what it records.
  it('SMW adds a CARE note in the referral', async () => {
    const body = await gqlBody(t, SMW, 'mutation($input: AddNoteInput!) { addNote(input: $input) { id category referral { id } } }', {
      input: { pupilId: pupil.id, referralId: r2.id, category: 'CARE', body: 'Moeder overbelast; gesprek gepland' },
    });
    expect(body.errors).toBeUndefined();
    careNoteWritten = true;
    expect(body.data.addNote).toMatchObject({ category: 'CARE', referral: { id: r2.id } });
  });

  it('SMW hands the work over to the CJG', async () => {
    const body = await act(t, SMW, 'HAND_OVER', r2, {
      receiverId: 'cjg-den-haag',
      reason: 'Opvoedondersteuning door het CJG',
      sharedCategories: careNoteWritten ? ['IDENTITY', 'CONTACT', 'CARE'] : ['IDENTITY', 'CONTACT'],
      legalBasis: 'JEUGDWET',
    });
    expect(body.errors).toBeUndefined();
    r3 = { id: body.data.result.id, status: 'REQUESTED', version: 1, pupilId: pupil.id };
    expect(body.data.result.handedOverFrom).toEqual({ id: r2.id });
    const original = (await gqlOk(t, SMW, 'query($id: ID!) { referral(id: $id) { status outcome outcomeSuccessful handedOverTo { id } } }', { id: r2.id })).referral;
    // No outcome text names the new receiver: SMW, party to the new referral, finds it through handedOverTo.
    expect(original).toEqual({ status: 'COMPLETED', outcome: null, outcomeSuccessful: true, handedOverTo: [{ id: r3.id }] });
    // Leerlingzaken, which sent r2 but is no party to r3, reads neither the new receiver nor the
    // hand-over's reason (the content of r3).
    const asSender = (
      await gqlOk(t, LZ, 'query($id: ID!) { referral(id: $id) { status outcome handedOverTo { id } events { action reason } } }', { id: r2.id })
    ).referral;
    expect(asSender).toMatchObject({ status: 'COMPLETED', outcome: null, handedOverTo: [] });
    expect(asSender.events.filter((e: any) => e.action === 'HAND_OVER')).toEqual([{ action: 'HAND_OVER', reason: null }]);
    expect(JSON.stringify(asSender)).not.toContain('cjg-den-haag');
    const asReceiver = (await gqlOk(t, SMW, 'query($id: ID!) { referral(id: $id) { events { action reason } } }', { id: r2.id })).referral;
    expect(asReceiver.events.filter((e: any) => e.action === 'HAND_OVER')).toEqual([{ action: 'HAND_OVER', reason: 'Opvoedondersteuning door het CJG' }]);
  });
});

describe('each organisation’s view', () => {
  it('referrals: each sees exactly the ones it is party to; the police sees none', async () => {
    expect(await mine(SCHOOL)).toEqual([r1.id].sort());
    expect(await mine(LZ)).toEqual([r1.id, r2.id].sort());
    expect(await mine(SMW)).toEqual([r2.id, r3.id].sort());
    expect(await mine(CJG)).toEqual([r3.id]);
    expect(await mine(POLITIE)).toEqual([]);
    for (const ref of [r1, r2, r3]) {
      const body = await gqlBody(t, POLITIE, 'query($id: ID!) { referral(id: $id) { id } node(id: $id) { id } }', { id: ref.id });
      expect(body.data).toEqual({ referral: null, node: null });
    }
    expect((await gqlBody(t, POLITIE, 'query($id: ID!) { pupil(id: $id) { id } }', { id: pupil.id })).data).toEqual({ pupil: null });
    // referral(id:) of a referral one is not party to
    expect((await gqlOk(t, SCHOOL, 'query($id: ID!) { referral(id: $id) { id } }', { id: r2.id })).referral).toBeNull();
    expect((await gqlOk(t, CJG, 'query($id: ID!) { referral(id: $id) { id } }', { id: r2.id })).referral).toBeNull();
    expect((await gqlOk(t, LZ, 'query($id: ID!) { referral(id: $id) { id } }', { id: r3.id })).referral).toBeNull();
  });

  it('handedOverFrom / handedOverTo show only when the caller is party to the linked referral', async () => {
    const Q = 'query($id: ID!) { referral(id: $id) { id handedOverFrom { id } handedOverTo { id } } }';
    expect((await gqlOk(t, SMW, Q, { id: r3.id })).referral).toEqual({ id: r3.id, handedOverFrom: { id: r2.id }, handedOverTo: [] });
    expect((await gqlOk(t, SMW, Q, { id: r2.id })).referral).toEqual({ id: r2.id, handedOverFrom: null, handedOverTo: [{ id: r3.id }] });
    expect((await gqlOk(t, CJG, Q, { id: r3.id })).referral).toEqual({ id: r3.id, handedOverFrom: null, handedOverTo: [] });
    expect((await gqlOk(t, LZ, Q, { id: r2.id })).referral).toEqual({ id: r2.id, handedOverFrom: null, handedOverTo: [] });
  });

  it('pupil fields: what each organisation gets', async () => {
    const FULL = 'query($id: ID!) { pupil(id: $id) { visibleCategories displayName bsn phone grade contactAttempts { totalCount } } }';
    for (const who of [SCHOOL, LZ]) {
      const p = (await gqlOk(t, who, FULL, { id: pupil.id })).pupil;
      expect(p, who.org).toMatchObject({ bsn: pupil.bsn, grade: pupil.grade, contactAttempts: { totalCount: 1 } });
      expect(p.visibleCategories).toEqual(['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL']);
    }
    const smw = (await gqlOk(t, SMW, 'query($id: ID!) { pupil(id: $id) { visibleCategories displayName phone grade contactAttempts { totalCount } } }', { id: pupil.id })).pupil;
    expect(smw.visibleCategories).toEqual(['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', ...(careNoteWritten ? ['CARE'] : [])]);
    expect(smw).toMatchObject({ grade: pupil.grade, contactAttempts: { totalCount: 1 } });
    // CJG: only what the hand-over shares (not SCHOOLING), and never the BSN.
    const cjg = await gqlBody(t, CJG, 'query($id: ID!) { pupil(id: $id) { visibleCategories displayName phone grade } }', { id: pupil.id });
    expect(cjg.data.pupil).toMatchObject({ displayName: expect.stringContaining(pupil.familyName), grade: null });
    expect(cjg.data.pupil.visibleCategories).toEqual(['IDENTITY', 'CONTACT', 'REFERRAL', ...(careNoteWritten ? ['CARE'] : [])]);
    expect(cjg.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const bsn = await gqlBody(t, CJG, 'query($id: ID!) { pupil(id: $id) { bsn } }', { id: pupil.id });
    expect(bsn.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(bsn.data ?? null).toBeNull();
  });

  it('timeline: events of referrals it is party to, readable notes, contact attempts only where readable', async () => {
    const events = async (who: As) =>
      (await timeline(who)).edges
        .map((e) => e.node)
        .filter((n) => n.kind === 'REFERRAL_EVENT')
        .map((n) => `${n.referral.id === r1.id ? 'r1' : n.referral.id === r2.id ? 'r2' : n.referral.id === r3.id ? 'r3' : 'other'}:${n.action}`);
    expect(await events(SCHOOL)).toEqual(['r1:CREATE', 'r1:RECEIVE', 'r1:ACCEPT', 'r1:START']);
    expect(await events(LZ)).toEqual(['r1:CREATE', 'r1:RECEIVE', 'r1:ACCEPT', 'r1:START', 'r2:CREATE', 'r2:RECEIVE', 'r2:ACCEPT', 'r2:HAND_OVER']);
    // CJG opened r3 by id above, which marked it received.
    expect(await events(SMW)).toEqual(['r2:CREATE', 'r2:RECEIVE', 'r2:ACCEPT', 'r2:HAND_OVER', 'r3:CREATE', 'r3:RECEIVE']);
    expect(await events(CJG)).toEqual(['r3:CREATE', 'r3:RECEIVE']);
    const kinds = async (who: As) => (await timeline(who)).edges.map((e) => e.node.kind);
    for (const who of [SCHOOL, LZ, SMW]) expect((await kinds(who)).filter((k) => k === 'CONTACT_ATTEMPT'), who.org).toHaveLength(1);
    expect((await kinds(CJG)).filter((k) => k === 'CONTACT_ATTEMPT')).toHaveLength(0);
    const notes = async (who: As) => (await timeline(who)).edges.filter((e) => e.node.kind === 'NOTE').map((e) => e.node.action);
    expect(await notes(SCHOOL)).toEqual([]);
    expect(await notes(LZ)).toEqual([]);
    expect(await notes(SMW)).toEqual(careNoteWritten ? ['CARE'] : []);
    // CJG is not party to the referral the note was written in.
    expect(await notes(CJG)).toEqual([]);
    expect(await gqlBody(t, POLITIE, TIMELINE, { id: pupil.id })).toMatchObject({ data: { pupil: null } });
  });

  it('involvement: every organisation with an open referral, exactly one coordinating', async () => {
    // Open: r1 (school → lz) and r3 (smw → cjg); r2 is completed.
    for (const who of [SCHOOL, LZ, SMW, CJG]) {
      const { involvement: inv } = await involvement(who);
      expect(inv.map((i) => i.organisation.id).sort(), who.org).toEqual(['cjg-den-haag', 'lz-den-haag', 'school-dalton-laak', 'smw-den-haag']);
      expect(inv.filter((i) => i.coordinating).map((i) => i.organisation.id), who.org).toEqual(['school-dalton-laak']);
    }
  });
});

describe('the coordinating role', () => {
  const PROPOSE = 'mutation($input: ProposeCoordinationInput!) { proposeCoordinationTransfer(input: $input) { id status from { id } to { id } } }';
  const RESPOND = 'mutation($input: RespondToCoordinationInput!) { respondToCoordinationTransfer(input: $input) { id status decidedAt } }';

  it('a non-coordinator’s proposal is refused', async () => {
    const body = await gqlBody(t, SMW, PROPOSE, { input: { pupilId: pupil.id, toOrganisationId: 'cjg-den-haag' } });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/coordinating role/);
  });

  it('the coordinator hands it to Leerlingzaken, which accepts; involvement shows the new coordinator', async () => {
    const proposed = (await gqlOk(t, SCHOOL, PROPOSE, { input: { pupilId: pupil.id, toOrganisationId: 'lz-den-haag' } })).proposeCoordinationTransfer;
    expect(proposed).toMatchObject({ status: 'PROPOSED', from: { id: 'school-dalton-laak' }, to: { id: 'lz-den-haag' } });
    expect((await involvement(LZ)).pendingCoordinationTransfer).toMatchObject({ id: proposed.id, status: 'PROPOSED' });
    expect((await involvement(SMW)).pendingCoordinationTransfer).toBeNull();
    // Only the organisation it was proposed to can answer.
    expect((await gqlBody(t, SMW, RESPOND, { input: { transferId: proposed.id, accept: true } })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const accepted = (await gqlOk(t, LZ, RESPOND, { input: { transferId: proposed.id, accept: true } })).respondToCoordinationTransfer;
    expect(accepted).toMatchObject({ id: proposed.id, status: 'ACCEPTED' });
    for (const who of [SCHOOL, LZ, SMW, CJG]) {
      const view = await involvement(who);
      expect(view.involvement.filter((i) => i.coordinating).map((i) => i.organisation.id), who.org).toEqual(['lz-den-haag']);
      expect(view.pendingCoordinationTransfer).toBeNull();
    }
    // The old coordinator can no longer hand it over.
    expect((await gqlBody(t, SCHOOL, PROPOSE, { input: { pupilId: pupil.id, toOrganisationId: 'smw-den-haag' } })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a second open proposal is a CONFLICT', async () => {
    const first = (await gqlOk(t, LZ, PROPOSE, { input: { pupilId: pupil.id, toOrganisationId: 'smw-den-haag' } })).proposeCoordinationTransfer;
    expect(first.status).toBe('PROPOSED');
    const second = await gqlBody(t, LZ, PROPOSE, { input: { pupilId: pupil.id, toOrganisationId: 'cjg-den-haag' } });
    expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await gqlOk(t, SMW, RESPOND, { input: { transferId: first.id, accept: false } })).respondToCoordinationTransfer.status).toBe('DECLINED');
    expect((await involvement(SMW)).involvement.find((i) => i.coordinating)?.organisation.id).toBe('lz-den-haag');
  });
});

describe('secret involvement: SMW → Veilig Thuis', () => {
  let before: Record<string, { total: number; pupilReferrals: number; timeline: number }>;
  const counts = async (who: As) => ({
    total: (await myReferralIds(who)).total,
    pupilReferrals: (await gqlOk(t, who, 'query($id: ID!) { pupil(id: $id) { referrals { totalCount } } }', { id: pupil.id })).pupil.referrals.totalCount,
    timeline: (await timeline(who)).totalCount,
  });

  beforeAll(async () => {
    before = { school: await counts(SCHOOL), lz: await counts(LZ) };
    r4 = await createReferral(t, SMW, {
      pupilId: pupil.id,
      receiverId: 'veilig-thuis-haaglanden',
      reason: 'Zorgen over de veiligheid thuis',
      urgency: 'URGENT',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      legalBasis: 'MELDCODE',
    });
    await actOk(t, VT, 'ACCEPT', r4);
  });

  it('Leerlingzaken and the school do not see Veilig Thuis: not in involvement, timelines or any count', async () => {
    for (const [key, who] of [['school', SCHOOL], ['lz', LZ]] as const) {
      const inv = (await involvement(who)).involvement.map((i) => i.organisation.id);
      expect(inv, who.org).not.toContain('veilig-thuis-haaglanden');
      expect(inv.sort(), who.org).toEqual(['cjg-den-haag', 'lz-den-haag', 'school-dalton-laak', 'smw-den-haag']);
      const entries = (await timeline(who)).edges.map((e) => e.node);
      expect(entries.filter((n) => n.organisation.id === 'veilig-thuis-haaglanden' || n.referral?.id === r4.id), who.org).toEqual([]);
      expect(JSON.stringify(entries)).not.toContain('Veiligheid');
      expect(await counts(who), who.org).toEqual(before[key]);
      expect((await gqlOk(t, who, 'query($id: ID!) { referral(id: $id) { id } }', { id: r4.id })).referral).toBeNull();
    }
  });

  it('SMW and Veilig Thuis do see it', async () => {
    for (const who of [SMW, VT]) {
      const inv = (await involvement(who)).involvement.map((i) => i.organisation.id);
      expect(inv, who.org).toContain('veilig-thuis-haaglanden');
      expect(inv.filter((id) => id === 'veilig-thuis-haaglanden')).toHaveLength(1);
      const events = (await timeline(who)).edges.map((e) => e.node).filter((n) => n.referral?.id === r4.id);
      expect(events.map((n) => n.action), who.org).toEqual(['CREATE', 'RECEIVE', 'ACCEPT']);
    }
    expect(await mine(VT)).toEqual([r4.id]);
    expect((await mine(SMW)).sort()).toEqual([r2.id, r3.id, r4.id].sort());
  });
});
