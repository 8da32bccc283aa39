// The next recommended step in a case of a pupil out of view, from ONE rule table: the order of
// work Leerlingzaken followed in The Hague (phone -> letter -> door visit -> note left, urgent cases
// straight to the door). The first rule that applies wins. The table in docs/privacy-officers.md is generated from
// RULES (`npm run policy:table -- --write`), so officers read the same rules the hub applies.
import { addWorkingDays } from '../referrals/deadlines.ts';
import type { ContactAttemptKind, ContactAttemptOutcome, NextStepAction } from '../policy/vocabulary.ts';

export interface AttemptFacts {
  kind: ContactAttemptKind;
  outcome: ContactAttemptOutcome;
  occurred_at: Date;
}

export interface CaseFacts {
  urgent: boolean;
  /** When the case became urgent (an urgent report may come days after the first). */
  urgent_since?: Date | null;
  opened_at: Date;
  /** The case's attempts, in any order. */
  attempts: readonly AttemptFacts[];
}

/** What the rules look at: counts and the moments they count from. */
export interface Tally {
  urgent: boolean;
  urgentSince: Date | null;
  openedAt: Date;
  contactMade: AttemptFacts | null;
  unansweredCalls: number;
  unusableNumber: boolean;
  lastCall: AttemptFacts | null;
  lastLetter: AttemptFacts | null;
  doorVisits: number;
  nobodyHomeVisits: number;
  notesLeft: number;
  lastVisit: AttemptFacts | null;
  lastNote: AttemptFacts | null;
}

export interface NextStepRule {
  /** Stable id, shown with the step so an officer can look the rule up. */
  id: string;
  /** The rule in words, for the documentation and the API. */
  description: string;
  applies: (tally: Tally) => boolean;
  action: NextStepAction;
  /** The moment the waiting and the deadline count from. */
  from: (tally: Tally) => Date;
  /** Working days to wait before the step makes sense (e.g. for an answer to a letter). */
  waitWorkingDays: number;
  /** Working days after that to take the step; after them it is overdue. Urgent: hours instead. */
  actWithinWorkingDays: number;
  actWithinHours?: number;
}

const latest = (attempts: readonly AttemptFacts[]): AttemptFacts | null =>
  attempts.reduce<AttemptFacts | null>((last, attempt) => (last === null || attempt.occurred_at >= last.occurred_at ? attempt : last), null);

export function tally(facts: CaseFacts): Tally {
  const of = (kind: ContactAttemptKind) => facts.attempts.filter((attempt) => attempt.kind === kind);
  const calls = of('PHONE');
  const visits = of('DOOR_VISIT');
  return {
    urgent: facts.urgent,
    urgentSince: facts.urgent_since ?? null,
    openedAt: facts.opened_at,
    contactMade: latest(facts.attempts.filter((attempt) => attempt.outcome === 'REACHED' || attempt.outcome === 'CONTACT_MADE')),
    unansweredCalls: calls.filter((call) => call.outcome === 'NO_ANSWER').length,
    unusableNumber: calls.some((call) => call.outcome === 'WRONG_NUMBER' || call.outcome === 'NO_NUMBER'),
    lastCall: latest(calls),
    lastLetter: latest(of('LETTER')),
    doorVisits: visits.length,
    nobodyHomeVisits: visits.filter((visit) => visit.outcome === 'NOBODY_HOME').length,
    notesLeft: of('NOTE_LEFT').length,
    lastVisit: latest(visits),
    lastNote: latest(of('NOTE_LEFT')),
  };
}

