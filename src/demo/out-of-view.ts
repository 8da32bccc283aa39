// The demo region's cases of pupils out of view. Every pupil reported missing has a case
// at the Leerlingzaken of its home municipality, holding its contact attempts. On top of the
// region's random history, a scripted set of pupils puts a case at every step of the rule table
// (src/outreach/next-step.ts) and closes cases with every outcome, so the demo and the console show
// all of them.
import { nextStepColumns } from '../outreach/next-step.ts';
import type { DemoContactAttempt, DemoPupil, DemoReferral } from './region.ts';
import type { CaseOutcome, ContactAttemptKind, ContactAttemptOutcome, NextStepAction, Role } from '../policy/vocabulary.ts';
import type { Random } from './random.ts';

export interface DemoOutOfViewCase {
  id: string;
  pupil_id: string;
  leerlingzaken_org_id: string;
  reporting_school_id: string;
  urgent: boolean;
  urgent_since: Date | null;
  status: 'OPEN' | 'CLOSED';
  opened_at: Date;
  next_step: NextStepAction | null;
  next_step_rule: string | null;
  next_step_not_before: Date | null;
  next_step_due_at: Date | null;
  closed_at: Date | null;
  outcome: CaseOutcome | null;
  closing_remark: string | null;
  closed_by_org_id: string | null;
  closed_by_subject: string | null;
  closed_by_role: Role | null;
  referral_id: string | null;
  version: number;
  updated_at: Date;
}

export interface DemoOutOfViewReport {
  id: string;
  case_id: string;
  school_id: string;
  reported_by_subject: string;
  reported_by_role: Role;
  absent_since: string | null;
  urgent: boolean;
  remark: string | null;
  batch_id: string | null;
  reported_at: Date;
}

// Types only: region.ts imports this module's functions, this module only region.ts's shapes.
type Pupil = DemoPupil;
type Referral = DemoReferral;
type Attempt = DemoContactAttempt;

const HOUR = 3600_000;
const DAY = 24 * HOUR;

type Step = readonly [hoursAgo: number, kind: ContactAttemptKind, outcome: ContactAttemptOutcome];

interface Script {
  /** What the case shows: the rule it should be at, or the outcome it closed with. */
  shows: string;
  reportedHoursAgo: number;
  urgent?: boolean;
  steps: readonly Step[];
  close?: { hoursAgo: number; outcome: CaseOutcome; remark: string };
  /** The school reported the pupil again later: the report joined the open case. */
  reportedAgainHoursAgo?: number;
}

// Hours before the demo's "now". Working days matter for the due dates: the region's now is a Monday.
const SCRIPTS: readonly Script[] = [
  { shows: 'first-call', reportedHoursAgo: 5, steps: [] },
  { shows: 'first-call (overdue)', reportedHoursAgo: 6 * 24, steps: [] },
  { shows: 'call-again', reportedHoursAgo: 30, steps: [[26, 'PHONE', 'NO_ANSWER']], reportedAgainHoursAgo: 3 },
  { shows: 'two-unanswered-calls-letter', reportedHoursAgo: 4 * 24, steps: [[90, 'PHONE', 'NO_ANSWER'], [20, 'PHONE', 'NO_ANSWER']] },
  { shows: 'two-unanswered-calls-letter (no number)', reportedHoursAgo: 28, steps: [[25, 'PHONE', 'NO_NUMBER']] },
  {
    shows: 'letter-unanswered-visit (waiting for an answer)',
    reportedHoursAgo: 5 * 24,
    steps: [[115, 'PHONE', 'NO_ANSWER'], [90, 'PHONE', 'NO_ANSWER'], [48, 'LETTER', 'SENT']],
  },
  {
    shows: 'letter-unanswered-visit (overdue)',
    reportedHoursAgo: 20 * 24,
    steps: [[470, 'PHONE', 'WRONG_NUMBER'], [450, 'LETTER', 'SENT']],
  },
  {
    shows: 'nobody-home-leave-note',
    reportedHoursAgo: 18 * 24,
    steps: [[420, 'PHONE', 'NO_ANSWER'], [400, 'PHONE', 'NO_ANSWER'], [380, 'LETTER', 'SENT'], [1, 'DOOR_VISIT', 'NOBODY_HOME']],
  },
  {
    shows: 'note-left-second-visit',
    reportedHoursAgo: 19 * 24,
    steps: [[450, 'PHONE', 'NO_NUMBER'], [430, 'LETTER', 'SENT'], [30, 'DOOR_VISIT', 'NOBODY_HOME'], [29.9, 'NOTE_LEFT', 'LEFT']],
  },
  {
    shows: 'second-visit-failed-refer',
    reportedHoursAgo: 24 * 24,
    steps: [
      [570, 'PHONE', 'NO_ANSWER'],
      [550, 'PHONE', 'NO_ANSWER'],
      [530, 'LETTER', 'SENT'],
      [300, 'DOOR_VISIT', 'NOBODY_HOME'],
      [299.9, 'NOTE_LEFT', 'LEFT'],
      [100, 'DOOR_VISIT', 'NOBODY_HOME'],
      [99.9, 'NOTE_LEFT', 'LEFT'],
    ],
  },
  { shows: 'urgent-door-first', urgent: true, reportedHoursAgo: 6, steps: [] },
  { shows: 'urgent-door-first (overdue)', urgent: true, reportedHoursAgo: 40, steps: [] },
  { shows: 'contact-made', reportedHoursAgo: 50, steps: [[3, 'PHONE', 'REACHED']] },
  {
    shows: 'closed: REACHED',
    reportedHoursAgo: 9 * 24,
    steps: [[200, 'PHONE', 'NO_ANSWER'], [180, 'PHONE', 'REACHED']],
    close: { hoursAgo: 178, outcome: 'REACHED', remark: 'Moeder gesproken; leerling volgt de lessen weer.' },
  },
  {
    shows: 'closed: MOVED',
    reportedHoursAgo: 15 * 24,
    steps: [[350, 'PHONE', 'WRONG_NUMBER'], [330, 'LETTER', 'SENT'], [150, 'DOOR_VISIT', 'CONTACT_MADE']],
    close: { hoursAgo: 148, outcome: 'MOVED', remark: 'Gezin verhuisd naar Delft; nieuwe gemeente en school geïnformeerd.' },
  },
  {
    shows: 'closed: NEEDS_DEVICE',
    reportedHoursAgo: 7 * 24,
    steps: [[160, 'PHONE', 'REACHED']],
    close: { hoursAgo: 158, outcome: 'NEEDS_DEVICE', remark: 'Geen laptop thuis; school regelt een leenlaptop.' },
  },
  {
    shows: 'closed: EMERGENCY_SHELTER',
    urgent: true,
    reportedHoursAgo: 12 * 24,
    steps: [[280, 'DOOR_VISIT', 'CONTACT_MADE']],
    close: { hoursAgo: 270, outcome: 'EMERGENCY_SHELTER', remark: 'Noodopvang geregeld; ouders werken in de zorg.' },
  },
  {
    shows: 'closed: OTHER',
    reportedHoursAgo: 11 * 24,
    steps: [[250, 'PHONE', 'REACHED']],
    close: { hoursAgo: 240, outcome: 'OTHER', remark: 'Leerling blijkt ziek thuis; school heeft de ziekmelding alsnog ontvangen.' },
  },
];

