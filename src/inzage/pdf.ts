// The answer to an inzageverzoek (src/inzage/types.ts) as an A4 PDF in Dutch or English, for a
// family to read. Fonts and line layout are the outreach letters' (src/letters): Noto Sans and
// Vazirmatn, and a bidi-aware line breaker, so names and values in any script come out right.
// Layout is ours: numbered sections, label/value lists, tables that repeat their header on each
// page, and page numbers added once the page count is known. Equal input gives equal bytes.
import { buffer } from 'node:stream/consumers';
import PDFDocument from 'pdfkit';
import { letterFonts, type FontRole, type FontSet } from '../letters/fonts.ts';
import { layoutParagraph, type Line } from '../letters/layout.ts';
import {
  ACCESS_ACTION_LABELS,
  ACCESS_OUTCOME_LABELS,
  CATEGORY_LABELS,
  FIELD_LABELS,
  LEGAL_BASIS_LABELS,
  ORGANISATION_KIND_LABELS,
  REFERRAL_ACTION_LABELS,
  REFERRAL_STATUS_LABELS,
  ROLE_LABELS,
  TEXTS,
  URGENCY_LABELS,
  VALUE_LABELS,
  wordFor,
  type InzageTexts,
} from './labels.ts';
import type { HeldValue, InzageLanguage, SubjectAccessExport } from './types.ts';

// ---- Page geometry and styles ----------------------------------------------------------------------

// A4 in points; margins of about 18 mm, with room for the footer below the content.
const PAGE = { width: 595.28, height: 841.89, side: 50, top: 50, bottom: 64, footer: 30 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.side;
const CONTENT_BOTTOM = PAGE.height - PAGE.bottom;
const CONTENT_HEIGHT = CONTENT_BOTTOM - PAGE.top;
const COLOR = {
  text: '#1b1b1b',
  muted: '#555555',
  accent: '#1d4f91',
  rule: '#b9c6d8',
  panel: '#eef2f7',
  zebra: '#f4f6f9',
  header: '#dde6f1',
  warningPanel: '#fff3d6',
  warningBar: '#b35c00',
};

interface Style {
  size: number;
  bold: boolean;
  color: string;
  /** Line height as a multiple of the size (default LINE_FACTOR). */
  leading?: number;
}
const STYLE = {
  organisation: { size: 13, bold: true, color: COLOR.accent },
  meta: { size: 9, bold: false, color: COLOR.muted },
  title: { size: 18, bold: true, color: COLOR.accent },
  section: { size: 13, bold: true, color: COLOR.accent },
  subsection: { size: 11, bold: true, color: COLOR.text },
  body: { size: 10, bold: false, color: COLOR.text },
  bodyBold: { size: 10, bold: true, color: COLOR.text },
  label: { size: 9.5, bold: false, color: COLOR.muted },
  value: { size: 9.5, bold: false, color: COLOR.text },
  cell: { size: 7.5, bold: false, color: COLOR.text, leading: 1.3 },
  cellHeader: { size: 7.5, bold: true, color: COLOR.text, leading: 1.3 },
  warningTitle: { size: 11, bold: true, color: COLOR.warningBar },
  footer: { size: 8, bold: false, color: COLOR.muted },
} satisfies Record<string, Style>;

// Line height as a multiple of the font size: room for Arabic marks above and below.
const LINE_FACTOR = 1.42;
const lineHeight = (style: Style) => style.size * (style.leading ?? LINE_FACTOR);

// ---- Text: cleaning, bidi isolation, dates ---------------------------------------------------------

// Bidi controls in data could reorder the text around them (or spoof it); other control characters
// (tabs, stray escapes) become spaces. Line breaks are kept: they separate paragraphs of a value.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;
const CONTROLS = /[^\P{Cc}\n]+/gu;

function clean(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(BIDI_CONTROLS, '').replace(CONTROLS, ' ');
}

/** A value inside a sentence, in a first-strong isolate: an Arabic name cannot reorder the Dutch around it. */
function isolate(value: string): string {
  return `\u2068${clean(value).replace(/\s+/g, ' ').trim()}\u2069`;
}

const LOCALES: Record<InzageLanguage, string> = { nl: 'nl-NL', en: 'en-GB' };
const ZONE = 'Europe/Amsterdam';
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

interface DateFormats {
  /** 12 maart 2012 (a calendar date, no time zone). */
  day: Intl.DateTimeFormat;
  /** 5 maart 2026 (the day of a moment in Amsterdam). */
  momentDay: Intl.DateTimeFormat;
  /** 5 maart 2026 om 10:00. */
  moment: Intl.DateTimeFormat;
  /** The parts of 05-03-2026 10:00, for tables. */
  short: Intl.DateTimeFormat;
}
const dateFormats = new Map<InzageLanguage, DateFormats>();

function formatsFor(language: InzageLanguage): DateFormats {
  let formats = dateFormats.get(language);
  if (!formats) {
    const locale = LOCALES[language];
    formats = {
      day: new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }),
      momentDay: new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: ZONE }),
      moment: new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: ZONE }),
      short: new Intl.DateTimeFormat(locale, {
        day: '2-digit',
        month: '2-digit',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZone: ZONE,
      }),
    };
    dateFormats.set(language, formats);
  }
  return formats;
}

