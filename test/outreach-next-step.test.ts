// The next step in a case of a pupil out of view (src/outreach/next-step.ts): unit tests of the rule
// table — every rule, the first match winning, waiting and due moments in working days (weekends
// skipped), urgent hours — and one case walked through the API from the first call to a referral.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextStep, RULES, tally, type AttemptFacts, type CaseFacts } from '../src/outreach/next-step.ts';
import { DEMO_NOW, startTestHub, type TestHub } from './helpers/hub.ts';
import { gqlOk, LZ_TO_SMW, NO_RATE_LIMITS } from './helpers/referrals.ts';
import { CASE_BY_ID, LZ_DH, openCase, recordOk, REFER } from './helpers/outreach.ts';

const HOUR = 3600_000;
// 2026: Monday 16 March is DEMO_BASE_TIME's day. All moments below are in UTC (CET = UTC+1 until 29 March).
const at = (iso: string) => new Date(iso);
const MON = '2026-03-16';
const OPENED = at(`${MON}T09:00:00Z`);

function attempt(kind: AttemptFacts['kind'], outcome: AttemptFacts['outcome'], occurred: string): AttemptFacts {
  return { kind, outcome, occurred_at: at(occurred) };
}
const facts = (attempts: AttemptFacts[], urgent = false, opened = OPENED): CaseFacts => ({ urgent, opened_at: opened, attempts });

/** One case per rule, where that rule is the one that applies. */
const SCENARIOS: Record<string, CaseFacts> = {
  'contact-made': facts([attempt('PHONE', 'NO_ANSWER', '2026-03-16T10:00:00Z'), attempt('PHONE', 'REACHED', '2026-03-17T10:00:00Z')]),
  'nobody-home-leave-note': facts([attempt('DOOR_VISIT', 'NOBODY_HOME', '2026-03-17T14:00:00Z')], true),
  'second-visit-failed-refer': facts([
    attempt('DOOR_VISIT', 'NOBODY_HOME', '2026-03-17T14:00:00Z'),
    attempt('NOTE_LEFT', 'LEFT', '2026-03-17T14:05:00Z'),
    attempt('DOOR_VISIT', 'NOBODY_HOME', '2026-03-20T14:00:00Z'),
    attempt('NOTE_LEFT', 'LEFT', '2026-03-20T14:05:00Z'),
  ]),
  'note-left-second-visit': facts([attempt('DOOR_VISIT', 'NOBODY_HOME', '2026-03-19T14:00:00Z'), attempt('NOTE_LEFT', 'LEFT', '2026-03-19T14:05:00Z')]),
  'urgent-door-first': facts([], true),
  'letter-unanswered-visit': facts([
    attempt('PHONE', 'NO_ANSWER', '2026-03-16T10:00:00Z'),
    attempt('PHONE', 'NO_ANSWER', '2026-03-17T10:00:00Z'),
    attempt('LETTER', 'SENT', '2026-03-18T09:00:00Z'),
  ]),
  'two-unanswered-calls-letter': facts([attempt('PHONE', 'NO_ANSWER', '2026-03-16T10:00:00Z'), attempt('PHONE', 'NO_ANSWER', '2026-03-17T10:00:00Z')]),
  'call-again': facts([attempt('PHONE', 'NO_ANSWER', '2026-03-20T09:00:00Z')]),
  'first-call': facts([]),
};

