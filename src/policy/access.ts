// The policy applied to rows: SQL filters for "which pupils and referrals may this caller see at
// all" and, per pupil, "which categories". Both are derived from the tables in policy.ts; every
// query for pupils or referrals goes through these functions, batch loaders included.
import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { PupilRow, ReferralRow, Tables } from '../db/tables.ts';
import {
  LINKING_STATUSES,
  LINK_RETAINING_STATUSES,
  categoriesThroughReferral,
  dutchDate,
  hasLinkKind,
  readableCategories,
  referralLinks,
  retentionCutoff,
  ROLE_READS_CASE_DATA,
  type ReferralLinkFacts,
} from './policy.ts';
import type { DataCategory } from './vocabulary.ts';

/**
 * The SQL twin of `referralLinks`: referrals (aliased `alias`) through which the actor's
 * organisation is, right now, linked to their pupil.
 */
function referralLinksActor(
  eb: ExpressionBuilder<any, any>,
  alias: string,
  actor: Actor,
  now: Date,
): Expression<SqlBool> {
  const col = (name: string) => eb.ref(`${alias}.${name}`);
  const today = dutchDate(now);
  return eb.and([
    eb.or([eb(col('sender_org_id'), '=', actor.organisationId), eb(col('receiver_org_id'), '=', actor.organisationId)]),
    eb.or([
      eb(col('status'), 'in', [...LINKING_STATUSES]),
      eb.and([eb(col('status'), 'in', [...LINK_RETAINING_STATUSES]), eb(col('closed_at'), '>', retentionCutoff(now))]),
    ]),
    eb.or([
      eb(col('legal_basis'), '<>', 'CONSENT'),
      eb.and([
        eb(col('consent_revoked_at'), 'is', null),
        eb(col('consent_valid_from'), '<=', today),
        eb.or([eb(col('consent_valid_until'), 'is', null), eb(col('consent_valid_until'), '>=', today)]),
      ]),
    ]),
  ]);
}

/** Row filter for `pupils`: the pupils the actor has at least one lawful link to. */
export function visiblePupils(actor: Actor, now: Date) {
  return (eb: ExpressionBuilder<Tables, 'pupils'>): Expression<SqlBool> => {
    const links: Expression<SqlBool>[] = [];
    if (hasLinkKind(actor.organisationKind, actor.role, 'HOME_MUNICIPALITY'))
      links.push(eb('pupils.municipality_code', '=', actor.municipalityCode));
    if (hasLinkKind(actor.organisationKind, actor.role, 'ENROLMENT'))
      links.push(eb('pupils.school_id', '=', actor.organisationId));
    if (hasLinkKind(actor.organisationKind, actor.role, 'REFERRAL_PARTY'))
      links.push(
        eb(
          'pupils.id',
          'in',
          eb
            .selectFrom('referrals as link')
            .select('link.pupil_id')
            .where((inner) => referralLinksActor(inner, 'link', actor, now)),
        ),
      );
    return links.length > 0 ? eb.or(links) : eb.lit(false);
  };
}

/**
 * Row filter for `referrals`: the referrals the actor's organisation sent or received, until the
 * retention period after closing has passed.
 */
export function visibleReferrals(actor: Actor, now: Date) {
  return (eb: ExpressionBuilder<Tables, 'referrals'>): Expression<SqlBool> => {
    if (!ROLE_READS_CASE_DATA[actor.role]) return eb.lit(false);
    return eb.and([
      eb.or([eb('referrals.sender_org_id', '=', actor.organisationId), eb('referrals.receiver_org_id', '=', actor.organisationId)]),
      eb.or([eb('referrals.closed_at', 'is', null), eb('referrals.closed_at', '>', retentionCutoff(now))]),
    ]);
  };
}

/** The categories of one pupil the actor may read, from its links (the TS twin of the filters). */
export function pupilCategories(
  actor: Actor,
  pupil: Pick<PupilRow, 'municipality_code' | 'school_id'>,
  partyReferrals: readonly ReferralLinkFacts[],
  now: Date,
): Set<DataCategory> {
  const categories = new Set<DataCategory>();
  const { organisationKind: kind, role } = actor;
  const full =
    (hasLinkKind(kind, role, 'HOME_MUNICIPALITY') && pupil.municipality_code === actor.municipalityCode) ||
    (hasLinkKind(kind, role, 'ENROLMENT') && pupil.school_id === actor.organisationId);
  if (full) for (const category of readableCategories(kind, role)) categories.add(category);
  if (hasLinkKind(kind, role, 'REFERRAL_PARTY')) {
    for (const referral of partyReferrals) {
      if (!referralLinks(referral, now)) continue;
      for (const category of categoriesThroughReferral(kind, role, referral)) categories.add(category);
    }
  }
  return categories;
}

export type PartyReferral = Pick<
  ReferralRow,
  | 'pupil_id'
  | 'status'
  | 'closed_at'
  | 'shared_categories'
  | 'legal_basis'
  | 'consent_valid_from'
  | 'consent_valid_until'
  | 'consent_revoked_at'
>;
