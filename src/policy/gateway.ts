// The one door to the guarded tables. Every read of pupils, referrals and what hangs off them by a
// caller goes through a DataGateway made for that caller and that moment: each method returns a
// query already restricted to the rows the caller may see, and derived values (a hand-over's reason,
// events of a referral whose link ended, involvement) already carry the secrecy of the rows they come
// from. Domain modules never select from a guarded table themselves (test/one-door.test.ts fails
// when one does); system jobs (retention, expiry, the webhook dispatcher, migrations, the chain)
// name their unfiltered handle with `systemData`.
import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { PupilRow, Tables } from '../db/tables.ts';
import {
  fullOutOfViewCases,
  referralLinksActor,
  tenantAccessLog,
  ofTenantPupil,
  visibleContactAttempts,
  visibleNotes,
  visibleOutOfViewCases,
  visiblePupils,
  visibleReferrals,
  pupilAccess,
  type PupilAccess,
} from './access.ts';
import { hasLinkKind, REVIEWS_WHOLE_REGION, SECRET_INVOLVEMENT_KINDS } from './policy.ts';
import { OPEN_REFERRAL_STATUSES, type DataCategory } from './vocabulary.ts';

/**
 * Tables holding data about pupils, or about who looked at them. Only this module (with the filters
 * of access.ts) and the named system jobs select from them.
 */
export const GUARDED_TABLES = [
  'pupils',
  'guardians',
  'referrals',
  'referral_events',
  'notes',
  'contact_attempts',
  'out_of_view_cases',
  'out_of_view_reports',
  'emergency_accesses',
  'pupil_coordination',
  'coordination_transfers',
  'pupil_corrections',
  'subject_access_disclosures',
  'access_log_records',
  'access_log_verifications',
  'hub_events',
  'municipal_agreements',
] as const;

/** Kysely or a transaction of it: a gateway reads through whichever it was given. */
export type Reader = Kysely<Tables>;

/** The caller's view of the guarded tables. */
export interface DataGateway {
  readonly actor: Actor;
  readonly now: Date;
  /** The same caller and moment, reading through `db` (a transaction). */
  in(db: Reader): DataGateway;
  /**
   * Pupils with a lawful link; with `covering`, only those whose links cover these categories; with
   * `among`, only these pupils (a batch by id: the links of those pupils alone are read).
   */
  pupils(covering?: readonly DataCategory[], among?: readonly string[]): SelectQueryBuilder<Tables, 'pupils', object>;
  /**
   * Pupils of the caller's own municipality, whatever its links: for the municipality's privacy
   * officer, who reads no case data but answers for these pupils (select ids, never case data).
   */
  tenantPupils(): SelectQueryBuilder<Tables, 'pupils', object>;
  /** Guardians of visible pupils (CONTACT: the field guard decides on the pupil). */
  guardians(): SelectQueryBuilder<Tables, 'guardians', object>;
  /** Referrals the caller's organisation sent or received, within retention. */
  referrals(): SelectQueryBuilder<Tables, 'referrals', object>;
  /**
   * Events of visible referrals, as the caller may see them: of a referral whose link to the caller
   * ended only the caller's own events; a hand-over's reason only for the parties of the referral it
   * created (it is that referral's content). Select the columns with `referralEventColumns`.
   */
  referralEvents(): SelectQueryBuilder<Tables, 'referral_events' | 'referrals', object>;
  /** Notes of the given categories the caller may read (see visibleNotes). */
  notes(categories: readonly DataCategory[]): SelectQueryBuilder<Tables, 'notes', object>;
  contactAttempts(): SelectQueryBuilder<Tables, 'contact_attempts', object>;
  /** Cases of pupils out of view, joined with their pupil: seen in full or known to exist. */
  outOfViewCases(): SelectQueryBuilder<Tables, 'out_of_view_cases' | 'pupils', object>;
  /** Reports (SCHOOLING) of the cases the caller sees in full; narrow with `caseIds` where known. */
  outOfViewReports(caseIds?: readonly string[]): SelectQueryBuilder<Tables, 'out_of_view_reports', object>;
  /** Corrections of visible pupils (their category decides per row: the resolver filters). */
  pupilCorrections(): SelectQueryBuilder<Tables, 'pupil_corrections', object>;
  /**
   * Pupils one may break the glass for: any pupil, for the kinds and roles the policy lets open
   * emergency access (the opening is personal, time-bound and logged); none for the others.
   */
  emergencyCandidates(): SelectQueryBuilder<Tables, 'pupils', object>;
  /** This person's own open emergency accesses. */
  ownEmergencyAccesses(): SelectQueryBuilder<Tables, 'emergency_accesses', object>;
  /** Emergency accesses a privacy officer reviews: her organisation's, and the municipality's pupils'. */
  reviewableEmergencyAccesses(): SelectQueryBuilder<Tables, 'emergency_accesses', object>;
  /** Open referrals of one pupil as involvement the caller may see (organisations, not content). */
  involvement(pupilId: string): Promise<InvolvementFacts>;
  /** Proposals of the coordinating role the caller's organisation is party to. */
  coordinationTransfers(): SelectQueryBuilder<Tables, 'coordination_transfers', object>;
  /** Agreements between municipalities that concern the caller's: as the one served or the one serving. */
  municipalAgreements(): SelectQueryBuilder<Tables, 'municipal_agreements', object>;
  /** The access log as a privacy officer may read it: her organisation's people, and her tenant's pupils. */
  accessLog(): SelectQueryBuilder<Tables, 'access_log_records', object>;
  /** Chain verifications the caller's organisation started. */
  accessLogVerifications(): SelectQueryBuilder<Tables, 'access_log_verifications', object>;
  /** What the caller may read of each pupil (categories, and whether it rests on emergency access). */
  pupilAccess(pupils: readonly Pick<PupilRow, 'id' | 'municipality_code' | 'school_id' | 'restricted_at'>[]): Promise<PupilAccess[]>;
}

