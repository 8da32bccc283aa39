// The coordinators' overview of pupils out of view, per school or per home municipality. Counts
// cover only what the caller may see: cases in FULL count everywhere; cases known to exist only
// (EXISTENCE_ONLY) count in reported / back in view / still out of view, and a count that rests on
// 1 to SMALL_GROUP_THRESHOLD - 1 such cases is hidden, as small numbers about people one may not
// see can identify them. Attempts and overdue steps count only where the caller reads CONTACT_ATTEMPTS.
import { sql } from 'kysely';
import type { MunicipalityRow, OrganisationRow } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { fullOutOfViewCases, visiblePupils } from '../policy/access.ts';
import { requireOperation } from '../policy/operations.ts';
import { mayEverRead, SMALL_GROUP_THRESHOLD } from '../policy/policy.ts';
import { NEXT_STEPS, OPEN_REFERRAL_STATUSES, type NextStepAction, type OrganisationKind } from '../policy/vocabulary.ts';
import { casesQuery } from './cases.ts';

export type Grouping = 'SCHOOL' | 'MUNICIPALITY';

interface Counts {
  reported: number | null;
  backInView: number | null;
  stillOutOfView: number | null;
  referredToPartner: number | null;
  attempts: { phone: number | null; letter: number | null; doorVisit: number | null; noteLeft: number | null };
  overdueNextSteps: number | null;
  openByNextStep: { step: NextStepAction; open: number; overdue: number }[];
  openReferralsByPartnerKind: { kind: OrganisationKind; count: number | null }[];
  smallGroupsHidden: boolean;
}

export interface OverviewRow extends Counts {
  school: OrganisationRow | null;
  municipality: MunicipalityRow | null;
}

interface Parts {
  reportedFull: number;
  reportedHidden: number;
  closedFull: number;
  closedHidden: number;
  openFull: number;
  openHidden: number;
  referred: number;
  overdue: number;
  steps: Map<NextStepAction, { open: number; overdue: number }>;
  phone: number;
  letter: number;
  doorVisit: number;
  noteLeft: number;
  referrals: Map<OrganisationKind, number>;
}

const emptyParts = (): Parts => ({
  reportedFull: 0,
  reportedHidden: 0,
  closedFull: 0,
  closedHidden: 0,
  openFull: 0,
  openHidden: 0,
  referred: 0,
  overdue: 0,
  steps: new Map(),
  phone: 0,
  letter: 0,
  doorVisit: 0,
  noteLeft: 0,
  referrals: new Map(),
});

/** A visible part plus a hidden part, unless the hidden part is small enough to identify someone. */
function shown(visible: number, hidden: number): number | null {
  return hidden > 0 && hidden < SMALL_GROUP_THRESHOLD ? null : visible + hidden;
}

/**
 * Reporting schools whose cases known only to exist (EXISTENCE_ONLY) the caller may see listed one
 * by one: those whose overview counts are shown. A list is a count too: where the overview hides a
 * school's numbers, its existence-only cases stay out of lists and their totals.
 */
export async function schoolsWithListableExistence(ctx: RequestContext): Promise<string[]> {
  const groups = await casesQuery(ctx.data)
    .where((eb) => eb.not(fullOutOfViewCases(ctx.actor, ctx.now)(eb)))
    .select([
      'out_of_view_cases.reporting_school_id as school',
      sql<number>`count(*)`.as('reported'),
      sql<number>`count(*) filter (where out_of_view_cases.status = 'CLOSED')`.as('closed'),
      sql<number>`count(*) filter (where out_of_view_cases.status = 'OPEN')`.as('open'),
    ])
    .groupBy('out_of_view_cases.reporting_school_id')
    .execute();
  return groups
    .filter((group) => [group.reported, group.closed, group.open].every((count) => shown(0, Number(count)) !== null))
    .map((group) => group.school);
}

function countsOf(parts: Parts): Counts {
  // reported = back in view + still out of view: hiding one of the three hides all three, or it
  // could be worked out from the other two.
  const hidden = [shown(parts.reportedFull, parts.reportedHidden), shown(parts.closedFull, parts.closedHidden), shown(parts.openFull, parts.openHidden)].includes(null);
  const reported = hidden ? null : parts.reportedFull + parts.reportedHidden;
  const backInView = hidden ? null : parts.closedFull + parts.closedHidden;
  const stillOutOfView = hidden ? null : parts.openFull + parts.openHidden;
  return {
    reported,
    backInView,
    stillOutOfView,
    referredToPartner: parts.referred,
    attempts: { phone: parts.phone, letter: parts.letter, doorVisit: parts.doorVisit, noteLeft: parts.noteLeft },
    overdueNextSteps: parts.overdue,
    openByNextStep: NEXT_STEPS.map((step) => ({ step, open: parts.steps.get(step)?.open ?? 0, overdue: parts.steps.get(step)?.overdue ?? 0 })),
    openReferralsByPartnerKind: [...parts.referrals].sort(([a], [b]) => a.localeCompare(b)).map(([kind, count]) => ({ kind, count })),
    smallGroupsHidden: reported === null || backInView === null || stillOutOfView === null,
  };
}

