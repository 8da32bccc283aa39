import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { create, type Font } from 'fontkit';

export type FontRole = 'latin' | 'latinBold' | 'arabic' | 'arabicBold';
export type FontSet = Readonly<Record<FontRole, Font>>;

// Noto Sans covers Latin (incl. Polish and Turkish) and Cyrillic. Vazirmatn covers Arabic, with the
// OpenType tables fontkit needs for joining. Not Noto Sans Arabic: it draws letters as a shared
// dotless shape plus separate dots, so one glyph stands for several letters and the PDF's text
// (copy, search, screen readers) comes out garbled. Both are OFL, shipped as TTF in npm packages.
const FILES: Record<FontRole, string> = {
  latin: '@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf',
  latinBold: '@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf',
  arabic: '@expo-google-fonts/vazirmatn/400Regular/Vazirmatn_400Regular.ttf',
  arabicBold: '@expo-google-fonts/vazirmatn/700Bold/Vazirmatn_700Bold.ttf',
};

let files: Readonly<Record<FontRole, Buffer>> | undefined;
// The decoded font tables (cmap, GSUB, GPOS, hmtx, …) per font, shared by the documents' fonts.
let tables: Readonly<Record<FontRole, Record<string, unknown>>> | undefined;

/**
 * A freshly parsed set of fonts for ONE document. A parsed fontkit font caches every glyph it has
 * made, with the characters it was first made for, and pdfkit writes those characters into the
 * document's ToUnicode map. Shared across documents, a glyph first made without characters (a
 * component of a composite, such as the c in a Turkish ç, made while subsetting) kept that
 * emptiness for every later document, whose text then lost that letter. So glyphs (and the layout
 * engine that makes them) are per document. Shared are only the file bytes and the decoded tables:
 * fontkit decodes a table once into its `_tables` and only reads it afterwards, and decoding them is
 * most of the cost (a letter takes about 3 times as long without).
 */
export function letterFonts(): FontSet {
  if (!files || !tables) {
    const require = createRequire(import.meta.url);
    const read = (role: FontRole) => readFileSync(require.resolve(FILES[role]));
    files = { latin: read('latin'), latinBold: read('latinBold'), arabic: read('arabic'), arabicBold: read('arabicBold') };
    tables = { latin: {}, latinBold: {}, arabic: {}, arabicBold: {} };
  }
  const load = (role: FontRole): Font => {
    const font = create(files![role]) as Font & { _tables?: Record<string, unknown> };
    // A fontkit without `_tables` (a future version) just decodes its tables per document.
    if (font._tables && typeof font._tables === 'object') font._tables = Object.assign(tables![role], font._tables);
    return visualOrderLigatures(font);
  };
  // Parsed on first use: a letter without Arabic never needs the Arabic fonts, and the reverse.
  const parsed: Partial<Record<FontRole, Font>> = {};
  const set = {} as Record<FontRole, Font>;
  for (const role of Object.keys(FILES) as FontRole[]) {
    Object.defineProperty(set, role, { enumerable: true, get: () => (parsed[role] ??= load(role)) });
  }
  return set;
}

/**
 * A glyph that stands for several characters (a ligature such as lam-alef) carries them in reading
 * order, and pdfkit writes them so into the ToUnicode map. A right-to-left run, though, is drawn in
 * visual order, and text extraction (pdf.js, Acrobat) reverses the whole run back into reading
 * order, the characters of each ligature with it: "الأمر" came out as "األمر". So inside
 * right-to-left runs a ligature's characters are handed to pdfkit in visual order, and the reader's
 * reversal puts them right. The cached glyph itself is left alone: a copy carries the order.
 */
function visualOrderLigatures(font: Font): Font {
  const layout = font.layout.bind(font);
  font.layout = ((...args: Parameters<Font['layout']>) => {
    const run = layout(...args);
    if (run.direction === 'rtl') {
      run.glyphs = run.glyphs.map((glyph) =>
        glyph.codePoints.length > 1
          ? (Object.create(glyph, { codePoints: { value: [...glyph.codePoints].reverse() } }) as typeof glyph)
          : glyph,
      );
    }
    return run;
  }) as Font['layout'];
  return font;
}