export interface InvolvementFacts {
  /** Organisations the caller may see involved, with the moment each became involved, in order. */
  since: Map<string, Date>;
  /** The organisation holding the coordinating role, when the caller may see it. */
  coordinator: string | null;
}

/**
 * An event's reason as the caller may see it: a hand-over's reason is the content of the referral
 * the hand-over created, so only that referral's parties read it.
 */
export function eventReason(actor: Actor) {
  return sql<string | null>`case when referral_events.action = 'HAND_OVER' and not exists (
      select 1 from referrals continuation
      where continuation.handed_over_from_id = referral_events.referral_id
        and (continuation.sender_org_id = ${actor.organisationId} or continuation.receiver_org_id = ${actor.organisationId})
    ) then null else referral_events.reason end`;
}

/** The columns of an event as the caller may see them (the hand-over reason rule applied). */
export function referralEventColumns(actor: Actor) {
  return [
    'referral_events.id',
    'referral_events.referral_id',
    'referral_events.action',
    'referral_events.from_status',
    'referral_events.to_status',
    'referral_events.actor_org_id',
    'referral_events.actor_role',
    'referral_events.actor_subject',
    'referral_events.reason_code',
    'referral_events.occurred_at',
    eventReason(actor).as('reason'),
  ] as const;
}

