import { inflateSync } from 'node:zlib';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import {
  LETTER_KINDS,
  LETTER_LANGUAGES,
  renderLetter,
  type LetterInput,
  type LetterKind,
  type LetterLanguage,
} from '../src/letters/render.ts';
import { PLACEHOLDERS, fillTemplate, loadTemplate, placeholdersOf } from '../src/letters/templates.ts';

// A phrase of each template, hard-coded here so that a letter rendered from the wrong language fails.
const MARKERS: Record<LetterKind, Record<LetterLanguage, string>> = {
  LETTER: {
    nl: 'We zijn je kwijt, neem contact op',
    en: 'We have lost track of you',
    pl: 'Straciliśmy z Tobą kontakt',
    tr: 'Senden haber alamıyoruz',
    ar: 'يرجى التواصل معنا',
    bg: 'Изгубихме връзка с теб',
  },
  DOOR_NOTE: {
    nl: 'Wij zijn langs geweest en we maken ons zorgen',
    en: 'We came by and we are worried',
    pl: 'Byliśmy u Państwa i martwimy się',
    tr: 'Evinize geldik ve endişeleniyoruz',
    ar: 'زرناكم ونحن قلقون',
    bg: 'Идвахме при вас и сме загрижени',
  },
};

function letter(overrides: Partial<LetterInput> = {}): LetterInput {
  return {
    kind: 'LETTER',
    language: 'nl',
    pupilName: 'Zofia Wójcik-Łęcka',
    schoolName: 'Het Erasmus College',
    officer: { name: 'Fatima El Amrani', organisation: 'Leerlingzaken Den Haag', phone: '070 353 1234', email: 'f.elamrani@denhaag.nl' },
    date: new Date('2026-03-05T09:00:00Z'),
    visitDate: new Date('2026-03-03T15:30:00Z'),
    municipalityName: 'Den Haag',
    reference: 'A1B2C3D4',
    address: { street: 'Melis Stokelaan', houseNumber: '1200', postalCode: '2541 GK', city: 'Den Haag' },
    ...overrides,
  };
}

/** The PDF's text as a reader would copy it: compatibility forms folded, whitespace collapsed. */
async function textOf(pdf: Buffer): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
  return text
    .normalize('NFKC')
    .replace(/[\u200E\u200F\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ');
}

/** Glyph id → text, per ToUnicode map of each embedded font. */
function toUnicodeMaps(pdf: Buffer): Map<number, string>[] {
  const raw = pdf.toString('latin1');
  const maps: Map<number, string>[] = [];
  for (const m of raw.matchAll(/(?<!end)stream\r?\n/g)) {
    const start = m.index + m[0].length;
    let content: string;
    try {
      content = inflateSync(pdf.subarray(start, raw.indexOf('endstream', start))).toString('latin1');
    } catch {
      continue; // not a Flate stream
    }
    if (!content.includes('beginbfrange')) continue;
    const map = new Map<number, string>();
    for (const range of content.matchAll(/<([0-9a-f]+)>\s*<[0-9a-f]+>\s*\[([^\]]*)\]/gi)) {
      const first = parseInt(range[1]!, 16);
      [...range[2]!.matchAll(/<([0-9a-f]*)>/gi)].forEach((target, i) =>
        map.set(first + i, Buffer.from(target[1]!, 'hex').swap16().toString('utf16le')),
      );
    }
    maps.push(map);
  }
  return maps;
}

