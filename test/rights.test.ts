// The rights of the people in the file, through the API: rectification (correctPupil,
// the earlier value kept in `corrections`), restriction of processing (partners' access stops except
// statutory processing) and the privacy officer's consent to name employees in an inzage export.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FixtureBuilder, RANDOM_UUID, type FixturePupil } from './helpers/fixtures-policy.ts';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlBody, gqlOk, newPupil, NO_RATE_LIMITS } from './helpers/referrals.ts';
import {
  ALLOW,
  answerOf,
  CORRECT,
  CORRECTION_FIELDS,
  correctionRows,
  errorOf,
  LIFT,
  logRecords,
  pupilRow,
  RESTRICT,
  validBsn,
  who,
} from './helpers/rights.ts';

const LZ_PRO = who('lz-den-haag', 'PROFESSIONAL', 'k.demir@lz-den-haag');
const LZ_COORD = who('lz-den-haag', 'COORDINATOR', 'm.bakker@lz-den-haag');
const LZ_PRIVACY = who('lz-den-haag', 'PRIVACY_OFFICER', 'fg@lz-den-haag');
const RIJSWIJK_COORD = who('lz-rijswijk', 'COORDINATOR');
const RIJSWIJK_PRIVACY = who('lz-rijswijk', 'PRIVACY_OFFICER');
const DALTON = who('school-dalton-laak', 'PROFESSIONAL', 'mentor@dalton-laak');
const DALTON_COORD = who('school-dalton-laak', 'COORDINATOR');
const ZEESTER = who('school-zeester-escamp', 'PROFESSIONAL');
const SMW = who('smw-den-haag', 'PROFESSIONAL');
const SMW_COORD = who('smw-den-haag', 'COORDINATOR');
const SMW_PRIVACY = who('smw-den-haag', 'PRIVACY_OFFICER');
const CJG = who('cjg-den-haag', 'PROFESSIONAL');
const POLITIE = who('politie-den-haag', 'PROFESSIONAL');
const VT = who('veilig-thuis-haaglanden', 'PROFESSIONAL');

const CONSENT = { givenBy: 'moeder', validFrom: '2026-03-01', validUntil: '2026-12-31' };
const MINUTE = 60_000;

let t: TestHub;
let fixtureCounter = 0;
/** A builder of its own for each use; BSN blocks well apart from newPupils' (1,000,000+). */
const builder = () => new FixtureBuilder(`Rights${++fixtureCounter}x`, 5_000_000 + fixtureCounter * 10_000);

beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.clock.now = DEMO_NOW;
});

const PUPIL_AS_LZ = `query($id: ID!) { pupil(id: $id) {
  id familyName bsn phone letterLanguage grade absentSince address { postalCode }
  corrections { ${CORRECTION_FIELDS} }
} }`;

function correct(as: ReturnType<typeof who>, pupilId: string, field: string, value: string | null, reason = 'ouder belde: gegevens klopten niet') {
  return gqlBody(t, as, CORRECT, { input: { pupilId, field, value, reason } });
}

