// The invented demo region: Den Haag and Rijswijk, their Leerlingzaken, five schools, one
// organisation of each partner kind, 200 pupils and the referrals, notes and contact attempts
// between them. Everything is derived from one seed and a fixed base date, so the demo (and every
// test that relies on it) sees the same data on every run.
import { generateOutOfView, withNextSteps, type DemoOutOfViewCase, type DemoOutOfViewReport } from './out-of-view.ts';
import type { Database } from '../db/database.ts';
import type { ReferralAction as LifecycleAction } from '../referrals/lifecycle.ts';
import { deadlinesFor } from '../referrals/deadlines.ts';
import {
  CONTACT_ATTEMPT_KINDS,
  CONTACT_ATTEMPT_OUTCOMES,
  DEMO_ISSUER,
  type DataCategory,
  type LegalBasis,
  type LetterLanguage,
  type OrganisationKind,
  type ReferralStatus,
  type Role,
  type Urgency,
} from '../policy/vocabulary.ts';
import { NAME_GROUP_WEIGHTS, NAME_LISTS, STREETS, postalCode, type NameGroup } from './names.ts';
import { Random, addDays, addHours, addMinutes, ageOn, birthDateForAge, isoDate } from './random.ts';

/** "Now" for the demo data: every time in it is at or before this moment. */
export const DEMO_BASE_TIME = '2026-03-16T08:00:00.000Z';
export const DEFAULT_DEMO_SEED = 20200316;

export type MunicipalityCode = 'GM0518' | 'GM0603';

// ---------------------------------------------------------------------------------------------
// Row types: keys are exactly the SQL column names, so rows go straight into insertInto().values().

export interface DemoMunicipality {
  code: MunicipalityCode;
  name: string;
}

export interface DemoOrganisation {
  id: string;
  kind: OrganisationKind;
  name: string;
  municipality_code: MunicipalityCode;
  issuer: string;
  contact_email: string | null;
  contact_phone: string | null;
}

