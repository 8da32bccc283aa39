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

let fonts: FontSet | undefined;

/** Parsed once per process: parsing and fontkit's glyph caches are the expensive part of a render. */
export function letterFonts(): FontSet {
  if (!fonts) {
    const require = createRequire(import.meta.url);
    const load = (role: FontRole) => create(readFileSync(require.resolve(FILES[role]))) as Font;
    fonts = { latin: load('latin'), latinBold: load('latinBold'), arabic: load('arabic'), arabicBold: load('arabicBold') };
  }
  return fonts;
}