export async function outOfViewOverview(ctx: RequestContext, grouping: Grouping) {
  requireOperation(ctx, 'readOutOfViewOverview');
  const key = grouping === 'SCHOOL' ? sql.ref('out_of_view_cases.reporting_school_id') : sql.ref('pupils.municipality_code');
  const readsAttempts = mayEverRead(ctx.actor.organisationKind, ctx.actor.role, 'CONTACT_ATTEMPTS');

  // Per case: its group, whether it is seen in full, whether its attempts are, and its attempt counts.
  const perCase = casesQuery(ctx.data)
    .leftJoin(
      () =>
        ctx.data
          .contactAttempts()
          .where('contact_attempts.case_id', 'is not', null)
          .select((inner) => [
            'contact_attempts.case_id',
            sql<number>`count(*) filter (where kind = 'PHONE')`.as('phone'),
            sql<number>`count(*) filter (where kind = 'LETTER')`.as('letter'),
            sql<number>`count(*) filter (where kind = 'DOOR_VISIT')`.as('door_visit'),
            sql<number>`count(*) filter (where kind = 'NOTE_LEFT')`.as('note_left'),
            inner.fn.countAll().as('all'),
          ])
          .groupBy('contact_attempts.case_id')
          .as('tried'),
      (join) => join.onRef('tried.case_id', '=', 'out_of_view_cases.id'),
    )
    .select((eb) => [
      sql<string>`${key}`.as('group_key'),
      sql<boolean>`${fullOutOfViewCases(ctx.actor, ctx.now)(eb)}`.as('full'),
      readsAttempts
        ? sql<boolean>`${visiblePupils(ctx.actor, ctx.now, ['CONTACT_ATTEMPTS'])(eb)}`.as('attempts_visible')
        : sql<boolean>`false`.as('attempts_visible'),
      'out_of_view_cases.status',
      'out_of_view_cases.outcome',
      'out_of_view_cases.next_step_due_at',
      'out_of_view_cases.next_step',
      sql<number>`coalesce(tried.phone, 0)`.as('phone'),
      sql<number>`coalesce(tried.letter, 0)`.as('letter'),
      sql<number>`coalesce(tried.door_visit, 0)`.as('door_visit'),
      sql<number>`coalesce(tried.note_left, 0)`.as('note_left'),
    ]);

  const now = ctx.now;
  const aggregated = await ctx.db
    .selectFrom(perCase.as('c'))
    .select([
      'c.group_key',
      sql<number>`count(*) filter (where c.full)`.as('reported_full'),
      sql<number>`count(*) filter (where not c.full)`.as('reported_hidden'),
      sql<number>`count(*) filter (where c.full and c.status = 'CLOSED')`.as('closed_full'),
      sql<number>`count(*) filter (where not c.full and c.status = 'CLOSED')`.as('closed_hidden'),
      sql<number>`count(*) filter (where c.full and c.status = 'OPEN')`.as('open_full'),
      sql<number>`count(*) filter (where not c.full and c.status = 'OPEN')`.as('open_hidden'),
      sql<number>`count(*) filter (where c.full and c.outcome = 'REFERRED_TO_PARTNER')`.as('referred'),
      sql<number>`count(*) filter (where c.attempts_visible and c.status = 'OPEN' and c.next_step_due_at < ${now})`.as('overdue'),
      sql<number>`coalesce(sum(c.phone) filter (where c.attempts_visible), 0)`.as('phone'),
      sql<number>`coalesce(sum(c.letter) filter (where c.attempts_visible), 0)`.as('letter'),
      sql<number>`coalesce(sum(c.door_visit) filter (where c.attempts_visible), 0)`.as('door_visit'),
      sql<number>`coalesce(sum(c.note_left) filter (where c.attempts_visible), 0)`.as('note_left'),
    ])
    .groupBy('c.group_key')
    .execute();

  // Open cases per next step, of the cases whose attempts (from which the step derives) are visible.
  const stepCounts = await ctx.db
    .selectFrom(perCase.as('c'))
    .where('c.attempts_visible', '=', true)
    .where('c.status', '=', 'OPEN')
    .where('c.next_step', 'is not', null)
    .select(['c.group_key', 'c.next_step', sql<number>`count(*)`.as('open'), sql<number>`count(*) filter (where c.next_step_due_at < ${now})`.as('overdue')])
    .groupBy(['c.group_key', 'c.next_step'])
    .execute();

  // Open referrals about the pupils of cases seen in full, that the caller's organisation is party to.
  const referralCounts = await casesQuery(ctx.data)
    .where((eb) => fullOutOfViewCases(ctx.actor, ctx.now)(eb))
    .innerJoin(
      () =>
        ctx.data
          .referrals()
          .select(['referrals.id', 'referrals.pupil_id', 'referrals.receiver_org_id'])
          .where('referrals.status', 'in', [...OPEN_REFERRAL_STATUSES])
          .as('party'),
      (join) => join.onRef('party.pupil_id', '=', 'out_of_view_cases.pupil_id'),
    )
    .innerJoin('organisations as receiver', 'receiver.id', 'party.receiver_org_id')
    .select([sql<string>`${key}`.as('group_key'), 'receiver.kind', sql<number>`count(distinct party.id)`.as('count')])
    .groupBy([sql`${key}`, 'receiver.kind'])
    .execute();

  const byKey = new Map<string, Parts>();
  const partsOf = (groupKey: string) => {
    let parts = byKey.get(groupKey);
    if (!parts) byKey.set(groupKey, (parts = emptyParts()));
    return parts;
  };
  for (const row of aggregated) {
    const parts = partsOf(row.group_key);
    parts.reportedFull = Number(row.reported_full);
    parts.reportedHidden = Number(row.reported_hidden);
    parts.closedFull = Number(row.closed_full);
    parts.closedHidden = Number(row.closed_hidden);
    parts.openFull = Number(row.open_full);
    parts.openHidden = Number(row.open_hidden);
    parts.referred = Number(row.referred);
    parts.overdue = Number(row.overdue);
    parts.phone = Number(row.phone);
    parts.letter = Number(row.letter);
    parts.doorVisit = Number(row.door_visit);
    parts.noteLeft = Number(row.note_left);
  }
  for (const row of referralCounts) partsOf(row.group_key).referrals.set(row.kind as OrganisationKind, Number(row.count));
  for (const row of stepCounts) partsOf(row.group_key).steps.set(row.next_step as NextStepAction, { open: Number(row.open), overdue: Number(row.overdue) });

  const keys = [...byKey.keys()].sort();
  const municipalities =
    grouping === 'MUNICIPALITY' && keys.length > 0
      ? await ctx.db.selectFrom('municipalities').selectAll().where('code', 'in', keys).execute()
      : [];
  const rows: OverviewRow[] = [];
  for (const groupKey of keys) {
    rows.push({
      school: grouping === 'SCHOOL' ? await ctx.services.directory.require(groupKey) : null,
      municipality: grouping === 'MUNICIPALITY' ? (municipalities.find((m) => m.code === groupKey) ?? { code: groupKey, name: groupKey }) : null,
      ...countsOf(byKey.get(groupKey)!),
    });
  }

  // The total: the sum, hidden under the same rule; a count hidden in any row is hidden in the
  // total too, or the total minus the other rows would give it away.
  const sum = emptyParts();
  for (const parts of byKey.values()) {
    for (const field of ['reportedFull', 'reportedHidden', 'closedFull', 'closedHidden', 'openFull', 'openHidden', 'referred', 'overdue', 'phone', 'letter', 'doorVisit', 'noteLeft'] as const)
      sum[field] += parts[field];
    for (const [kind, count] of parts.referrals) sum.referrals.set(kind, (sum.referrals.get(kind) ?? 0) + count);
    for (const [step, count] of parts.steps) {
      const summed = sum.steps.get(step) ?? { open: 0, overdue: 0 };
      sum.steps.set(step, { open: summed.open + count.open, overdue: summed.overdue + count.overdue });
    }
  }
  const total: OverviewRow = { school: null, municipality: null, ...countsOf(sum) };
  if (rows.some((row) => row.smallGroupsHidden)) {
    total.reported = null;
    total.backInView = null;
    total.stillOutOfView = null;
    total.smallGroupsHidden = true;
  }
  return { grouping, rows, total };
}
