// THE access policy of Ketenhub, as data. Every rule about who may read or do what lives here;
// resolvers, SQL filters, the operation check and `npm run policy:table` all read these tables and
// none re-implements a rule. Each rule names its legal ground so a privacy officer can review it.
import type { ContactAttemptKind, DataCategory, LegalBasis, OrganisationKind, ReferralStatus, Role } from './vocabulary.ts';
import { DATA_CATEGORIES } from './vocabulary.ts';
import { activity } from '../audit/processing-activities.ts';

/**
 * Which data categories an organisation kind may read about a pupil it has a lawful link to.
 * Source: docs/domain.md, "Data categories". REFERRAL is further limited, row by row, to the
 * sending and receiving organisation of each referral.
 */
export const CATEGORIES_BY_KIND: Readonly<Record<OrganisationKind, readonly DataCategory[]>> = {
  // Leerplichtwet 1969 art. 16-18 and RMC (art. 8 RMC-wet): the municipality keeps the pupil
  // administration, including the BSN, and follows up absence; it does not hold care or safety files.
  LEERLINGZAKEN: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL'],
  // Wet op het primair/voortgezet onderwijs: the school's own pupil administration (with BSN as
  // onderwijsnummer) and its absence reports.
  SCHOOL: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL'],
  // Jeugdwet art. 7.4.x, on referral: welfare work around the school, including home visits.
  SCHOOL_SOCIAL_WORK: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE'],
  // Politiewet 2012 art. 3 and Wet politiegegevens: safety concerns only, no school or care file.
  POLICE: ['IDENTITY', 'CONTACT', 'REFERRAL', 'SAFETY'],
  // Jeugdwet (jeugdbescherming, crisis intervention): care and safety, no school administration.
  CRISIS_TEAM: ['IDENTITY', 'CONTACT', 'REFERRAL', 'CARE', 'SAFETY'],
  // Wmo 2015 art. 4.1.1 (Veilig Thuis) and the Meldcode: care and safety.
  VEILIG_THUIS: ['IDENTITY', 'CONTACT', 'REFERRAL', 'CARE', 'SAFETY'],
  // Jeugdwet, preventive youth care: schooling context and care.
  CJG: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'REFERRAL', 'CARE'],
};

/**
 * Roles each organisation kind has in the hub. A token whose role its organisation kind does not
 * have is refused (FORBIDDEN).
 */
export const ROLES_BY_KIND: Readonly<Record<OrganisationKind, readonly Role[]>> = {
  LEERLINGZAKEN: ['PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER'],
  // A school's data protection officer sits at its school board (schoolbestuur), which is not a
  // party in the hub; the municipality's privacy officer answers for accesses by school staff.
  SCHOOL: ['PROFESSIONAL', 'COORDINATOR'],
  SCHOOL_SOCIAL_WORK: ['PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER'],
  POLICE: ['PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER'],
  CRISIS_TEAM: ['PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER'],
  VEILIG_THUIS: ['PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER'],
  CJG: ['PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER'],
};

/**
 * Whether a role works with case data at all. AVG art. 38-39: the data protection officer
 * supervises processing; she reads the access log, not the files themselves.
 */
export const ROLE_READS_CASE_DATA: Readonly<Record<Role, boolean>> = {
  PROFESSIONAL: true,
  COORDINATOR: true,
  PRIVACY_OFFICER: false,
};

/** The kinds of lawful link (grondslag voor toegang) between an organisation and a pupil. */
export type LawfulLinkKind =
  /** Break the glass: one person, one pupil, at most EMERGENCY_ACCESS.maxHours, reviewed afterwards. */
  | 'EMERGENCY'
  /** Leerlingzaken to the pupils living in its municipality (Leerplichtwet art. 16), and to those of
   *  another municipality while a dated agreement lets it serve them (municipal_agreements). */
  | 'HOME_MUNICIPALITY'
  /** A school to the pupils enrolled in it. */
  | 'ENROLMENT'
  /** Sender or receiver of a referral about the pupil, while it is open and for a period after. */
  | 'REFERRAL_PARTY';

