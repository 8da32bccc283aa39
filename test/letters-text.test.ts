// What a family, a helper or a screen reader gets out of a printed letter: the PDF's text layer must
// say exactly what the template says, in every language, whatever was printed before it in the same
// process; and a letter sent by post carries the family's address where a window envelope shows it.
// Printed through the API as Leerlingzaken does. This file prints a Turkish letter first on purpose:
// its composite glyphs (ç, ş, İ …) once poisoned the glyphs of later letters.
import { getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoRegion } from '../src/demo/region.ts';
import { fillTemplate, loadTemplate, type LetterKind, type LetterLanguage, type PlaceholderValues } from '../src/letters/templates.ts';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlOk, NO_RATE_LIMITS } from './helpers/referrals.ts';

const region = generateDemoRegion();
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: NO_RATE_LIMITS });
});
afterAll(async () => {
  await t.close();
});

const PRINT = `mutation($input: PrintOutreachLetterInput!) { printOutreachLetter(input: $input) { language base64 } }`;
const LZ = { org: 'lz-den-haag', role: 'PROFESSIONAL' as const };
const OFFICER = 'Fatma Çelik-İnanç';
const LANGUAGES: LetterLanguage[] = ['tr', 'nl', 'en', 'pl', 'ar', 'bg'];
const LOCALES: Record<LetterLanguage, string> = { nl: 'nl-NL', en: 'en-GB', pl: 'pl-PL', tr: 'tr-TR', ar: 'ar-u-nu-latn', bg: 'bg-BG' };

// An open Den Haag case; its pupil's address is what the letter must carry.
const found = region.outOfViewCases.find((c) => c.leerlingzaken_org_id === 'lz-den-haag' && c.status === 'OPEN')!;
const pupil = region.pupils.find((p) => p.id === found.pupil_id)!;
const pupilName = [pupil.given_name, pupil.family_name_prefix, pupil.family_name].filter(Boolean).join(' ');

interface Item {
  str: string;
  /** Left edge and baseline, in millimetres from the page's top-left corner. */
  xMm: number;
  yMm: number;
}

async function print(kind: LetterKind, language: LetterLanguage): Promise<{ text: string; items: Item[] }> {
  const printed = (await gqlOk(t, LZ, PRINT, { input: { caseId: found.id, document: kind, language, officerName: OFFICER } }))
    .printOutreachLetter;
  expect(printed.language).toBe(language);
  const pdf = await getDocumentProxy(new Uint8Array(Buffer.from(printed.base64, 'base64')));
  const items: Item[] = [];
  let text = '';
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n);
    const height = page.view[3]!;
    for (const item of (await page.getTextContent()).items) {
      if (!('str' in item)) continue;
      text += item.str + (item.hasEOL ? '\n' : '');
      if (n === 1) items.push({ str: item.str, xMm: (item.transform[4] * 25.4) / 72, yMm: ((height - item.transform[5]) * 25.4) / 72 });
    }
  }
  return { text, items };
}

/** The texts of the letter as the template and the data say, in the order they are printed. */
async function sourceTexts(kind: LetterKind, language: LetterLanguage): Promise<string[]> {
  const db = t.database.db;
  const school = await db.selectFrom('organisations').selectAll().where('id', '=', found.reporting_school_id).executeTakeFirstOrThrow();
  const office = await db.selectFrom('organisations').selectAll().where('id', '=', 'lz-den-haag').executeTakeFirstOrThrow();
  const municipality = await db.selectFrom('municipalities').select('name').where('code', '=', office.municipality_code).executeTakeFirstOrThrow();
  const lastVisit = await db
    .selectFrom('contact_attempts')
    .select('occurred_at')
    .where('case_id', '=', found.id)
    .where('kind', '=', 'DOOR_VISIT')
    .orderBy('occurred_at', 'desc')
    .executeTakeFirst();
  const date = (d: Date) => new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'long', timeZone: 'Europe/Amsterdam' }).format(d);
  const values: PlaceholderValues = {
    pupilName,
    schoolName: school.name,
    officerName: OFFICER,
    officerOrganisation: office.name,
    officerPhone: office.contact_phone,
    officerEmail: office.contact_email,
    municipalityName: municipality.name,
    reference: found.id.slice(-8).toUpperCase(),
    date: date(t.clock.now),
    visitDate: date(new Date(lastVisit?.occurred_at ?? t.clock.now)),
  };
  const template = loadTemplate(kind, language);
  const fill = (text: string) => fillTemplate(text, values);
  return [
    fill('{{officerOrganisation}}'),
    fill(template.header.municipality),
    fill(template.header.reference),
    fill(template.header.date),
    ...(kind === 'LETTER' ? [fill(template.addressee!), ...addressLines()] : []),
    ...(template.dutchSummary ? [fill(template.dutchSummary)] : []),
    fill(template.title),
    fill(template.salutation),
    ...template.paragraphs.map(fill),
    ...template.signOff.map(fill),
    fill(template.contact.heading),
    ...template.contact.lines.map(fill).filter((line) => line.trim() !== ''),
  ];
}

/** Dutch postal convention: street and number; postcode, two spaces, place in capitals. */
function addressLines(): string[] {
  return [`${pupil.street} ${pupil.house_number}`, `${pupil.postal_code}  ${pupil.city.toUpperCase()}`];
}

/**
 * Text as a reader copies it: compatibility forms folded (NFKC), the invisible bidi isolates around
 * filled-in values dropped, and white space (line breaks of the layout) collapsed to one space.
 */