/** The gateway of a caller at a moment. */
export function guardedGateway(db: Reader, actor: Actor, now: Date): DataGateway {
  const gateway: DataGateway = {
    actor,
    now,
    in: (trx) => guardedGateway(trx, actor, now),
    pupils: (covering = [], among) => db.selectFrom('pupils').where(visiblePupils(actor, now, covering, among)),
    tenantPupils: () => db.selectFrom('pupils').where('pupils.municipality_code', '=', actor.municipalityCode),
    guardians: () =>
      db.selectFrom('guardians').where('guardians.pupil_id', 'in', db.selectFrom('pupils').select('pupils.id').where(visiblePupils(actor, now))),
    referrals: () => db.selectFrom('referrals').where(visibleReferrals(actor, now)),
    referralEvents: () =>
      db
        .selectFrom('referral_events')
        .innerJoin('referrals', 'referrals.id', 'referral_events.referral_id')
        .where(visibleReferrals(actor, now))
        // A party whose link ended sees nothing more than what it wrote itself.
        .where((eb) => eb.or([referralLinksActor(eb, 'referrals', actor, now), eb('referral_events.actor_org_id', '=', actor.organisationId)])),
    notes: (categories) => db.selectFrom('notes').where(visibleNotes(actor, categories, now)),
    contactAttempts: () => db.selectFrom('contact_attempts').where(visibleContactAttempts(actor)),
    outOfViewCases: () =>
      db
        .selectFrom('out_of_view_cases')
        .innerJoin('pupils', 'pupils.id', 'out_of_view_cases.pupil_id')
        .where(visibleOutOfViewCases(actor, now)),
    // Reports are SCHOOLING data: only of cases the caller sees in full.
    outOfViewReports: (caseIds) => {
      const among = (column: string) => (caseIds ? sql<SqlBool>`${sql.ref(column)} = any(cast(${[...caseIds]} as uuid[]))` : sql<SqlBool>`true`);
      return db
        .selectFrom('out_of_view_reports')
        .where(among('out_of_view_reports.case_id'))
        .where('out_of_view_reports.case_id', 'in', (eb) =>
          eb
            .selectFrom('out_of_view_cases')
            .innerJoin('pupils', 'pupils.id', 'out_of_view_cases.pupil_id')
            .select('out_of_view_cases.id')
            .where(among('out_of_view_cases.id'))
            .where(fullOutOfViewCases(actor, now)),
        );
    },
    pupilCorrections: () =>
      db
        .selectFrom('pupil_corrections')
        .where('pupil_corrections.pupil_id', 'in', db.selectFrom('pupils').select('pupils.id').where(visiblePupils(actor, now))),
    emergencyCandidates: () =>
      db.selectFrom('pupils').where((eb) => (hasLinkKind(actor.organisationKind, actor.role, 'EMERGENCY') ? eb.lit(true) : eb.lit(false))),
    ownEmergencyAccesses: () =>
      db
        .selectFrom('emergency_accesses')
        .where('emergency_accesses.org_id', '=', actor.organisationId)
        .where('emergency_accesses.actor_subject', '=', actor.subject)
        .where('emergency_accesses.expires_at', '>', now),
    reviewableEmergencyAccesses: () => {
      const base = db.selectFrom('emergency_accesses');
      if (!REVIEWS_WHOLE_REGION.includes(actor.organisationKind)) return base.where('emergency_accesses.org_id', '=', actor.organisationId);
      // The municipality's privacy officer: her own people, and everyone's about her municipality's pupils.
      return base.where((eb) =>
        eb.or([
          eb('emergency_accesses.org_id', '=', actor.organisationId),
          ofTenantPupil(eb, 'emergency_accesses.pupil_id', actor),
        ]),
      );
    },
    involvement: (pupilId) => involvementOf(db, actor, pupilId),
    coordinationTransfers: () =>
      db
        .selectFrom('coordination_transfers')
        .where((eb) => eb.or([eb('coordination_transfers.from_org_id', '=', actor.organisationId), eb('coordination_transfers.to_org_id', '=', actor.organisationId)])),
    municipalAgreements: () =>
      db
        .selectFrom('municipal_agreements')
        .where((eb) =>
          eb.or([eb('municipal_agreements.municipality_code', '=', actor.municipalityCode), eb('municipal_agreements.serving_org_id', '=', actor.organisationId)]),
        ),
    accessLog: () => db.selectFrom('access_log_records').where(tenantAccessLog(actor)),
    accessLogVerifications: () => db.selectFrom('access_log_verifications').where('access_log_verifications.org_id', '=', actor.organisationId),
    pupilAccess: (pupils) => accessToPupils(db, actor, pupils, now),
  };
  return gateway;
}


/**
 * What the actor may read of each pupil: its party referrals and open emergency accesses, in two
 * queries for the whole batch.
 */
async function accessToPupils(
  db: Reader,
  actor: Actor,
  pupils: readonly Pick<PupilRow, 'id' | 'municipality_code' | 'school_id' | 'restricted_at'>[],
  now: Date,
): Promise<PupilAccess[]> {
  if (pupils.length === 0) return [];
  const ids = pupils.map((pupil) => pupil.id);
  const [emergency, partyReferrals, agreed] = await Promise.all([
    hasLinkKind(actor.organisationKind, actor.role, 'EMERGENCY')
      ? db
          .selectFrom('emergency_accesses')
          .select('pupil_id')
          .where('pupil_id', 'in', ids)
          .where('org_id', '=', actor.organisationId)
          .where('actor_subject', '=', actor.subject)
          .where('expires_at', '>', now)
          .execute()
      : Promise.resolve([]),
    db
      .selectFrom('referrals')
      .select(['pupil_id', 'status', 'closed_at', 'shared_categories', 'legal_basis', 'consent_valid_from', 'consent_valid_until', 'consent_revoked_at'])
      .where('pupil_id', 'in', ids)
      .where((eb) => eb.or([eb('sender_org_id', '=', actor.organisationId), eb('receiver_org_id', '=', actor.organisationId)]))
      .execute(),
    agreedMunicipalities(db, actor, now),
  ]);
  // Grouped once: a page of 100 pupils is not 100 passes over every referral.
  const referralsOf = new Map<string, (typeof partyReferrals)[number][]>();
  for (const referral of partyReferrals) {
    const group = referralsOf.get(referral.pupil_id);
    if (group) group.push(referral);
    else referralsOf.set(referral.pupil_id, [referral]);
  }
  const emergencyOpen = new Set(emergency.map((row) => row.pupil_id));
  return pupils.map((pupil) => pupilAccess(actor, pupil, referralsOf.get(pupil.id) ?? [], emergencyOpen.has(pupil.id), now, agreed));
}