export interface DemoPupil {
  id: string;
  given_name: string;
  family_name_prefix: string | null;
  family_name: string;
  date_of_birth: string;
  municipality_code: MunicipalityCode;
  bsn: string;
  street: string;
  house_number: string;
  postal_code: string;
  city: string;
  phone: string | null;
  letter_language: LetterLanguage;
  school_id: string;
  grade: string;
  absent_since: string | null;
  reported_missing_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type GuardianRelation = 'PARENT' | 'GUARDIAN' | 'FOSTER_PARENT' | 'OTHER';

export interface DemoGuardian {
  id: string;
  pupil_id: string;
  name: string;
  relation: GuardianRelation;
  phone: string | null;
  email: string | null;
  position: number;
}

export interface DemoReferral {
  id: string;
  pupil_id: string;
  sender_org_id: string;
  receiver_org_id: string;
  status: ReferralStatus;
  urgency: Urgency;
  reason: string;
  shared_categories: DataCategory[];
  legal_basis: LegalBasis;
  consent_given_by: string | null;
  consent_valid_from: string | null;
  consent_valid_until: string | null;
  consent_revoked_at: Date | null;
  handed_over_from_id: string | null;
  response_due_at: Date;
  /** URGENT: by when the receiver must open it (the hub's deadline rule); null for NORMAL. */
  receive_due_at: Date | null;
  /** When the receiver opened it (its RECEIVE event); null while unopened. */
  received_at: Date | null;
  outcome: string | null;
  closed_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** The actions the demo's referral histories use (a subset of the lifecycle's). */
export type ReferralAction = Extract<
  LifecycleAction,
  'CREATE' | 'RECEIVE' | 'ACCEPT' | 'REJECT' | 'START' | 'PUT_ON_HOLD' | 'RESUME' | 'COMPLETE' | 'FAIL' | 'CANCEL'
>;

export interface DemoReferralEvent {
  id: string;
  referral_id: string;
  action: ReferralAction;
  from_status: ReferralStatus | null;
  to_status: ReferralStatus;
  actor_org_id: string;
  actor_subject: string;
  actor_role: Role;
  reason: string | null;
  occurred_at: Date;
}

export type NoteCategory = 'CARE' | 'SAFETY' | 'SCHOOLING' | 'CONTACT';

export interface DemoNote {
  id: string;
  pupil_id: string;
  referral_id: string | null;
  category: NoteCategory;
  body: string;
  author_org_id: string;
  author_subject: string;
  author_role: Role;
  created_at: Date;
}

export type ContactAttemptKind = (typeof CONTACT_ATTEMPT_KINDS)[number];
export type ContactAttemptOutcome = (typeof CONTACT_ATTEMPT_OUTCOMES)[number];

export interface DemoContactAttempt {
  id: string;
  pupil_id: string;
  kind: ContactAttemptKind;
  outcome: ContactAttemptOutcome;
  letter_language: LetterLanguage | null;
  org_id: string;
  actor_subject: string;
  actor_role: Role;
  remark: string | null;
  occurred_at: Date;
  /** The case of a pupil out of view the attempt was made in (src/demo/out-of-view.ts). */
  case_id?: string | null;
}

export interface DemoRegion {
  municipalities: DemoMunicipality[];
  organisations: DemoOrganisation[];
  pupils: DemoPupil[];
  guardians: DemoGuardian[];
  referrals: DemoReferral[];
  referralEvents: DemoReferralEvent[];
  notes: DemoNote[];
  contactAttempts: DemoContactAttempt[];
  outOfViewCases: DemoOutOfViewCase[];
  outOfViewReports: DemoOutOfViewReport[];
}

// ---------------------------------------------------------------------------------------------
// Municipalities and organisations.

export const DEMO_MUNICIPALITIES: readonly DemoMunicipality[] = [
  { code: 'GM0518', name: 'Den Haag' },
  { code: 'GM0603', name: 'Rijswijk' },
];

export type SchoolType = 'primary' | 'secondary' | 'mbo';

/** Ages a school type teaches (inclusive), within the 5–23 of the Leerplichtwet and RMC. */
export const SCHOOL_AGES: Readonly<Record<SchoolType, readonly [number, number]>> = {
  primary: [5, 12],
  secondary: [12, 18],
  mbo: [16, 23],
};

export interface SchoolInfo {
  id: string;
  municipality_code: MunicipalityCode;
  type: SchoolType;
}

function organisation(
  id: string,
  kind: OrganisationKind,
  name: string,
  municipality_code: MunicipalityCode,
  contact_email: string,
  contact_phone: string,
): DemoOrganisation {
  return { id, kind, name, municipality_code, issuer: DEMO_ISSUER, contact_email, contact_phone };
}

export const DEMO_ORGANISATIONS: readonly DemoOrganisation[] = [
  organisation('lz-den-haag', 'LEERLINGZAKEN', 'Leerlingzaken Den Haag', 'GM0518', 'leerlingzaken@denhaag.example', '070-5550100'),
  organisation('lz-rijswijk', 'LEERLINGZAKEN', 'Leerlingzaken Rijswijk', 'GM0603', 'leerlingzaken@rijswijk.example', '070-5550200'),
  organisation('school-dalton-laak', 'SCHOOL', 'Daltonschool Laakkwartier', 'GM0518', 'administratie@dalton-laak.example', '070-5551110'),
  organisation('school-zeester-escamp', 'SCHOOL', 'Basisschool De Zeester', 'GM0518', 'info@zeester-escamp.example', '070-5551120'),
  organisation('school-zuiderpark-college', 'SCHOOL', 'Zuiderpark College', 'GM0518', 'verzuim@zuiderpark-college.example', '070-5551130'),
  organisation('school-binckhorst-mbo', 'SCHOOL', 'Binckhorst Vakcollege (mbo)', 'GM0518', 'studentzaken@binckhorst-mbo.example', '070-5551140'),
  organisation('school-elsenburg-college', 'SCHOOL', 'Elsenburg College Rijswijk', 'GM0603', 'verzuim@elsenburg-college.example', '070-5552110'),
  organisation('smw-den-haag', 'SCHOOL_SOCIAL_WORK', 'Schoolmaatschappelijk Werk Den Haag', 'GM0518', 'smw@smw-denhaag.example', '070-5550300'),
  organisation('politie-den-haag', 'POLICE', 'Politie Den Haag, wijkagenten', 'GM0518', 'wijkagenten@politie-denhaag.example', '070-5550400'),
  organisation('jbw-crisisteam', 'CRISIS_TEAM', 'Jeugdbescherming West, Crisis Interventie Team', 'GM0518', 'cit@jbwest.example', '070-5550500'),
  organisation('veilig-thuis-haaglanden', 'VEILIG_THUIS', 'Veilig Thuis Haaglanden', 'GM0518', 'advies@veiligthuis-haaglanden.example', '070-5550600'),
  organisation('cjg-den-haag', 'CJG', 'Centrum voor Jeugd en Gezin Den Haag', 'GM0518', 'info@cjg-denhaag.example', '070-5550700'),
];

export const DEMO_SCHOOLS: readonly SchoolInfo[] = [
  { id: 'school-dalton-laak', municipality_code: 'GM0518', type: 'primary' },
  { id: 'school-zeester-escamp', municipality_code: 'GM0518', type: 'primary' },
  { id: 'school-zuiderpark-college', municipality_code: 'GM0518', type: 'secondary' },
  { id: 'school-binckhorst-mbo', municipality_code: 'GM0518', type: 'mbo' },
  { id: 'school-elsenburg-college', municipality_code: 'GM0603', type: 'secondary' },
];

/** Leerlingzaken of a home municipality: the organisation with the lawful link to its pupils. */
export const LEERLINGZAKEN_OF: Readonly<Record<MunicipalityCode, string>> = {
  GM0518: 'lz-den-haag',
  GM0603: 'lz-rijswijk',
};

const KIND_OF = new Map<string, OrganisationKind>(DEMO_ORGANISATIONS.map((org) => [org.id, org.kind]));
function kindOf(orgId: string): OrganisationKind {
  if (orgId.startsWith('school-') || orgId.startsWith('scale-school-')) return 'SCHOOL';
  const kind = KIND_OF.get(orgId);
  if (!kind) throw new Error(`unknown demo organisation ${orgId}`);
  return kind;
}

export function actorSubject(orgId: string): string {
  return `demo-user-${orgId}`;
}

// ---------------------------------------------------------------------------------------------
// BSN (burgerservicenummer).

export { isValidBsn } from '../pupils/bsn.ts';

/** Completes eight digits to a valid BSN, or null when no check digit 0–9 fits. */
export function completeBsn(firstEight: string): string | null {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(firstEight[i]) * (9 - i);
  const check = sum % 11;
  return check === 10 ? null : firstEight + String(check);
}

// ---------------------------------------------------------------------------------------------
// Pupils and guardians.

function grade(rng: Random, type: SchoolType, age: number): string {
  switch (type) {
    case 'primary':
      return `groep ${Math.min(8, Math.max(1, age - 3))}`;
    case 'mbo':
      return `mbo ${Math.min(4, Math.max(1, age - 15))}`;
    case 'secondary': {
      const year = Math.min(6, Math.max(1, age - 11));
      if (year === 6) return 'vwo 6';
      if (year === 5) return `${rng.pick(['havo', 'vwo'])} 5`;
      return `${rng.pick(['vmbo-b', 'vmbo-k', 'vmbo-t', 'havo', 'havo', 'vwo'])} ${year}`;
    }
  }
}

function mobile(rng: Random): string {
  return `06-${rng.int(1, 6)}${rng.digits(7)}`;
}

function slug(text: string): string {
  return text
    .replace(/ı/g, 'i')
    .replace(/ł/g, 'l')
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

interface PersonName {
  given: string;
  prefix: string | null;
  family: string;
}

function personName(rng: Random, group: NameGroup, female: boolean, surname?: { prefix: string | null; name: string }): PersonName {
  const list = NAME_LISTS[group];
  const given = rng.pick(female ? list.female : list.male);
  const base = surname ?? rng.pick(list.surnames);
  const family = female && list.feminine ? list.feminine(base.name) : base.name;
  return { given, prefix: base.prefix, family };
}

function fullName(name: PersonName): string {
  return [name.given, name.prefix, name.family].filter(Boolean).join(' ');
}

function letterLanguage(rng: Random, group: NameGroup): LetterLanguage {
  if (group === 'dutch') return 'nl';
  return rng.weighted<LetterLanguage>([
    [NAME_LISTS[group].language, 72],
    ['nl', 18],
    ['en', 10],
  ]);
}

export interface GeneratedPupil {
  pupil: DemoPupil;
  group: NameGroup;
  /** The surname as drawn (masculine form), for the family's guardians. */
  surname: { prefix: string | null; name: string };
}

export interface PupilOptions {
  school: SchoolInfo;
  home: MunicipalityCode;
  bsn: string;
  base: Date;
  age?: number;
}

export function generatePupil(rng: Random, options: PupilOptions): GeneratedPupil {
  const { school, home, base } = options;
  const [minAge, maxAge] = SCHOOL_AGES[school.type];
  const age = options.age ?? rng.int(minAge, maxAge);
  const group = rng.weighted(NAME_GROUP_WEIGHTS);
  const female = rng.chance(0.5);
  const surname = rng.pick(NAME_LISTS[group].surnames);
  const name = personName(rng, group, female, surname);
  const streets = STREETS[home];
  const houseNumber = String(rng.int(1, 240)) + (rng.chance(0.15) ? rng.pick(['A', 'B', '-1', '-2', '-3']) : '');
  const createdAt = addDays(base, -rng.int(120, 400));
  const pupil: DemoPupil = {
    id: rng.uuid(),
    given_name: name.given,
    family_name_prefix: name.prefix,
    family_name: name.family,
    date_of_birth: birthDateForAge(base, age, rng.int(0, 364)),
    municipality_code: home,
    bsn: options.bsn,
    street: rng.pick(streets.streets),
    house_number: houseNumber,
    postal_code: postalCode(rng.int(streets.postalCodes[0], streets.postalCodes[1]), rng.int(0, 99), rng.int(0, 99)),
    city: streets.city,
    // Younger children rarely have a phone of their own.
    phone: age >= 12 && rng.chance(0.8) ? mobile(rng) : null,
    letter_language: letterLanguage(rng, group),
    school_id: school.id,
    grade: grade(rng, school.type, age),
    absent_since: null,
    reported_missing_at: null,
    created_at: createdAt,
    updated_at: createdAt,
  };
  return { pupil, group, surname };
}

export function generateGuardians(rng: Random, generated: GeneratedPupil): DemoGuardian[] {
  const { pupil, group, surname } = generated;
  const relation = rng.weighted<GuardianRelation>([
    ['PARENT', 86],
    ['FOSTER_PARENT', 8],
    ['GUARDIAN', 6],
  ]);
  const count = relation === 'GUARDIAN' ? 1 : rng.chance(0.6) ? 2 : 1;
  // Foster parents and guardians come from outside the family; a second parent may have another name.
  const familyGroup: NameGroup = relation === 'PARENT' ? group : rng.weighted(NAME_GROUP_WEIGHTS);
  const familySurname = relation === 'PARENT' ? surname : rng.pick(NAME_LISTS[familyGroup].surnames);
  const firstFemale = rng.chance(0.65);
  const guardians: DemoGuardian[] = [];
  for (let position = 0; position < count; position++) {
    const female = position === 0 ? firstFemale : rng.chance(0.9) ? !firstFemale : firstFemale;
    const sameName = position === 0 || rng.chance(0.7);
    const name = personName(rng, familyGroup, female, sameName ? familySurname : undefined);
    guardians.push({
      id: rng.uuid(),
      pupil_id: pupil.id,
      name: fullName(name),
      relation,
      phone: rng.chance(0.9) ? mobile(rng) : null,
      email: rng.chance(0.55) ? `${slug(name.given)}.${slug(name.family)}${rng.int(1, 99)}@mail.example` : null,
      position,
    });
  }
  return guardians;
}

// ---------------------------------------------------------------------------------------------
// Referral lifecycle.

export const ACTION_TARGET: Readonly<Record<ReferralAction, ReferralStatus>> = {
  CREATE: 'REQUESTED',
  RECEIVE: 'RECEIVED',
  ACCEPT: 'ACCEPTED',
  REJECT: 'REJECTED',
  START: 'IN_PROGRESS',
  PUT_ON_HOLD: 'ON_HOLD',
  RESUME: 'IN_PROGRESS',
  COMPLETE: 'COMPLETED',
  FAIL: 'FAILED',
  CANCEL: 'CANCELLED',
};

const CLOSED_STATUSES: readonly ReferralStatus[] = ['REJECTED', 'COMPLETED', 'FAILED', 'CANCELLED'];

/** A legal sequence of actions from nothing to `status`. */
export function pathTo(rng: Random, status: ReferralStatus): ReferralAction[] {
  const started: ReferralAction[] = ['CREATE', 'RECEIVE', 'ACCEPT', 'START'];
  const pause = (p: number): ReferralAction[] => (rng.chance(p) ? ['PUT_ON_HOLD', 'RESUME'] : []);
  switch (status) {
    case 'REQUESTED':
      return ['CREATE'];
    case 'RECEIVED':
      return ['CREATE', 'RECEIVE'];
    case 'ACCEPTED':
      return ['CREATE', 'RECEIVE', 'ACCEPT'];
    case 'REJECTED':
      return ['CREATE', 'RECEIVE', 'REJECT'];
    case 'IN_PROGRESS':
      return [...started, ...pause(0.3)];
    case 'ON_HOLD':
      return [...started, ...pause(0.2), 'PUT_ON_HOLD'];
    case 'COMPLETED':
      return [...started, ...pause(0.25), 'COMPLETE'];
    case 'FAILED':
      return [...started, 'FAIL'];
    case 'CANCELLED': {
      const open = started.slice(0, rng.int(1, 4));
      if (open.length === 4 && rng.chance(0.3)) open.push('PUT_ON_HOLD');
      return [...open, 'CANCEL'];
    }
    case 'ENTERED_IN_ERROR':
      throw new Error('the demo region makes no referral entered in error');
  }
}

// Minutes between an action and the one before it: [normal min, normal max, urgent max].
const ACTION_GAP: Readonly<Record<ReferralAction, readonly [number, number, number]>> = {
  CREATE: [0, 0, 0],
  RECEIVE: [30, 30 * 60, 3 * 60],
  ACCEPT: [60, 72 * 60, 6 * 60],
  REJECT: [60, 72 * 60, 6 * 60],
  START: [30, 48 * 60, 4 * 60],
  PUT_ON_HOLD: [24 * 60, 7 * 24 * 60, 3 * 24 * 60],
  RESUME: [24 * 60, 7 * 24 * 60, 3 * 24 * 60],
  COMPLETE: [2 * 24 * 60, 14 * 24 * 60, 5 * 24 * 60],
  FAIL: [3 * 24 * 60, 14 * 24 * 60, 5 * 24 * 60],
  CANCEL: [4 * 60, 5 * 24 * 60, 24 * 60],
};

const REASONS_TO: Readonly<Record<OrganisationKind, readonly string[]>> = {
  LEERLINGZAKEN: [
    'Leerling is sinds de schoolsluiting niet meer in beeld; ouders reageren niet op berichten.',
    'Leerling doet niet mee aan het thuisonderwijs en is telefonisch onbereikbaar.',
    'Zorgen om langdurig verzuim; school krijgt geen contact met het gezin.',
    'Leerling is na de vakantie niet teruggekomen op school.',
    'Leerling logt niet meer in op de leeromgeving en reageert niet op de mentor.',
  ],
  SCHOOL: ['Leerling staat ingeschreven maar is niet op school verschenen.'],
  SCHOOL_SOCIAL_WORK: [
    'Gezin heeft ondersteuning nodig om het thuisonderwijs vol te houden.',
    'Zorgen over de thuissituatie; verzoek om huisbezoek door schoolmaatschappelijk werk.',
    'Leerling zit veel thuis en lijkt somber; verzoek om een gesprek.',
  ],
  CJG: [
    'Ouders vragen om ondersteuning bij de opvoeding.',
    'Zorgen over de ontwikkeling van een jong kind; verzoek om contact met de jeugdgezondheidszorg.',
    'Gezin heeft hulp nodig bij structuur en dagritme thuis.',
  ],
  POLICE: [
    'Gezin onbereikbaar op het bekende adres; verzoek om controle door de wijkagent.',
    'Zorgen over de veiligheid van de leerling; niemand opent de deur.',
  ],
  VEILIG_THUIS: [
    'Signalen van huiselijk geweld; advies gevraagd volgens de meldcode.',
    'Vermoeden van kindermishandeling na een huisbezoek.',
  ],
  CRISIS_TEAM: [
    'Acute zorgen over de veiligheid van de leerling; directe inzet gevraagd.',
    'Crisissituatie thuis; leerling kan mogelijk niet thuis blijven.',
  ],
};

const OUTCOMES_OF: Readonly<Record<OrganisationKind, readonly string[]>> = {
  LEERLINGZAKEN: [
    'Leerling is weer in beeld en volgt de lessen.',
    'Afspraken gemaakt met ouders en school over terugkeer; verzuim gestopt.',
  ],
  SCHOOL: ['Leerling is weer op school.'],
  SCHOOL_SOCIAL_WORK: [
    'Gesprekken afgerond; gezin weet de weg naar hulp.',
    'Leerling heeft weer een dagritme en doet mee met de lessen.',
  ],
  CJG: ['Opvoedondersteuning afgerond.', 'Gezin is aangesloten bij een oudercursus.'],
  POLICE: [
    'Wijkagent heeft het gezin thuis aangetroffen; geen directe zorgen.',
    'Adres gecontroleerd; gezin blijkt verhuisd binnen de gemeente.',
  ],
  VEILIG_THUIS: ['Advies gegeven; geen melding nodig.', 'Onderzoek afgerond; hulp in het vrijwillig kader gestart.'],
  CRISIS_TEAM: ['Crisis gestabiliseerd; zorg overgedragen aan het wijkteam.', 'Veiligheidsplan opgesteld met het gezin.'],
};

const REJECT_REASONS = [
  'Casus past niet bij onze taak; verwijs naar het CJG.',
  'Er is al een hulpverlener betrokken bij het gezin.',
  'Onvoldoende informatie om de verwijzing op te pakken.',
];
const HOLD_REASONS = [
  'Wachten op reactie van de ouders.',
  'Gezin tijdelijk in het buitenland.',
  'Wachten op gesprek met de mentor.',
];
const CANCEL_REASONS = [
  'Leerling is alsnog online in de les verschenen.',
  'Leerling is zelf weer op school gekomen.',
  'Verwijzing per vergissing verstuurd.',
];
const FAIL_REASONS = [
  'Gezin niet bereikbaar ondanks herhaalde pogingen.',
  'Gezin vertrokken naar onbekend adres.',
  'Hulp afgewezen door het gezin.',
];

/** The categories a receiver of this kind needs; always IDENTITY and REFERRAL. */
export const SHARED_CATEGORIES_FOR: Readonly<Record<OrganisationKind, readonly DataCategory[]>> = {
  LEERLINGZAKEN: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL'],
  SCHOOL: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'REFERRAL'],
  SCHOOL_SOCIAL_WORK: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE'],
  CJG: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'REFERRAL', 'CARE'],
  VEILIG_THUIS: ['IDENTITY', 'CONTACT', 'REFERRAL', 'CARE', 'SAFETY'],
  CRISIS_TEAM: ['IDENTITY', 'CONTACT', 'REFERRAL', 'CARE', 'SAFETY'],
  POLICE: ['IDENTITY', 'CONTACT', 'REFERRAL', 'SAFETY'],
};

