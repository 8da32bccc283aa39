import PDFDocument from 'pdfkit';
import { letterFonts, type FontRole, type FontSet } from './fonts.ts';
import { layoutParagraph, type Direction, type Line } from './layout.ts';
import {
  fillTemplate,
  loadTemplate,
  type LetterKind,
  type LetterLanguage,
  type PlaceholderValues,
} from './templates.ts';

export { LETTER_KINDS, LETTER_LANGUAGES, type LetterKind, type LetterLanguage } from './templates.ts';

export interface LetterInput {
  kind: LetterKind;
  language: LetterLanguage;
  pupilName: string;
  schoolName: string;
  officer: { name: string; organisation: string; phone: string | null; email: string | null };
  /** Printing date; also the PDF's creation date, so equal input gives equal bytes. */
  date: Date;
  /** Date of the door visit; required for a DOOR_NOTE. */
  visitDate?: Date | null;
  municipalityName: string;
  /** Case reference printed on the letter, e.g. a short id. */
  reference: string;
  /** The family's postal address (CONTACT); required for a LETTER, which goes by post. */
  address?: PostalAddress | null;
}

export interface PostalAddress {
  street: string;
  houseNumber: string;
  postalCode: string;
  city: string;
}

/** The address lines as the Dutch post wants them: street and number; postcode, two spaces, place in capitals. */
export function addressLines(address: PostalAddress): string[] {
  const clean = (text: string) => text.replace(/[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]+/gu, ' ').replace(/\s+/g, ' ').trim();
  return [`${clean(address.street)} ${clean(address.houseNumber)}`, `${clean(address.postalCode)}  ${clean(address.city).toLocaleUpperCase('nl-NL')}`];
}

/** Whether an address has every part a letter by post needs. */
export function isCompleteAddress(address: { [K in keyof PostalAddress]?: string | null } | null | undefined): address is PostalAddress {
  return !!address && [address.street, address.houseNumber, address.postalCode, address.city].every((part) => !!part?.trim());
}

// Western digits in Arabic too: phone numbers and references on the same page use them.
const LOCALES: Record<LetterLanguage, string> = {
  nl: 'nl-NL',
  en: 'en-GB',
  pl: 'pl-PL',
  tr: 'tr-TR',
  ar: 'ar-u-nu-latn',
  bg: 'bg-BG',
};
const dateFormats = new Map<LetterLanguage, Intl.DateTimeFormat>();

function formatDate(date: Date, language: LetterLanguage): string {
  if (Number.isNaN(date.getTime())) throw new Error('Invalid date for a letter');
  let format = dateFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'long', timeZone: 'Europe/Amsterdam' });
    dateFormats.set(language, format);
  }
  return format.format(date);
}

// A4 in points; margins of about 22 mm.
const PAGE = { width: 595.28, height: 841.89, side: 62, top: 56, bottom: 64 };
const MM = 72 / 25.4;
// The address window of a C5/6 (and DL) window envelope after NEN 1026: on the left, 20 mm from the
// left edge, 50 mm from the top, 90 x 45 mm. The block keeps a few mm inside it on every side, so a
// letter that shifts in the envelope still shows the whole address and nothing else.
const ADDRESS_WINDOW = { left: 20 * MM, top: 50 * MM, width: 90 * MM, height: 45 * MM };
const ADDRESS_BLOCK = { x: PAGE.side, top: 55 * MM, width: 85 * MM, bottom: ADDRESS_WINDOW.top + ADDRESS_WINDOW.height };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.side;
const COLOR = { text: '#1b1b1b', muted: '#5b5b5b', accent: '#1d4f91', panel: '#edf2f8' };

interface Style {
  size: number;
  bold: boolean;
  color: string;
}
const STYLE = {
  organisation: { size: 13, bold: true, color: COLOR.accent },
  meta: { size: 9.5, bold: false, color: COLOR.muted },
  dutch: { size: 8.5, bold: false, color: COLOR.muted },
  title: { size: 17, bold: true, color: COLOR.accent },
  body: { size: 11, bold: false, color: COLOR.text },
  heading: { size: 11, bold: true, color: COLOR.text },
  address: { size: 10.5, bold: false, color: COLOR.text },
} satisfies Record<string, Style>;