function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u061C\u200E\u200F\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The words (letters and digits) of a text, sorted, and its combining marks, sorted. Extraction gives
 * a mixed Arabic and Latin line back run by run in visual order, so the order of runs differs from
 * the source's; within a word nothing may differ, which is what lost glyphs and reversed ligatures
 * break. Marks (harakat, tanween) are compared as a count per mark rather than per word: pdf.js
 * places a mark drawn apart from its letter at a run's edge with the neighbouring run ("نيابة ً",
 * "Piotrowskiَ"); the mark is in the text layer all the same.
 */
function words(text: string): { words: string[]; marks: string[] } {
  const normalised = normalise(text);
  return {
    words: (normalised.replace(/\p{M}/gu, '').match(/[\p{L}\p{N}]+/gu) ?? []).sort(),
    marks: (normalised.match(/\p{M}/gu) ?? []).sort(),
  };
}

describe('the text layer of printed letters', () => {
  it('equals the source text in every language and kind, also after a Turkish letter was printed first', async () => {
    for (const kind of ['LETTER', 'DOOR_NOTE'] as const) {
      for (const language of LANGUAGES) {
        const { text } = await print(kind, language);
        const source = (await sourceTexts(kind, language)).join('\n');
        if (language === 'ar') expect(words(text), `${kind} ${language}`).toEqual(words(source));
        else expect(normalise(text), `${kind} ${language}`).toBe(normalise(source));
      }
    }
  });

  it('keeps the Arabic lam-alef ligatures in reading order', async () => {
    const { text } = await print('LETTER', 'ar');
    const normalised = normalise(text);
    // "الأمر" (the matter, in "guardians"), "الإلكتروني" (electronic), "خلال" (during): each has a ligature.
    for (const word of ['الأمر', 'الإلكتروني', 'خلال', 'الأسبوع']) expect(normalised).toContain(word);
    expect(normalised).not.toMatch(/األمر|اإللكتروني|خالل|األسبوع/);
  });
});

describe('the address block of a letter sent by post', () => {
  const ADDRESSEE: Record<LetterLanguage, RegExp> = {
    nl: /^Aan de ouder\(s\)\/verzorger\(s\) van /,
    en: /^To the parent\(s\)\/guardian\(s\) of /,
    pl: /^Do rodzica\(-ów\)\/opiekuna\(-ów\) /,
    tr: /velisine/,
    ar: /أولياء أمر/,
    bg: /^До родителя\/настойника на /,
  };

  for (const language of LANGUAGES) {
    it(`prints the addressee (${language}) and the family's address inside the window of a C5/6 window envelope`, async () => {
      const template = loadTemplate('LETTER', language);
      expect(template.addressee).toMatch(ADDRESSEE[language]);
      const { items } = await print('LETTER', language);
      // NEN 1026 window, left: 20-110 mm from the left edge, 50-95 mm from the top (90 x 45 mm).
      // Every item near the window carrying the pupil's name (the addressee line) or a line of the address, or a part of one.
      const lines = [normalise(pupilName), ...addressLines().map(normalise)];
      for (const line of lines) {
        const hits = items.filter((item) => {
          const str = normalise(item.str);
          return str !== '' && (str.includes(line) || line.includes(str)) && item.yMm > 40 && item.yMm < 110;
        });
        expect(hits.length, `${language}: ${line}`).toBeGreaterThan(0);
        for (const hit of hits) {
          expect(hit.xMm, `${language}: ${hit.str}`).toBeGreaterThanOrEqual(20);
          expect(hit.xMm, `${language}: ${hit.str}`).toBeLessThan(110);
          expect(hit.yMm, `${language}: ${hit.str}`).toBeGreaterThan(50);
          expect(hit.yMm, `${language}: ${hit.str}`).toBeLessThan(95);
        }
      }
      // Nothing else shows through the window.
      const inWindow = items.filter((item) => item.xMm >= 20 && item.xMm < 110 && item.yMm > 50 && item.yMm < 95 && normalise(item.str) !== '');
      const block = normalise([template.addressee, pupilName, ...addressLines()].join(' '));
      for (const item of inWindow) expect(block, `${language}: ${item.str}`).toContain(normalise(item.str).split(' ')[0]);
    });
  }

  it('is left out of the door note, which goes through the letterbox by hand', async () => {
    const { text } = await print('DOOR_NOTE', 'nl');
    expect(normalise(text)).not.toContain(normalise(addressLines()[1]!));
  });
});

describe('a letter for a family without a complete address', () => {
  it('is refused with a clear error and nothing recorded; the door note still prints', async () => {
    const other = region.outOfViewCases.find((c) => c.leerlingzaken_org_id === 'lz-den-haag' && c.status === 'OPEN' && c.pupil_id !== pupil.id)!;
    await t.asOwner((db) => db.updateTable('pupils').set({ house_number: null }).where('id', '=', other.pupil_id).execute());
    const prints = () =>
      t.database.db.selectFrom('access_log_records').select('action').where('pupil_id', '=', other.pupil_id).where('action', '=', 'PRINT').execute();
    const before = (await prints()).length;
    const refused = (await t.gql(LZ, PRINT, { input: { caseId: other.id, document: 'LETTER' } })).body;
    expect(refused.data).toBeNull();
    expect(refused.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.errors[0].message).toMatch(/no complete postal address/);
    expect((await prints()).length).toBe(before);
    const note = (await gqlOk(t, LZ, PRINT, { input: { caseId: other.id, document: 'DOOR_NOTE' } })).printOutreachLetter;
    expect(note.base64.length).toBeGreaterThan(1000);
    expect((await prints()).length).toBe(before + 1);
  });
});