const DEFAULT_LEGAL_BASIS: Readonly<Record<OrganisationKind, LegalBasis>> = {
  LEERLINGZAKEN: 'LEERPLICHTWET',
  SCHOOL: 'LEERPLICHTWET',
  SCHOOL_SOCIAL_WORK: 'LEERPLICHTWET',
  CJG: 'JEUGDWET',
  POLICE: 'POLITIEWET',
  VEILIG_THUIS: 'MELDCODE',
  CRISIS_TEAM: 'JEUGDWET',
};

export interface ReferralSpec {
  pupil: DemoPupil;
  /** Who gives consent when the legal basis is CONSENT. */
  consentGivenBy?: string;
  sender: string;
  receiver: string;
  status: ReferralStatus;
  urgency: Urgency;
  legalBasis?: LegalBasis;
  reason?: string;
  outcome?: string;
  /** A FAILED consent referral can fail because the consent was withdrawn. */
  consentRevoked?: boolean;
  handedOverFrom?: DemoReferral;
  createdAt: Date;
}

export interface BuiltReferral {
  referral: DemoReferral;
  events: DemoReferralEvent[];
}

/** A referral and one event per transition on a legal path to its status. */
export function buildReferral(rng: Random, spec: ReferralSpec): BuiltReferral {
  const receiverKind = kindOf(spec.receiver);
  const urgent = spec.urgency === 'URGENT';
  const legalBasis = spec.legalBasis ?? DEFAULT_LEGAL_BASIS[receiverKind];
  const id = rng.uuid();
  const outcome =
    spec.status === 'COMPLETED'
      ? (spec.outcome ?? rng.pick(OUTCOMES_OF[receiverKind]))
      : spec.status === 'FAILED'
        ? (spec.outcome ?? (spec.consentRevoked ? 'Ouders hebben hun toestemming ingetrokken.' : rng.pick(FAIL_REASONS)))
        : null;

  const events: DemoReferralEvent[] = [];
  let at = spec.createdAt;
  let from: ReferralStatus | null = null;
  for (const action of pathTo(rng, spec.status)) {
    const [min, max, urgentMax] = ACTION_GAP[action];
    if (action !== 'CREATE') at = addMinutes(at, rng.int(min, urgent ? Math.max(min, urgentMax) : max));
    const bySender = action === 'CREATE' || action === 'CANCEL';
    const reason =
      action === 'REJECT'
        ? rng.pick(REJECT_REASONS)
        : action === 'PUT_ON_HOLD'
          ? rng.pick(HOLD_REASONS)
          : action === 'CANCEL'
            ? rng.pick(CANCEL_REASONS)
            : action === 'COMPLETE' || action === 'FAIL'
              ? outcome
              : null;
    const to = ACTION_TARGET[action];
    events.push({
      id: rng.uuid(),
      referral_id: id,
      action,
      from_status: from,
      to_status: to,
      actor_org_id: bySender ? spec.sender : spec.receiver,
      actor_subject: actorSubject(bySender ? spec.sender : spec.receiver),
      // Coordinators triage incoming work; professionals do it.
      actor_role: action === 'ACCEPT' || action === 'REJECT' || (action === 'CANCEL' && rng.chance(0.5)) ? 'COORDINATOR' : 'PROFESSIONAL',
      reason,
      occurred_at: at,
    });
    from = to;
  }

  const last = events[events.length - 1] as DemoReferralEvent;
  const consent = legalBasis === 'CONSENT';
  const referral: DemoReferral = {
    id,
    pupil_id: spec.pupil.id,
    sender_org_id: spec.sender,
    receiver_org_id: spec.receiver,
    status: spec.status,
    urgency: spec.urgency,
    reason: spec.reason ?? rng.pick(REASONS_TO[receiverKind]),
    shared_categories: [...SHARED_CATEGORIES_FOR[receiverKind]],
    legal_basis: legalBasis,
    consent_given_by: consent ? (spec.consentGivenBy ?? 'ouder') : null,
    consent_valid_from: consent ? isoDate(spec.createdAt) : null,
    consent_valid_until: consent ? isoDate(addDays(spec.createdAt, 365)) : null,
    consent_revoked_at: consent && spec.consentRevoked ? addHours(last.occurred_at, -2) : null,
    handed_over_from_id: spec.handedOverFrom?.id ?? null,
    // The hub's own rules, as createReferral and the RECEIVE action apply them.
    ...deadlineColumns(spec.createdAt, spec.urgency),
    received_at: events.find((event) => event.action === 'RECEIVE')?.occurred_at ?? null,
    outcome,
    closed_at: CLOSED_STATUSES.includes(spec.status) ? last.occurred_at : null,
    version: events.length,
    created_at: spec.createdAt,
    updated_at: last.occurred_at,
  };
  return { referral, events };
}

