// Answering an inzageverzoek (AVG art. 15) through the API: the export of one pupil compared with an
// expectation written out by hand; Veilig Thuis left out while its investigation runs (and only then);
// employee names only with the privacy officer's consent; who may export; the EXPORT record; the PDF.
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RANDOM_UUID } from './helpers/fixtures-policy.ts';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlBody, gqlOk, newPupil, NO_RATE_LIMITS, type As } from './helpers/referrals.ts';
import { ALLOW, answerOf, CORRECT, errorOf, EXPORT, insertPupil, logRecords, RESTRICT, validBsn, who, type KnownPupil } from './helpers/rights.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const LZ = who('lz-den-haag', 'PROFESSIONAL', 'k.demir@lz-den-haag');
const LZ_COORD = who('lz-den-haag', 'COORDINATOR', 'm.bakker@lz-den-haag');
const LZ_PRIVACY = who('lz-den-haag', 'PRIVACY_OFFICER', 'fg@lz-den-haag');
const SMW = who('smw-den-haag', 'PROFESSIONAL', 'j.pinas@smw-den-haag');
const VT = who('veilig-thuis-haaglanden', 'PROFESSIONAL', 'r.hoekstra@veilig-thuis-haaglanden');

// The organisations as the seeded registry has them (src/demo/region.ts), written out.
const LZ_ORG = { id: 'lz-den-haag', name: 'Leerlingzaken Den Haag', kind: 'LEERLINGZAKEN', contactPhone: '070-5550100', contactEmail: 'leerlingzaken@denhaag.example' };
const DALTON_ORG = { id: 'school-dalton-laak', name: 'Daltonschool Laakkwartier', kind: 'SCHOOL', contactPhone: '070-5551110', contactEmail: 'administratie@dalton-laak.example' };
const SMW_ORG = { id: 'smw-den-haag', name: 'Schoolmaatschappelijk Werk Den Haag', kind: 'SCHOOL_SOCIAL_WORK', contactPhone: '070-5550300', contactEmail: 'smw@smw-denhaag.example' };
const VT_ORG = { id: 'veilig-thuis-haaglanden', name: 'Veilig Thuis Haaglanden', kind: 'VEILIG_THUIS', contactPhone: '070-5550600', contactEmail: 'advies@veiligthuis-haaglanden.example' };

// The register's purposes, as a Dutch export names them (name and version).
const LEERPLICHT = 'Verzuim en leerplicht (leerplicht en RMC) (v1)';
const KETEN = 'Verwijzing tussen ketenpartners (v1)';
const VEILIGHEID = 'Zorgen over veiligheid (meldcode, politie, crisisinterventie) (v1)';
const TOEZICHT = 'Toezicht door de functionaris gegevensbescherming; inzage (v1)';

// What the family reads of the Meldcode exception: a neutral ground, never the entry or Veilig Thuis.
const MELDCODE_EXCEPTION_NL = {
  legalBasis: 'Artikel 41 lid 1 Uitvoeringswet AVG (bescherming van anderen en van de uitvoering van een wettelijke taak)',
  description: 'Sommige gegevens zijn niet opgenomen omdat de wet dat op dit moment vraagt. U kunt later opnieuw inzage vragen.',
};
const MELDCODE_EXCEPTION_EN = {
  legalBasis: 'Article 41(1) of the Dutch GDPR Implementation Act (protection of others and of a statutory task)',
  description: 'Some information is not included because the law requires this at present. You may ask again later.',
};
// What the officer is told (exceptionsApplied): the register entry and its full ground.
const MELDCODE_FOR_OFFICER = 'veiligheid-meldcode v1: UAVG art. 41(1)(c, h) and Wmo 2015 art. 5.2.4: a running Veilig Thuis investigation';

const SMW_REASON = 'Noor is sinds februari niet op school; moeder vraagt om steun';
const VT_REASON = 'Zorgen over de veiligheid thuis na gesprek met mentor';
const CARE_NOTE = 'Huisbezoek: moeder is overbelast, Noor slaapt slecht.';
const SAFETY_NOTE = 'Onderzoek gestart na melding; kind gesproken op school.';

let t: TestHub;
let scenarios = 0;

beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.clock.now = DEMO_NOW;
});

const TRANSITIONS = {
  RECEIVE: ['receiveReferral', 'ReferralActionInput', {}],
  ACCEPT: ['acceptReferral', 'ReferralActionInput', {}],
  START: ['startReferral', 'ReferralActionInput', {}],
  COMPLETE: ['completeReferral', 'CompleteReferralInput', { successful: true, outcome: 'Onderzoek afgerond; hulp thuis loopt via het wijkteam' }],
} as const;