describe('the rule table', () => {
  it('has a scenario in this file for every rule (add one when a rule is added)', () => {
    const missing = RULES.map((rule) => rule.id).filter((id) => !(id in SCENARIOS));
    expect(missing).toEqual([]);
    expect(new Set(RULES.map((rule) => rule.id)).size).toBe(RULES.length);
  });

  it.each(RULES.map((rule) => [rule.id, rule] as const))('rule %s is chosen in its scenario, with its action and description', (id, rule) => {
    const step = nextStep(SCENARIOS[id]!);
    expect(step.rule).toBe(id);
    expect(step.action).toBe(rule.action);
    expect(step.description).toBe(rule.description);
    expect(step.description.length).toBeGreaterThan(10);
  });

  it('the first rule that applies wins, and several rules do apply in some scenarios', () => {
    let contested = 0;
    for (const [id, scenario] of Object.entries(SCENARIOS)) {
      const counted = tally(scenario);
      const applying = RULES.filter((rule) => rule.applies(counted)).map((rule) => rule.id);
      expect(applying[0], id).toBe(id);
      if (applying.filter((rule) => rule !== 'first-call').length > 1) contested++;
    }
    // e.g. contact made after one unanswered call: call-again applies too, but contact-made comes first.
    expect(contested).toBeGreaterThanOrEqual(1);
    // The last rule is the fallback: it always applies.
    expect(RULES[RULES.length - 1]!.id).toBe('first-call');
  });

  it.each([
    ['contact wins over an urgent case with nobody home before', facts([attempt('DOOR_VISIT', 'NOBODY_HOME', '2026-03-16T12:00:00Z'), attempt('DOOR_VISIT', 'CONTACT_MADE', '2026-03-17T12:00:00Z')], true), 'contact-made', 'CLOSE_CASE'],
    ['an urgent case goes to the door even after two unanswered calls', facts([attempt('PHONE', 'NO_ANSWER', '2026-03-16T10:00:00Z'), attempt('PHONE', 'NO_ANSWER', '2026-03-16T11:00:00Z')], true), 'urgent-door-first', 'DOOR_VISIT'],
    ['a letter already sent: no second letter after more unanswered calls', facts([attempt('LETTER', 'SENT', '2026-03-16T10:00:00Z'), attempt('PHONE', 'NO_ANSWER', '2026-03-17T10:00:00Z'), attempt('PHONE', 'NO_ANSWER', '2026-03-18T10:00:00Z')]), 'letter-unanswered-visit', 'DOOR_VISIT'],
    ['no usable number: straight to the letter', facts([attempt('PHONE', 'WRONG_NUMBER', '2026-03-16T10:00:00Z')]), 'two-unanswered-calls-letter', 'LETTER'],
    ['a second nobody-home visit needs its note before the referral', facts([attempt('DOOR_VISIT', 'NOBODY_HOME', '2026-03-17T14:00:00Z'), attempt('NOTE_LEFT', 'LEFT', '2026-03-17T14:05:00Z'), attempt('DOOR_VISIT', 'NOBODY_HOME', '2026-03-20T14:00:00Z')]), 'nobody-home-leave-note', 'NOTE_LEFT'],
    ['three unanswered calls and nothing else: the letter', facts([attempt('PHONE', 'NO_ANSWER', '2026-03-16T10:00:00Z'), attempt('PHONE', 'NO_ANSWER', '2026-03-17T10:00:00Z'), attempt('PHONE', 'NO_ANSWER', '2026-03-18T10:00:00Z')]), 'two-unanswered-calls-letter', 'LETTER'],
  ] as const)('%s', (_name, scenario, rule, action) => {
    expect(nextStep(scenario)).toMatchObject({ rule, action });
  });

  it('does not depend on the order the attempts are given in', () => {
    for (const [id, scenario] of Object.entries(SCENARIOS)) {
      const reversed = { ...scenario, attempts: [...scenario.attempts].reverse() };
      expect(nextStep(reversed), id).toEqual(nextStep(scenario));
    }
  });
});

