// The policy applied to rows: SQL filters for "which pupils and referrals may this caller see at
// all" and, per pupil, "which categories". Both are derived from the tables in policy.ts; every
// query for pupils or referrals goes through these functions, batch loaders included.
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { PupilRow, ReferralRow, Tables } from '../db/tables.ts';
import {
  ALWAYS_SHARED_WITH_REFERRAL_PARTIES,
  LINKING_STATUSES,
  LINK_RETAINING_STATUSES,
  categoriesThroughReferral,
  dutchDate,
  hasLinkKind,
  readableCategories,
  referralLinks,
  retentionCutoff,
  REVIEWS_WHOLE_REGION,
  ROLE_READS_CASE_DATA,
  SECRET_INVOLVEMENT_KINDS,
  type ReferralLinkFacts,
} from './policy.ts';
import type { DataCategory } from './vocabulary.ts';
import { basesContinuingUnderRestriction } from '../audit/processing-activities.ts';

/**
 * The SQL twin of `referralLinks`: referrals (aliased `alias`) through which the actor's
 * organisation is, right now, linked to their pupil.
 */
export function referralLinksActor(
  eb: ExpressionBuilder<any, any>,
  alias: string,
  actor: Actor,
  now: Date,
  sharing: readonly DataCategory[] = [],
): Expression<SqlBool> {
  const col = (name: string) => eb.ref(`${alias}.${name}`);
  const today = dutchDate(now);
  const mustShare = sharing.filter((category) => !ALWAYS_SHARED_WITH_REFERRAL_PARTIES.includes(category));
  return eb.and([
    ...(mustShare.length > 0 ? [sql<SqlBool>`${col('shared_categories')} @> cast(${[...mustShare]} as text[])`] : []),
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

/**
 * A restriction of processing (AVG art. 18) stops links through referrals, except those on a legal
 * basis the register marks as statutory (basesContinuingUnderRestriction). Restricted pupils are
 * few: the NOT IN is a small hashed set.
 */
function continuesUnderRestriction(eb: ExpressionBuilder<any, any>, alias: string): Expression<SqlBool> {
  return eb.or([
    eb(eb.ref(`${alias}.legal_basis`), 'in', basesContinuingUnderRestriction()),
    eb(eb.ref(`${alias}.pupil_id`), 'not in', eb.selectFrom('pupils as restricted').select('restricted.id').where('restricted.restricted_at', 'is not', null)),
  ]);
}

/** Pupils this very person (not the whole organisation) holds an open emergency access to. */
function openEmergencyAccesses(eb: ExpressionBuilder<Tables, any>, actor: Actor, now: Date, among?: readonly string[]) {
  const query = eb
    .selectFrom('emergency_accesses as glass')
    .select('glass.pupil_id')
    .where('glass.org_id', '=', actor.organisationId)
    .where('glass.actor_subject', '=', actor.subject)
    .where('glass.expires_at', '>', now);
  return among ? query.where(anyOf('glass.pupil_id', among)) : query;
}

/** `column = any($ids)`: one array parameter, an index condition whatever the number of ids. */
function anyOf(column: string, ids: readonly string[]) {
  return sql<SqlBool>`${sql.ref(column)} = any(cast(${[...ids]} as uuid[]))`;
}

/**
 * `column = any(array(subquery))`: the subquery runs once (an InitPlan) and its ids become an index
 * condition on `column`, so each branch of an OR of links stays an index scan (PostgreSQL can
 * combine them in a BitmapOr). The same rows as `column IN (subquery)`, whose hashed subplan is a
 * filter only: a page of a school's pupils then walked the primary key past every other pupil.
 */
function inArray(column: string, subquery: Expression<unknown>) {
  return sql<SqlBool>`${sql.ref(column)} = any(array(${subquery}))`;
}

/**
 * Leerlingzaken's link: the pupils of its own municipality, and of municipalities whose pupils it
 * serves by an agreement in force (municipal_agreements). Nothing else crosses a municipal border.
 */
function homeMunicipality(eb: ExpressionBuilder<any, any>, alias: string, actor: Actor, now: Date): Expression<SqlBool> {
  return eb.or([
    eb(`${alias}.municipality_code`, '=', actor.municipalityCode),
    inArray(
      `${alias}.municipality_code`,
      eb
        .selectFrom('municipal_agreements')
        .select('municipal_agreements.municipality_code')
        .where('municipal_agreements.serving_org_id', '=', actor.organisationId)
        .where('municipal_agreements.valid_from', '<=', now)
        .where((inner) => inner.or([inner('municipal_agreements.valid_until', 'is', null), inner('municipal_agreements.valid_until', '>', now)]))
        .where('municipal_agreements.ended_at', 'is', null),
    ),
  ]);
}

/**
 * Row filter for `pupils`: the pupils the actor has at least one lawful link to. With `covering`,
 * only pupils whose links cover those categories: a search on a field is a read of that field, so
 * a BSN search must not find a pupil whose only link does not share the BSN.
 *
 * Every link is an index condition on `pupils` (municipality, school, or ids from a subquery), so a
 * page or a count reads the linked pupils only. With `among` (the caller asks for these pupils and
 * no others, e.g. a batch loader by id), the link subqueries read only those pupils' referrals and
 * accesses: the same answer for those ids, without listing every pupil an organisation is linked to.
 */
export function visiblePupils(actor: Actor, now: Date, covering: readonly DataCategory[] = [], among?: readonly string[]) {
  return (eb: ExpressionBuilder<Tables, 'pupils'>): Expression<SqlBool> => {
    const links: Expression<SqlBool>[] = [];
    if (hasLinkKind(actor.organisationKind, actor.role, 'HOME_MUNICIPALITY')) links.push(homeMunicipality(eb, 'pupils', actor, now));
    if (hasLinkKind(actor.organisationKind, actor.role, 'ENROLMENT'))
      links.push(eb('pupils.school_id', '=', actor.organisationId));
    if (hasLinkKind(actor.organisationKind, actor.role, 'EMERGENCY')) links.push(inArray('pupils.id', openEmergencyAccesses(eb, actor, now, among)));
    if (hasLinkKind(actor.organisationKind, actor.role, 'REFERRAL_PARTY')) {
      let throughReferrals = eb
        .selectFrom('referrals as link')
        .select('link.pupil_id')
        .where((inner) => referralLinksActor(inner, 'link', actor, now, covering))
        .where((inner) => continuesUnderRestriction(inner, 'link'));
      if (among) throughReferrals = throughReferrals.where(anyOf('link.pupil_id', among));
      // Next to a school's enrolment (an index condition of its own) the few pupils it referred
      // become one too, so the two combine in a BitmapOr; so do the ids of a batch (`among`).
      // Otherwise `IN`: alone (a partner's only link) PostgreSQL plans it as a semi-join with
      // real row estimates, and next to Leerlingzaken's municipality (most of the region) it is a
      // hashed subplan checked only for pupils outside it, where an array of thousands of ids
      // would be searched row by row (PostgreSQL hashes only constant arrays).
      const asIndex = among !== undefined || hasLinkKind(actor.organisationKind, actor.role, 'ENROLMENT');
      links.push(asIndex ? inArray('pupils.id', throughReferrals) : eb('pupils.id', 'in', throughReferrals));
    }
    const visible = links.length > 0 ? eb.or(links) : eb.lit(false);
    return among ? eb.and([anyOf('pupils.id', among), visible]) : visible;
  };
}

/**
 * Row filter for `referrals`: the referrals the actor's organisation sent or received, until the
 * retention period after closing has passed.
 */
export function visibleReferrals(actor: Actor, now: Date) {
  return (eb: ExpressionBuilder<Tables, 'referrals'>): Expression<SqlBool> => {
    if (!ROLE_READS_CASE_DATA[actor.role]) return eb.lit(false);
    // Under a restriction, a party keeps a non-statutory referral only through a statutory link of its
    // own to that pupil (its home Leerlingzaken, its school).
    const statutory = (inner: ExpressionBuilder<any, any>): Expression<SqlBool>[] => [
      ...(hasLinkKind(actor.organisationKind, actor.role, 'HOME_MUNICIPALITY') ? [homeMunicipality(inner, 'own', actor, now)] : []),
      ...(hasLinkKind(actor.organisationKind, actor.role, 'ENROLMENT') ? [inner('own.school_id', '=', actor.organisationId)] : []),
    ];
    const hasStatutory = statutory(eb).length > 0;
    return eb.and([
      eb.or([eb('referrals.sender_org_id', '=', actor.organisationId), eb('referrals.receiver_org_id', '=', actor.organisationId)]),
      eb.or([eb('referrals.closed_at', 'is', null), eb('referrals.closed_at', '>', retentionCutoff(now))]),
      eb.or([
        continuesUnderRestriction(eb, 'referrals'),
        // IN, not a correlated EXISTS: evaluated only for a restricted pupil's non-statutory referral
        // (rare), and the planner prices it as one hash instead of a lookup per referral, which
        // made whole requests look expensive enough to be JIT-compiled.
        ...(hasStatutory
          ? [eb('referrals.pupil_id', 'in', eb.selectFrom('pupils as own').select('own.id').where((inner) => inner.or(statutory(inner))))]
          : []),
      ]),
    ]);
  };
}

/**
 * Row filter for `notes` of a pupil the actor is linked to, given the categories its links cover.
 * Its own organisation's notes it reads in every category its kind may read (they are its own
 * records, whatever a referral shares). Others' notes need the category covered by its links and,
 * because a note also tells who wrote it:
 *  - when written within a referral, the actor must be party to that referral and its link to the
 *    actor still live (when a link ends, its content ends);
 *  - when written outside a referral, the author must not be of a kind whose involvement is secret.
 */
export function visibleNotes(actor: Actor, categories: readonly DataCategory[], now: Date) {
  const own = readableCategories(actor.organisationKind, actor.role);
  return (eb: ExpressionBuilder<Tables, 'notes'>): Expression<SqlBool> => {
    return eb.or([
      own.length > 0 ? eb.and([eb('notes.author_org_id', '=', actor.organisationId), eb('notes.category', 'in', [...own])]) : eb.lit(false),
      eb.and([
        categories.length > 0 ? eb('notes.category', 'in', [...categories]) : eb.lit(false),
        eb('notes.author_org_id', '<>', actor.organisationId),
        eb.or([
          // The note's own referral, looked up by key per note (a pupil has few notes): whether it
          // links the actor now. `IN (every referral linking the actor)` hashed all of them first,
          // some 17,000 for a municipality's Leerlingzaken.
          eb.and([
            eb('notes.referral_id', 'is not', null),
            sql<SqlBool>`coalesce((${eb
              .selectFrom('referrals as party')
              .select((inner) => sql<SqlBool>`${referralLinksActor(inner, 'party', actor, now)}`.as('links'))
              .whereRef('party.id', '=', 'notes.referral_id')}), false)`,
          ]),
          eb.and([eb('notes.referral_id', 'is', null), eb('notes.author_org_id', 'not in', secretOrganisations(eb))]),
        ]),
      ]),
    ]);
  };
}

/** Organisations whose involvement is secret (SECRET_INVOLVEMENT_KINDS). */
function secretOrganisations(eb: ExpressionBuilder<Tables, any>) {
  return eb.selectFrom('organisations as secret').select('secret.id').where('secret.kind', 'in', [...SECRET_INVOLVEMENT_KINDS]);
}

/**
 * Row filter for `contact_attempts` of a pupil whose CONTACT_ATTEMPTS the actor may read: an attempt
 * also tells who made it, so attempts by an organisation whose involvement is secret show only to
 * that organisation.
 */
export function visibleContactAttempts(actor: Actor) {
  return (eb: ExpressionBuilder<Tables, 'contact_attempts'>): Expression<SqlBool> =>
    eb.or([eb('contact_attempts.org_id', '=', actor.organisationId), eb('contact_attempts.org_id', 'not in', secretOrganisations(eb))]);
}

export interface PupilAccess {
  /** What the caller may read of this pupil. */
  categories: Set<DataCategory>;
  /** true when that rests on an emergency access alone: every read is then marked in the log. */
  emergency: boolean;
}

/** The categories of one pupil the actor may read, from its links (the TS twin of the filters). */
export function pupilAccess(
  actor: Actor,
  pupil: Pick<PupilRow, 'municipality_code' | 'school_id' | 'restricted_at'>,
  partyReferrals: readonly ReferralLinkFacts[],
  emergencyOpen: boolean,
  now: Date,
  agreedMunicipalities: readonly string[] = [],
): PupilAccess {
  const categories = new Set<DataCategory>();
  const { organisationKind: kind, role } = actor;
  const full =
    (hasLinkKind(kind, role, 'HOME_MUNICIPALITY') &&
      (pupil.municipality_code === actor.municipalityCode || agreedMunicipalities.includes(pupil.municipality_code))) ||
    (hasLinkKind(kind, role, 'ENROLMENT') && pupil.school_id === actor.organisationId);
  if (full) for (const category of readableCategories(kind, role)) categories.add(category);
  if (hasLinkKind(kind, role, 'REFERRAL_PARTY')) {
    const statutory = basesContinuingUnderRestriction();
    for (const referral of partyReferrals) {
      if (!referralLinks(referral, now)) continue;
      if (pupil.restricted_at && !statutory.includes(referral.legal_basis)) continue;
      for (const category of categoriesThroughReferral(kind, role, referral)) categories.add(category);
    }
  }
  const emergency = emergencyOpen && hasLinkKind(kind, role, 'EMERGENCY') && categories.size === 0;
  if (emergency) for (const category of readableCategories(kind, role)) categories.add(category);
  return { categories, emergency };
}

/**
 * Cases of pupils out of view (`out_of_view_cases` joined with `pupils`) the actor sees in FULL:
 * those of pupils it has a lawful link to that covers SCHOOLING (being reported missing is
 * schooling data).
 */
export function fullOutOfViewCases(actor: Actor, now: Date) {
  return (eb: ExpressionBuilder<Tables, 'out_of_view_cases' | 'pupils'>): Expression<SqlBool> =>
    visiblePupils(actor, now, ['SCHOOLING'])(eb as unknown as ExpressionBuilder<Tables, 'pupils'>);
}

/**
 * Cases the actor may know exist without a link to the pupil (EXISTENCE_ONLY): the school that
 * reported it, and the Leerlingzaken of the reporting school's municipality when the pupil lives in
 * another (the case went to the home municipality; the school's own municipality sees that it did).
 */
function knownOutOfViewCases(actor: Actor, eb: ExpressionBuilder<Tables, 'out_of_view_cases' | 'pupils'>): Expression<SqlBool> {
  if (!ROLE_READS_CASE_DATA[actor.role]) return eb.lit(false);
  const known: Expression<SqlBool>[] = [eb('out_of_view_cases.reporting_school_id', '=', actor.organisationId)];
  if (hasLinkKind(actor.organisationKind, actor.role, 'HOME_MUNICIPALITY'))
    known.push(
      eb(
        'out_of_view_cases.reporting_school_id',
        'in',
        eb.selectFrom('organisations as school').select('school.id').where('school.kind', '=', 'SCHOOL').where('school.municipality_code', '=', actor.municipalityCode),
      ),
    );
  return eb.or(known);
}

/** Row filter for cases of pupils out of view: seen in full, or known to exist. */
export function visibleOutOfViewCases(actor: Actor, now: Date) {
  return (eb: ExpressionBuilder<Tables, 'out_of_view_cases' | 'pupils'>): Expression<SqlBool> => {
    return eb.or([fullOutOfViewCases(actor, now)(eb), knownOutOfViewCases(actor, eb)]);
  };
}

/**
 * Whether the pupil in `column` is of the caller's tenant: its own municipality's. What a
 * municipality's privacy officer supervises (the log, emergency accesses), agreements with other
 * municipalities not included. The pupil's municipality, looked up by primary key per row: the log
 * is partitioned by month, and `IN (the tenant's pupils)` (or an EXISTS, which PostgreSQL turns
 * into the same hash) read every pupil of the municipality once per partition, seconds at region
 * scale for a query that returns 50 records. NULL (no pupil) is not the tenant's.
 */
export function ofTenantPupil(_eb: ExpressionBuilder<Tables, any>, column: string, actor: Actor): Expression<SqlBool> {
  return sql<SqlBool>`(select tenant.municipality_code from pupils as tenant where tenant.id = ${sql.ref(column)}) = ${actor.municipalityCode}`;
}

/**
 * Row filter for `access_log_records`, the privacy officer's tenant: the records of her own
 * organisation's people, and, for the municipality's (Leerlingzaken's) privacy officer, every record
 * about a pupil of her municipality. Another municipality's pupils and people are not hers to
 * supervise, also where her Leerlingzaken serves them by agreement (their own officer does).
 */
export function tenantAccessLog(actor: Actor) {
  return (eb: ExpressionBuilder<Tables, 'access_log_records'>): Expression<SqlBool> => {
    const own = eb('access_log_records.actor_org_id', '=', actor.organisationId);
    if (!REVIEWS_WHOLE_REGION.includes(actor.organisationKind)) return own;
    return eb.or([own, ofTenantPupil(eb, 'access_log_records.pupil_id', actor)]);
  };
}