/** Formats a date or moment; anything that is not one is returned as it is. */
function formatDate(value: string, language: InzageLanguage, form: 'long' | 'short' | 'day'): string {
  const formats = formatsFor(language);
  if (DATE_ONLY.test(value)) {
    const date = new Date(`${value}T00:00:00Z`);
    return Number.isNaN(date.getTime()) ? value : formats.day.format(date);
  }
  if (DATE_TIME.test(value)) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return value;
    if (form !== 'short') return (form === 'day' ? formats.momentDay : formats.moment).format(date);
    // 05-03-2026 10:00 (nl) or 05/03/2026 10:00 (en): no comma, so that a narrow column breaks between date and time.
    const part = Object.fromEntries(formats.short.formatToParts(date).map((p) => [p.type, p.value]));
    const separator = language === 'nl' ? '-' : '/';
    return `${part.day}${separator}${part.month}${separator}${part.year} ${part.hour}:${part.minute}`;
  }
  return value;
}

const DASH = '—';

// ---- Drawing -----------------------------------------------------------------------------------------

const RTL_SCRIPT = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
const SHAPE_BY_WORD = { lineBreak: false, baseline: 'alphabetic' } as const;

/**
 * Draws one laid-out line with its top at `top`: each piece in its own font, side by side.
 * As the letters' PageWriter.draw (src/letters/render.ts), with one difference: `features: []`
 * (pdfkit shapes the whole run at once, which keeps fontkit's right-to-left glyph order) only for
 * pieces in the Arabic font. Other pieces use pdfkit's default, which shapes word by word and
 * caches each word per document: the same glyphs, and about five times faster for a long table.
 */
function drawLine(doc: PDFKit.PDFDocument, line: Line, style: Style, x: number, top: number): void {
  const baseline = top + style.size * 1.1;
  let cursor = x;
  for (const piece of line.pieces) {
    doc.font(piece.font).fontSize(style.size).fillColor(style.color);
    const wholeRun = piece.font === 'arabic' || piece.font === 'arabicBold' || RTL_SCRIPT.test(piece.text);
    doc.text(piece.text, cursor, baseline, wholeRun ? { ...SHAPE_BY_WORD, features: [] } : SHAPE_BY_WORD);
    cursor += piece.width;
  }
}

interface Panel {
  fill: string;
  /** A coloured bar at the start of the panel. */
  bar?: string;
}

interface RowOptions {
  /** Space above and below the row's text. */
  padY?: number;
  /** Background of the row (a panel or zebra stripe), painted behind each slice of it. */
  panel?: Panel | null;
  /** Left edge and width of the background; the cells' own x positions are absolute. */
  left?: number;
  width?: number;
  /** How many lines must stay together on one page (default: the whole row, if it fits a page). */
  keep?: number;
  /** Called after a page break inside or before this row (to repeat a table's header). */
  onNewPage?: () => void;
}

interface Cell {
  x: number;
  lines: Line[];
  style: Style;
}

// Laid-out text, shared by all renders (the fonts are loaded once per process too): organisation
// names, roles, purposes and headers repeat in every export. Bounded; emptied when full.
const LAYOUTS = new Map<string, Line[]>();
const MAX_LAYOUTS = 20_000;
const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Writes the document top to bottom, adding pages as they fill. */
class Writer {
  y = PAGE.top;