/** The deadline columns createReferral writes: urgent 24 h to open and 48 h to decide, normal 5 working days. */
function deadlineColumns(createdAt: Date, urgency: Urgency): Pick<DemoReferral, 'response_due_at' | 'receive_due_at'> {
  const deadlines = deadlinesFor(createdAt, urgency);
  return { response_due_at: deadlines.decideBy, receive_due_at: deadlines.receiveBy };
}

/** Moves a referral and its events in time by `ms` (negative: earlier). */
export function shiftReferral(built: BuiltReferral, ms: number): void {
  const move = (date: Date) => new Date(date.getTime() + ms);
  const r = built.referral;
  r.created_at = move(r.created_at);
  r.updated_at = move(r.updated_at);
  // Working days: recomputed on the new calendar rather than shifted.
  Object.assign(r, deadlineColumns(r.created_at, r.urgency));
  if (r.received_at) r.received_at = move(r.received_at);
  if (r.closed_at) r.closed_at = move(r.closed_at);
  if (r.consent_revoked_at) r.consent_revoked_at = move(r.consent_revoked_at);
  if (r.consent_valid_from) r.consent_valid_from = isoDate(r.created_at);
  if (r.consent_valid_until) r.consent_valid_until = isoDate(addDays(r.created_at, 365));
  for (const event of built.events) event.occurred_at = move(event.occurred_at);
}