const REMARKS: Partial<Record<ContactAttemptOutcome, string>> = {
  REACHED: 'Ouder gesproken.',
  NO_ANSWER: 'Geen gehoor.',
  WRONG_NUMBER: 'Nummer blijkt niet van het gezin te zijn.',
  NO_NUMBER: 'Geen werkend telefoonnummer bekend.',
  SENT: "Brief 'We zijn je kwijt, neem contact op' verstuurd.",
  CONTACT_MADE: 'Gesproken aan de deur.',
  NOBODY_HOME: 'Niemand thuis.',
  LEFT: "Briefje achtergelaten: 'Wij zijn langs geweest en we maken ons zorgen.'",
};

export interface OutOfViewInput {
  base: Date;
  pupils: Pupil[];
  referrals: readonly Referral[];
  attempts: Attempt[];
  leerlingzakenOf: (municipalityCode: string) => string;
  actorSubject: (orgId: string) => string;
}

/** With the open cases' next step recomputed from their attempts (after moving the region in time). */
export function withNextSteps<C extends DemoOutOfViewCase>(cases: readonly C[], attempts: readonly Attempt[]): C[] {
  return cases.map((found) => {
    if (found.status !== 'OPEN') return found;
    const facts = { urgent: found.urgent, urgent_since: found.urgent_since, opened_at: found.opened_at, attempts: attempts.filter((attempt) => attempt.case_id === found.id) };
    return { ...found, ...nextStepColumns(facts) };
  });
}

/**
 * Cases for every pupil reported missing, plus the scripted ones. Mutates `pupils` (the scripted
 * pupils are reported missing) and `attempts` (each gets its case); returns cases and reports.
 */