/** One referral action, selecting nothing but the id (so the log holds the change and nothing else). */
async function transition(as: As, referralId: string, action: keyof typeof TRANSITIONS) {
  const [mutation, input, extra] = TRANSITIONS[action];
  const { version } = await t.database.db.selectFrom('referrals').select('version').where('id', '=', referralId).executeTakeFirstOrThrow();
  await gqlOk(t, as, `mutation($input: ${input}!) { r: ${mutation}(input: $input) { id } }`, { input: { referralId, version, ...extra } });
}

interface Scenario {
  pupil: KnownPupil;
  smwReferral: string;
  vtReferral: string;
  at: (minutes: number) => Date;
  iso: (minutes: number) => string;
}

/**
 * A demo-like pupil, built step by step with the clock set for each step:
 *   +0  Leerlingzaken refers to school social work on consent; +5/6/7 SMW receives, accepts, starts;
 *   +10 SMW writes a CARE note in it; +15 a letter by Leerlingzaken (inserted);
 *   +20 Leerlingzaken refers to Veilig Thuis (Meldcode); +25/26/27 VT receives, accepts, starts;
 *   +30 VT writes a SAFETY note in it; +32 a phone call by VT (inserted);
 *   +40 Leerlingzaken corrects the phone number; +50/51/52 LZ, SMW and VT read the pupil.
 */
async function scenario(): Promise<Scenario> {
  const base = new Date(DEMO_NOW.getTime() + ++scenarios * 2 * 60 * MINUTE);
  const at = (minutes: number) => new Date(base.getTime() + minutes * MINUTE);
  const iso = (minutes: number) => at(minutes).toISOString();
  const db = t.database.db;
  const pupil = await insertPupil(
    db,
    {
      given_name: 'Noor',
      family_name_prefix: 'van',
      family_name: 'Dijk',
      date_of_birth: '2013-04-09',
      municipality_code: 'GM0518',
      bsn: validBsn(5000 + scenarios),
      street: 'Hoefkade',
      house_number: '112b',
      postal_code: '2526 BK',
      city: 'Den Haag',
      phone: '06-12345678',
      letter_language: 'nl',
      school_id: 'school-dalton-laak',
      grade: 'groep 6',
      absent_since: '2026-02-09',
      reported_missing_at: new Date('2026-02-23T08:15:00.000Z'),
    },
    new Date(DEMO_NOW.getTime() - 60 * DAY),
  );
  await db
    .insertInto('guardians')
    .values({ id: crypto.randomUUID(), pupil_id: pupil.id, name: 'Samira van Dijk', relation: 'PARENT', phone: '06-87654321', email: 'samira.vandijk@example.nl', position: 0 })
    .execute();

  t.clock.now = at(0);
  const smw = await gqlOk(t, LZ, `mutation($input: CreateReferralInput!) { createReferral(input: $input) { id } }`, {
    input: {
      pupilId: pupil.id,
      receiverId: 'smw-den-haag',
      reason: SMW_REASON,
      urgency: 'NORMAL',
      sharedCategories: ['IDENTITY', 'CONTACT', 'SCHOOLING'],
      legalBasis: 'CONSENT',
      consent: { givenBy: 'moeder', validFrom: '2026-03-01', validUntil: '2026-12-31' },
    },
  });
  const smwReferral = smw.createReferral.id as string;
  t.clock.now = at(5);
  await transition(SMW, smwReferral, 'RECEIVE');
  t.clock.now = at(6);
  await transition(SMW, smwReferral, 'ACCEPT');
  t.clock.now = at(7);
  await transition(SMW, smwReferral, 'START');
  t.clock.now = at(10);
  await gqlOk(t, SMW, `mutation($input: AddNoteInput!) { addNote(input: $input) { id } }`, {
    input: { pupilId: pupil.id, referralId: smwReferral, category: 'CARE', body: CARE_NOTE },
  });
  await db
    .insertInto('contact_attempts')
    .values({ id: crypto.randomUUID(), pupil_id: pupil.id, kind: 'LETTER', outcome: 'SENT', letter_language: 'nl', org_id: 'lz-den-haag', actor_subject: 'k.demir@lz-den-haag', actor_role: 'PROFESSIONAL', remark: 'Uitnodiging voor een gesprek', occurred_at: at(15), case_id: null })
    .execute();

  t.clock.now = at(20);
  const vt = await gqlOk(t, LZ, `mutation($input: CreateReferralInput!) { createReferral(input: $input) { id } }`, {
    input: { pupilId: pupil.id, receiverId: 'veilig-thuis-haaglanden', reason: VT_REASON, urgency: 'URGENT', sharedCategories: ['IDENTITY', 'CONTACT'], legalBasis: 'MELDCODE' },
  });
  const vtReferral = vt.createReferral.id as string;
  t.clock.now = at(25);
  await transition(VT, vtReferral, 'RECEIVE');
  t.clock.now = at(26);
  await transition(VT, vtReferral, 'ACCEPT');
  t.clock.now = at(27);
  await transition(VT, vtReferral, 'START');
  t.clock.now = at(30);
  await gqlOk(t, VT, `mutation($input: AddNoteInput!) { addNote(input: $input) { id } }`, {
    input: { pupilId: pupil.id, referralId: vtReferral, category: 'SAFETY', body: SAFETY_NOTE },
  });
  await db
    .insertInto('contact_attempts')
    .values({ id: crypto.randomUUID(), pupil_id: pupil.id, kind: 'PHONE', outcome: 'REACHED', letter_language: null, org_id: 'veilig-thuis-haaglanden', actor_subject: 'r.hoekstra@veilig-thuis-haaglanden', actor_role: 'PROFESSIONAL', remark: 'Moeder gebeld over het onderzoek', occurred_at: at(32), case_id: null })
    .execute();

  t.clock.now = at(40);
  await gqlOk(t, LZ, CORRECT, { input: { pupilId: pupil.id, field: 'phone', value: '06-11223344', reason: 'moeder gaf een nieuw nummer' } });

  t.clock.now = at(50);
  await gqlOk(t, LZ, `query($id: ID!) { pupil(id: $id) { givenName familyName bsn phone } }`, { id: pupil.id });
  t.clock.now = at(51);
  await gqlOk(t, SMW, `query($id: ID!) { pupil(id: $id) { givenName familyName } }`, { id: pupil.id });
  t.clock.now = at(52);
  await gqlOk(t, VT, `query($id: ID!) { pupil(id: $id) { givenName familyName } }`, { id: pupil.id });
  return { pupil, smwReferral, vtReferral, at, iso };
}