  constructor(
    readonly doc: PDFKit.PDFDocument,
    private readonly fonts: FontSet,
  ) {}

  /** Lays out text (paragraphs separated by line breaks) in lines of at most `width` points. */
  lines(value: string | null | undefined, style: Style, width: number): Line[] {
    const text = value ?? '';
    const key = `${style.size}|${style.bold ? 1 : 0}|${width}|${text}`;
    let lines = LAYOUTS.get(key);
    if (!lines) {
      lines = [];
      for (const paragraph of clean(text).split('\n')) lines.push(...this.layoutParagraph(paragraph, style, width));
      if (LAYOUTS.size >= MAX_LAYOUTS) LAYOUTS.clear();
      LAYOUTS.set(key, lines);
    }
    return lines;
  }

  private layoutParagraph(text: string, style: Style, width: number): Line[] {
    const lines = layoutParagraph(this.fonts, text, 'ltr', style, width);
    // The line breaker lets a word longer than the line overflow (an email address in a narrow
    // column); cut such words where they reach the edge, preferably after @ . / - _
    if (lines.every((line) => line.width <= width + 0.01)) return lines;
    return layoutParagraph(this.fonts, this.breakLongWords(text, style, width), 'ltr', style, width);
  }

  private widthOf(text: string, style: Style): number {
    return layoutParagraph(this.fonts, text, 'ltr', style, Number.POSITIVE_INFINITY)[0]?.width ?? 0;
  }

