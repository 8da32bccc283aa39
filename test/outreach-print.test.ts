// Printing the letter and the door note through the API: authorised by the policy (operation,
// case seen in full, IDENTITY + CONTACT + SCHOOLING of the pupil), recorded as PRINT, and the PDF
// carries the pupil's name in the family's language.
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoRegion } from '../src/demo/region.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlBody, gqlOk, NO_RATE_LIMITS } from './helpers/referrals.ts';

const region = generateDemoRegion();
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t.close();
});

const PRINT = `mutation($input: PrintOutreachLetterInput!) { printOutreachLetter(input: $input) { filename contentType language base64 byteLength } }`;
const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' as const, subject: 'printer@lz-den-haag' };

async function textOf(base64: string): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(Buffer.from(base64, 'base64'))), { mergePages: true });
  return text;
}

/** An open Den Haag case of a pupil whose letter language is `language` (from the demo data). */
function denHaagCase(language?: string) {
  const found = region.outOfViewCases.find((c) => {
    const pupil = region.pupils.find((p) => p.id === c.pupil_id)!;
    return c.leerlingzaken_org_id === 'lz-den-haag' && c.status === 'OPEN' && (!language || pupil.letter_language === language);
  });
  if (!found) throw new Error(`no open Den Haag case with letter language ${language}`);
  return { found, pupil: region.pupils.find((p) => p.id === found.pupil_id)! };
}

async function printRecords(pupilId: string) {
  return t.database.db
    .selectFrom('access_log_records')
    .select(['action', 'outcome', 'categories', 'fields', 'actor_subject'])
    .where('pupil_id', '=', pupilId)
    .where('action', '=', 'PRINT')
    .execute();
}

describe('printOutreachLetter', () => {
  it('renders the letter in the family\'s language with the pupil\'s name, and records the print', async () => {
    const { found, pupil } = denHaagCase('pl');
    const before = (await printRecords(pupil.id)).length;
    const printed = (await gqlOk(t, LZ, PRINT, { input: { caseId: found.id, document: 'LETTER' } })).printOutreachLetter;
    expect(printed.contentType).toBe('application/pdf');
    expect(printed.language).toBe('pl');
    expect(printed.filename).toMatch(/^brief-we-zijn-je-kwijt-.*-pl\.pdf$/);
    const pdf = Buffer.from(printed.base64, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBe(printed.byteLength);
    const text = await textOf(printed.base64);
    expect(text).toContain(pupil.given_name);
    expect(text).toContain(pupil.family_name);
    expect(text).toContain('Straciliśmy z Tobą kontakt'); // the Polish title
    const records = await printRecords(pupil.id);
    expect(records.length).toBe(before + 1);
    const record = records.at(-1)!;
    expect(record.outcome).toBe('GRANTED');
    expect([...record.categories].sort()).toEqual(['CONTACT', 'IDENTITY', 'SCHOOLING']);
    expect(record.fields).toContain('Mutation.printOutreachLetter(LETTER)');
    expect(record.actor_subject).toBe('printer@lz-den-haag');
  });

  it('renders the door note in another language when asked, signed with the officer\'s name', async () => {
    const { found } = denHaagCase();
    const printed = (await gqlOk(t, LZ, PRINT, { input: { caseId: found.id, document: 'DOOR_NOTE', language: 'bg', officerName: 'Marieke Jansen' } }))
      .printOutreachLetter;
    expect(printed.language).toBe('bg');
    const text = await textOf(printed.base64);
    expect(text).toContain('Marieke Jansen');
    expect(text).toMatch(/[\u0400-\u04FF]{4,}/); // Cyrillic
    expect(text).toContain('Wij zijn langs geweest'); // the Dutch line for a helper
  });

  it('is refused to kinds that do not print letters, and logged as refused', async () => {
    const { found } = denHaagCase();
    for (const org of ['school-zuiderpark-college', 'cjg-den-haag', 'politie-den-haag']) {
      const body = await gqlBody(t, { org, role: 'PROFESSIONAL' }, PRINT, { input: { caseId: found.id, document: 'LETTER' } });
      expect(body.errors?.[0]?.extensions?.code, org).toBe('FORBIDDEN');
      expect(body.data).toBeNull();
    }
  });

  it('answers a case the caller may not see in full like a case that does not exist', async () => {
    // School social work without a referral about the pupil: no link.
    const { found } = denHaagCase();
    const unseen = await gqlBody(t, { org: 'smw-den-haag', role: 'PROFESSIONAL' }, PRINT, { input: { caseId: found.id, document: 'LETTER' } });
    const none = await gqlBody(t, { org: 'smw-den-haag', role: 'PROFESSIONAL' }, PRINT, {
      input: { caseId: '01a22008-0000-7000-8000-000000000000', document: 'LETTER' },
    });
    expect(unseen.errors?.[0]?.message).toBe(none.errors?.[0]?.message);
    expect(unseen.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Den Haag's Leerlingzaken knows a Rijswijk pupil's case exists, but cannot print for it.
    const linkedToDenHaag = new Set(
      region.referrals.filter((r) => r.sender_org_id === 'lz-den-haag' || r.receiver_org_id === 'lz-den-haag').map((r) => r.pupil_id),
    );
    const crossing = region.outOfViewCases.find(
      (c) =>
        c.leerlingzaken_org_id === 'lz-rijswijk' &&
        ['school-zeester-escamp', 'school-zuiderpark-college', 'school-dalton-laak', 'school-binckhorst-mbo'].includes(c.reporting_school_id) &&
        !linkedToDenHaag.has(c.pupil_id),
    )!;
    expect(crossing).toBeDefined();
    const existenceOnly = await gqlBody(t, LZ, PRINT, { input: { caseId: crossing.id, document: 'LETTER' } });
    expect(existenceOnly.data).toBeNull();
    expect(existenceOnly.errors?.[0]?.message).toBe(none.errors?.[0]?.message);
  });

  it('refuses a bad document or language before rendering anything', async () => {
    const { found } = denHaagCase();
    const body = await gqlBody(t, LZ, PRINT, { input: { caseId: found.id, document: 'LETTER', officerName: '' } });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('input.officerName');
  });
});
