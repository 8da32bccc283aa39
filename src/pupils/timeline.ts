// A pupil's story in one ordered list: the events of referrals the caller is party to, the notes it
// may read, and contact attempts when it may read CONTACT_ATTEMPTS. One SQL UNION, each branch
// filtered by the policy, paged by (time, id).
import { sql } from 'kysely';
import type { PupilRow } from '../db/tables.ts';
import type { RequestContext } from '../graphql/context.ts';
import { BY_TIME, keysetConnection, parsePage, type Connection } from '../graphql/pagination.ts';
import { eventReason } from '../policy/gateway.ts';

export interface TimelineRow extends Record<string, unknown> {
  entry_kind: 'REFERRAL_EVENT' | 'NOTE' | 'CONTACT_ATTEMPT' | 'OUT_OF_VIEW';
  id: string;
  occurred_at: Date;
  org_id: string;
  role: string;
  action: string;
  status: string | null;
  text: string | null;
  referral_id: string | null;
}
export type TimelineConnectionModel = Connection<TimelineRow>;

const TIMELINE_KEY = BY_TIME('timeline', 'occurred_at');

export async function pupilTimeline(
  pupil: PupilRow,
  args: { first?: number | null; after?: string | null },
  ctx: RequestContext,
): Promise<TimelineConnectionModel> {
  const page = parsePage(args, 'timeline', TIMELINE_KEY);
  const { categories, emergency } = await ctx.loaders.pupilAccess.load(pupil);
  const data = ctx.data;

  const branches = [];
  if (categories.has('REFERRAL')) {
    ctx.audit.record({ pupilId: pupil.id, action: 'READ', outcome: 'GRANTED', category: 'REFERRAL', field: 'Pupil.timeline', emergency });
    branches.push(
      data
        .referralEvents()
        .where('referrals.pupil_id', '=', pupil.id)
        .select([
          sql<string>`'REFERRAL_EVENT'`.as('entry_kind'),
          'referral_events.id as id',
          'referral_events.occurred_at as occurred_at',
          'referral_events.actor_org_id as org_id',
          'referral_events.actor_role as role',
          'referral_events.action as action',
          sql<string | null>`referral_events.to_status`.as('status'),
          eventReason(ctx.actor).as('text'),
          sql<string | null>`cast(referral_events.referral_id as text)`.as('referral_id'),
        ]),
    );
  }
  const noteCategories = [...categories];
  for (const category of noteCategories) ctx.audit.record({ pupilId: pupil.id, action: 'READ', outcome: 'GRANTED', category, field: 'Pupil.timeline', emergency });
  branches.push(
    data
      .notes(noteCategories)
      .where('notes.pupil_id', '=', pupil.id)
      .select([
        sql<string>`'NOTE'`.as('entry_kind'),
        'notes.id as id',
        'notes.created_at as occurred_at',
        'notes.author_org_id as org_id',
        // As text: the branches of the union put different enums (and SYSTEM) in role and action.
        sql.ref<string>('notes.author_role').as('role'),
        sql.ref<string>('notes.category').as('action'),
        sql<string | null>`cast(null as text)`.as('status'),
        sql<string | null>`notes.body`.as('text'),
        sql<string | null>`cast(notes.referral_id as text)`.as('referral_id'),
      ]),
  );
  if (categories.has('CONTACT_ATTEMPTS')) {
    branches.push(
      data
        .contactAttempts()
        .where('contact_attempts.pupil_id', '=', pupil.id)
        .select([
          sql<string>`'CONTACT_ATTEMPT'`.as('entry_kind'),
          'contact_attempts.id as id',
          'contact_attempts.occurred_at as occurred_at',
          'contact_attempts.org_id as org_id',
          sql.ref<string>('contact_attempts.actor_role').as('role'),
          sql.ref<string>('contact_attempts.kind').as('action'),
          sql<string | null>`contact_attempts.outcome`.as('status'),
          sql<string | null>`contact_attempts.remark`.as('text'),
          sql<string | null>`cast(null as text)`.as('referral_id'),
        ]),
    );
  }
  if (categories.has('SCHOOLING')) {
    // Out of view: each school report (REPORTED) and each case's close (CASE_CLOSED, with its outcome).
    branches.push(
      data
        .outOfViewReports()
        .where('out_of_view_reports.case_id', 'in', data.outOfViewCases().select('out_of_view_cases.id').where('out_of_view_cases.pupil_id', '=', pupil.id))
        .select([
          sql<string>`'OUT_OF_VIEW'`.as('entry_kind'),
          'out_of_view_reports.id as id',
          'out_of_view_reports.reported_at as occurred_at',
          'out_of_view_reports.school_id as org_id',
          'out_of_view_reports.reported_by_role as role',
          sql<string>`'REPORTED'`.as('action'),
          sql<string | null>`case when out_of_view_reports.urgent then 'URGENT' else null end`.as('status'),
          sql<string | null>`out_of_view_reports.remark`.as('text'),
          sql<string | null>`cast(null as text)`.as('referral_id'),
        ]),
      data
        .outOfViewCases()
        .where('out_of_view_cases.pupil_id', '=', pupil.id)
        .where('out_of_view_cases.status', '=', 'CLOSED')
        .select([
          sql<string>`'OUT_OF_VIEW'`.as('entry_kind'),
          'out_of_view_cases.id as id',
          sql<Date>`out_of_view_cases.closed_at`.as('occurred_at'),
          sql<string>`out_of_view_cases.closed_by_org_id`.as('org_id'),
          sql<string>`out_of_view_cases.closed_by_role`.as('role'),
          sql<string>`'CASE_CLOSED'`.as('action'),
          sql<string | null>`out_of_view_cases.outcome`.as('status'),
          sql<string | null>`out_of_view_cases.closing_remark`.as('text'),
          // The referral the case became, only when the caller is party to it.
          sql<string | null>`case when out_of_view_cases.referral_id in (${data.referrals().select('referrals.id')}) then cast(out_of_view_cases.referral_id as text) else null end`.as('referral_id'),
        ]),
    );
  }
  const [first, ...rest] = branches;
  const union = rest.reduce((all, branch) => all.unionAll(branch), first!);
  const base = ctx.db.selectFrom(union.as('timeline'));
  return keysetConnection(base, (q: any) => q.selectAll('timeline'), TIMELINE_KEY, page, 'timeline') as Promise<TimelineConnectionModel>;
}
