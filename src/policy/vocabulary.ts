// The words of the domain, shared by the database, the GraphQL schema and the policy.
// Values are the same strings as the SQL CHECK constraints and the SDL enums.

/** Organisation kinds (soorten ketenpartner). */
export const ORGANISATION_KINDS = [
  'LEERLINGZAKEN', // municipal pupil affairs: leerplichtambtenaren and the RMC team
  'SCHOOL',
  'SCHOOL_SOCIAL_WORK', // schoolmaatschappelijk werk
  'POLICE', // wijkagent
  'CRISIS_TEAM', // Crisis Interventie Team, Jeugdbescherming West
  'VEILIG_THUIS',
  'CJG', // Centrum voor Jeugd en Gezin
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

/** Roles inside an organisation. */
export const ROLES = [
  'PROFESSIONAL',
  'COORDINATOR', // team lead: the whole caseload of the organisation
  'PRIVACY_OFFICER', // functionaris gegevensbescherming: reads the access log, not case data
] as const;
export type Role = (typeof ROLES)[number];

/** Data categories: the unit in which the policy grants or refuses reading. */
export const DATA_CATEGORIES = [
  'IDENTITY',
  'BSN',
  'CONTACT',
  'SCHOOLING',
  'CONTACT_ATTEMPTS',
  'REFERRAL',
  'CARE',
  'SAFETY',
] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

/** FHIR Task states that fit a handover between organisations. */
export const REFERRAL_STATUSES = [
  'REQUESTED',
  'RECEIVED',
  'ACCEPTED',
  'REJECTED',
  'IN_PROGRESS',
  'ON_HOLD',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  // Made by mistake (FHIR entered-in-error): withdrawn by the sender before the receiver took it
  // on; left out of lists, kept in the log.
  'ENTERED_IN_ERROR',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

export const URGENCIES = ['NORMAL', 'URGENT'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** The ground on which a referral shares data (grondslag). */
export const LEGAL_BASES = [
  'CONSENT', // toestemming, with its dates
  'LEERPLICHTWET',
  'JEUGDWET',
  'MELDCODE', // Wet verplichte meldcode huiselijk geweld en kindermishandeling
  'WET_PUBLIEKE_GEZONDHEID',
  'POLITIEWET',
] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export const LETTER_LANGUAGES = ['nl', 'en', 'pl', 'tr', 'ar', 'bg'] as const;
export type LetterLanguage = (typeof LETTER_LANGUAGES)[number];

export const GUARDIAN_RELATIONS = ['PARENT', 'GUARDIAN', 'FOSTER_PARENT', 'OTHER'] as const;
export type GuardianRelation = (typeof GUARDIAN_RELATIONS)[number];

export const CONTACT_ATTEMPT_KINDS = ['PHONE', 'LETTER', 'DOOR_VISIT', 'NOTE_LEFT'] as const;
export const CONTACT_ATTEMPT_OUTCOMES = [
  'REACHED',
  'NO_ANSWER',
  'WRONG_NUMBER',
  'NO_NUMBER',
  'SENT',
  'CONTACT_MADE',
  'NOBODY_HOME',
  'LEFT',
] as const;
export type ContactAttemptKind = (typeof CONTACT_ATTEMPT_KINDS)[number];
export type ContactAttemptOutcome = (typeof CONTACT_ATTEMPT_OUTCOMES)[number];

/** The outcomes each kind of attempt can have. */
export const OUTCOMES_BY_ATTEMPT_KIND: Readonly<Record<ContactAttemptKind, readonly ContactAttemptOutcome[]>> = {
  PHONE: ['REACHED', 'NO_ANSWER', 'WRONG_NUMBER', 'NO_NUMBER'],
  LETTER: ['SENT'],
  DOOR_VISIT: ['CONTACT_MADE', 'NOBODY_HOME'],
  NOTE_LEFT: ['LEFT'],
};

/** How a case of a pupil out of view (uit beeld) ended. */
export const CASE_OUTCOMES = [
  'REACHED', // back in view: pupil or family reached
  'MOVED', // had moved (verhuisd): handed to the new municipality or school
  'NEEDS_DEVICE', // reached, but cannot follow lessons without a laptop or connection
  'REFERRED_TO_PARTNER', // the case became a referral to a chain partner
  'EMERGENCY_SHELTER', // noodopvang arranged
  'OTHER',
] as const;
export type CaseOutcome = (typeof CASE_OUTCOMES)[number];

/** What Leerlingzaken should do next in a case (src/outreach/next-step.ts decides which). */
export const NEXT_STEPS = ['PHONE', 'LETTER', 'DOOR_VISIT', 'NOTE_LEFT', 'CLOSE_CASE', 'REFER_TO_PARTNER'] as const;
export type NextStepAction = (typeof NEXT_STEPS)[number];

/** Statuses in which a referral is still open work. */
export const OPEN_REFERRAL_STATUSES: readonly ReferralStatus[] = [
  'REQUESTED',
  'RECEIVED',
  'ACCEPTED',
  'IN_PROGRESS',
  'ON_HOLD',
];

/** The issuer of the development tokens printed by `npm run token` (its key is in the repository). */
export const DEMO_ISSUER = 'https://demo-idp.ketenhub.invalid';