/** Writes laid-out lines top to bottom, starting a new page when one is full. */
class PageWriter {
  y = PAGE.top;
  private readonly registered = new Set<FontRole>();

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly fonts: FontSet,
    private readonly direction: Direction,
    private readonly lineFactor: number,
  ) {}

  lines(text: string, style: Style, width = CONTENT_WIDTH, direction = this.direction): Line[] {
    return layoutParagraph(this.fonts, text, direction, style, width);
  }

  lineHeight(style: Style): number {
    return style.size * this.lineFactor;
  }

  /** Moves to a new page unless `height` more points fit on this one. */
  reserve(height: number): void {
    if (this.y + height > PAGE.height - PAGE.bottom) {
      this.doc.addPage();
      this.y = PAGE.top;
    }
  }

  /** Draws lines in a column; `toRight` aligns them to its right edge. */
  draw(lines: Line[], style: Style, x = PAGE.side, width = CONTENT_WIDTH, toRight = this.direction === 'rtl'): void {
    const height = this.lineHeight(style);
    for (const line of lines) {
      this.reserve(height);
      // Baseline at about the ascender of the Latin font below the line's top.
      const baseline = this.y + style.size * 1.1;
      let cursor = toRight ? x + width - line.width : x;
      for (const piece of line.pieces) {
        if (!this.registered.has(piece.font)) {
          // pdfkit accepts parsed fontkit fonts (its types only list file sources). Registered on
          // first use, so a font the letter does not need is never parsed.
          this.doc.registerFont(piece.font, this.fonts[piece.font] as unknown as Buffer);
          this.registered.add(piece.font);
        }
        this.doc.font(piece.font).fontSize(style.size).fillColor(style.color);
        // features: [] makes pdfkit shape the whole run at once instead of word by word,
        // which keeps fontkit's right-to-left glyph order for Arabic runs intact.
        this.doc.text(piece.text, cursor, baseline, { lineBreak: false, baseline: 'alphabetic', features: [] });
        cursor += piece.width;
      }
      this.y += height;
    }
  }

  paragraph(text: string, style: Style, gapAfter: number, direction = this.direction): void {
    // A paragraph in the other direction (the Dutch line in an Arabic letter) aligns to its own start.
    this.draw(this.lines(text, style, CONTENT_WIDTH, direction), style, PAGE.side, CONTENT_WIDTH, direction === 'rtl');
    this.y += gapAfter;
  }
}

function placeholderValues(input: LetterInput): PlaceholderValues {
  return {
    pupilName: input.pupilName,
    schoolName: input.schoolName,
    officerName: input.officer.name,
    officerOrganisation: input.officer.organisation,
    officerPhone: input.officer.phone,
    officerEmail: input.officer.email,
    municipalityName: input.municipalityName,
    reference: input.reference,
    date: formatDate(input.date, input.language),
    visitDate: input.visitDate ? formatDate(input.visitDate, input.language) : null,
  };
}