  private breakLongWords(text: string, style: Style, width: number): string {
    return text
      .split(' ')
      .map((word) => {
        if (this.widthOf(word, style) <= width) return word;
        const parts: string[] = [];
        let rest = Array.from(GRAPHEMES.segment(word), (s) => s.segment);
        while (rest.length > 0) {
          // The longest start of `rest` that fits (at least one grapheme).
          let lo = 1;
          let hi = rest.length;
          while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (this.widthOf(rest.slice(0, mid).join(''), style) <= width) lo = mid;
            else hi = mid - 1;
          }
          let cut = lo;
          if (cut < rest.length) {
            const separator = rest.slice(0, cut).findLastIndex((g) => /^[@./\\_:,-]$/.test(g));
            if (separator >= cut / 2) cut = separator + 1;
          }
          parts.push(rest.slice(0, cut).join(''));
          rest = rest.slice(cut);
        }
        return parts.join(' ');
      })
      .join(' ');
  }

  newPage(): void {
    this.doc.addPage();
    this.y = PAGE.top;
  }

  /** Starts a new page unless `height` more points fit on this one (or this page is still empty). */
  reserve(height: number): boolean {
    if (this.y + height <= CONTENT_BOTTOM || this.y <= PAGE.top) return false;
    this.newPage();
    return true;
  }

  private paint(panel: Panel | null | undefined, left: number, width: number, height: number): void {
    if (!panel || height <= 0) return;
    this.doc.rect(left, this.y, width, height).fillColor(panel.fill).fill();
    if (panel.bar) this.doc.rect(left, this.y, 3, height).fillColor(panel.bar).fill();
  }

  /**
   * Draws cells side by side, line by line: a row that does not fit moves to the next page whole,
   * a row taller than a page breaks between lines. The background is painted slice by slice, so
   * it follows the row across a page break.
   */
  row(cells: Cell[], options: RowOptions = {}): void {
    const { padY = 0, panel = null, left = PAGE.side, width = CONTENT_WIDTH, onNewPage } = options;
    const style = cells[0]?.style ?? STYLE.body;
    const step = Math.max(...cells.map((c) => lineHeight(c.style)), lineHeight(style));
    const count = Math.max(0, ...cells.map((c) => c.lines.length));
    const keep = Math.min(options.keep ?? count, count);
    const together = Math.min(keep * step + 2 * padY, CONTENT_HEIGHT);
    if (this.reserve(together)) onNewPage?.();

    this.paint(panel, left, width, padY);
    this.y += padY;
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      if (this.reserve(step + (last ? padY : 0))) {
        onNewPage?.();
        this.paint(panel, left, width, padY);
        this.y += padY;
      }
      this.paint(panel, left, width, step);
      for (const cell of cells) {
        const line = cell.lines[i];
        if (!line) continue;
        drawLine(this.doc, line, cell.style, cell.x, this.y + (step - lineHeight(cell.style)) / 2);
      }
      this.y += step;
    }
    this.paint(panel, left, width, padY);
    this.y += padY;
  }

  paragraph(text: string, style: Style = STYLE.body, gapAfter = 6, x = PAGE.side, width = CONTENT_WIDTH): void {
    this.row([{ x, lines: this.lines(text, style, width), style }], { keep: 2 });
    this.y += gapAfter;
  }

  rule(color = COLOR.rule, weight = 0.6): void {
    this.doc
      .moveTo(PAGE.side, this.y)
      .lineTo(PAGE.width - PAGE.side, this.y)
      .lineWidth(weight)
      .strokeColor(color)
      .stroke();
  }

  /** A heading, kept on one page with at least `withNext` points of what follows. */
  heading(text: string, style: Style, gapBefore: number, withNext = 50): void {
    const lines = this.lines(text, style, CONTENT_WIDTH);
    this.y += gapBefore;
    this.reserve(lines.length * lineHeight(style) + withNext);
    this.row([{ x: PAGE.side, lines, style }]);
    this.y += 3;
  }

  /** A two-column list of labels and values. */
  keyValues(
    pairs: readonly (readonly [string, string])[],
    options: { x?: number; width?: number; labelWidth?: number; panel?: Panel | null; padX?: number } = {},
  ): void {
    const { x = PAGE.side, width = CONTENT_WIDTH, labelWidth = 150, panel = null, padX = 0 } = options;
    const gutter = 10;
    const labelX = x + padX;
    const valueX = labelX + labelWidth + gutter;
    const valueWidth = x + width - padX - valueX;
    const rows = pairs.map(([label, value], i) => ({
      cells: [
        { x: labelX, lines: this.lines(label, STYLE.label, labelWidth), style: STYLE.label },
        { x: valueX, lines: this.lines(value, STYLE.value, valueWidth), style: STYLE.value },
      ],
      padY: panel ? (i === 0 || i === pairs.length - 1 ? 3 : 1) : 1,
    }));
    // The list stays on one page when it fits on one.
    const step = Math.max(lineHeight(STYLE.label), lineHeight(STYLE.value));
    const height = rows.reduce((sum, r) => sum + 2 * r.padY + step * Math.max(...r.cells.map((c) => c.lines.length)), 0);
    this.reserve(Math.min(height, CONTENT_HEIGHT));
    for (const { cells, padY } of rows) this.row(cells, { panel, left: x, width, padY });
  }

  /** A table whose header is repeated at the top of every page it runs onto. */
  table(columns: readonly { header: string; width: number }[], rows: readonly (readonly string[])[]): void {
    const padX = 2.5;
    const xs: number[] = [];
    let x = PAGE.side;
    for (const column of columns) {
      xs.push(x + padX);
      x += column.width;
    }
    const header = columns.map((c, i) => ({ x: xs[i]!, lines: this.lines(c.header, STYLE.cellHeader, c.width - 2 * padX), style: STYLE.cellHeader }));
    const drawHeader = () => {
      this.row(header, { padY: 2.5, panel: { fill: COLOR.header } });
    };
    // The header stays with at least the first row.
    const firstRow = rows[0];
    const firstHeight = firstRow
      ? Math.max(...firstRow.map((text, i) => this.lines(text, STYLE.cell, columns[i]!.width - 2 * padX).length)) * lineHeight(STYLE.cell) + 5
      : 0;
    const headerHeight = Math.max(...header.map((c) => c.lines.length)) * lineHeight(STYLE.cellHeader) + 5;
    this.reserve(headerHeight + firstHeight);
    drawHeader();
    rows.forEach((row, r) => {
      const cells = row.map((text, i) => ({ x: xs[i]!, lines: this.lines(text, STYLE.cell, columns[i]!.width - 2 * padX), style: STYLE.cell }));
      this.row(cells, { padY: 2.5, panel: r % 2 === 1 ? { fill: COLOR.zebra } : null, onNewPage: drawHeader });
    });
    this.rule();
  }
}

// ---- The document ------------------------------------------------------------------------------------