describe('waiting and due moments', () => {
  const iso = (date: Date | null) => date?.toISOString() ?? null;

  it.each([
    // rule, scenario, notBefore, dueAt
    ['first-call (Monday): due two working days later', facts([]), null, '2026-03-18T09:00:00.000Z'],
    ['first-call (Friday): due Tuesday, the weekend skipped', facts([], false, at('2026-03-20T09:00:00Z')), null, '2026-03-24T09:00:00.000Z'],
    ['first-call (Saturday): due Tuesday', facts([], false, at('2026-03-21T09:00:00Z')), null, '2026-03-24T09:00:00.000Z'],
    ['call-again (Friday call): not before Monday, due Tuesday', SCENARIOS['call-again']!, '2026-03-23T09:00:00.000Z', '2026-03-24T09:00:00.000Z'],
    ['two-unanswered-calls-letter: at once, within a working day of the last call', SCENARIOS['two-unanswered-calls-letter']!, null, '2026-03-18T10:00:00.000Z'],
    ['letter-unanswered-visit (Wednesday letter): not before Wednesday next week, due three working days later', SCENARIOS['letter-unanswered-visit']!, '2026-03-25T09:00:00.000Z', '2026-03-30T08:00:00.000Z'], // 10:00 in the Netherlands, summer time from 29 March
    ['nobody-home-leave-note: at once, within 2 hours of the visit', SCENARIOS['nobody-home-leave-note']!, null, '2026-03-17T16:00:00.000Z'],
    ['note-left-second-visit (Thursday note): not before Monday, due Thursday', SCENARIOS['note-left-second-visit']!, '2026-03-23T14:05:00.000Z', '2026-03-26T14:05:00.000Z'],
    ['second-visit-failed-refer (Friday note): not before Tuesday, due Thursday', SCENARIOS['second-visit-failed-refer']!, '2026-03-24T14:05:00.000Z', '2026-03-26T14:05:00.000Z'],
    ['contact-made: close within a working day of the contact', SCENARIOS['contact-made']!, null, '2026-03-18T10:00:00.000Z'],
    ['urgent-door-first: within 24 hours of the report', SCENARIOS['urgent-door-first']!, null, '2026-03-17T09:00:00.000Z'],
    ['urgent-door-first on a Friday afternoon: 24 hours, weekend or not', facts([], true, at('2026-03-20T15:00:00Z')), null, '2026-03-21T15:00:00.000Z'],
  ] as const)('%s', (_name, scenario, notBefore, dueAt) => {
    const step = nextStep(scenario);
    expect(iso(step.notBefore)).toBe(notBefore);
    expect(iso(step.dueAt)).toBe(dueAt);
  });

  it('a step with a wait is never due before it may be taken', () => {
    for (const [id, scenario] of Object.entries(SCENARIOS)) {
      const step = nextStep(scenario);
      if (step.notBefore) expect(step.dueAt.getTime(), id).toBeGreaterThan(step.notBefore.getTime());
      else expect(step.dueAt.getTime(), id).toBeGreaterThanOrEqual(Math.max(scenario.opened_at.getTime(), ...scenario.attempts.map((a) => a.occurred_at.getTime())));
    }
  });

  it('a wait that crosses the change to summer time (29 March) ends at the same time of day in the Netherlands', () => {
    // Letter on Friday 27 March 2026 at 10:00 CET (09:00Z); five working days: Friday 3 April, 10:00 CEST (08:00Z).
    const step = nextStep(facts([attempt('PHONE', 'NO_ANSWER', '2026-03-26T09:00:00Z'), attempt('LETTER', 'SENT', '2026-03-27T09:00:00Z')], false, at('2026-03-26T09:00:00Z')));
    expect(step.rule).toBe('letter-unanswered-visit');
    expect(step.notBefore?.toISOString()).toBe('2026-04-03T08:00:00.000Z');
  });

  it('counts from the latest attempt of the kind, whatever the order given', () => {
    const calls = [attempt('PHONE', 'NO_ANSWER', '2026-03-18T10:00:00Z'), attempt('PHONE', 'NO_ANSWER', '2026-03-16T10:00:00Z')];
    expect(nextStep(facts(calls)).dueAt.toISOString()).toBe('2026-03-19T10:00:00.000Z');
  });
});

// ---- Through the API ------------------------------------------------------------------------------