/** Who may give consent for this pupil: the pupil from 16, otherwise the first guardian. */
export function consentGiver(pupil: DemoPupil, base: Date, guardians: readonly DemoGuardian[]): string {
  if (ageOn(pupil.date_of_birth, base) >= 16) return 'leerling';
  const relation = guardians.find((guardian) => guardian.pupil_id === pupil.id)?.relation;
  return relation === 'GUARDIAN' ? 'voogd' : relation === 'FOSTER_PARENT' ? 'pleegouder' : 'ouder';
}

// ---------------------------------------------------------------------------------------------
// Contact attempts: phone -> letter -> door visit -> note left.

const PHONE_REMARKS: Readonly<Record<'REACHED' | 'NO_ANSWER' | 'WRONG_NUMBER' | 'NO_NUMBER', string>> = {
  REACHED: 'Ouder gesproken; afspraak gemaakt over terugkeer naar school.',
  NO_ANSWER: 'Geen gehoor; voicemail ingesproken.',
  WRONG_NUMBER: 'Nummer blijkt niet van het gezin te zijn.',
  NO_NUMBER: 'Geen werkend telefoonnummer bekend bij school.',
};

export interface ContactAttemptOptions {
  pupil: DemoPupil;
  guardians: readonly DemoGuardian[];
  /** Organisation that calls and writes: the pupil's home Leerlingzaken. */
  orgId: string;
  /** School social work visits instead of Leerlingzaken once it has a referral about the pupil. */
  partnerVisitor?: { orgId: string; from: Date };
  start: Date;
  until: Date;
  urgent: boolean;
}

export function generateContactAttempts(rng: Random, options: ContactAttemptOptions): DemoContactAttempt[] {
  const { pupil, orgId, partnerVisitor, until } = options;
  const attempts: DemoContactAttempt[] = [];
  let at = options.start;
  const add = (
    kind: ContactAttemptKind,
    outcome: ContactAttemptOutcome,
    org: string,
    remark: string | null,
  ): boolean => {
    if (at.getTime() > until.getTime()) return false;
    attempts.push({
      id: rng.uuid(),
      pupil_id: pupil.id,
      kind,
      outcome,
      letter_language: kind === 'LETTER' ? pupil.letter_language : null,
      org_id: org,
      actor_subject: actorSubject(org),
      actor_role: 'PROFESSIONAL',
      remark,
      occurred_at: at,
    });
    return true;
  };

  // Urgent cases go straight to the door.
  if (!options.urgent) {
    const hasNumber = pupil.phone !== null || options.guardians.some((guardian) => guardian.phone !== null);
    let phone: 'REACHED' | 'NO_ANSWER' | 'WRONG_NUMBER' | 'NO_NUMBER' = hasNumber
      ? rng.weighted([
          ['REACHED', 15],
          ['NO_ANSWER', 60],
          ['WRONG_NUMBER', 25],
        ] as const)
      : 'NO_NUMBER';
    if (!add('PHONE', phone, orgId, PHONE_REMARKS[phone])) return attempts;
    if (phone === 'NO_ANSWER' && rng.chance(0.4)) {
      at = addMinutes(at, rng.int(18 * 60, 30 * 60));
      phone = rng.chance(0.25) ? 'REACHED' : 'NO_ANSWER';
      if (!add('PHONE', phone, orgId, PHONE_REMARKS[phone])) return attempts;
    }
    if (phone === 'REACHED') return attempts;
    at = addMinutes(at, rng.int(20 * 60, 48 * 60));
    if (!add('LETTER', 'SENT', orgId, "Brief 'We zijn je kwijt, neem contact op' verstuurd.")) return attempts;
    // Most letters get an answer; only silence leads to a visit.
    if (rng.chance(0.3)) return attempts;
    at = addMinutes(at, rng.int(3 * 24 * 60, 6 * 24 * 60));
  }
  const home = rng.chance(0.45);
  const visitorOrgId = partnerVisitor && partnerVisitor.from <= at ? partnerVisitor.orgId : orgId;
  if (!add('DOOR_VISIT', home ? 'CONTACT_MADE' : 'NOBODY_HOME', visitorOrgId, home ? 'Gesproken met ouder aan de deur.' : 'Niemand thuis.')) {
    return attempts;
  }
  if (!home) {
    at = addMinutes(at, 5);
    add('NOTE_LEFT', 'LEFT', visitorOrgId, "Briefje achtergelaten: 'Wij zijn langs geweest en we maken ons zorgen. Kunt u contact opnemen?'");
  }
  return attempts;
}

// ---------------------------------------------------------------------------------------------
// Notes.

const NOTE_TEXTS: Readonly<Record<NoteCategory, readonly string[]>> = {
  CARE: [
    'Moeder geeft aan dat het thuis zwaar is sinds de verhuizing; hulp via het wijkteam besproken.',
    'Leerling slaapt slecht en eet weinig; bezoek aan de huisarts geadviseerd.',
    'Gesprek met ouders over opvoedondersteuning; zij staan open voor hulp.',
    'Zorgen over de zorgtaken van de leerling voor jongere broertjes en zusjes.',
    'Gezin heeft schulden; contact gelegd met schuldhulpverlening.',
    'Leerling voelt zich gepest en wil niet meer naar school.',
  ],
  SAFETY: [
    'Buren melden regelmatig harde ruzies in de woning.',
    'Bij huisbezoek signalen van verwaarlozing gezien; Veilig Thuis geraadpleegd.',
    'Wijkagent heeft het adres bezocht; geen directe onveiligheid aangetroffen.',
    'Een ouder heeft een contactverbod; school is op de hoogte gebracht.',
    'Leerling gaf aan ’s avonds niet naar huis te durven.',
    'Eerdere melding van huiselijk geweld; situatie wordt gevolgd.',
  ],
  SCHOOLING: [
    'Leerling is al twee weken niet in de online lessen geweest.',
    'Geen huiswerk ingeleverd sinds de schoolsluiting.',
    'Terugkeergesprek gepland met mentor en ouders.',
    'Leerling volgt weer lessen, maar mist nog veel opdrachten.',
    'Laptop van school uitgeleend zodat de leerling thuis kan werken.',
    'Verzuim gemeld bij het verzuimloket.',
  ],
  CONTACT: [
    'Telefoonnummer in de leerlingadministratie blijkt niet meer in gebruik.',
    'Ouder teruggebeld; gezin verblijft tijdelijk bij familie.',
    'Nieuw mobiel nummer van een ouder ontvangen via school.',
    'Gezin spreekt weinig Nederlands; tolk ingezet bij het gesprek.',
    'Brief is retour gekomen: adres onbekend.',
    'E-mail aan ouders is onbeantwoord gebleven.',
  ],
};

/** Note categories an organisation of this kind writes (and may itself read back). */
const NOTE_CATEGORIES_OF: Readonly<Record<OrganisationKind, readonly NoteCategory[]>> = {
  LEERLINGZAKEN: ['SCHOOLING', 'CONTACT'],
  SCHOOL: ['SCHOOLING', 'CONTACT'],
  SCHOOL_SOCIAL_WORK: ['CARE', 'SCHOOLING', 'CONTACT'],
  CJG: ['CARE', 'SCHOOLING', 'CONTACT'],
  VEILIG_THUIS: ['CARE', 'SAFETY', 'CONTACT'],
  CRISIS_TEAM: ['SAFETY', 'CARE', 'CONTACT'],
  POLICE: ['SAFETY', 'CONTACT'],
};

