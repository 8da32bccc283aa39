import { readFileSync } from 'node:fs';
import { z } from 'zod';

import { LETTER_LANGUAGES, type LetterLanguage } from '../policy/vocabulary.ts';

export type LetterKind = 'LETTER' | 'DOOR_NOTE';
// The languages are the domain's (the pupils' letter_language column and the schema's enum).
export { LETTER_LANGUAGES, type LetterLanguage };

export const LETTER_KINDS: readonly LetterKind[] = ['LETTER', 'DOOR_NOTE'];

export const PLACEHOLDERS = [
  'pupilName',
  'schoolName',
  'officerName',
  'officerOrganisation',
  'officerPhone',
  'officerEmail',
  'municipalityName',
  'reference',
  'date',
  'visitDate',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Record<Placeholder, string | null>;

// Strict, so a misspelt key in a translator's file fails loudly instead of silently vanishing.
const TemplateSchema = z
  .object({
    title: z.string().min(1),
    // One Dutch line for a helper who reads Dutch; absent only in the Dutch template itself.
    dutchSummary: z.string().min(1).optional(),
    header: z.object({ municipality: z.string(), reference: z.string(), date: z.string() }).strict(),
    // Letters only (they go by post): the first line of the address block in the envelope's window.
    addressee: z.string().min(1).optional(),
    salutation: z.string(),
    paragraphs: z.array(z.string().min(1)).min(1),
    signOff: z.array(z.string()),
    contact: z.object({ heading: z.string(), lines: z.array(z.string()) }).strict(),
  })
  .strict();
export type LetterTemplate = z.infer<typeof TemplateSchema>;

const FILE_KIND: Record<LetterKind, string> = { LETTER: 'letter', DOOR_NOTE: 'door-note' };

export function templateUrl(kind: LetterKind, language: LetterLanguage): URL {
  return new URL(`./templates/${FILE_KIND[kind]}.${language}.json`, import.meta.url);
}

const cache = new Map<string, LetterTemplate>();

export function loadTemplate(kind: LetterKind, language: LetterLanguage): LetterTemplate {
  const key = `${kind}.${language}`;
  let template = cache.get(key);
  if (!template) {
    const url = templateUrl(kind, language);
    const parsed = TemplateSchema.safeParse(JSON.parse(readFileSync(url, 'utf8')));
    if (!parsed.success) throw new Error(`Invalid letter template ${url.pathname}: ${parsed.error.message}`);
    template = parsed.data;
    cache.set(key, template);
  }
  return template;
}

/** Every text in a template, for checks that must see all of them. */
export function templateTexts(t: LetterTemplate): string[] {
  return [
    t.title,
    ...(t.dutchSummary ? [t.dutchSummary] : []),
    t.header.municipality,
    t.header.reference,
    t.header.date,
    ...(t.addressee ? [t.addressee] : []),
    t.salutation,
    ...t.paragraphs,
    ...t.signOff,
    t.contact.heading,
    ...t.contact.lines,
  ];
}

const TAG = /\{\{([#/]?)(\w+)\}\}/g;

/** Names used as {{name}}, {{#name}} or {{/name}} anywhere in the template. */
export function placeholdersOf(t: LetterTemplate): Set<string> {
  const names = new Set<string>();
  for (const text of templateTexts(t)) for (const m of text.matchAll(TAG)) names.add(m[2]!);
  return names;
}

// First-strong isolates keep an inserted value's direction to itself: a Latin name or a phone
// number inside Arabic text keeps its own order, and cannot reorder the sentence around it.
const FSI = '\u2068';
const PDI = '\u2069';
// Bidi controls in a value could break out of that isolate (or spoof the order), so they go;
// line breaks and other control characters become spaces.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;
const CONTROLS = /\p{Cc}+/gu;
const SECTION = /\{\{#(\w+)\}\}([\s\S]*?)\{\{\/\1\}\}/g;

function valueOf(values: PlaceholderValues, name: string): string | null {
  if (!(PLACEHOLDERS as readonly string[]).includes(name)) throw new Error(`Unknown placeholder {{${name}}}`);
  const value = values[name as Placeholder];
  return value == null ? null : value.replace(BIDI_CONTROLS, '').replace(CONTROLS, ' ').trim() || null;
}

/**
 * Fills {{name}} placeholders. {{#name}}…{{/name}} keeps its content only when `name` has a value,
 * so optional details (phone, email) can be left out cleanly; a bare {{name}} without a value is a bug.
 */
export function fillTemplate(text: string, values: PlaceholderValues): string {
  const filled = text
    .replace(SECTION, (_, name: string, inner: string) => (valueOf(values, name) == null ? '' : inner))
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = valueOf(values, name);
      if (value == null) throw new Error(`No value for {{${name}}}`);
      return FSI + value + PDI;
    });
  if (/\{\{|\}\}/.test(filled)) throw new Error(`Malformed placeholder in template text: ${text}`);
  return filled;
}