describe('a case walked through the API', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ env: NO_RATE_LIMITS });
  });
  afterAll(async () => {
    await t.close();
  });

  it('phone, phone, letter, five working days, door visit, note, second visit, note, referral', async () => {
    const { pupil, case: opened } = await openCase(t);
    const caseId = opened.id;
    const step = async () => (await gqlOk(t, LZ_DH, CASE_BY_ID, { id: caseId })).outOfViewCase;
    const expectStep = async (action: string, rule: string, extra: Record<string, unknown> = {}) => {
      const found = await step();
      expect(found.nextStep, `${action} ${rule}`).toMatchObject({ action, rule, ...extra });
      return found;
    };
    const move = (ms: number) => {
      t.clock.now = new Date(t.clock.now.getTime() + ms);
    };
    const DAY = 24 * HOUR;
    try {
      await expectStep('PHONE', 'first-call', { notBefore: null, dueAt: '2026-03-18T09:00:00.000Z' });

      await recordOk(t, LZ_DH, { caseId, kind: 'PHONE', outcome: 'NO_ANSWER' }); // Monday
      await expectStep('PHONE', 'call-again', { notBefore: '2026-03-17T09:00:00.000Z', dueAt: '2026-03-18T09:00:00.000Z' });

      move(DAY); // Tuesday
      await recordOk(t, LZ_DH, { caseId, kind: 'PHONE', outcome: 'NO_ANSWER' });
      await expectStep('LETTER', 'two-unanswered-calls-letter', { notBefore: null, dueAt: '2026-03-18T09:00:00.000Z' });

      move(2 * HOUR);
      const letter = await recordOk(t, LZ_DH, { caseId, kind: 'LETTER', outcome: 'SENT' });
      expect(letter.letterLanguage).toBe(pupil.letterLanguage);
      // Tuesday 11:00 + 5 working days = Tuesday 24 March; then 3 working days.
      await expectStep('DOOR_VISIT', 'letter-unanswered-visit', { notBefore: '2026-03-24T11:00:00.000Z', dueAt: '2026-03-27T11:00:00.000Z', overdue: false });

      move(7 * DAY); // Tuesday 24 March, five working days later
      await recordOk(t, LZ_DH, { caseId, kind: 'DOOR_VISIT', outcome: 'NOBODY_HOME' });
      await expectStep('NOTE_LEFT', 'nobody-home-leave-note', { notBefore: null, dueAt: '2026-03-24T13:00:00.000Z' });

      move(5 * 60_000);
      await recordOk(t, LZ_DH, { caseId, kind: 'NOTE_LEFT', outcome: 'LEFT' });
      await expectStep('DOOR_VISIT', 'note-left-second-visit', { notBefore: '2026-03-26T11:05:00.000Z', dueAt: '2026-03-31T10:05:00.000Z' }); // summer time since 29 March: the same 12:05 in the Netherlands

      move(2 * DAY); // Thursday 26 March
      await recordOk(t, LZ_DH, { caseId, kind: 'DOOR_VISIT', outcome: 'NOBODY_HOME' });
      await expectStep('NOTE_LEFT', 'nobody-home-leave-note');

      move(5 * 60_000);
      await recordOk(t, LZ_DH, { caseId, kind: 'NOTE_LEFT', outcome: 'LEFT' });
      const last = await expectStep('REFER_TO_PARTNER', 'second-visit-failed-refer', { notBefore: '2026-03-30T10:10:00.000Z' }); // 12:10 in the Netherlands, summer time

      const input: Record<string, unknown> = { caseId, version: last.version, ...LZ_TO_SMW.input(pupil.id) };
      delete input.pupilId;
      const closed = (await gqlOk(t, LZ_DH, REFER, { input })).referOutOfViewCase;
      expect(closed).toMatchObject({ status: 'CLOSED', outcome: 'REFERRED_TO_PARTNER', referral: { receiver: { id: 'smw-den-haag' } } });
      const final = await step();
      expect(final.nextStep).toBeNull();
      const attempts = await gqlOk(t, LZ_DH, `query($id: ID!) { outOfViewCase(id: $id) { attempts { edges { node { kind outcome } } } } }`, { id: caseId });
      expect(attempts.outOfViewCase.attempts.edges.map((e: any) => `${e.node.kind}:${e.node.outcome}`)).toEqual([
        'PHONE:NO_ANSWER',
        'PHONE:NO_ANSWER',
        'LETTER:SENT',
        'DOOR_VISIT:NOBODY_HOME',
        'NOTE_LEFT:LEFT',
        'DOOR_VISIT:NOBODY_HOME',
        'NOTE_LEFT:LEFT',
      ]);
    } finally {
      t.clock.now = DEMO_NOW;
    }
  });
});