export const LAWFUL_LINKS_BY_KIND: Readonly<Record<OrganisationKind, readonly LawfulLinkKind[]>> = {
  LEERLINGZAKEN: ['HOME_MUNICIPALITY', 'REFERRAL_PARTY', 'EMERGENCY'],
  SCHOOL: ['ENROLMENT', 'REFERRAL_PARTY'],
  SCHOOL_SOCIAL_WORK: ['REFERRAL_PARTY'],
  POLICE: ['REFERRAL_PARTY'],
  CRISIS_TEAM: ['REFERRAL_PARTY', 'EMERGENCY'],
  VEILIG_THUIS: ['REFERRAL_PARTY'],
  CJG: ['REFERRAL_PARTY'],
};

/**
 * Emergency access (doorbreken): when a child may be in danger and no link exists yet, a
 * professional may open the file, stating why. AVG art. 6(1)(d) (vital interests) and Jeugdwet
 * art. 7.4.0; NEN 7513 requires the access to be marked and reviewed.
 */
export const EMERGENCY_ACCESS = {
  kinds: ['LEERLINGZAKEN', 'CRISIS_TEAM'] as readonly OrganisationKind[],
  roles: ['PROFESSIONAL', 'COORDINATOR'] as readonly Role[],
  maxHours: 24,
  minReasonLength: 10,
};

/**
 * The operations each role may perform, beyond reading (which the tables above govern). Mutations
 * consult `mayPerform`; the table in docs/privacy-officers.md is generated from this.
 */