async function exportOf(as: As, pupilId: string, options: { language?: 'nl' | 'en'; format?: 'JSON' | 'PDF' } = {}) {
  const data = await gqlOk(t, as, EXPORT, { input: { pupilId, ...options } });
  const result = data.exportSubjectAccess;
  return { result, json: JSON.parse(result.json) };
}

async function pdfText(base64: string): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(Buffer.from(base64, 'base64'))), { mergePages: true });
  return text.replace(/\s+/g, ' ');
}

/** An access-history row, as the export writes it (employee withheld unless stated). */
const row = (occurredAt: string, org: { name: string; kind: string }, action: string, purpose: string, categories: string[], role = 'PROFESSIONAL', employee: string | null = null) => ({
  occurredAt,
  organisation: org.name,
  organisationKind: org.kind,
  role,
  employee,
  action,
  outcome: 'GRANTED',
  purpose,
  categories,
});

describe('the export for one pupil', () => {
  it('equals the hand-built expectation: everything held, Veilig Thuis left out while its investigation runs, and one exception saying on what ground', async () => {
    const s = await scenario();
    t.clock.now = s.at(60);
    const { result, json } = await exportOf(LZ_COORD, s.pupil.id, { format: 'JSON' });

    expect(result.employeesIncluded).toBe(false);
    expect(result.exceptionsApplied).toEqual([MELDCODE_FOR_OFFICER]);
    expect(result.pdf).toBeNull();
    expect(json.exportId).toBe(result.exportId);
    expect(json.generatedAt).toBe(s.iso(60));
    const { exportId: _id, generatedAt: _at, ...rest } = json;

    expect(rest).toEqual({
      generatedBy: { organisation: 'Leerlingzaken Den Haag', role: 'COORDINATOR' },
      language: 'nl',
      pupil: { id: s.pupil.id, displayName: 'Noor van Dijk', dateOfBirth: '2013-04-09' },
      held: [
        {
          category: 'IDENTITY',
          values: [
            { label: 'givenName', value: 'Noor' },
            { label: 'familyNamePrefix', value: 'van' },
            { label: 'familyName', value: 'Dijk' },
            { label: 'dateOfBirth', value: '2013-04-09' },
            { label: 'municipality', value: 'Den Haag' },
          ],
          items: [],
        },
        { category: 'BSN', values: [{ label: 'bsn', value: s.pupil.bsn }], items: [] },
        {
          category: 'CONTACT',
          values: [
            { label: 'street', value: 'Hoefkade' },
            { label: 'houseNumber', value: '112b' },
            { label: 'postalCode', value: '2526 BK' },
            { label: 'city', value: 'Den Haag' },
            { label: 'phone', value: '06-11223344' },
            { label: 'letterLanguage', value: 'nl' },
          ],
          items: [
            [
              { label: 'guardian', value: 'Samira van Dijk' },
              { label: 'relation', value: 'PARENT' },
              { label: 'phone', value: '06-87654321' },
              { label: 'email', value: 'samira.vandijk@example.nl' },
            ],
          ],
        },
        {
          category: 'SCHOOLING',
          values: [
            { label: 'school', value: 'Daltonschool Laakkwartier' },
            { label: 'grade', value: 'groep 6' },
            { label: 'absentSince', value: '2026-02-09' },
            { label: 'reportedMissingAt', value: '2026-02-23T08:15:00.000Z' },
          ],
          items: [],
        },
        {
          category: 'CONTACT_ATTEMPTS',
          values: [],
          // Veilig Thuis's phone call is part of its involvement: left out.
          items: [
            [
              { label: 'occurredAt', value: s.iso(15) },
              { label: 'kind', value: 'LETTER' },
              { label: 'outcome', value: 'SENT' },
              { label: 'organisation', value: 'Leerlingzaken Den Haag' },
              { label: 'letterLanguage', value: 'nl' },
              { label: 'remark', value: 'Uitnodiging voor een gesprek' },
            ],
          ],
        },
        {
          category: 'REFERRAL',
          values: [],
          items: [
            [
              { label: 'from', value: 'Leerlingzaken Den Haag' },
              { label: 'to', value: 'Schoolmaatschappelijk Werk Den Haag' },
              { label: 'status', value: 'IN_PROGRESS' },
              { label: 'createdAt', value: s.iso(0) },
            ],
          ],
        },
        {
          category: 'CARE',
          values: [],
          items: [
            [
              { label: 'createdAt', value: s.iso(10) },
              { label: 'organisation', value: 'Schoolmaatschappelijk Werk Den Haag' },
              { label: 'note', value: CARE_NOTE },
            ],
          ],
        },
        // No SAFETY: its only note is Veilig Thuis's.
      ],
      organisations: [LZ_ORG, DALTON_ORG, SMW_ORG],
      referrals: [
        {
          id: s.smwReferral,
          sender: 'Leerlingzaken Den Haag',
          receiver: 'Schoolmaatschappelijk Werk Den Haag',
          status: 'IN_PROGRESS',
          urgency: 'NORMAL',
          legalBasis: 'CONSENT',
          sharedCategories: ['IDENTITY', 'CONTACT', 'SCHOOLING'],
          createdAt: s.iso(0),
          closedAt: null,
          events: [
            { action: 'CREATE', status: 'REQUESTED', organisation: 'Leerlingzaken Den Haag', occurredAt: s.iso(0), reason: SMW_REASON },
            { action: 'RECEIVE', status: 'RECEIVED', organisation: 'Schoolmaatschappelijk Werk Den Haag', occurredAt: s.iso(5), reason: null },
            { action: 'ACCEPT', status: 'ACCEPTED', organisation: 'Schoolmaatschappelijk Werk Den Haag', occurredAt: s.iso(6), reason: null },
            { action: 'START', status: 'IN_PROGRESS', organisation: 'Schoolmaatschappelijk Werk Den Haag', occurredAt: s.iso(7), reason: null },
          ],
        },
      ],
      accessHistory: [
        row(s.iso(0), LZ_ORG, 'CREATE', LEERPLICHT, ['REFERRAL']),
        row(s.iso(5), SMW_ORG, 'UPDATE', KETEN, ['REFERRAL']),
        row(s.iso(6), SMW_ORG, 'UPDATE', KETEN, ['REFERRAL']),
        row(s.iso(7), SMW_ORG, 'UPDATE', KETEN, ['REFERRAL']),
        row(s.iso(10), SMW_ORG, 'CREATE', KETEN, ['CARE']),
        row(s.iso(20), LZ_ORG, 'CREATE', LEERPLICHT, ['REFERRAL']),
        // Veilig Thuis's changes (+25..27), note (+30) and read (+52) are left out.
        row(s.iso(40), LZ_ORG, 'UPDATE', LEERPLICHT, ['CONTACT']),
        row(s.iso(50), LZ_ORG, 'READ', LEERPLICHT, ['IDENTITY', 'BSN', 'CONTACT']),
        row(s.iso(51), SMW_ORG, 'READ', KETEN, ['IDENTITY']),
      ],
      corrections: [
        { field: 'phone', previousValue: '06-12345678', newValue: '06-11223344', reason: 'moeder gaf een nieuw nummer', correctedAt: s.iso(40), organisation: 'Leerlingzaken Den Haag' },
      ],
      restriction: null,
      exceptions: [MELDCODE_EXCEPTION_NL],
      employeesIncluded: false,
    });
  });

  it('in English, the exception and the purposes are in English', async () => {
    const s = await scenario();
    t.clock.now = s.at(60);
    const { result, json } = await exportOf(LZ_COORD, s.pupil.id, { language: 'en' });
    expect(json.language).toBe('en');
    expect(json.exceptions).toEqual([MELDCODE_EXCEPTION_EN]);
    expect(result.exceptionsApplied).toEqual([MELDCODE_FOR_OFFICER]);
    expect([...new Set(json.accessHistory.map((entry: any) => entry.purpose))]).toEqual(['Absence follow-up (leerplicht en RMC) (v1)', 'Referral between chain partners (v1)']);
  });

  it("the family's document does not say which register entry or organisation the exception is about", async () => {
    const s = await scenario();
    t.clock.now = s.at(60);
    for (const language of ['nl', 'en'] as const) {
      const { result } = await exportOf(LZ_COORD, s.pupil.id, { language });
      expect(result.json, language).not.toMatch(/veiligheid-meldcode|Veilig Thuis|veilig-thuis|VEILIG_THUIS|Meldcode|MELDCODE|Wmo/i);
      expect(result.json, language).not.toContain(VT_REASON);
    }
  });

  it("once Veilig Thuis has completed its referral, no exception applies and its involvement appears", async () => {
    const s = await scenario();
    t.clock.now = s.at(60);
    const before = await exportOf(LZ_COORD, s.pupil.id);
    expect(before.result.exceptionsApplied).toHaveLength(1);
    expect(JSON.stringify(before.json.organisations) + JSON.stringify(before.json.referrals) + JSON.stringify(before.json.held) + JSON.stringify(before.json.accessHistory)).not.toMatch(
      /Veilig Thuis|veilig-thuis|VEILIG_THUIS|Onderzoek gestart|Moeder gebeld/,
    );

    t.clock.now = s.at(70);
    await transition(VT, s.vtReferral, 'COMPLETE');
    t.clock.now = s.at(80);
    const { result, json } = await exportOf(LZ_COORD, s.pupil.id);

    expect(result.exceptionsApplied).toEqual([]);
    // The family's document names the same grounds as before, whether or not one applies now: a list
    // that changed with the investigation would tell the family that Veilig Thuis was involved.
    expect(json.exceptions).toEqual([MELDCODE_EXCEPTION_NL]);
    expect(json.exceptions).toEqual(before.json.exceptions);
    expect(json.organisations).toEqual([LZ_ORG, DALTON_ORG, SMW_ORG, VT_ORG]);
    expect(json.referrals.map((referral: any) => referral.id)).toEqual([s.smwReferral, s.vtReferral]);
    expect(json.referrals[1]).toEqual({
      id: s.vtReferral,
      sender: 'Leerlingzaken Den Haag',
      receiver: 'Veilig Thuis Haaglanden',
      status: 'COMPLETED',
      urgency: 'URGENT',
      legalBasis: 'MELDCODE',
      sharedCategories: ['IDENTITY', 'CONTACT'],
      createdAt: s.iso(20),
      closedAt: s.iso(70),
      events: [
        { action: 'CREATE', status: 'REQUESTED', organisation: 'Leerlingzaken Den Haag', occurredAt: s.iso(20), reason: VT_REASON },
        { action: 'RECEIVE', status: 'RECEIVED', organisation: 'Veilig Thuis Haaglanden', occurredAt: s.iso(25), reason: null },
        { action: 'ACCEPT', status: 'ACCEPTED', organisation: 'Veilig Thuis Haaglanden', occurredAt: s.iso(26), reason: null },
        { action: 'START', status: 'IN_PROGRESS', organisation: 'Veilig Thuis Haaglanden', occurredAt: s.iso(27), reason: null },
        { action: 'COMPLETE', status: 'COMPLETED', organisation: 'Veilig Thuis Haaglanden', occurredAt: s.iso(70), reason: 'Onderzoek afgerond; hulp thuis loopt via het wijkteam' },
      ],
    });
    const held = Object.fromEntries(json.held.map((category: any) => [category.category, category]));
    expect(held.SAFETY).toEqual({
      category: 'SAFETY',
      values: [],
      items: [[{ label: 'createdAt', value: s.iso(30) }, { label: 'organisation', value: 'Veilig Thuis Haaglanden' }, { label: 'note', value: SAFETY_NOTE }]],
    });
    expect(held.CONTACT_ATTEMPTS.items.map((item: any[]) => item.find((kv) => kv.label === 'organisation').value)).toEqual(['Leerlingzaken Den Haag', 'Veilig Thuis Haaglanden']);
    expect(held.REFERRAL.items).toHaveLength(2);

    const vtRows = json.accessHistory.filter((entry: any) => entry.organisation === 'Veilig Thuis Haaglanden');
    expect(vtRows).toEqual([
      row(s.iso(25), VT_ORG, 'UPDATE', VEILIGHEID, ['REFERRAL']),
      row(s.iso(26), VT_ORG, 'UPDATE', VEILIGHEID, ['REFERRAL']),
      row(s.iso(27), VT_ORG, 'UPDATE', VEILIGHEID, ['REFERRAL']),
      row(s.iso(30), VT_ORG, 'CREATE', VEILIGHEID, ['SAFETY']),
      row(s.iso(52), VT_ORG, 'READ', VEILIGHEID, ['IDENTITY']),
      row(s.iso(70), VT_ORG, 'UPDATE', VEILIGHEID, ['REFERRAL']),
    ]);
    // The first export is in the history now, under the supervision activity.
    expect(json.accessHistory).toContainEqual(row(s.iso(60), LZ_ORG, 'EXPORT', TOEZICHT, ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE'], 'COORDINATOR'));
  });

  it("a referral handed over to Veilig Thuis: while VT's investigation runs, the family's document holds nothing of the hidden referral, not even its reason on the hand-over", async () => {
    const pupil = await newPupil(t, { schoolId: 'school-dalton-laak' });
    t.clock.now = new Date(DEMO_NOW.getTime() + 20 * 60 * MINUTE);
    const created = await gqlOk(t, LZ, `mutation($input: CreateReferralInput!) { createReferral(input: $input) { id } }`, {
      input: {
        pupilId: pupil.id,
        receiverId: 'smw-den-haag',
        reason: SMW_REASON,
        urgency: 'NORMAL',
        sharedCategories: ['IDENTITY', 'CONTACT'],
        legalBasis: 'CONSENT',
        consent: { givenBy: 'moeder', validFrom: '2026-03-01', validUntil: null },
      },
    });
    const smwReferral = created.createReferral.id as string;
    for (const action of ['RECEIVE', 'ACCEPT', 'START'] as const) await transition(SMW, smwReferral, action);
    const handOverReason = 'Signalen van huiselijk geweld: melding volgens de meldcode';
    const { version } = await t.database.db.selectFrom('referrals').select('version').where('id', '=', smwReferral).executeTakeFirstOrThrow();
    await gqlOk(t, SMW, `mutation($input: HandOverReferralInput!) { handOverReferral(input: $input) { id } }`, {
      input: { referralId: smwReferral, version, receiverId: 'veilig-thuis-haaglanden', reason: handOverReason, urgency: 'URGENT', sharedCategories: ['IDENTITY', 'CONTACT'], legalBasis: 'MELDCODE' },
    });

    const { result, json } = await exportOf(LZ_COORD, pupil.id);
    // Leerlingzaken is no party to the referral SMW handed on to Veilig Thuis: its officer is not told
    // that an exception applies (that would reveal the involvement); the family's document names the
    // grounds as every export does, and leaves the hidden referral out.
    expect(result.exceptionsApplied).toEqual([]);
    expect(json.exceptions).toEqual([MELDCODE_EXCEPTION_NL]);
    expect(json.referrals.map((referral: any) => referral.id)).toEqual([smwReferral]);
    expect(json.organisations.map((org: any) => org.id)).not.toContain('veilig-thuis-haaglanden');
    // The hidden referral's own reason is its content: it must not come back through the hand-over event.
    expect(result.json).not.toContain(handOverReason);
  });

  it('shows a restriction of processing, and the restriction in the corrections', async () => {
    const s = await scenario();
    t.clock.now = s.at(55);
    await gqlOk(t, LZ_COORD, RESTRICT, { input: { pupilId: s.pupil.id, reason: 'moeder betwist het adres' } });
    t.clock.now = s.at(60);
    const { json } = await exportOf(LZ_COORD, s.pupil.id);
    expect(json.restriction).toEqual({ since: s.iso(55), reason: 'moeder betwist het adres' });
    expect(json.corrections.at(-1)).toEqual({
      field: 'restriction',
      previousValue: null,
      newValue: `${s.iso(55)}: moeder betwist het adres`,
      reason: 'moeder betwist het adres',
      correctedAt: s.iso(55),
      organisation: 'Leerlingzaken Den Haag',
    });
  });

  it("names employees only with the privacy officer's consent, and not after it expired", async () => {
    const s = await scenario();
    t.clock.now = s.at(55);
    await gqlOk(t, LZ_PRIVACY, ALLOW, { input: { pupilId: s.pupil.id, reason: 'moeder wil weten wie het dossier inzag', days: 30 } });
    t.clock.now = s.at(60);
    const withConsent = await exportOf(LZ_COORD, s.pupil.id);
    expect(withConsent.result.employeesIncluded).toBe(true);
    expect(withConsent.json.employeesIncluded).toBe(true);
    expect(withConsent.json.accessHistory.map((entry: any) => [entry.occurredAt, entry.employee])).toEqual([
      [s.iso(0), 'k.demir@lz-den-haag'],
      [s.iso(5), 'j.pinas@smw-den-haag'],
      [s.iso(6), 'j.pinas@smw-den-haag'],
      [s.iso(7), 'j.pinas@smw-den-haag'],
      [s.iso(10), 'j.pinas@smw-den-haag'],
      [s.iso(20), 'k.demir@lz-den-haag'],
      [s.iso(40), 'k.demir@lz-den-haag'],
      [s.iso(50), 'k.demir@lz-den-haag'],
      [s.iso(51), 'j.pinas@smw-den-haag'],
      [s.iso(55), 'fg@lz-den-haag'],
    ]);
    // Naming employees does not bring back what the exception leaves out.
    expect(JSON.stringify(withConsent.json)).not.toContain('r.hoekstra@veilig-thuis-haaglanden');
    expect(withConsent.json.exceptions).toEqual([MELDCODE_EXCEPTION_NL]);

    // 31 days on, the consent has expired.
    t.clock.now = new Date(s.at(55).getTime() + 31 * DAY);
    const expired = await exportOf(LZ_COORD, s.pupil.id);
    expect(expired.result.employeesIncluded).toBe(false);
    expect(expired.json.employeesIncluded).toBe(false);
    expect(expired.json.accessHistory.length).toBeGreaterThan(10);
    expect(expired.json.accessHistory.filter((entry: any) => entry.employee !== null)).toEqual([]);
  });
});

describe('who may export', () => {
  it('only the Leerlingzaken coordinator of the pupil’s municipality; everyone else is refused and nothing about the pupil is logged', async () => {
    const pupil = await newPupil(t, { schoolId: 'school-dalton-laak' });
    // A school social worker linked to the pupil, to show that a link is not enough.
    await gqlOk(t, LZ, `mutation($input: CreateReferralInput!) { createReferral(input: $input) { id } }`, {
      input: {
        pupilId: pupil.id,
        receiverId: 'smw-den-haag',
        reason: 'ondersteuning',
        urgency: 'NORMAL',
        sharedCategories: ['IDENTITY'],
        legalBasis: 'CONSENT',
        consent: { givenBy: 'ouder', validFrom: '2026-03-01', validUntil: null },
      },
    });
    const recordsBefore = await logRecords(t, pupil.id);
    for (const as of [
      who('lz-den-haag', 'PROFESSIONAL'),
      who('lz-den-haag', 'PRIVACY_OFFICER'),
      who('school-dalton-laak', 'COORDINATOR'),
      who('school-dalton-laak', 'PROFESSIONAL'),
      who('smw-den-haag', 'COORDINATOR'),
      who('veilig-thuis-haaglanden', 'COORDINATOR'),
      who('cjg-den-haag', 'PRIVACY_OFFICER'),
    ]) {
      const body = await gqlBody(t, as, EXPORT, { input: { pupilId: pupil.id } });
      expect(errorOf(body).code, `${as.org} ${as.role}`).toBe('FORBIDDEN');
      expect(body.data ?? null).toBeNull();
    }
    expect(await logRecords(t, pupil.id)).toEqual(recordsBefore);
  });

  it("the other municipality's Leerlingzaken coordinator gets the same answer as for a random id, which does not reveal the pupil", async () => {
    const pupil = await newPupil(t, { schoolId: 'school-dalton-laak' });
    const rijswijk = who('lz-rijswijk', 'COORDINATOR');
    const forPupil = answerOf(await gqlBody(t, rijswijk, EXPORT, { input: { pupilId: pupil.id } }));
    const forNobody = answerOf(await gqlBody(t, rijswijk, EXPORT, { input: { pupilId: RANDOM_UUID } }));
    expect(forPupil).toEqual(forNobody);
    expect(forPupil.extensions?.code).toBe('BAD_USER_INPUT');
    for (const revealing of [pupil.familyName, pupil.givenName, pupil.bsn, 'Den Haag', 'GM0518']) expect(forPupil.message).not.toContain(revealing);
    expect((await logRecords(t, pupil.id)).filter((record) => record.action === 'EXPORT')).toEqual([]);
  });

  it("the other municipality's Leerlingzaken, linked through a referral, is refused (FORBIDDEN) and gets no export", async () => {
    const pupil = await newPupil(t, { schoolId: 'school-dalton-laak' });
    await gqlOk(t, LZ, `mutation($input: CreateReferralInput!) { createReferral(input: $input) { id } }`, {
      input: { pupilId: pupil.id, receiverId: 'lz-rijswijk', reason: 'gezin verhuist naar Rijswijk', urgency: 'NORMAL', sharedCategories: ['IDENTITY', 'CONTACT'], legalBasis: 'LEERPLICHTWET' },
    });
    const body = await gqlBody(t, who('lz-rijswijk', 'COORDINATOR'), EXPORT, { input: { pupilId: pupil.id } });
    expect(errorOf(body).code).toBe('FORBIDDEN');
    expect((await logRecords(t, pupil.id)).filter((record) => record.action === 'EXPORT')).toEqual([]);
  });
});

describe('the export is logged', () => {
  it('as an EXPORT record of the pupil, naming the export id, under the supervision activity (toezicht-fg)', async () => {
    const pupil = await newPupil(t, { schoolId: 'school-dalton-laak' });
    t.clock.now = new Date(DEMO_NOW.getTime() + 30 * MINUTE);
    const { result, json } = await exportOf(LZ_COORD, pupil.id);
    const exports = (await logRecords(t, pupil.id)).filter((record) => record.action === 'EXPORT');
    expect(exports).toHaveLength(1);
    expect(exports[0]).toMatchObject({
      outcome: 'GRANTED',
      actor_org_id: 'lz-den-haag',
      actor_role: 'COORDINATOR',
      actor_subject: 'm.bakker@lz-den-haag',
      activity_id: 'toezicht-fg',
      activity_version: 1,
      fields: [`Mutation.exportSubjectAccess(${result.exportId})`],
      categories: json.held.map((category: any) => category.category),
    });
    expect(new Date(exports[0]!.occurred_at).toISOString()).toBe('2026-03-16T09:30:00.000Z');
  });
});

describe('the export as a PDF for the family', () => {
  it.each([
    ['nl', 'Wat wij soms niet mogen tonen'],
    ['en', 'What we may not always show'],
  ] as const)('in %s: a PDF with the pupil’s name and the box on what may not always be shown', async (language, boxTitle) => {
    const s = await scenario();
    t.clock.now = s.at(60);
    const { result, json } = await exportOf(LZ_COORD, s.pupil.id, { format: 'PDF', language });
    expect(result.pdf).toMatchObject({ contentType: 'application/pdf', language, filename: expect.stringMatching(new RegExp(`^inzage-.*-${language}\\.pdf$`)) });
    const bytes = Buffer.from(result.pdf.base64, 'base64');
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(result.pdf.byteLength).toBe(bytes.length);
    // The JSON comes with it.
    expect(json.exceptions).toHaveLength(1);
    const text = await pdfText(result.pdf.base64);
    expect(text).toContain('Noor van Dijk');
    expect(text).toContain(boxTitle);
    expect(text).toContain(json.exceptions[0].description);
    // Nothing of the investigation itself.
    expect(text).not.toContain(SAFETY_NOTE);
    expect(text).not.toContain('Moeder gebeld');
    expect(text).not.toContain(VT_REASON);
  });

  it.each(['nl', 'en'] as const)('in %s: the family’s PDF does not name Veilig Thuis while the exception keeps its investigation out', async (language) => {
    const s = await scenario();
    t.clock.now = s.at(60);
    const { result } = await exportOf(LZ_COORD, s.pupil.id, { format: 'PDF', language });
    const text = await pdfText(result.pdf.base64);
    expect(text).toMatch(language === 'nl' ? /Wat wij soms niet mogen tonen/ : /What we may not always show/);
    expect(text).not.toMatch(/Veilig Thuis/i);
  });

  it('without an exception, the same box with the same grounds: whether one applies does not show', async () => {
    const pupil = await newPupil(t, { schoolId: 'school-dalton-laak' });
    const { result, json } = await exportOf(LZ_COORD, pupil.id, { format: 'PDF', language: 'nl' });
    expect(result.exceptionsApplied).toEqual([]);
    expect(json.exceptions).toEqual([MELDCODE_EXCEPTION_NL]);
    const text = await pdfText(result.pdf.base64);
    expect(text).toContain(`${pupil.givenName} ${pupil.familyName}`);
    expect(text).toContain('Wat wij soms niet mogen tonen');
    expect(text).toContain(MELDCODE_EXCEPTION_NL.description);
    expect(text).not.toContain('Niet alles is getoond');
  });
});