describe('correctPupil (rectificatie)', () => {
  const CASES = [
    { field: 'familyName', value: 'Van den Berg-Öztürk', column: 'family_name', category: 'IDENTITY', read: (p: any) => p.familyName },
    { field: 'bsn', value: validBsn(1001), column: 'bsn', category: 'BSN', read: (p: any) => p.bsn },
    { field: 'phone', value: '070-3456789', column: 'phone', category: 'CONTACT', read: (p: any) => p.phone },
    { field: 'letterLanguage', value: 'tr', column: 'letter_language', category: 'CONTACT', read: (p: any) => p.letterLanguage },
    { field: 'grade', value: 'groep 8', column: 'grade', category: 'SCHOOLING', read: (p: any) => p.grade },
    { field: 'absentSince', value: '2026-01-12', column: 'absent_since', category: 'SCHOOLING', read: (p: any) => p.absentSince },
  ] as const;

  it.each(CASES)(
    'Leerlingzaken corrects $field ($category): the pupil shows the new value and corrections keep the earlier one with who, when and why',
    async ({ field, value, column, category, read }) => {
      const pupil = await newPupil(t);
      const before = await pupilRow(t, pupil.id);
      const previous = before[column as keyof typeof before] as string;
      expect(previous).not.toBe(value);
      t.clock.now = new Date(DEMO_NOW.getTime() + 7 * MINUTE);

      const data = await gqlOk(t, LZ_PRO, CORRECT, { input: { pupilId: pupil.id, field, value, reason: 'moeder belde: klopt niet' } });
      expect(data.correctPupil.id).toBe(pupil.id);

      const { pupil: shown } = await gqlOk(t, LZ_PRO, PUPIL_AS_LZ, { id: pupil.id });
      expect(read(shown)).toBe(value);
      expect(shown.corrections).toEqual([
        {
          field,
          previousValue: previous,
          newValue: value,
          reason: 'moeder belde: klopt niet',
          organisation: { id: 'lz-den-haag' },
          correctedAt: '2026-03-16T09:07:00.000Z',
        },
      ]);
      // In the database too, with the person who did it.
      const after = await pupilRow(t, pupil.id);
      expect(after[column as keyof typeof after]).toBe(value);
      const [row] = await correctionRows(t, pupil.id);
      expect(row).toMatchObject({ actor_subject: 'k.demir@lz-den-haag', actor_role: 'PROFESSIONAL', org_id: 'lz-den-haag' });

      // The access log holds an UPDATE of the field's category.
      const updates = (await logRecords(t, pupil.id)).filter((record) => record.action === 'UPDATE');
      expect(updates).toEqual([
        expect.objectContaining({
          outcome: 'GRANTED',
          actor_org_id: 'lz-den-haag',
          actor_subject: 'k.demir@lz-den-haag',
          categories: [category],
          fields: [`Mutation.correctPupil(${field})`],
        }),
      ]);
    },
  );

  it('corrections accumulate oldest first, each with its earlier value', async () => {
    const pupil = await newPupil(t);
    t.clock.now = new Date(DEMO_NOW.getTime() + 1 * MINUTE);
    await gqlOk(t, LZ_PRO, CORRECT, { input: { pupilId: pupil.id, field: 'familyName', value: 'Jansen', reason: 'eerste' } });
    t.clock.now = new Date(DEMO_NOW.getTime() + 2 * MINUTE);
    await gqlOk(t, LZ_PRO, CORRECT, { input: { pupilId: pupil.id, field: 'familyName', value: 'Janssen', reason: 'tweede' } });
    // Clearing an optional field (empty value) is a correction too.
    t.clock.now = new Date(DEMO_NOW.getTime() + 3 * MINUTE);
    await gqlOk(t, LZ_PRO, CORRECT, { input: { pupilId: pupil.id, field: 'phone', value: '', reason: 'nummer bestaat niet meer' } });
    const { pupil: shown } = await gqlOk(t, LZ_PRO, PUPIL_AS_LZ, { id: pupil.id });
    expect(shown.familyName).toBe('Janssen');
    expect(shown.phone).toBeNull();
    expect(shown.corrections.map((c: any) => [c.field, c.previousValue, c.newValue, c.reason])).toEqual([
      ['familyName', pupil.familyName, 'Jansen', 'eerste'],
      ['familyName', 'Jansen', 'Janssen', 'tweede'],
      ['phone', expect.stringMatching(/^06\d{8}$/), null, 'nummer bestaat niet meer'],
    ]);
  });

  it('refuses a BSN that fails the eleven test', async () => {
    const pupil = await newPupil(t);
    const before = await pupilRow(t, pupil.id);
    const error = errorOf(await correct(LZ_PRO, pupil.id, 'bsn', '123456789'));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.value' });
    expect(error.message).toMatch(/^input\.value .*eleven test/);
    expect(await pupilRow(t, pupil.id)).toEqual(before);
    expect(await correctionRows(t, pupil.id)).toEqual([]);
  });

  it('refuses a BSN another pupil holds, without saying whose', async () => {
    const b = builder();
    const pupil = b.pupil({ municipality: 'GM0518', schoolId: 'school-dalton-laak' });
    const other = b.pupil({ municipality: 'GM0518', schoolId: 'school-zeester-escamp', familyName: 'Wijnaldum' });
    await b.flush(t.database.db);
    const taken = validBsn(2002);
    await t.database.db.updateTable('pupils').set({ bsn: taken }).where('id', '=', other.id).execute();
    const before = await pupilRow(t, pupil.id);

    const error = errorOf(await correct(LZ_PRO, pupil.id, 'bsn', taken));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.value' });
    for (const revealing of [other.id, other.familyName, other.givenName, 'Zeester', 'zeester'])
      expect(error.message).not.toContain(revealing);
    expect(await pupilRow(t, pupil.id)).toEqual(before);
    expect(await correctionRows(t, pupil.id)).toEqual([]);
  });

  it("a school corrects its own pupil's contact data", async () => {
    const pupil = await newPupil(t, { schoolId: 'school-dalton-laak' });
    await gqlOk(t, DALTON, CORRECT, { input: { pupilId: pupil.id, field: 'postalCode', value: '2526 KL', reason: 'verhuisd binnen de wijk' } });
    const { pupil: shown } = await gqlOk(t, DALTON, `query($id: ID!) { pupil(id: $id) { address { postalCode } corrections { ${CORRECTION_FIELDS} } } }`, {
      id: pupil.id,
    });
    expect(shown.address.postalCode).toBe('2526 KL');
    expect(shown.corrections).toEqual([
      expect.objectContaining({ field: 'postalCode', previousValue: '2280 AA', newValue: '2526 KL', organisation: { id: 'school-dalton-laak' } }),
    ]);
  });

  it('a school may not correct the BSN of a pupil it does not enrol: the same answer as for no pupil at all', async () => {
    const pupil = await newPupil(t, { schoolId: 'school-zeester-escamp' });
    const before = await pupilRow(t, pupil.id);
    const forPupil = answerOf(await correct(DALTON, pupil.id, 'bsn', validBsn(3003)));
    const forNobody = answerOf(await correct(DALTON, RANDOM_UUID, 'bsn', validBsn(3003)));
    expect(forPupil).toEqual(forNobody);
    expect(forPupil.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await pupilRow(t, pupil.id)).toEqual(before);
  });

  it('school social work and the police may not correct, even when linked (FORBIDDEN), and nothing changes', async () => {
    const b = builder();
    const pupil = b.pupil({ municipality: 'GM0518', schoolId: 'school-dalton-laak' });
    b.referral({ pupil, sender: 'lz-den-haag', receiver: 'smw-den-haag', shared: ['IDENTITY', 'CONTACT', 'SCHOOLING'], consent: CONSENT });
    b.referral({ pupil, sender: 'lz-den-haag', receiver: 'politie-den-haag', shared: ['IDENTITY', 'CONTACT'], legalBasis: 'POLITIEWET' });
    await b.flush(t.database.db);
    // They do see the pupil: the refusal is about the operation, not about the link.
    expect((await gqlOk(t, SMW, `query($id: ID!) { pupil(id: $id) { phone } }`, { id: pupil.id })).pupil.phone).toBeTruthy();
    expect((await gqlOk(t, POLITIE, `query($id: ID!) { pupil(id: $id) { phone } }`, { id: pupil.id })).pupil.phone).toBeTruthy();
    const before = await pupilRow(t, pupil.id);
    for (const as of [SMW, SMW_COORD, POLITIE]) {
      expect(errorOf(await correct(as, pupil.id, 'phone', '070-1112233')).code, as.org).toBe('FORBIDDEN');
      expect(errorOf(await correct(as, pupil.id, 'familyName', 'Anders')).code, as.org).toBe('FORBIDDEN');
    }
    expect(await pupilRow(t, pupil.id)).toEqual(before);
    expect(await correctionRows(t, pupil.id)).toEqual([]);
  });

  const INVALID = [
    { field: 'dateOfBirth', value: '2012-02-30', why: 'not a calendar date' },
    { field: 'dateOfBirth', value: '01-05-2012', why: 'not YYYY-MM-DD' },
    { field: 'absentSince', value: 'gisteren', why: 'not a date' },
    { field: 'postalCode', value: '0123 AB', why: 'a postal code cannot start with 0' },
    { field: 'postalCode', value: '25111 AB', why: 'five digits' },
    { field: 'familyName', value: '', why: 'a required field emptied' },
    { field: 'givenName', value: '   ', why: 'a required field emptied with spaces' },
    { field: 'dateOfBirth', value: null, why: 'a required field cleared' },
    { field: 'letterLanguage', value: 'fr', why: 'not a letter language' },
    { field: 'phone', value: 'bel de buren', why: 'not a phone number' },
    { field: 'grade', value: 'SAME', why: 'the value already held' },
    { field: 'letterLanguage', value: 'SAME', why: 'the value already held' },
  ] as const;

  it.each(INVALID)('refuses $field = "$value" ($why) with BAD_USER_INPUT naming input.value; nothing changes', async ({ field, value }) => {
    const pupil = await newPupil(t);
    const before = await pupilRow(t, pupil.id);
    const given = value === 'SAME' ? (field === 'grade' ? before.grade : before.letter_language) : value;
    const error = errorOf(await correct(LZ_PRO, pupil.id, field, given));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.value' });
    expect(error.message).toMatch(/^input\.value /);
    expect(await pupilRow(t, pupil.id)).toEqual(before);
    expect(await correctionRows(t, pupil.id)).toEqual([]);
    expect((await logRecords(t, pupil.id)).filter((record) => record.outcome === 'GRANTED')).toEqual([]);
  });

  it('refuses an empty reason (BAD_USER_INPUT naming input.reason)', async () => {
    const pupil = await newPupil(t);
    const error = errorOf(await correct(LZ_PRO, pupil.id, 'grade', 'groep 3', '  '));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.reason' });
    expect(await correctionRows(t, pupil.id)).toEqual([]);
  });

  it("corrections lists only fields whose category the caller may read (school social work sees a name correction, not a BSN or phone correction)", async () => {
    const b = builder();
    const pupil = b.pupil({ municipality: 'GM0518', schoolId: 'school-dalton-laak' });
    b.referral({ pupil, sender: 'lz-den-haag', receiver: 'smw-den-haag', shared: ['IDENTITY', 'CARE'], consent: CONSENT });
    await b.flush(t.database.db);
    await gqlOk(t, LZ_PRO, CORRECT, { input: { pupilId: pupil.id, field: 'familyName', value: 'El Idrissi', reason: 'spelling' } });
    await gqlOk(t, LZ_PRO, CORRECT, { input: { pupilId: pupil.id, field: 'bsn', value: validBsn(4004), reason: 'BRP' } });
    await gqlOk(t, LZ_PRO, CORRECT, { input: { pupilId: pupil.id, field: 'phone', value: '06-44556677', reason: 'nieuw nummer' } });

    const asSmw = await gqlOk(t, SMW, `query($id: ID!) { pupil(id: $id) { familyName corrections { field previousValue newValue } } }`, { id: pupil.id });
    expect(asSmw.pupil.familyName).toBe('El Idrissi');
    expect(asSmw.pupil.corrections).toEqual([{ field: 'familyName', previousValue: pupil.familyName, newValue: 'El Idrissi' }]);
    const smwRead = (await logRecords(t, pupil.id)).filter((record) => record.actor_org_id === 'smw-den-haag' && record.fields.includes('Pupil.corrections'));
    expect(smwRead).toHaveLength(1);
    expect(smwRead[0]!.categories).toEqual(['IDENTITY']);

    for (const as of [LZ_PRO, DALTON]) {
      const { pupil: shown } = await gqlOk(t, as, `query($id: ID!) { pupil(id: $id) { corrections { field } } }`, { id: pupil.id });
      expect(shown.corrections.map((c: any) => c.field), as.org).toEqual(['familyName', 'bsn', 'phone']);
    }
  });
});