export const RULES: readonly NextStepRule[] = [
  {
    id: 'contact-made',
    description: 'The pupil or family was reached (call answered, door opened): close the case with its outcome.',
    applies: (t) => t.contactMade !== null,
    action: 'CLOSE_CASE',
    from: (t) => t.contactMade!.occurred_at,
    waitWorkingDays: 0,
    actWithinWorkingDays: 1,
  },
  {
    id: 'nobody-home-leave-note',
    description: 'Nobody opened the door: leave the note "Wij zijn langs geweest en we maken ons zorgen".',
    applies: (t) => t.nobodyHomeVisits > t.notesLeft,
    action: 'NOTE_LEFT',
    from: (t) => t.lastVisit!.occurred_at,
    waitWorkingDays: 0,
    actWithinWorkingDays: 0,
    actWithinHours: 2,
  },
  {
    id: 'second-visit-failed-refer',
    description: 'Two visits, nobody home, notes left: refer to a chain partner (wijkagent, school social work).',
    applies: (t) => t.nobodyHomeVisits >= 2,
    action: 'REFER_TO_PARTNER',
    from: (t) => t.lastNote?.occurred_at ?? t.lastVisit!.occurred_at,
    waitWorkingDays: 2,
    actWithinWorkingDays: 2,
  },
  {
    id: 'note-left-second-visit',
    description: 'A note was left and the family did not get in touch: visit a second time.',
    applies: (t) => t.nobodyHomeVisits === 1 && t.notesLeft >= 1,
    action: 'DOOR_VISIT',
    from: (t) => t.lastNote!.occurred_at,
    waitWorkingDays: 2,
    actWithinWorkingDays: 3,
  },
  {
    id: 'urgent-door-first',
    description: 'Urgent: go to the door first, within 24 hours of the urgent report.',
    applies: (t) => t.urgent && t.doorVisits === 0,
    action: 'DOOR_VISIT',
    from: (t) => t.urgentSince ?? t.openedAt,
    waitWorkingDays: 0,
    actWithinWorkingDays: 0,
    actWithinHours: 24,
  },
  {
    id: 'letter-unanswered-visit',
    description: 'No response five working days after the letter: visit the home.',
    applies: (t) => t.lastLetter !== null && t.doorVisits === 0,
    action: 'DOOR_VISIT',
    from: (t) => t.lastLetter!.occurred_at,
    waitWorkingDays: 5,
    actWithinWorkingDays: 3,
  },
  {
    id: 'two-unanswered-calls-letter',
    description: 'Two unanswered calls, or no usable number: send the letter "We zijn je kwijt, neem contact op" in the family\'s language.',
    applies: (t) => t.lastLetter === null && t.doorVisits === 0 && (t.unansweredCalls >= 2 || t.unusableNumber),
    action: 'LETTER',
    from: (t) => t.lastCall!.occurred_at,
    waitWorkingDays: 0,
    actWithinWorkingDays: 1,
  },
  {
    id: 'call-again',
    description: 'One unanswered call: call again on another day.',
    applies: (t) => t.unansweredCalls === 1 && t.lastLetter === null && t.doorVisits === 0,
    action: 'PHONE',
    from: (t) => t.lastCall!.occurred_at,
    waitWorkingDays: 1,
    actWithinWorkingDays: 1,
  },
  {
    id: 'first-call',
    description: 'A new report: call the pupil or the parents.',
    applies: () => true,
    action: 'PHONE',
    from: (t) => t.openedAt,
    waitWorkingDays: 0,
    actWithinWorkingDays: 2,
  },
];

export interface NextStep {
  action: NextStepAction;
  rule: string;
  description: string;
  /** Null when the step can be taken at once. */
  notBefore: Date | null;
  dueAt: Date;
}

export function nextStep(facts: CaseFacts): NextStep {
  const counted = tally(facts);
  const rule = RULES.find((candidate) => candidate.applies(counted))!;
  const from = rule.from(counted);
  const notBefore = rule.waitWorkingDays > 0 ? addWorkingDays(from, rule.waitWorkingDays) : null;
  const start = notBefore ?? from;
  const dueAt =
    rule.actWithinHours !== undefined
      ? new Date(start.getTime() + rule.actWithinHours * 3600_000)
      : addWorkingDays(start, rule.actWithinWorkingDays);
  return { action: rule.action, rule: rule.id, description: rule.description, notBefore, dueAt };
}

/** The next step as the columns of out_of_view_cases keep it. */
export function nextStepColumns(facts: CaseFacts) {
  const step = nextStep(facts);
  return { next_step: step.action, next_step_rule: step.rule, next_step_not_before: step.notBefore, next_step_due_at: step.dueAt };
}

/** The rule table for docs/privacy-officers.md: one row per rule, in the order they are tried. */
export function renderNextStepTable(): string {
  const rows = RULES.map((rule, index) => {
    const days = (n: number) => `${n} working day${n === 1 ? '' : 's'}`;
    const wait = rule.waitWorkingDays > 0 ? days(rule.waitWorkingDays) : '—';
    const within = rule.actWithinHours !== undefined ? `${rule.actWithinHours} hours` : days(rule.actWithinWorkingDays);
    return `| ${index + 1} | \`${rule.id}\` | ${rule.description} | \`${rule.action}\` | ${wait} | ${within} |`;
  });
  return [
    '| # | rule | when | next step | wait | then due within |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