/** Municipalities whose pupils the caller's Leerlingzaken serves by an agreement in force now. */
export async function agreedMunicipalities(db: Reader, actor: Actor, now: Date): Promise<string[]> {
  if (!hasLinkKind(actor.organisationKind, actor.role, 'HOME_MUNICIPALITY')) return [];
  const rows = await db
    .selectFrom('municipal_agreements')
    .select('municipal_agreements.municipality_code')
    .where(agreementInForce(actor, now))
    .execute();
  return rows.map((row) => row.municipality_code);
}

/** The SQL of "an agreement that lets the actor's organisation serve another municipality, now". */
export function agreementInForce(actor: Actor, now: Date) {
  return (eb: ExpressionBuilder<Tables, any>) =>
    eb.and([
      eb('municipal_agreements.serving_org_id', '=', actor.organisationId),
      eb('municipal_agreements.valid_from', '<=', now),
      eb.or([eb('municipal_agreements.valid_until', 'is', null), eb('municipal_agreements.valid_until', '>', now)]),
      eb('municipal_agreements.ended_at', 'is', null),
    ]);
}

/**
 * Involvement in one pupil through open referrals, as the caller may see it: a referral of a kind
 * whose involvement is secret shows only to its own parties. The coordinating role never rests with
 * such an organisation (it is shown to every involved party), so it is always one the caller sees.
 */
async function involvementOf(db: Reader, actor: Actor, pupilId: string): Promise<InvolvementFacts> {
  const secret = [...SECRET_INVOLVEMENT_KINDS];
  const referrals = await db
    .selectFrom('referrals')
    .innerJoin('organisations as sender', 'sender.id', 'referrals.sender_org_id')
    .innerJoin('organisations as receiver', 'receiver.id', 'referrals.receiver_org_id')
    .select([
      'referrals.sender_org_id',
      'referrals.receiver_org_id',
      'referrals.created_at',
      sql<boolean>`(sender.kind = any(${secret}) or receiver.kind = any(${secret}))`.as('secret'),
    ])
    .where('referrals.pupil_id', '=', pupilId)
    .where('referrals.status', 'in', [...OPEN_REFERRAL_STATUSES])
    .orderBy('referrals.created_at')
    .orderBy('referrals.id')
    .execute();
  const stored = await db.selectFrom('pupil_coordination').select('org_id').where('pupil_id', '=', pupilId).executeTakeFirst();
  const party = (r: (typeof referrals)[number]) => r.sender_org_id === actor.organisationId || r.receiver_org_id === actor.organisationId;
  const shown = referrals.filter((r) => party(r) || !r.secret);
  const since = new Map<string, Date>();
  for (const referral of shown)
    for (const org of [referral.sender_org_id, referral.receiver_org_id]) if (!since.has(org)) since.set(org, new Date(referral.created_at));
  const openly = new Set(referrals.filter((r) => !r.secret).flatMap((r) => [r.sender_org_id, r.receiver_org_id]));
  // As agreed, when that organisation is still openly involved; else whoever started the earliest
  // open referral that is not secret.
  const coordinator = stored && openly.has(stored.org_id) ? stored.org_id : (referrals.find((r) => !r.secret)?.sender_org_id ?? null);
  return { since, coordinator };
}

/**
 * The unfiltered handle of a system job, named so a reader sees who reads past the policy: the
 * retention run, the expiry job, the webhook dispatcher and event bus, the access-log chain, the
 * subject-access export (which answers for everything held about one pupil), migrations and demo
 * data; inside a change, the next step of a case (from all its attempts, counted not shown) and
 * integrity checks (a BSN must stay unique).
 */
export type SystemJob = 'retention' | 'expiry' | 'events' | 'access-log' | 'subject-access' | 'migrations' | 'demo' | 'next-step' | 'integrity';
export function systemData(db: Reader, _job: SystemJob): Reader {
  return db;
}

/** Whether an organisation kind's involvement is secret (re-exported for the coordination rules). */
export function isSecretKind(kind: string): boolean {
  return (SECRET_INVOLVEMENT_KINDS as readonly string[]).includes(kind);
}