export function generateOutOfView(rng: Random, input: OutOfViewInput): { cases: DemoOutOfViewCase[]; reports: DemoOutOfViewReport[] } {
  const { base, pupils, referrals, attempts } = input;
  const at = (hoursAgo: number) => new Date(base.getTime() - Math.round(hoursAgo * HOUR));
  const cases: DemoOutOfViewCase[] = [];
  const reports: DemoOutOfViewReport[] = [];

  const open = (pupil: Pupil, openedAt: Date, urgent: boolean): DemoOutOfViewCase => {
    const found: DemoOutOfViewCase = {
      id: rng.uuid(),
      pupil_id: pupil.id,
      leerlingzaken_org_id: input.leerlingzakenOf(pupil.municipality_code),
      reporting_school_id: pupil.school_id,
      urgent,
      urgent_since: urgent ? openedAt : null,
      status: 'OPEN',
      opened_at: openedAt,
      next_step: null,
      next_step_rule: null,
      next_step_not_before: null,
      next_step_due_at: null,
      closed_at: null,
      outcome: null,
      closing_remark: null,
      closed_by_org_id: null,
      closed_by_subject: null,
      closed_by_role: null,
      referral_id: null,
      version: 1,
      updated_at: openedAt,
    };
    cases.push(found);
    reports.push(report(found, pupil, openedAt, urgent));
    return found;
  };
  const report = (found: DemoOutOfViewCase, pupil: Pupil, reportedAt: Date, urgent: boolean): DemoOutOfViewReport => ({
    id: rng.uuid(),
    case_id: found.id,
    school_id: pupil.school_id,
    reported_by_subject: input.actorSubject(pupil.school_id),
    reported_by_role: 'PROFESSIONAL',
    absent_since: pupil.absent_since,
    urgent,
    remark: null,
    batch_id: null,
    reported_at: reportedAt,
  });
  const close = (found: DemoOutOfViewCase, closedAt: Date, outcome: CaseOutcome, remark: string | null, referralId: string | null = null) => {
    Object.assign(found, {
      status: 'CLOSED',
      closed_at: closedAt,
      outcome,
      closing_remark: remark,
      closed_by_org_id: found.leerlingzaken_org_id,
      closed_by_subject: input.actorSubject(found.leerlingzaken_org_id),
      closed_by_role: 'PROFESSIONAL',
      referral_id: referralId,
      version: found.version + 1,
      updated_at: closedAt,
    });
  };

  // The region's own missing pupils: their history decides where the case stands.
  const ordered = [...pupils].filter((pupil) => pupil.reported_missing_at).sort((a, b) => a.id.localeCompare(b.id));
  for (const pupil of ordered) {
    const own = referrals.filter((referral) => referral.pupil_id === pupil.id);
    const found = open(pupil, pupil.reported_missing_at!, own.some((referral) => referral.urgency === 'URGENT'));
    const mine = attempts.filter((attempt) => attempt.pupil_id === pupil.id && attempt.occurred_at >= found.opened_at);
    for (const attempt of mine) attempt.case_id = found.id;
    // Leerlingzaken referred the pupil on: the case became that referral.
    const onward = own
      .filter((referral) => referral.sender_org_id === found.leerlingzaken_org_id && referral.created_at >= found.opened_at)
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())[0];
    if (onward) {
      for (const attempt of mine.filter((attempt) => attempt.occurred_at > onward.created_at)) attempt.case_id = null;
      close(found, onward.created_at, 'REFERRED_TO_PARTNER', 'Doorverwezen naar een ketenpartner.', onward.id);
      continue;
    }
    const reached = mine.find((attempt) => attempt.outcome === 'REACHED' || attempt.outcome === 'CONTACT_MADE');
    if (reached && rng.chance(0.8)) {
      const outcome = rng.weighted([['REACHED', 6], ['NEEDS_DEVICE', 2], ['MOVED', 1]] as const);
      close(found, new Date(reached.occurred_at.getTime() + rng.int(1, 20) * HOUR), outcome, null);
    }
  }

  // The scripted pupils: not reported before, no referrals, so their story is only this case.
  const referred = new Set(referrals.map((referral) => referral.pupil_id));
  const candidates = rng.shuffle(pupils.filter((pupil) => !pupil.reported_missing_at && !referred.has(pupil.id)).sort((a, b) => a.id.localeCompare(b.id)));
  SCRIPTS.forEach((script, index) => {
    const pupil = candidates[index];
    if (!pupil) throw new Error('the demo region has too few pupils for the out-of-view scripts');
    const reportedAt = at(script.reportedHoursAgo);
    pupil.reported_missing_at = reportedAt;
    pupil.absent_since = new Date(reportedAt.getTime() - rng.int(2, 6) * DAY).toISOString().slice(0, 10);
    pupil.updated_at = reportedAt;
    const found = open(pupil, reportedAt, script.urgent ?? false);
    const office = found.leerlingzaken_org_id;
    for (const [hoursAgo, kind, outcome] of script.steps) {
      attempts.push({
        id: rng.uuid(),
        pupil_id: pupil.id,
        kind,
        outcome,
        letter_language: kind === 'LETTER' ? pupil.letter_language : null,
        org_id: office,
        actor_subject: input.actorSubject(office),
        actor_role: 'PROFESSIONAL',
        remark: REMARKS[outcome] ?? null,
        occurred_at: at(hoursAgo),
        case_id: found.id,
      });
    }
    if (script.reportedAgainHoursAgo !== undefined) reports.push(report(found, pupil, at(script.reportedAgainHoursAgo), false));
    if (script.close) close(found, at(script.close.hoursAgo), script.close.outcome, script.close.remark);
  });

  return { cases: withNextSteps(cases, attempts), reports };
}

/** The scripted situations, for tests and the documentation: what each scripted case shows. */
export const SCRIPTED_CASES: readonly string[] = SCRIPTS.map((script) => script.shows);
