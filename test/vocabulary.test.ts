// One vocabulary, Dutch first: every value of every enum in the schema, every referral action and
// every processing activity has a Dutch and an English name; the console and the subject-access PDF
// take their names from it, so one thing has one name.
import { buildASTSchema, isEnumType, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROCESSING_ACTIVITIES } from '../src/audit/processing-activities.ts';
import { RULES } from '../src/outreach/next-step.ts';
import { readSchemaSource } from '../src/graphql/sdl.ts';
import { ROLE_LABELS, REFERRAL_ACTION_LABELS, REFERRAL_STATUS_LABELS } from '../src/inzage/labels.ts';
import { STATUS_REASONS, TRANSITIONS } from '../src/referrals/lifecycle.ts';
import { labelOf, VOCABULARY, type LabelGroup } from '../src/vocabulary/labels.ts';
import { makeTranslate } from '../src/console/i18n/translate.ts';

const schema = buildASTSchema(parse(readSchemaSource()));
const enums = Object.values(schema.getTypeMap()).filter((type) => isEnumType(type) && !type.name.startsWith('__'));

/** Codes without both names, as `Group.CODE (language)`. */
function missing(group: string, codes: readonly string[]): string[] {
  const labels = (VOCABULARY as Record<string, LabelGroup>)[group];
  if (!labels) return [`${group} (no group)`];
  return codes.flatMap((code) =>
    (['nl', 'en'] as const).filter((language) => !labels[code]?.[language]?.trim()).map((language) => `${group}.${code} (${language})`),
  );
}

describe('the vocabulary', () => {
  it('names every value of every enum in the schema in Dutch and English', () => {
    expect(enums.length).toBeGreaterThan(20);
    const gaps = enums.flatMap((type) => (isEnumType(type) ? missing(type.name, type.getValues().map((value) => value.name)) : []));
    expect(gaps).toEqual([]);
  });

  it('names every referral action (as a button and as what happened) and every status reason', () => {
    const actions = [...new Set(['CREATE', ...TRANSITIONS.map((transition) => transition.action)])];
    expect(missing('ReferralAction', actions)).toEqual([]);
    expect(missing('ReferralEvent', actions)).toEqual([]);
    expect(missing('StatusReasonCode', Object.values(STATUS_REASONS).flat())).toEqual([]);
  });

  it('names every processing activity of the register, and the register carries those names', () => {
    expect(missing('ProcessingActivity', PROCESSING_ACTIVITIES.map((entry) => entry.id))).toEqual([]);
    for (const entry of PROCESSING_ACTIVITIES) {
      expect(entry.nameNl).toBe(labelOf('ProcessingActivity', entry.id, 'nl'));
      expect(entry.name).toBe(labelOf('ProcessingActivity', entry.id, 'en'));
    }
  });

  it('gives Dutch names that differ from the English ones where the words differ (no English left in Dutch)', () => {
    // Spot checks of the names the console and the PDF used to disagree on.
    expect(labelOf('Role', 'COORDINATOR', 'nl')).toBe('Coördinator');
    expect(labelOf('Role', 'SYSTEM', 'nl')).toBe('Ketenhub (automatisch)');
    expect(labelOf('ProcessingActivity', 'leerplicht-verzuim', 'nl')).not.toMatch(/Absence/);
  });
});

describe('one name per thing in the console and the subject-access PDF', () => {
  const pairs: [prefix: string, group: keyof typeof VOCABULARY][] = [
    ['role', 'Role'],
    ['kind', 'OrganisationKind'],
    ['category', 'DataCategory'],
    ['status', 'ReferralStatus'],
    ['referrals.event', 'ReferralEvent'],
    ['legalBasis', 'LegalBasis'],
    ['accessAction', 'AccessAction'],
    ['processingActivity', 'ProcessingActivity'],
  ];
  for (const language of ['nl', 'en'] as const) {
    it(`the console in ${language} uses the vocabulary's names`, () => {
      const t = makeTranslate(language);
      for (const [prefix, group] of pairs)
        for (const [code, label] of Object.entries(VOCABULARY[group] as LabelGroup)) expect(t.dynamic(prefix, code)).toBe(label[language]);
    });
    it(`the PDF in ${language} uses the same names`, () => {
      const t = makeTranslate(language);
      for (const code of Object.keys(VOCABULARY.Role)) expect(ROLE_LABELS[code]![language]).toBe(t.dynamic('role', code));
      for (const code of Object.keys(VOCABULARY.ReferralStatus)) expect(REFERRAL_STATUS_LABELS[code]![language]).toBe(t.dynamic('status', code));
      for (const code of Object.keys(VOCABULARY.ReferralEvent)) expect(REFERRAL_ACTION_LABELS[code]![language]).toBe(t.dynamic('referrals.event', code));
    });
  }

  it('words every rule of the next step in both languages, so no English rule text shows in Dutch', () => {
    for (const language of ['nl', 'en'] as const) {
      const t = makeTranslate(language);
      for (const rule of RULES) expect(t.dynamic('nextStepRule', rule.id), rule.id).not.toBe(rule.id);
    }
  });

  it('counts in the plural form the number takes', () => {
    const nl = makeTranslate('nl');
    expect(nl.count('privacy.log.found', 1)).toBe('1 registratie gevonden');
    expect(nl.count('privacy.log.found', 2)).toBe('2 registraties gevonden');
    expect(nl.count('privacy.log.found', 0)).toBe('0 registraties gevonden');
    expect(makeTranslate('en').count('outreach.cases.found', 1)).toBe('1 case found');
  });
});