// ---------------------------------------------------------------------------------------------
// The demo region.

type Party = 'SCHOOL' | 'HOME_LZ' | string;
type PupilNeed = 'missing' | 'any' | 'rijswijk-at-den-haag-school' | 'rijswijk-school';

interface LinkPlan {
  /** Only for the first link; later links are sent by the previous link's receiver (hand-over). */
  from?: Party;
  to: Party;
  status: ReferralStatus;
  urgency?: Urgency;
  basis?: LegalBasis;
  reason?: string;
  outcome?: string;
  consentRevoked?: boolean;
}

interface ChainPlan {
  pupil: PupilNeed;
  links: LinkPlan[];
  /** How long before the base time the last event happened (hours); drawn when absent. */
  quietHours?: number;
}

// Each status at least twice, both urgencies, every legal basis, and several hand-over chains.
const REFERRAL_PLAN: readonly ChainPlan[] = [
  // Hand-over chains (doorverwijzingen).
  {
    pupil: 'missing',
    links: [
      { from: 'SCHOOL', to: 'HOME_LZ', status: 'COMPLETED', outcome: 'Doorverwezen naar schoolmaatschappelijk werk.' },
      { to: 'smw-den-haag', status: 'COMPLETED', outcome: 'Doorverwezen naar het CJG voor opvoedondersteuning.' },
      { to: 'cjg-den-haag', status: 'ACCEPTED', basis: 'CONSENT' },
    ],
  },
  {
    pupil: 'any',
    links: [
      { from: 'HOME_LZ', to: 'smw-den-haag', status: 'IN_PROGRESS', basis: 'CONSENT' },
      { to: 'veilig-thuis-haaglanden', status: 'IN_PROGRESS', urgency: 'URGENT', basis: 'MELDCODE' },
    ],
  },
  {
    // A neighbouring municipality's pupil: the school's report goes to its own Leerlingzaken, which
    // hands it to the pupil's home municipality.
    pupil: 'rijswijk-at-den-haag-school',
    links: [
      { from: 'SCHOOL', to: 'lz-den-haag', status: 'COMPLETED', outcome: 'Overgedragen aan Leerlingzaken Rijswijk (woongemeente).' },
      { to: 'lz-rijswijk', status: 'IN_PROGRESS', reason: 'Leerling woont in Rijswijk; overdracht aan de woongemeente.' },
    ],
  },
  {
    pupil: 'missing',
    links: [
      { from: 'HOME_LZ', to: 'politie-den-haag', status: 'COMPLETED', urgency: 'URGENT', outcome: 'Gezin thuis aangetroffen; zorgen over de veiligheid doorgegeven aan het crisisteam.' },
      { to: 'jbw-crisisteam', status: 'COMPLETED', urgency: 'URGENT', basis: 'POLITIEWET' },
    ],
  },
  {
    pupil: 'any',
    links: [
      { from: 'HOME_LZ', to: 'veilig-thuis-haaglanden', status: 'IN_PROGRESS', urgency: 'URGENT' },
      { to: 'jbw-crisisteam', status: 'RECEIVED', urgency: 'URGENT' },
    ],
    quietHours: 2,
  },
  {
    pupil: 'rijswijk-school',
    links: [
      { from: 'SCHOOL', to: 'HOME_LZ', status: 'IN_PROGRESS' },
      { to: 'smw-den-haag', status: 'REQUESTED', basis: 'CONSENT' },
    ],
    quietHours: 20,
  },
  {
    pupil: 'missing',
    links: [
      { from: 'SCHOOL', to: 'HOME_LZ', status: 'IN_PROGRESS' },
      { to: 'smw-den-haag', status: 'REJECTED', basis: 'CONSENT' },
    ],
  },
  {
    pupil: 'any',
    links: [
      { from: 'HOME_LZ', to: 'smw-den-haag', status: 'COMPLETED', basis: 'CONSENT' },
      { to: 'cjg-den-haag', status: 'IN_PROGRESS' },
    ],
  },
  // Single referrals.
  { pupil: 'missing', links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'REQUESTED' }], quietHours: 14 },
  { pupil: 'missing', links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'REQUESTED', urgency: 'URGENT' }], quietHours: 3 },
  // Overdue: older than its seven-day response time.
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'smw-den-haag', status: 'REQUESTED' }], quietHours: 9 * 24 },
  { pupil: 'missing', links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'RECEIVED' }], quietHours: 30 },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'cjg-den-haag', status: 'RECEIVED', basis: 'WET_PUBLIEKE_GEZONDHEID' }], quietHours: 40 },
  // Overdue urgent: received three days ago, not yet accepted.
  { pupil: 'missing', links: [{ from: 'HOME_LZ', to: 'politie-den-haag', status: 'RECEIVED', urgency: 'URGENT' }], quietHours: 3 * 24 },
  { pupil: 'missing', links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'ACCEPTED' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'cjg-den-haag', status: 'ACCEPTED', basis: 'CONSENT' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'smw-den-haag', status: 'REJECTED', basis: 'CONSENT' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'politie-den-haag', status: 'REJECTED' }] },
  { pupil: 'missing', links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'IN_PROGRESS' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'jbw-crisisteam', status: 'IN_PROGRESS', urgency: 'URGENT' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'smw-den-haag', status: 'ON_HOLD', basis: 'CONSENT' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'cjg-den-haag', status: 'ON_HOLD', basis: 'CONSENT' }] },
  { pupil: 'missing', links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'ON_HOLD' }] },
  { pupil: 'any', links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'COMPLETED' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'veilig-thuis-haaglanden', status: 'COMPLETED' }] },
  {
    pupil: 'missing',
    links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'FAILED', outcome: 'Gezin vertrokken naar het buitenland; leerling uitgeschreven na onderzoek.' }],
  },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'cjg-den-haag', status: 'FAILED', basis: 'CONSENT', consentRevoked: true }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'smw-den-haag', status: 'FAILED' }] },
  { pupil: 'missing', links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'CANCELLED' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'smw-den-haag', status: 'CANCELLED' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'politie-den-haag', status: 'CANCELLED', urgency: 'URGENT' }] },
  { pupil: 'missing', links: [{ from: 'SCHOOL', to: 'HOME_LZ', status: 'COMPLETED', urgency: 'URGENT' }] },
  { pupil: 'any', links: [{ from: 'HOME_LZ', to: 'politie-den-haag', status: 'IN_PROGRESS', urgency: 'URGENT' }] },
];

const PUPIL_COUNT = 200;
const MISSING_COUNT = 30;
const RIJSWIJK_SCHOOL_PUPILS = 25;
const RIJSWIJK_SCHOOL_DEN_HAAG_RESIDENTS = 3;
const RIJSWIJK_RESIDENTS_AT_DEN_HAAG_SCHOOLS = 15;

function schoolById(id: string): SchoolInfo {
  const school = DEMO_SCHOOLS.find((candidate) => candidate.id === id);
  if (!school) throw new Error(`unknown demo school ${id}`);
  return school;
}