export const OPERATIONS = {
  /** Refer a pupil one may see to another organisation (only the receiver moves the work forward). */
  createReferral: { kinds: 'ALL', roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** Act on a referral one's organisation is party to, as the state machine allows the party. */
  changeReferral: { kinds: 'ALL', roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** Hand received work over to another partner (doorverwijzen). */
  handOverReferral: { kinds: 'ALL', roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** Write a note of a category one may read for the pupil. */
  addNote: { kinds: 'ALL', roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** Propose or accept the coordinating role (regie) for a pupil. */
  coordinate: { kinds: 'ALL', roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** Open a pupil without a lawful link (break the glass). */
  openEmergencyAccess: { kinds: EMERGENCY_ACCESS.kinds, roles: EMERGENCY_ACCESS.roles },
  /** Report pupils the school cannot reach (melding leerling uit beeld), one or a batch. */
  reportPupilOutOfView: { kinds: ['SCHOOL'], roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** Record a call, letter, door visit or note left; which kinds per organisation: ATTEMPTS_BY_KIND. */
  recordContactAttempt: { kinds: ['LEERLINGZAKEN', 'SCHOOL', 'SCHOOL_SOCIAL_WORK'], roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** Close a case of a pupil out of view, or turn it into a referral: the Leerlingzaken that holds it. */
  closeOutOfViewCase: { kinds: ['LEERLINGZAKEN'], roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** Print the letter or the door note for a family (needs IDENTITY, CONTACT and SCHOOLING of the pupil). */
  printOutreachLetter: { kinds: ['LEERLINGZAKEN', 'SCHOOL_SOCIAL_WORK'], roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** The overview of pupils out of view per school and municipality (counts, small groups hidden). */
  readOutOfViewOverview: { kinds: 'ALL', roles: ['COORDINATOR'] },
  /** The anonymised counts of closed cases (no pupil): the municipality's own, or the school's own reports. */
  readOutOfViewStatistics: { kinds: ['LEERLINGZAKEN', 'SCHOOL'], roles: ['COORDINATOR', 'PRIVACY_OFFICER'] },
  /** Correct a pupil's data in a category one may read for the pupil; the earlier value is kept (AVG art. 16). */
  correctPupilData: { kinds: ['LEERLINGZAKEN', 'SCHOOL'], roles: ['PROFESSIONAL', 'COORDINATOR'] },
  /** Restrict or lift the restriction of processing (AVG art. 18): the municipality as controller. */
  restrictProcessing: { kinds: ['LEERLINGZAKEN'], roles: ['COORDINATOR'] },
  /** Answer an inzageverzoek about a pupil of one's municipality (AVG art. 15); logged as EXPORT. */
  answerSubjectAccessRequest: { kinds: ['LEERLINGZAKEN'], roles: ['COORDINATOR'] },
  /** Allow employee names in subject access exports about one pupil (the municipality's privacy officer). */
  allowEmployeesInSubjectAccess: { kinds: ['LEERLINGZAKEN'], roles: ['PRIVACY_OFFICER'] },
  /** Register and remove the organisation's webhook endpoints, and read their delivery log. */
  manageWebhooks: { kinds: 'ALL', roles: ['COORDINATOR'] },
  /** Let another municipality's Leerlingzaken serve one's own municipality's pupils, by a dated agreement. */
  agreeMunicipalCooperation: { kinds: ['LEERLINGZAKEN'], roles: ['COORDINATOR'] },
  /** See the agreements between municipalities that concern one's own. */
  readMunicipalAgreements: { kinds: ['LEERLINGZAKEN'], roles: ['PROFESSIONAL', 'COORDINATOR', 'PRIVACY_OFFICER'] },
  /** Read and export the access log (AVG art. 15 inzageverzoek, art. 39 supervision; NEN 7513). */
  readAccessLog: { kinds: 'ALL', roles: ['PRIVACY_OFFICER'] },
  /** Review emergency accesses (AVG art. 39: the privacy officer monitors compliance). */
  reviewEmergencyAccess: { kinds: 'ALL', roles: ['PRIVACY_OFFICER'] },
} as const satisfies Record<string, { kinds: readonly OrganisationKind[] | 'ALL'; roles: readonly Role[] }>;
export type Operation = keyof typeof OPERATIONS;

/**
 * Which contact attempts each kind records. The attendance officer (leerplichtambtenaar) does all
 * of them; a school calls its own pupils' families; school social work visits homes on referral.
 */
export const ATTEMPTS_BY_KIND: Readonly<Partial<Record<OrganisationKind, readonly ContactAttemptKind[]>>> = {
  LEERLINGZAKEN: ['PHONE', 'LETTER', 'DOOR_VISIT', 'NOTE_LEFT'],
  SCHOOL: ['PHONE'],
  SCHOOL_SOCIAL_WORK: ['PHONE', 'DOOR_VISIT', 'NOTE_LEFT'],
};

/** What a letter or door note shows of the pupil: printing it is reading these (logged as PRINT). */
export const LETTER_CATEGORIES: readonly DataCategory[] = ['IDENTITY', 'CONTACT', 'SCHOOLING'];

/**
 * Aggregates (the out-of-view overview) hide a count that rests on 1 to 4 cases whose pupils the
 * caller may not see: small numbers about people one cannot see can identify them.
 */
export const SMALL_GROUP_THRESHOLD = 5;

/**
 * A privacy officer reviews the emergency accesses of her own organisation's people; the
 * municipality's (Leerlingzaken's) privacy officer those of everyone in the region.
 */
export const REVIEWS_WHOLE_REGION: readonly OrganisationKind[] = ['LEERLINGZAKEN'];

/**
 * How long after a referral was completed or failed its parties keep their link to the pupil, so
 * they can still answer questions about the work they did. AVG art. 5(1)(e): no longer than needed.
 * From the register of processing activities (ketenverwijzing).
 */
export const REFERRAL_LINK_RETENTION_DAYS = activity('ketenverwijzing').referralLinkDays!;

/** Statuses in which a referral gives its parties a link to the pupil. */
export const LINKING_STATUSES: readonly ReferralStatus[] = ['REQUESTED', 'RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD'];
/** Closed statuses after which the link lasts REFERRAL_LINK_RETENTION_DAYS more. */
export const LINK_RETAINING_STATUSES: readonly ReferralStatus[] = ['COMPLETED', 'FAILED'];
// REJECTED and CANCELLED end the link at once: the receiver never took on (or was relieved of) the work.

/** Categories every referral link gives, whatever it shares: the parties see the referral itself. */
export const ALWAYS_SHARED_WITH_REFERRAL_PARTIES: readonly DataCategory[] = ['REFERRAL'];

/**
 * Involvement that is itself secret: that one of these kinds has a referral about a pupil is shown
 * only to the parties of that referral (Meldcode; Wet politiegegevens).
 */
export const SECRET_INVOLVEMENT_KINDS: readonly OrganisationKind[] = ['VEILIG_THUIS', 'CRISIS_TEAM', 'POLICE'];

// ---- Derived questions. Everything below reads the tables above; nothing adds a rule. ----

export function roleExistsForKind(kind: OrganisationKind, role: Role): boolean {
  return ROLES_BY_KIND[kind].includes(role);
}

/** Categories this kind and role may ever read (before any lawful link). */
export function readableCategories(kind: OrganisationKind, role: Role): readonly DataCategory[] {
  return ROLE_READS_CASE_DATA[role] ? CATEGORIES_BY_KIND[kind] : [];
}

export function mayEverRead(kind: OrganisationKind, role: Role, category: DataCategory): boolean {
  return readableCategories(kind, role).includes(category);
}

export function hasLinkKind(kind: OrganisationKind, role: Role, link: LawfulLinkKind): boolean {
  if (link === 'EMERGENCY' && !EMERGENCY_ACCESS.roles.includes(role)) return false;
  return ROLE_READS_CASE_DATA[role] && LAWFUL_LINKS_BY_KIND[kind].includes(link);
}

export function mayPerform(kind: OrganisationKind, role: Role, operation: Operation): boolean {
  const rule: { kinds: readonly OrganisationKind[] | 'ALL'; roles: readonly Role[] } = OPERATIONS[operation];
  return (rule.kinds === 'ALL' || rule.kinds.includes(kind)) && rule.roles.includes(role) && roleExistsForKind(kind, role);
}

export interface ReferralLinkFacts {
  status: ReferralStatus;
  closed_at: Date | string | null;
  shared_categories: readonly DataCategory[];
  legal_basis: LegalBasis;
  consent_valid_from: string | null;
  consent_valid_until: string | null;
  consent_revoked_at: Date | string | null;
}

const DAY_MS = 24 * 3600 * 1000;

/** The moment before which a completed or failed referral still links its parties to the pupil. */
export function retentionCutoff(now: Date): Date {
  return new Date(now.getTime() - REFERRAL_LINK_RETENTION_DAYS * DAY_MS);
}

// Made once: constructing an Intl.DateTimeFormat costs more than a whole row filter (profiled).
const DUTCH_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' });

/** YYYY-MM-DD of `now` in the Netherlands, for comparing with consent dates. */
export function dutchDate(now: Date): string {
  return DUTCH_DATE.format(now);
}

/** Whether a referral, right now, gives its sender and receiver a lawful link to its pupil. */
export function referralLinks(referral: ReferralLinkFacts, now: Date): boolean {
  const status = referral.status;
  let open: boolean;
  if (LINKING_STATUSES.includes(status)) open = true;
  else if (LINK_RETAINING_STATUSES.includes(status) && referral.closed_at !== null)
    open = new Date(referral.closed_at).getTime() > retentionCutoff(now).getTime();
  else open = false;
  if (!open) return false;
  if (referral.legal_basis !== 'CONSENT') return true;
  // Consent (toestemming) counts from its first day through its last, until it is revoked.
  const today = dutchDate(now);
  if (referral.consent_revoked_at !== null) return false;
  if (referral.consent_valid_from === null || referral.consent_valid_from > today) return false;
  return referral.consent_valid_until === null || referral.consent_valid_until >= today;
}

/** The categories a live referral link gives: the kind's categories that the referral shares. */
export function categoriesThroughReferral(
  kind: OrganisationKind,
  role: Role,
  referral: Pick<ReferralLinkFacts, 'shared_categories'>,
): DataCategory[] {
  const readable = readableCategories(kind, role);
  return readable.filter(
    (category) =>
      ALWAYS_SHARED_WITH_REFERRAL_PARTIES.includes(category) || referral.shared_categories.includes(category),
  );
}

/** Sorted for stable output (errors, logs, the generated table). */
export function sortCategories(categories: Iterable<DataCategory>): DataCategory[] {
  const set = new Set(categories);
  return DATA_CATEGORIES.filter((category) => set.has(category));
}
