import bidiImport from 'bidi-js';
import type { FontRole, FontSet } from './fonts.ts';

// Line breaking and bidi reordering are ours: pdfkit wraps text without any bidi algorithm, so
// mixed Arabic/Latin lines would come out in the wrong order. pdfkit only draws the runs we give it.

// bidi-js is CommonJS (module.exports = factory) while its types declare an ES default export;
// accept both shapes so Node, vitest and TypeScript agree.
const bidiFactory = (typeof bidiImport === 'function' ? bidiImport : bidiImport.default) as typeof bidiImport.default;
const bidi = bidiFactory();

export type Direction = 'ltr' | 'rtl';

/** Text in one font and one direction, ready to hand to pdfkit as-is. */
export interface Piece {
  text: string;
  font: FontRole;
  width: number;
}
/** One line of text: its pieces from left to right as they appear on paper. */
export interface Line {
  pieces: Piece[];
  width: number;
}

const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const ARABIC = /\p{Script=Arabic}/u;
const SCRIPTED = /[^\p{Script=Common}\p{Script=Inherited}\p{Script=Unknown}]/u;
const RTL_SCRIPT = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;

/** fontkit takes the direction from the first character with a script, and then reverses RTL runs itself. */
function fontkitReverses(text: string): boolean {
  const first = SCRIPTED.exec(text);
  return first !== null && RTL_SCRIPT.test(first[0]);
}

function reverseCodePoints(text: string): string {
  return [...text].reverse().join('');
}

function fontFor(fonts: FontSet, char: string, rtl: boolean, bold: boolean): FontRole {
  const cp = char.codePointAt(0)!;
  // Spaces and punctuation inside Arabic take the Arabic font, so a phrase stays one run.
  const [first, second] = rtl || ARABIC.test(char) ? (['arabic', 'latin'] as const) : (['latin', 'arabic'] as const);
  const base = fonts[first].hasGlyphForCodePoint(cp) || !fonts[second].hasGlyphForCodePoint(cp) ? first : second;
  return bold ? `${base}Bold` : base;
}

/** Breaks one paragraph into lines of at most maxWidth points (a single over-long word overflows). */
export function layoutParagraph(
  fonts: FontSet,
  text: string,
  direction: Direction,
  style: { size: number; bold: boolean },
  maxWidth: number,
): Line[] {
  const levels = bidi.getEmbeddingLevels(text, direction);
  const isRtl = (i: number) => (levels.levels[i]! & 1) === 1;

  // The font of every UTF-16 unit; null for bidi controls, which are never drawn.
  const roles: (FontRole | null)[] = [];
  for (const char of text) {
    const role = BIDI_CONTROL.test(char) ? null : fontFor(fonts, char, isRtl(roles.length), style.bold);
    for (let k = 0; k < char.length; k++) roles.push(role);
  }

  const scale = style.size;
  const measure = (role: FontRole, s: string) => (fonts[role].layout(s).advanceWidth / fonts[role].unitsPerEm) * scale;
  const measureRange = (from: number, to: number) => {
    let width = 0;
    for (let i = from; i < to; ) {
      const role = roles[i];
      let j = i + 1;
      while (j < to && roles[j] === role) j++;
      if (role) width += measure(role, text.slice(i, j));
      i = j;
    }
    return width;
  };

  // Greedy line filling over words in logical order; bidi reordering happens per line afterwards.
  const lines: Line[] = [];
  let lineStart = -1;
  let lineEnd = -1;
  let width = 0;
  for (const m of text.matchAll(/[^ ]+( *)/g)) {
    const start = m.index;
    const coreEnd = start + m[0].length - m[1]!.length;
    const coreWidth = measureRange(start, coreEnd);
    if (lineStart >= 0 && width + coreWidth > maxWidth) {
      lines.push(buildLine(lineStart, lineEnd));
      lineStart = -1;
      width = 0;
    }
    if (lineStart < 0) lineStart = start;
    lineEnd = coreEnd;
    width += coreWidth + measureRange(coreEnd, start + m[0].length);
  }
  if (lineStart >= 0) lines.push(buildLine(lineStart, lineEnd));
  return lines;

  function buildLine(start: number, end: number): Line {
    // Visual order of the line's characters (rule L2), then cut into runs of one font and direction.
    const order: number[] = [];
    for (let i = start; i < end; i++) order.push(i);
    for (const [a, b] of bidi.getReorderSegments(text, levels, start, end - 1)) {
      const reversed = order.slice(a! - start, b! - start + 1).reverse();
      order.splice(a! - start, reversed.length, ...reversed);
    }
    const mirrored = bidi.getMirroredCharactersMap(text, levels.levels, start, end - 1);

    const controlsOnly = (from: number, to: number) => roles.slice(from, to).every((r) => r === null);
    const runs: { lo: number; hi: number; rtl: boolean; role: FontRole }[] = [];
    for (const i of order) {
      const role = roles[i];
      if (!role) continue;
      const rtl = isRtl(i);
      const last = runs.at(-1);
      // A run is a stretch of logically adjacent characters (RTL ones appear in descending order).
      const continues =
        last?.rtl === rtl &&
        last.role === role &&
        (rtl ? i < last.lo && controlsOnly(i + 1, last.lo) : i > last.hi && controlsOnly(last.hi + 1, i));
      if (!continues) runs.push({ lo: i, hi: i, rtl, role });
      else if (rtl) last.lo = i;
      else last.hi = i;
    }
    const pieces = runs.map((run): Piece => {
      let logical = '';
      for (let i = run.lo; i <= run.hi; i++) if (roles[i]) logical += mirrored.get(i) ?? text[i];
      // fontkit lays out Arabic right to left on its own; any other run we hand over already in visual order.
      const forFontkit = fontkitReverses(logical) === run.rtl ? logical : reverseCodePoints(logical);
      return { text: forFontkit, font: run.role, width: measure(run.role, logical) };
    });
    return { pieces, width: pieces.reduce((sum, p) => sum + p.width, 0) };
  }
}