describe('outreach letters as PDF', () => {
  for (const kind of LETTER_KINDS) {
    for (const language of LETTER_LANGUAGES) {
      it(`renders the ${kind} in ${language} with the pupil, school, officer's phone and the ${language} text`, async () => {
        const pdf = await renderLetter(letter({ kind, language }));
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        const text = await textOf(pdf);
        expect(text).toContain('Zofia Wójcik-Łęcka');
        expect(text).toContain('Het Erasmus College');
        expect(text).toContain('070 353 1234');
        expect(text).toContain('A1B2C3D4');
        expect(text).not.toContain('{{');
        if (language === 'ar') {
          // Text extraction gives Arabic back in its own order; check the words, not their sequence.
          for (const word of MARKERS[kind][language].split(' ')) expect(text).toContain(word);
        } else {
          expect(text).toContain(MARKERS[kind][language]);
        }
        if (language !== 'nl') expect(text).toContain('Nederlands:');
      });
    }
  }

  it('renders the Arabic letter right to left with joined letters', async () => {
    const pdf = await renderLetter(letter({ language: 'ar' }));
    // The extractor turns visual order back into reading order; a line drawn left to right would come back reversed.
    expect(await textOf(pdf)).toContain('لم نعد نعرف عنك');

    // Joined letters take different glyphs at the start, middle and end of a word. Without shaping
    // every letter would have exactly one glyph, whatever its position.
    const formsPerLetter = new Map<string, number>();
    for (const map of toUnicodeMaps(pdf)) {
      for (const text of map.values()) {
        if (/^[\u0621-\u064A]$/.test(text)) formsPerLetter.set(text, (formsPerLetter.get(text) ?? 0) + 1);
      }
    }
    const shaped = [...formsPerLetter].filter(([, forms]) => forms >= 3).map(([char]) => char);
    expect(shaped).toEqual(expect.arrayContaining(['ل', 'م', 'ت']));
  });

  it('keeps names in another script readable inside the letter', async () => {
    const arabicName = await textOf(await renderLetter(letter({ language: 'pl', pupilName: 'يوسف العلي' })));
    expect(arabicName).toContain('يوسف');
    expect(arabicName).toContain('العلي');
    const cyrillicName = await textOf(await renderLetter(letter({ language: 'tr', pupilName: 'Иван Петров' })));
    expect(cyrillicName).toContain('Иван Петров');
    const turkishName = await textOf(await renderLetter(letter({ language: 'bg', kind: 'DOOR_NOTE', pupilName: 'İrem Çağlayan' })));
    expect(turkishName).toContain('İrem Çağlayan');
  });

  it('gives the same bytes for the same input', async () => {
    const first = await renderLetter(letter({ language: 'ar' }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await renderLetter(letter({ language: 'ar' }));
    expect(second.equals(first)).toBe(true);
  });

  it('leaves out contact details the officer does not have', async () => {
    const text = await textOf(
      await renderLetter(letter({ language: 'en', officer: { name: 'Sem de Vries', organisation: 'Leerlingzaken Den Haag', phone: null, email: 'leerplicht@denhaag.nl' } })),
    );
    expect(text).toContain('Email: leerplicht@denhaag.nl');
    expect(text).not.toContain('Phone:');
    expect(text).not.toContain('tel.');
  });

  it('refuses a door note without the date of the visit', async () => {
    await expect(renderLetter(letter({ kind: 'DOOR_NOTE', visitDate: null }))).rejects.toThrow(/visit/);
  });

  it('refuses a letter without a complete postal address, and prints a door note without one', async () => {
    await expect(renderLetter(letter({ address: null }))).rejects.toThrow(/postal address/);
    await expect(renderLetter(letter({ address: { street: 'Melis Stokelaan', houseNumber: ' ', postalCode: '2541 GK', city: 'Den Haag' } }))).rejects.toThrow(
      /postal address/,
    );
    const note = await textOf(await renderLetter(letter({ kind: 'DOOR_NOTE', address: null })));
    expect(note).toContain('Wij zijn langs geweest');
  });
});

describe('letter templates', () => {
  it('use the same placeholders in every language, so a translation cannot drop one', () => {
    for (const kind of LETTER_KINDS) {
      const expected = new Set(PLACEHOLDERS.filter((name) => kind === 'DOOR_NOTE' || name !== 'visitDate'));
      for (const language of LETTER_LANGUAGES) {
        expect(placeholdersOf(loadTemplate(kind, language)), `${kind} ${language}`).toEqual(expected);
      }
    }
  });

  it('carry the agreed Dutch wording, and a Dutch line for helpers in every other language', () => {
    expect(loadTemplate('LETTER', 'nl').title).toBe('We zijn je kwijt, neem contact op');
    expect(loadTemplate('DOOR_NOTE', 'nl').title).toContain('Wij zijn langs geweest en we maken ons zorgen');
    for (const kind of LETTER_KINDS) {
      for (const language of LETTER_LANGUAGES.filter((l) => l !== 'nl')) {
        expect(loadTemplate(kind, language).dutchSummary, `${kind} ${language}`).toMatch(/^Nederlands: .*\{\{officerOrganisation\}\}/);
      }
    }
  });

  it('fill optional parts only when their value is there, and reject unknown or missing values', () => {
    const values = Object.fromEntries(PLACEHOLDERS.map((name) => [name, null])) as Record<(typeof PLACEHOLDERS)[number], string | null>;
    expect(fillTemplate('a{{#officerPhone}}, tel. {{officerPhone}}{{/officerPhone}}.', values)).toBe('a.');
    expect(fillTemplate('{{#officerPhone}}tel. {{officerPhone}}{{/officerPhone}}', { ...values, officerPhone: '070' })).toBe(
      'tel. \u2068070\u2069',
    );
    expect(() => fillTemplate('{{pupilName}}', values)).toThrow(/No value/);
    expect(() => fillTemplate('{{pupilname}}', values)).toThrow(/Unknown placeholder/);
  });
});