export function generateDemoRegion(seed: number = DEFAULT_DEMO_SEED): DemoRegion {
  const base = new Date(DEMO_BASE_TIME);
  const root = new Random(seed);
  const rngPupils = root.fork('pupils');
  const rngReferrals = root.fork('referrals');
  const rngContacts = root.fork('contact-attempts');
  const rngNotes = root.fork('notes');

  // --- Pupils: who lives where and goes to which school.
  const rijswijkSchool = schoolById('school-elsenburg-college');
  const denHaagSchools = DEMO_SCHOOLS.filter((school) => school.municipality_code === 'GM0518');
  const denHaagSchoolWeights = denHaagSchools.map((school) => [school, school.type === 'secondary' ? 30 : school.type === 'mbo' ? 26 : 22] as const);
  const placements: { school: SchoolInfo; home: MunicipalityCode }[] = [];
  for (let i = 0; i < RIJSWIJK_SCHOOL_PUPILS; i++) {
    placements.push({ school: rijswijkSchool, home: i < RIJSWIJK_SCHOOL_DEN_HAAG_RESIDENTS ? 'GM0518' : 'GM0603' });
  }
  for (let i = 0; i < RIJSWIJK_RESIDENTS_AT_DEN_HAAG_SCHOOLS; i++) {
    placements.push({ school: rngPupils.weighted(denHaagSchoolWeights), home: 'GM0603' });
  }
  while (placements.length < PUPIL_COUNT) placements.push({ school: rngPupils.weighted(denHaagSchoolWeights), home: 'GM0518' });

  // Demo BSNs come from the 9999xxxxx range RvIG reserves for test persons.
  const bsns = new Set<string>();
  while (bsns.size < PUPIL_COUNT) {
    const bsn = completeBsn(`9999${rngPupils.digits(4)}`);
    if (bsn) bsns.add(bsn);
  }
  const bsnList = [...bsns];

  const generated = rngPupils
    .shuffle(placements)
    .map((placement, index) => generatePupil(rngPupils, { ...placement, bsn: bsnList[index] as string, base }));
  const pupils = generated.map((entry) => entry.pupil);
  const guardians = generated.flatMap((entry) => generateGuardians(rngPupils, entry));

  for (const pupil of rngPupils.sample(pupils, MISSING_COUNT)) {
    const reported = addMinutes(addDays(base, -rngPupils.int(1, 24)), rngPupils.int(60, 8 * 60));
    pupil.reported_missing_at = reported;
    pupil.absent_since = isoDate(addDays(reported, -rngPupils.int(2, 6)));
    pupil.updated_at = reported;
  }

  // --- Referrals, chain by chain.
  const used = new Set<string>();
  const candidates = (need: PupilNeed): DemoPupil[] => {
    const free = pupils.filter((pupil) => !used.has(pupil.id));
    switch (need) {
      case 'missing':
        return free.filter((pupil) => pupil.reported_missing_at);
      case 'any':
        return free;
      case 'rijswijk-at-den-haag-school': {
        const crossing = free.filter((pupil) => pupil.municipality_code === 'GM0603' && pupil.school_id !== rijswijkSchool.id);
        const missing = crossing.filter((pupil) => pupil.reported_missing_at);
        return missing.length > 0 ? missing : crossing;
      }
      case 'rijswijk-school':
        return free.filter((pupil) => pupil.municipality_code === 'GM0603' && pupil.school_id === rijswijkSchool.id);
    }
  };

  const referrals: DemoReferral[] = [];
  const referralEvents: DemoReferralEvent[] = [];
  for (const plan of REFERRAL_PLAN) {
    const pupil = rngReferrals.pick(candidates(plan.pupil));
    used.add(pupil.id);
    const resolve = (party: Party): string =>
      party === 'SCHOOL' ? pupil.school_id : party === 'HOME_LZ' ? LEERLINGZAKEN_OF[pupil.municipality_code] : party;

    // Build on a provisional clock, then move the whole chain so that it ends just before "now".
    const chain: BuiltReferral[] = [];
    let createdAt = addDays(base, -90);
    let sender = resolve(plan.links[0]?.from ?? 'SCHOOL');
    for (const link of plan.links) {
      const parent = chain[chain.length - 1];
      if (parent) {
        // The receiver hands over once it has taken the work on (after START, or after ACCEPT).
        const events = parent.events;
        const startIndex = events.findIndex((event) => event.action === 'START');
        const takenOn = events[startIndex >= 0 ? startIndex : events.findIndex((event) => event.action === 'ACCEPT')];
        if (!takenOn) throw new Error('a hand-over needs an accepted parent referral');
        const next = events[events.indexOf(takenOn) + 1];
        const latest = next ? Math.min(next.occurred_at.getTime(), takenOn.occurred_at.getTime() + 24 * 3_600_000) : takenOn.occurred_at.getTime() + 24 * 3_600_000;
        createdAt = rngReferrals.between(addMinutes(takenOn.occurred_at, 1), new Date(latest - 60_000));
        sender = parent.referral.receiver_org_id;
      }
      const receiver = resolve(link.to);
      chain.push(
        buildReferral(rngReferrals, {
          pupil,
          sender,
          receiver,
          status: link.status,
          urgency: link.urgency ?? 'NORMAL',
          ...(link.basis ? { legalBasis: link.basis } : {}),
          ...(link.reason ? { reason: link.reason } : {}),
          ...(link.outcome ? { outcome: link.outcome } : {}),
          ...(link.consentRevoked ? { consentRevoked: true } : {}),
          consentGivenBy: consentGiver(pupil, base, guardians),
          ...(parent ? { handedOverFrom: parent.referral } : {}),
          createdAt,
        }),
      );
    }
    const lastTime = Math.max(...chain.flatMap((built) => built.events.map((event) => event.occurred_at.getTime())));
    const quietMinutes = plan.quietHours !== undefined ? plan.quietHours * 60 : rngReferrals.int(2 * 60, 6 * 24 * 60);
    const shift = base.getTime() - quietMinutes * 60_000 - lastTime;
    for (const built of chain) {
      shiftReferral(built, shift);
      referrals.push(built.referral);
      referralEvents.push(...built.events);
    }
    // A school's report of a missing pupil is the moment the pupil was reported missing; any
    // other referral about a missing pupil follows that report.
    const first = chain[0]?.referral;
    if (first && pupil.reported_missing_at) {
      const fromSchool = kindOf(first.sender_org_id) === 'SCHOOL';
      if (fromSchool || pupil.reported_missing_at > first.created_at) {
        const reported = fromSchool ? first.created_at : addMinutes(first.created_at, -rngReferrals.int(12 * 60, 72 * 60));
        pupil.reported_missing_at = reported;
        pupil.absent_since = isoDate(addDays(reported, -rngReferrals.int(2, 6)));
        pupil.updated_at = reported;
      }
    }
  }

  // --- Contact attempts for most missing pupils.
  const guardiansOf = new Map<string, DemoGuardian[]>();
  for (const guardian of guardians) guardiansOf.set(guardian.pupil_id, [...(guardiansOf.get(guardian.pupil_id) ?? []), guardian]);
  const referralsOf = (pupilId: string) => referrals.filter((referral) => referral.pupil_id === pupilId);
  const contactAttempts: DemoContactAttempt[] = [];
  for (const pupil of pupils) {
    if (!pupil.reported_missing_at || rngContacts.chance(0.1)) continue;
    const own = referralsOf(pupil.id);
    // School social work may visit only pupils it has a referral about (its lawful link).
    const smwReferral = own.find((referral) => referral.sender_org_id === 'smw-den-haag' || referral.receiver_org_id === 'smw-den-haag');
    const lz = LEERLINGZAKEN_OF[pupil.municipality_code];
    contactAttempts.push(
      ...generateContactAttempts(rngContacts, {
        pupil,
        guardians: guardiansOf.get(pupil.id) ?? [],
        orgId: lz,
        ...(smwReferral ? { partnerVisitor: { orgId: 'smw-den-haag', from: smwReferral.created_at } } : {}),
        start: addMinutes(pupil.reported_missing_at, rngContacts.int(60, 20 * 60)),
        until: addMinutes(base, -10),
        urgent: own.some((referral) => referral.urgency === 'URGENT'),
      }),
    );
  }

  // --- Notes: within referrals by their sender or receiver, and loose ones by school or Leerlingzaken.
  const NOTE_TARGET = 60;
  const notes: DemoNote[] = [];
  const note = (pupilId: string, referralId: string | null, category: NoteCategory, author: string, createdAt: Date): void => {
    notes.push({
      id: rngNotes.uuid(),
      pupil_id: pupilId,
      referral_id: referralId,
      category,
      body: rngNotes.pick(NOTE_TEXTS[category]),
      author_org_id: author,
      author_subject: actorSubject(author),
      author_role: 'PROFESSIONAL',
      created_at: createdAt,
    });
  };
  for (const referral of referrals) {
    const count = rngNotes.chance(0.3) ? 2 : 1;
    for (let i = 0; i < count; i++) {
      const received = referralEvents.find((event) => event.referral_id === referral.id && event.action === 'RECEIVE');
      const byReceiver = received !== undefined && rngNotes.chance(0.6);
      const author = byReceiver ? referral.receiver_org_id : referral.sender_org_id;
      // Only categories the receiver gets through this referral, so both sides can read the note.
      const categories = NOTE_CATEGORIES_OF[kindOf(author)].filter((category) => referral.shared_categories.includes(category));
      const from = addMinutes(byReceiver && received ? received.occurred_at : referral.created_at, 10);
      const until = referral.closed_at ?? addMinutes(base, -10);
      note(referral.pupil_id, referral.id, rngNotes.pick(categories), author, until > from ? rngNotes.between(from, until) : from);
    }
  }
  while (notes.length < NOTE_TARGET) {
    const pupil = rngNotes.chance(0.6) ? rngNotes.pick(pupils.filter((candidate) => candidate.reported_missing_at)) : rngNotes.pick(pupils);
    const author = rngNotes.chance(0.5) ? pupil.school_id : LEERLINGZAKEN_OF[pupil.municipality_code];
    note(pupil.id, null, rngNotes.pick(NOTE_CATEGORIES_OF[kindOf(author)]), author, rngNotes.between(addDays(base, -30), addMinutes(base, -10)));
  }

  // --- Cases of pupils out of view: one per missing pupil, and scripted ones at every step.
  const outOfView = generateOutOfView(root.fork('out-of-view'), {
    base,
    pupils,
    referrals,
    attempts: contactAttempts,
    leerlingzakenOf: (code) => LEERLINGZAKEN_OF[code as MunicipalityCode],
    actorSubject,
  });

  return {
    municipalities: DEMO_MUNICIPALITIES.map((municipality) => ({ ...municipality })),
    organisations: DEMO_ORGANISATIONS.map((org) => ({ ...org })),
    pupils,
    guardians,
    referrals,
    referralEvents,
    notes,
    contactAttempts: contactAttempts.map((attempt) => ({ ...attempt, case_id: attempt.case_id ?? null })),
    outOfViewCases: outOfView.cases,
    outOfViewReports: outOfView.reports,
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding.

const CHUNK = 500;

/** Parents before the referrals handed over from them (the foreign key points backwards). */
export function parentsFirst<T extends { id: string; handed_over_from_id: string | null }>(referrals: readonly T[]): T[] {
  const ids = new Set(referrals.map((referral) => referral.id));
  const placed = new Set<string>();
  const ordered: T[] = [];
  let pending = [...referrals];
  while (pending.length > 0) {
    const ready = pending.filter(
      (referral) => !referral.handed_over_from_id || !ids.has(referral.handed_over_from_id) || placed.has(referral.handed_over_from_id),
    );
    if (ready.length === 0) throw new Error('referral hand-over chain has a cycle');
    for (const referral of ready) {
      ordered.push(referral);
      placed.add(referral.id);
    }
    pending = pending.filter((referral) => !placed.has(referral.id));
  }
  return ordered;
}

export function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * The demo region moved in time so that its "now" (DEMO_BASE_TIME) becomes `now`: every moment and
 * every date shifts by the same whole number of days, so the data is identical but for the calendar,
 * and a demo started today shows open work with current deadlines instead of a case history
 * months past every retention window. Tests seed unshifted and run on a clock set to the base time.
 */
export function shiftDemoRegion(region: DemoRegion, now: Date): DemoRegion {
  const days = Math.floor((now.getTime() - new Date(DEMO_BASE_TIME).getTime()) / (24 * 3600_000));
  if (days <= 0) return region;
  const shiftMs = days * 24 * 3600_000;
  const shift = <T extends object>(row: T): T => {
    const out = { ...row } as Record<string, unknown>;
    for (const [key, value] of Object.entries(out)) {
      if (value instanceof Date) out[key] = new Date(value.getTime() + shiftMs);
      else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && key !== 'id')
        out[key] = new Date(new Date(`${value}T00:00:00Z`).getTime() + shiftMs).toISOString().slice(0, 10);
    }
    return out as T;
  };
  return {
    ...region,
    pupils: region.pupils.map(shift),
    guardians: region.guardians.map(shift),
    // Deadlines count working days: recomputed on the new calendar rather than shifted.
    referrals: region.referrals.map(shift).map((referral) => ({ ...referral, ...deadlineColumns(referral.created_at, referral.urgency) })),
    referralEvents: region.referralEvents.map(shift),
    notes: region.notes.map(shift),
    contactAttempts: region.contactAttempts.map(shift),
    // Due dates count working days: recomputed on the new calendar rather than shifted.
    outOfViewCases: withNextSteps(region.outOfViewCases.map(shift), region.contactAttempts.map(shift)),
    outOfViewReports: region.outOfViewReports.map(shift),
  };
}

export async function seedDemoRegion(
  database: Database,
  seed?: number,
  options: { now?: Date } = {},
): Promise<{ pupils: number; referrals: number }> {
  const generated = generateDemoRegion(seed);
  const region = options.now ? shiftDemoRegion(generated, options.now) : generated;
  await database.db.transaction().execute(async (trx) => {
    for (const rows of chunks(region.municipalities, CHUNK)) await trx.insertInto('municipalities').values(rows).execute();
    for (const rows of chunks(region.organisations, CHUNK)) await trx.insertInto('organisations').values(rows).execute();
    for (const rows of chunks(region.pupils, CHUNK)) await trx.insertInto('pupils').values(rows).execute();
    for (const rows of chunks(region.guardians, CHUNK)) await trx.insertInto('guardians').values(rows).execute();
    for (const rows of chunks(parentsFirst(region.referrals), CHUNK)) await trx.insertInto('referrals').values(rows).execute();
    for (const rows of chunks(region.referralEvents, CHUNK)) await trx.insertInto('referral_events').values(rows).execute();
    for (const rows of chunks(region.notes, CHUNK)) await trx.insertInto('notes').values(rows).execute();
    for (const rows of chunks(region.outOfViewCases, CHUNK)) await trx.insertInto('out_of_view_cases').values(rows).execute();
    for (const rows of chunks(region.outOfViewReports, CHUNK)) await trx.insertInto('out_of_view_reports').values(rows).execute();
    for (const rows of chunks(region.contactAttempts, CHUNK)) await trx.insertInto('contact_attempts').values(rows).execute();
  });
  return { pupils: region.pupils.length, referrals: region.referrals.length };
}

export async function isSeeded(database: Database): Promise<boolean> {
  const row = await database.db.selectFrom('organisations').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}
