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

/**
 * A freshly parsed set of fonts for ONE document; only the file bytes are shared. A parsed fontkit
 * font caches every glyph it has made, with the characters it was first made for, and pdfkit writes
 * those characters into the document's ToUnicode map. Shared across documents, a glyph first made
 * without characters (a component of a composite, such as the c in a Turkish ç, made while
 * subsetting) keeps that emptiness for every later document, whose text then loses that letter.
 */
export function letterFonts(): FontSet {
  if (!files) {
    const require = createRequire(import.meta.url);
    const read = (role: FontRole) => readFileSync(require.resolve(FILES[role]));
    files = { latin: read('latin'), latinBold: read('latinBold'), arabic: read('arabic'), arabicBold: read('arabicBold') };
  }
  // Parsed on first use: a letter without Arabic never needs the Arabic fonts, and the reverse.
  const parsed: Partial<Record<FontRole, Font>> = {};
  const set = {} as Record<FontRole, Font>;
  for (const role of Object.keys(FILES) as FontRole[]) {
    Object.defineProperty(set, role, { enumerable: true, get: () => (parsed[role] ??= visualOrderLigatures(create(files![role]) as Font)) });
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