function valueText(field: HeldValue, language: InzageLanguage): string {
  if (field.value == null || field.value.trim() === '') return DASH;
  const codes = VALUE_LABELS[field.label];
  if (codes && Object.hasOwn(codes, field.value)) return wordFor(codes, field.value, language);
  return formatDate(field.value, language, 'long');
}

function categoryList(categories: readonly string[], language: InzageLanguage): string {
  return categories.length === 0 ? DASH : categories.map((c) => wordFor(CATEGORY_LABELS, c, language)).join(', ');
}

function heldPairs(values: readonly HeldValue[], language: InzageLanguage): [string, string][] {
  return values.map((v) => [wordFor(FIELD_LABELS, v.label, language), valueText(v, language)]);
}

/** Renders the answer to a subject access request as an A4 PDF in `data.language`. */
export async function renderSubjectAccessPdf(data: SubjectAccessExport): Promise<Buffer> {
  const language = data.language;
  const t: InzageTexts = TEXTS[language];
  if (!t) throw new Error(`No texts for language ${String(language)}`);
  const generatedAt = new Date(data.generatedAt);
  if (Number.isNaN(generatedAt.getTime())) throw new Error('Invalid generatedAt for a subject access export');

  const fonts = letterFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    lang: language,
    displayTitle: true,
    // Page numbers ("pagina 2 van 5") are drawn once the number of pages is known.
    bufferPages: true,
    // Fixed dates (no "now") so that the same input gives byte-identical output.
    info: {
      Title: t.title,
      Author: data.generatedBy.organisation,
      CreationDate: generatedAt,
      ModDate: generatedAt,
    },
  });
  // pdfkit accepts parsed fontkit fonts (its types only list file sources).
  for (const role of Object.keys(fonts) as FontRole[]) doc.registerFont(role, fonts[role] as unknown as Buffer);
  const bytes = buffer(doc);

  const w = new Writer(doc, fonts);
  const dateOfBirth = formatDate(data.pupil.dateOfBirth, language, 'long');

  // Header: organisation at the left, date and reference at the right.
  const startWidth = CONTENT_WIDTH * 0.58;
  const endX = PAGE.side + startWidth + 12;
  const endWidth = PAGE.width - PAGE.side - endX;
  const top = w.y;
  w.row([{ x: PAGE.side, lines: w.lines(data.generatedBy.organisation, STYLE.organisation, startWidth), style: STYLE.organisation }]);
  w.row([{ x: PAGE.side, lines: w.lines(t.subtitle, STYLE.meta, startWidth), style: STYLE.meta }]);
  const startBottom = w.y;
  w.y = top + 3;
  w.row([{ x: endX, lines: w.lines(`${t.date}: ${formatDate(data.generatedAt, language, 'day')}`, STYLE.meta, endWidth), style: STYLE.meta }]);
  w.row([{ x: endX, lines: w.lines(`${t.reference}: ${data.exportId}`, STYLE.meta, endWidth), style: STYLE.meta }]);
  w.y = Math.max(w.y, startBottom) + 8;
  w.rule(COLOR.accent, 0.8);
  w.y += 14;

  w.paragraph(t.title, STYLE.title, 8);
  w.keyValues([
    [t.pupil, data.pupil.displayName],
    [t.dateOfBirth, dateOfBirth],
  ], { labelWidth: 110 });
  w.y += 8;
  for (const text of t.intro(isolate(data.pupil.displayName), dateOfBirth)) w.paragraph(text);

  // What was left out, and on what ground (never what): before the sections, so it is not missed.
  if (data.exceptions.length > 0) {
    const panel: Panel = { fill: COLOR.warningPanel, bar: COLOR.warningBar };
    const padX = 14;
    const innerX = PAGE.side + padX;
    const innerWidth = CONTENT_WIDTH - 2 * padX;
    w.y += 6;
    const title = w.lines(t.exceptionsTitle, STYLE.warningTitle, innerWidth);
    const intro = w.lines(t.exceptionsIntro, STYLE.body, innerWidth);
    // Title and intro stay together.
    w.reserve(title.length * lineHeight(STYLE.warningTitle) + intro.length * lineHeight(STYLE.body) + 16);
    w.row([{ x: innerX, lines: title, style: STYLE.warningTitle }], { panel, padY: 4 });
    w.row([{ x: innerX, lines: intro, style: STYLE.body }], { panel, padY: 2 });
    const labelWidth = 60;
    for (const exception of data.exceptions) {
      // Only the statutory ground and the general description; the activity would say what.
      const text = [exception.legalBasis, exception.description].filter((s) => s.trim() !== '').join('\n');
      w.row(
        [
          { x: innerX, lines: w.lines(`${t.exceptionBasis}:`, STYLE.bodyBold, labelWidth), style: STYLE.bodyBold },
          { x: innerX + labelWidth + 6, lines: w.lines(text, STYLE.body, innerWidth - labelWidth - 6), style: STYLE.body },
        ],
        { panel, padY: 3 },
      );
    }
    w.row([], { panel, padY: 3 });
    w.y += 4;
  }

  let section = 0;
  const sectionHeading = (title: string) => w.heading(`${++section}. ${title}`, STYLE.section, 14);

  // 1. What we hold.
  sectionHeading(t.held);
  w.paragraph(t.heldIntro);
  if (data.held.length === 0) w.paragraph(t.none);
  for (const category of data.held) {
    w.heading(wordFor(CATEGORY_LABELS, category.category, language), STYLE.subsection, 6, 30);
    if (category.values.length === 0 && category.items.length === 0) w.paragraph(t.nothingHeld);
    if (category.values.length > 0) w.keyValues(heldPairs(category.values, language));
    for (const item of category.items) {
      w.y += 4;
      w.keyValues(heldPairs(item, language), { panel: { fill: COLOR.panel, bar: COLOR.rule }, padX: 10, labelWidth: 140 });
    }
  }

  // 2. Organisations involved.
  sectionHeading(t.organisations);
  if (data.organisations.length === 0) {
    w.paragraph(t.none);
  } else {
    w.paragraph(t.organisationsIntro);
    w.table(
      [
        { header: t.accessColumns.organisation, width: 170 },
        { header: t.organisationKind, width: 150 },
        { header: t.contact, width: CONTENT_WIDTH - 320 },
      ],
      data.organisations.map((o) => [
        o.name,
        wordFor(ORGANISATION_KIND_LABELS, o.kind, language),
        [o.contactPhone, o.contactEmail].filter((s): s is string => !!s && s.trim() !== '').join('\n') || DASH,
      ]),
    );
  }

  // 3. Referrals.
  sectionHeading(t.referrals);
  if (data.referrals.length === 0) {
    w.paragraph(t.none);
  } else {
    w.paragraph(t.referralsIntro);
    for (const referral of data.referrals) {
      w.heading(t.referralTitle(isolate(referral.sender), isolate(referral.receiver)), STYLE.subsection, 8, 60);
      w.keyValues([
        [t.status, wordFor(REFERRAL_STATUS_LABELS, referral.status, language)],
        [t.urgency, wordFor(URGENCY_LABELS, referral.urgency, language)],
        [t.createdAt, formatDate(referral.createdAt, language, 'long')],
        [t.closedAt, referral.closedAt ? formatDate(referral.closedAt, language, 'long') : t.stillOpen],
        [t.legalBasis, wordFor(LEGAL_BASIS_LABELS, referral.legalBasis, language)],
        [t.sharedCategories, categoryList(referral.sharedCategories, language)],
      ]);
      if (referral.events.length > 0) {
        w.y += 4;
        w.heading(t.events, STYLE.bodyBold, 0, 30);
        w.table(
          [
            { header: t.eventDate, width: 52 },
            { header: t.accessColumns.organisation, width: 125 },
            { header: t.eventAction, width: 95 },
            { header: t.eventStatus, width: 80 },
            { header: t.eventReason, width: CONTENT_WIDTH - 352 },
          ],
          referral.events.map((e) => [
            formatDate(e.occurredAt, language, 'short'),
            e.organisation,
            wordFor(REFERRAL_ACTION_LABELS, e.action, language),
            wordFor(REFERRAL_STATUS_LABELS, e.status, language),
            e.reason?.trim() ? e.reason : DASH,
          ]),
        );
      }
      w.y += 6;
    }
  }

  // 4. Who accessed the data.
  sectionHeading(t.accessHistory);
  w.paragraph(t.accessIntro(data.accessHistory.length));
  w.paragraph(data.employeesIncluded ? t.employeesShown : t.employeesWithheld);
  if (data.accessHistory.length === 0) {
    w.paragraph(t.nobody);
  } else {
    const c = t.accessColumns;
    w.table(
      [
        // Widths fit the longest words at 7.5 pt: "01-09-2025", "Schoolmaatschappelijk",
        // "gegevensbescherming", "inzage/export", "Burgerservicenummer,".
        { header: c.at, width: 46 },
        { header: c.organisation, width: 86 },
        { header: c.role, width: 85.5 },
        { header: c.employee, width: 52.5 },
        { header: c.action, width: 54 },
        { header: c.purpose, width: 86 },
        { header: c.categories, width: CONTENT_WIDTH - 410 },
      ],
      data.accessHistory.map((entry) => {
        const outcome = Object.hasOwn(ACCESS_OUTCOME_LABELS, entry.outcome) ? ` (${wordFor(ACCESS_OUTCOME_LABELS, entry.outcome, language)})` : '';
        return [
          formatDate(entry.occurredAt, language, 'short'),
          entry.organisation,
          wordFor(ROLE_LABELS, entry.role, language),
          // Withheld unless the privacy officer consented; a null name with consent is no person (the system).
          entry.employee?.trim() ? entry.employee : data.employeesIncluded ? DASH : t.notStated,
          wordFor(ACCESS_ACTION_LABELS, entry.action, language) + outcome,
          entry.purpose,
          categoryList(entry.categories, language),
        ];
      }),
    );
  }

  // 5. Corrections and restriction, when there are any.
  if (data.corrections.length > 0) {
    sectionHeading(t.corrections);
    w.paragraph(t.correctionsIntro);
    const c = t.correctionColumns;
    w.table(
      [
        { header: c.at, width: 52 },
        { header: c.field, width: 80 },
        { header: c.previous, width: 90 },
        { header: c.next, width: 90 },
        { header: c.reason, width: 103 },
        { header: c.organisation, width: CONTENT_WIDTH - 415 },
      ],
      data.corrections.map((k) => [
        formatDate(k.correctedAt, language, 'short'),
        wordFor(FIELD_LABELS, k.field, language),
        k.previousValue == null || k.previousValue === '' ? t.empty : valueText({ label: k.field, value: k.previousValue }, language),
        k.newValue == null || k.newValue === '' ? t.empty : valueText({ label: k.field, value: k.newValue }, language),
        k.reason.trim() ? k.reason : DASH,
        k.organisation,
      ]),
    );
  }
  if (data.restriction) {
    sectionHeading(t.restriction);
    w.paragraph(t.restrictionText(formatDate(data.restriction.since, language, 'day')));
    w.keyValues([[t.restrictionReason, data.restriction.reason.trim() || DASH]], { labelWidth: 110 });
  }

  // Closing: what the family can do.
  w.heading(t.closing, STYLE.section, 16);
  const own = data.organisations.find((o) => o.name === data.generatedBy.organisation);
  const contact = own ? [own.contactPhone, own.contactEmail].filter((s): s is string => !!s && s.trim() !== '').join(', ') : '';
  for (const text of t.closingParagraphs(isolate(data.generatedBy.organisation), contact ? isolate(contact) : null, isolate(data.exportId))) {
    w.paragraph(text);
  }
  w.paragraph(t.employeesClosing(data.employeesIncluded));

  // Footer on every page: reference at the left, "pagina n van N" at the right.
  const { start, count } = doc.bufferedPageRange();
  const footerTop = PAGE.height - PAGE.footer - lineHeight(STYLE.footer);
  const reference = w.lines(`${t.title} · ${t.reference} ${data.exportId}`, STYLE.footer, CONTENT_WIDTH * 0.7)[0];
  for (let i = 0; i < count; i++) {
    doc.switchToPage(start + i);
    doc
      .moveTo(PAGE.side, footerTop - 4)
      .lineTo(PAGE.width - PAGE.side, footerTop - 4)
      .lineWidth(0.5)
      .strokeColor(COLOR.rule)
      .stroke();
    if (reference) drawLine(doc, reference, STYLE.footer, PAGE.side, footerTop);
    const page = w.lines(t.page(i + 1, count), STYLE.footer, CONTENT_WIDTH * 0.3)[0];
    if (page) drawLine(doc, page, STYLE.footer, PAGE.width - PAGE.side - page.width, footerTop);
  }

  doc.end();
  return bytes;
}