describe('restriction of processing (beperking)', () => {
  interface Scenario {
    pupil: FixturePupil;
    referrals: Record<'smwConsent' | 'cjgJeugdwet' | 'vtMeldcode' | 'politiePolitiewet' | 'zeesterConsent' | 'rijswijkConsent', string>;
  }

  async function scenario(): Promise<Scenario> {
    const b = builder();
    const pupil = b.pupil({ municipality: 'GM0518', schoolId: 'school-dalton-laak' });
    const referrals = {
      smwConsent: b.referral({ pupil, sender: 'lz-den-haag', receiver: 'smw-den-haag', shared: ['IDENTITY', 'CONTACT'], consent: CONSENT }),
      cjgJeugdwet: b.referral({ pupil, sender: 'lz-den-haag', receiver: 'cjg-den-haag', shared: ['IDENTITY', 'CONTACT'], legalBasis: 'JEUGDWET' }),
      vtMeldcode: b.referral({ pupil, sender: 'lz-den-haag', receiver: 'veilig-thuis-haaglanden', shared: ['IDENTITY', 'CONTACT'], legalBasis: 'MELDCODE', status: 'IN_PROGRESS' }),
      politiePolitiewet: b.referral({ pupil, sender: 'lz-den-haag', receiver: 'politie-den-haag', shared: ['IDENTITY'], legalBasis: 'POLITIEWET' }),
      // Partners of kinds that have statutory links, but not to this pupil: a school it does not enrol,
      // the Leerlingzaken of another municipality. Their link is the consent referral alone.
      zeesterConsent: b.referral({ pupil, sender: 'lz-den-haag', receiver: 'school-zeester-escamp', shared: ['IDENTITY', 'SCHOOLING'], consent: CONSENT }),
      rijswijkConsent: b.referral({ pupil, sender: 'lz-den-haag', receiver: 'lz-rijswijk', shared: ['IDENTITY', 'CONTACT'], consent: CONSENT }),
    };
    await b.flush(t.database.db);
    return { pupil, referrals };
  }

  const SEES = `query($id: ID!, $ref: ID!) {
    pupil(id: $id) { id familyName restriction { since reason organisation { id } } }
    referral(id: $ref) { id }
    referrals(first: 100) { edges { node { id } } }
  }`;
  async function sees(as: ReturnType<typeof who>, pupilId: string, referralId: string) {
    const data = await gqlOk(t, as, SEES, { id: pupilId, ref: referralId });
    return {
      pupil: data.pupil as null | { familyName: string; restriction: null | { since: string; reason: string; organisation: { id: string } } },
      referral: data.referral !== null,
      listed: data.referrals.edges.some((edge: any) => edge.node.id === referralId),
    };
  }
  const restrict = (as: ReturnType<typeof who>, pupilId: string, reason = 'ouder betwist de juistheid van het adres') =>
    gqlBody(t, as, RESTRICT, { input: { pupilId, reason } });

  it("only the Leerlingzaken coordinator of the pupil's municipality restricts processing", async () => {
    const { pupil } = await scenario();
    const refused = async (as: ReturnType<typeof who>) => errorOf(await restrict(as, pupil.id)).code;
    expect(await refused(LZ_PRO)).toBe('FORBIDDEN');
    expect(await refused(LZ_PRIVACY)).toBe('FORBIDDEN');
    expect(await refused(DALTON_COORD)).toBe('FORBIDDEN');
    expect(await refused(SMW_COORD)).toBe('FORBIDDEN');
    // Leerlingzaken Rijswijk is linked through a consent referral: it sees the pupil, but it is not its municipality's.
    expect(await refused(RIJSWIJK_COORD)).toBe('FORBIDDEN');
    expect((await pupilRow(t, pupil.id)).restricted_at).toBeNull();
    expect(await correctionRows(t, pupil.id)).toEqual([]);
  });

  it("another municipality's Leerlingzaken without a link gets the same answer as for a random id", async () => {
    const b = builder();
    const pupil = b.pupil({ municipality: 'GM0518', schoolId: 'school-dalton-laak' });
    await b.flush(t.database.db);
    expect(answerOf(await restrict(RIJSWIJK_COORD, pupil.id))).toEqual(answerOf(await restrict(RIJSWIJK_COORD, RANDOM_UUID)));
    expect((await pupilRow(t, pupil.id)).restricted_at).toBeNull();
  });

  it('after a restriction, partners on consent or Jeugdwet referrals lose the pupil and the referral; Meldcode and Politiewet partners keep them', async () => {
    const { pupil, referrals } = await scenario();
    // Before: every partner sees the pupil and its referral.
    for (const [as, ref] of [[SMW, referrals.smwConsent], [CJG, referrals.cjgJeugdwet], [VT, referrals.vtMeldcode], [POLITIE, referrals.politiePolitiewet]] as const) {
      const before = await sees(as, pupil.id, ref);
      expect(before.pupil?.familyName, as.org).toBe(pupil.familyName);
      expect(before.referral && before.listed, as.org).toBe(true);
    }

    t.clock.now = new Date(DEMO_NOW.getTime() + 30 * MINUTE);
    const data = (await restrict(LZ_COORD, pupil.id, 'ouder betwist de juistheid van het adres')).data;
    expect(data.restrictPupil.restriction).toEqual({ since: '2026-03-16T09:30:00.000Z', reason: 'ouder betwist de juistheid van het adres', organisation: { id: 'lz-den-haag' } });

    for (const [as, ref] of [[SMW, referrals.smwConsent], [CJG, referrals.cjgJeugdwet]] as const) {
      expect(await sees(as, pupil.id, ref), as.org).toEqual({ pupil: null, referral: false, listed: false });
      // Nor can it find the pupil by name.
      const found = await gqlOk(t, as, `{ pupils(filter: { familyNameStartsWith: "${pupil.familyName}" }) { totalCount } }`);
      expect(found.pupils.totalCount, as.org).toBe(0);
    }
    for (const [as, ref] of [[VT, referrals.vtMeldcode], [POLITIE, referrals.politiePolitiewet]] as const) {
      const after = await sees(as, pupil.id, ref);
      expect(after.pupil?.familyName, as.org).toBe(pupil.familyName);
      expect(after.pupil?.restriction?.organisation.id, as.org).toBe('lz-den-haag');
      expect(after.referral && after.listed, as.org).toBe(true);
    }
    // Leerlingzaken (home link) and the enrolling school (enrolment link) go on, and see the restriction.
    for (const as of [LZ_PRO, DALTON]) {
      const { pupil: shown } = await gqlOk(t, as, `query($id: ID!) { pupil(id: $id) { familyName restriction { since reason organisation { id } } } }`, { id: pupil.id });
      expect(shown, as.org).toEqual({
        familyName: pupil.familyName,
        restriction: { since: '2026-03-16T09:30:00.000Z', reason: 'ouder betwist de juistheid van het adres', organisation: { id: 'lz-den-haag' } },
      });
    }
    // A consent partner may no longer act on its referral either.
    const write = await gqlBody(t, SMW, `mutation($input: AddNoteInput!) { addNote(input: $input) { id } }`, {
      input: { pupilId: pupil.id, referralId: referrals.smwConsent, category: 'CARE', body: 'na de beperking' },
    });
    expect(write.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    // Restricting twice is refused.
    const twice = errorOf(await restrict(LZ_COORD, pupil.id, 'nog een keer'));
    expect(twice.code).toBe('BAD_USER_INPUT');
    expect((await correctionRows(t, pupil.id)).filter((row) => row.field === 'restriction')).toHaveLength(1);
  });

  it.each(['zeesterConsent', 'rijswijkConsent'] as const)(
    'a partner whose kind has statutory links but not to this pupil loses its consent referral too (%s)',
    async (key) => {
      const { pupil, referrals } = await scenario();
      const as = key === 'zeesterConsent' ? ZEESTER : who('lz-rijswijk', 'PROFESSIONAL');
      const before = await sees(as, pupil.id, referrals[key]);
      expect(before.pupil?.familyName).toBe(pupil.familyName);
      expect(before.referral && before.listed).toBe(true);
      await gqlOk(t, LZ_COORD, RESTRICT, { input: { pupilId: pupil.id, reason: 'ouder maakt bezwaar' } });
      expect(await sees(as, pupil.id, referrals[key])).toEqual({ pupil: null, referral: false, listed: false });
    },
  );

  it('a Leerplichtwet referral goes on under restriction; a Wet publieke gezondheid referral stops', async () => {
    const b = builder();
    const pupil = b.pupil({ municipality: 'GM0518', schoolId: 'school-dalton-laak' });
    const leerplicht = b.referral({ pupil, sender: 'lz-den-haag', receiver: 'smw-den-haag', shared: ['IDENTITY', 'SCHOOLING'], legalBasis: 'LEERPLICHTWET' });
    const wpg = b.referral({ pupil, sender: 'lz-den-haag', receiver: 'cjg-den-haag', shared: ['IDENTITY'], legalBasis: 'WET_PUBLIEKE_GEZONDHEID' });
    await b.flush(t.database.db);
    await gqlOk(t, LZ_COORD, RESTRICT, { input: { pupilId: pupil.id, reason: 'bezwaar' } });
    expect((await sees(SMW, pupil.id, leerplicht)).pupil?.familyName).toBe(pupil.familyName);
    expect(await sees(CJG, pupil.id, wpg)).toEqual({ pupil: null, referral: false, listed: false });
  });

  it("lifting restores the consent partner's access; both changes are in the access log and the corrections history", async () => {
    const { pupil, referrals } = await scenario();
    t.clock.now = new Date(DEMO_NOW.getTime() + 40 * MINUTE);
    await gqlOk(t, LZ_COORD, RESTRICT, { input: { pupilId: pupil.id, reason: 'ouder betwist het adres' } });
    expect((await sees(SMW, pupil.id, referrals.smwConsent)).pupil).toBeNull();

    // Lifting is the coordinator's too.
    expect(errorOf(await gqlBody(t, LZ_PRO, LIFT, { input: { pupilId: pupil.id, reason: 'adres klopt' } })).code).toBe('FORBIDDEN');
    t.clock.now = new Date(DEMO_NOW.getTime() + 50 * MINUTE);
    const lifted = await gqlOk(t, LZ_COORD, LIFT, { input: { pupilId: pupil.id, reason: 'adres klopt na controle in de BRP' } });
    expect(lifted.liftPupilRestriction.restriction).toBeNull();

    const after = await sees(SMW, pupil.id, referrals.smwConsent);
    expect(after.pupil).toEqual({ id: pupil.id, familyName: pupil.familyName, restriction: null });
    expect(after.referral && after.listed).toBe(true);
    expect((await pupilRow(t, pupil.id)).restricted_at).toBeNull();

    // Lifting what is not restricted is refused.
    expect(errorOf(await gqlBody(t, LZ_COORD, LIFT, { input: { pupilId: pupil.id, reason: 'nogmaals' } })).code).toBe('BAD_USER_INPUT');

    const changes = (await logRecords(t, pupil.id)).filter((record) => record.action === 'UPDATE' && record.outcome === 'GRANTED');
    expect(changes.map((record) => [record.actor_org_id, record.actor_role, record.fields])).toEqual([
      ['lz-den-haag', 'COORDINATOR', ['Mutation.restrictPupil']],
      ['lz-den-haag', 'COORDINATOR', ['Mutation.liftPupilRestriction']],
    ]);

    const { pupil: shown } = await gqlOk(t, LZ_PRO, `query($id: ID!) { pupil(id: $id) { corrections { ${CORRECTION_FIELDS} } } }`, { id: pupil.id });
    expect(shown.corrections).toEqual([
      {
        field: 'restriction',
        previousValue: null,
        newValue: '2026-03-16T09:40:00.000Z: ouder betwist het adres',
        reason: 'ouder betwist het adres',
        organisation: { id: 'lz-den-haag' },
        correctedAt: '2026-03-16T09:40:00.000Z',
      },
      {
        field: 'restriction',
        previousValue: '2026-03-16T09:40:00.000Z: ouder betwist het adres',
        newValue: null,
        reason: 'adres klopt na controle in de BRP',
        organisation: { id: 'lz-den-haag' },
        correctedAt: '2026-03-16T09:50:00.000Z',
      },
    ]);
  });
});

describe('allowEmployeesInSubjectAccess', () => {
  const allow = (as: ReturnType<typeof who>, pupilId: string, days?: number) =>
    gqlBody(t, as, ALLOW, { input: { pupilId, reason: 'ouder vraagt wie het dossier inzag', ...(days === undefined ? {} : { days }) } });

  it("the privacy officer of the pupil's municipality consents for a number of days (30 by default)", async () => {
    const pupil = await newPupil(t);
    t.clock.now = new Date('2026-03-16T10:00:00.000Z');
    const given = (await allow(LZ_PRIVACY, pupil.id, 14)).data?.allowEmployeesInSubjectAccess;
    expect(given).toEqual({
      id: expect.any(String),
      pupilId: pupil.id,
      reason: 'ouder vraagt wie het dossier inzag',
      grantedAt: '2026-03-16T10:00:00.000Z',
      expiresAt: '2026-03-30T10:00:00.000Z',
    });
    const byDefault = (await allow(LZ_PRIVACY, pupil.id)).data?.allowEmployeesInSubjectAccess;
    expect(byDefault.expiresAt).toBe('2026-04-15T10:00:00.000Z');
    const row = await t.database.db.selectFrom('subject_access_disclosures').selectAll().where('id', '=', given.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ granted_by_org_id: 'lz-den-haag', granted_by_subject: 'fg@lz-den-haag' });
  });

  it('a coordinator, a professional and a partner privacy officer are refused (FORBIDDEN)', async () => {
    const pupil = await newPupil(t);
    for (const as of [LZ_COORD, LZ_PRO, SMW_PRIVACY, DALTON_COORD])
      expect(errorOf(await allow(as, pupil.id)).code, `${as.org} ${as.role}`).toBe('FORBIDDEN');
    expect(await t.database.db.selectFrom('subject_access_disclosures').select('id').where('pupil_id', '=', pupil.id).execute()).toEqual([]);
  });

  it("Rijswijk's privacy officer gets the same answer for a Den Haag pupil as for a random id", async () => {
    const pupil = await newPupil(t);
    const forPupil = answerOf(await allow(RIJSWIJK_PRIVACY, pupil.id));
    expect(forPupil).toEqual(answerOf(await allow(RIJSWIJK_PRIVACY, RANDOM_UUID)));
    expect(forPupil.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await t.database.db.selectFrom('subject_access_disclosures').select('id').where('pupil_id', '=', pupil.id).execute()).toEqual([]);
  });

  it.each([0, -1, 91, 365])('refuses %i days (1 to 90)', async (days) => {
    const pupil = await newPupil(t);
    expect(errorOf(await allow(LZ_PRIVACY, pupil.id, days))).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.days' });
  });

  it.each([1, 90])('accepts %i days', async (days) => {
    const pupil = await newPupil(t);
    const given = (await allow(LZ_PRIVACY, pupil.id, days)).data?.allowEmployeesInSubjectAccess;
    expect(Date.parse(given.expiresAt) - Date.parse(given.grantedAt)).toBe(days * 24 * 3600_000);
  });
});