/** Renders the letter or door note as an A4 PDF in the family's language. */
export async function renderLetter(input: LetterInput): Promise<Buffer> {
  if (input.kind === 'DOOR_NOTE' && !input.visitDate) throw new Error('A door note needs the date of the visit');
  if (input.kind === 'LETTER' && !isCompleteAddress(input.address)) throw new Error('A letter needs the family\'s complete postal address');
  const template = loadTemplate(input.kind, input.language);
  const values = placeholderValues(input);
  const fill = (text: string) => fillTemplate(text, values);
  const fonts = letterFonts();
  const direction: Direction = input.language === 'ar' ? 'rtl' : 'ltr';

  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    lang: input.language,
    displayTitle: true,
    // Fixed dates (no "now") so that the same input gives byte-identical output.
    info: {
      Title: template.title,
      Author: input.officer.organisation,
      CreationDate: input.date,
      ModDate: input.date,
    },
  });
  const done = collect(doc);

  // Arabic needs more room between lines for its marks above and below.
  const page = new PageWriter(doc, fonts, direction, direction === 'rtl' ? 1.75 : 1.45);

  // Header: organisation and municipality at the start side, reference and date at the end side.
  const startWidth = CONTENT_WIDTH * 0.58;
  const endWidth = CONTENT_WIDTH - startWidth;
  const startX = direction === 'rtl' ? PAGE.side + endWidth : PAGE.side;
  const endX = direction === 'rtl' ? PAGE.side : PAGE.side + startWidth;
  const top = page.y;
  page.draw(page.lines(fill('{{officerOrganisation}}'), STYLE.organisation, startWidth), STYLE.organisation, startX, startWidth);
  page.draw(page.lines(fill(template.header.municipality), STYLE.meta, startWidth), STYLE.meta, startX, startWidth);
  const startBottom = page.y;
  page.y = top + 3;
  for (const text of [template.header.reference, template.header.date]) {
    page.draw(page.lines(fill(text), STYLE.meta, endWidth), STYLE.meta, endX, endWidth, direction === 'ltr');
  }
  page.y = Math.max(page.y, startBottom) + 8;

  // The address block, for the envelope's window: the addressee in the letter's language (aligned
  // to its own start within the block), then the postal address as the Dutch post reads it.
  if (input.kind === 'LETTER' && template.addressee && isCompleteAddress(input.address)) {
    page.y = Math.max(page.y, ADDRESS_BLOCK.top);
    const addressee = page.lines(fill(template.addressee), STYLE.address, ADDRESS_BLOCK.width);
    page.draw(addressee, STYLE.address, ADDRESS_BLOCK.x, ADDRESS_BLOCK.width);
    for (const line of addressLines(input.address)) {
      page.draw(page.lines(line, STYLE.address, ADDRESS_BLOCK.width, 'ltr'), STYLE.address, ADDRESS_BLOCK.x, ADDRESS_BLOCK.width, false);
    }
    page.y = Math.max(page.y, ADDRESS_BLOCK.bottom) + 8;
  }
  doc
    .moveTo(PAGE.side, page.y)
    .lineTo(PAGE.width - PAGE.side, page.y)
    .lineWidth(0.8)
    .strokeColor(COLOR.accent)
    .stroke();
  page.y += 14;

  if (template.dutchSummary) page.paragraph(fill(template.dutchSummary), STYLE.dutch, 10, 'ltr');
  page.paragraph(fill(template.title), STYLE.title, 10);
  page.paragraph(fill(template.salutation), STYLE.body, 6);
  for (const text of template.paragraphs) page.paragraph(fill(text), STYLE.body, 6);

  page.y += 8;
  for (const text of template.signOff) page.paragraph(fill(text), STYLE.body, 0);

  // Contact panel, kept on one page.
  const contact = template.contact.lines.map(fill).filter((text) => text.trim() !== '');
  const padding = 12;
  const innerWidth = CONTENT_WIDTH - 2 * padding;
  const heading = page.lines(fill(template.contact.heading), STYLE.heading, innerWidth);
  const contactLines = contact.flatMap((text) => page.lines(text, STYLE.body, innerWidth));
  const panelHeight =
    2 * padding + heading.length * page.lineHeight(STYLE.heading) + contactLines.length * page.lineHeight(STYLE.body);
  page.y += 18;
  page.reserve(panelHeight);
  doc.rect(PAGE.side, page.y, CONTENT_WIDTH, panelHeight).fillColor(COLOR.panel).fill();
  page.y += padding;
  page.draw(heading, STYLE.heading, PAGE.side + padding, innerWidth);
  page.draw(contactLines, STYLE.body, PAGE.side + padding, innerWidth);

  doc.end();
  return done;
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}
