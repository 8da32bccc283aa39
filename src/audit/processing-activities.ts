// Register of processing activities (verwerkingsregister, AVG art. 30), versioned. Every access-log
// record names the activity and the version in force when it was made, so an answer to "why was
// this read" points at a purpose, a legal basis and a retention period a privacy officer can check.
// The register also drives retention (src/retention/), what goes on under a restriction of
// processing (AVG art. 18(2)), and the statutory exceptions to subject access (AVG art. 23, UAVG
// art. 41). A change is a new version with the date it takes effect; old versions stay, because
// records point at them. The table in docs/privacy-officers.md is generated from it (`npm run policy:table -- --write`).
import type { Actor } from '../auth/actor.ts';
import type { DataCategory, LegalBasis, OrganisationKind } from '../policy/vocabulary.ts';
import type { AccessAction } from './recorder.ts';
import { PROCESSING_ACTIVITY_NAMES, type ProcessingActivityId } from '../vocabulary/labels.ts';

export interface SubjectAccessException {
  /** Involvement of these kinds is left out of a subject access export… */
  kinds: readonly OrganisationKind[];
  /** …while one of their referrals about the pupil is open (e.g. a running investigation). */
  while: 'REFERRAL_OPEN';
  /** The ground in full, for officers and the privacy officer. */
  legalBasis: string;
  /** What the family is told: a neutral ground and general words that do not reveal what was left out. */
  toFamily: { ground: { nl: string; en: string }; description: { nl: string; en: string } };
}

export interface ProcessingActivity {
  id: string;
  version: number;
  /** The day this version takes effect (YYYY-MM-DD, Dutch calendar). */
  validFrom: string;
  /** The name in English (src/vocabulary/labels.ts names every activity). */
  name: string;
  /** The name in Dutch: what officers read in the access log and families in subject access exports. */
  nameNl: string;
  purpose: string;
  legalBasis: string;
  categories: readonly DataCategory[];
  kinds: readonly OrganisationKind[] | 'ALL';
  /** How long the data processed under it is kept after the case or referral closes, in years. */
  retentionYears: number;
  /** When retention ends: delete, or anonymise (count into statistics, then delete). */
  onRetentionEnd: 'DELETE' | 'ANONYMISE';
  /** Statutory: goes on when the pupil's processing is restricted (AVG art. 18(2)). */
  continuesUnderRestriction: boolean;
  /** Days a partner keeps its link through a referral after it closed (ketenverwijzing). */
  referralLinkDays?: number;
  subjectAccessException?: SubjectAccessException;
}

/** An activity's names, from the vocabulary (one name per activity for the console, the PDF and the register). */
function namesOf(id: ProcessingActivityId): { name: string; nameNl: string } {
  return { name: PROCESSING_ACTIVITY_NAMES[id].en, nameNl: PROCESSING_ACTIVITY_NAMES[id].nl };
}

const SAFETY_KINDS: readonly OrganisationKind[] = ['VEILIG_THUIS', 'CRISIS_TEAM', 'POLICE'];

/** Every version of every entry; the latest version whose validFrom has come is in force. */
export const PROCESSING_ACTIVITIES: readonly ProcessingActivity[] = [
  {
    id: 'leerplicht-verzuim',
    version: 1,
    validFrom: '2026-01-01',
    ...namesOf('leerplicht-verzuim'),
    purpose: 'Getting pupils who are out of view back in view and enforcing compulsory education',
    legalBasis: 'Leerplichtwet 1969 art. 16-18, 21-22; RMC: WVO art. 8a',
    categories: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL'],
    kinds: ['LEERLINGZAKEN', 'SCHOOL'],
    retentionYears: 5,
    onRetentionEnd: 'DELETE',
    continuesUnderRestriction: true,
  },
  {
    // Version 2: closed cases of pupils out of view are counted into anonymous statistics before
    // they go (the municipality reports absence and early school leaving to OCW and DUO).
    id: 'leerplicht-verzuim',
    version: 2,
    validFrom: '2026-08-01',
    ...namesOf('leerplicht-verzuim'),
    purpose: 'Getting pupils who are out of view back in view and enforcing compulsory education; anonymous statistics of cases',
    legalBasis: 'Leerplichtwet 1969 art. 16-18, 21-22, 25 (verantwoording); RMC: WVO art. 8a',
    categories: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL'],
    kinds: ['LEERLINGZAKEN', 'SCHOOL'],
    retentionYears: 5,
    onRetentionEnd: 'ANONYMISE',
    continuesUnderRestriction: true,
  },
  {
    id: 'ketenverwijzing',
    version: 1,
    validFrom: '2026-01-01',
    ...namesOf('ketenverwijzing'),
    purpose: 'Handing over and following work about a pupil between the organisations in the chain',
    legalBasis: 'Jeugdwet art. 7.4.0; consent (AVG art. 6(1)(a)) or the statutory task named on the referral',
    categories: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE'],
    kinds: 'ALL',
    retentionYears: 5,
    onRetentionEnd: 'DELETE',
    // Voluntary help: a family that contests its data may halt it.
    continuesUnderRestriction: false,
    referralLinkDays: 90,
  },
  {
    id: 'veiligheid-meldcode',
    version: 1,
    validFrom: '2026-01-01',
    ...namesOf('veiligheid-meldcode'),
    purpose: 'Protecting a child at risk',
    legalBasis: 'Wet verplichte meldcode; Wmo 2015 art. 4.1.1; Politiewet 2012 art. 3; Jeugdwet',
    categories: ['IDENTITY', 'CONTACT', 'REFERRAL', 'CARE', 'SAFETY'],
    kinds: SAFETY_KINDS,
    retentionYears: 20,
    onRetentionEnd: 'DELETE',
    // AVG art. 18(2): for the protection of the rights of another natural person (the child).
    continuesUnderRestriction: true,
    subjectAccessException: {
      kinds: ['VEILIG_THUIS'],
      while: 'REFERRAL_OPEN',
      legalBasis: 'UAVG art. 41(1)(c, h) and Wmo 2015 art. 5.2.4: a running Veilig Thuis investigation',
      toFamily: {
        ground: {
          nl: 'Artikel 41 lid 1 Uitvoeringswet AVG (bescherming van anderen en van de uitvoering van een wettelijke taak)',
          en: 'Article 41(1) of the Dutch GDPR Implementation Act (protection of others and of a statutory task)',
        },
        description: {
          nl: 'Sommige gegevens zijn niet opgenomen omdat de wet dat op dit moment vraagt. U kunt later opnieuw inzage vragen.',
          en: 'Some information is not included because the law requires this at present. You may ask again later.',
        },
      },
    },
  },
  {
    id: 'noodtoegang',
    version: 1,
    validFrom: '2026-01-01',
    ...namesOf('noodtoegang'),
    purpose: 'Opening a file without a prior link because a child may be in danger',
    legalBasis: 'AVG art. 6(1)(d) (vital interests); NEN 7513 review of every emergency access',
    categories: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE', 'SAFETY'],
    kinds: ['LEERLINGZAKEN', 'CRISIS_TEAM'],
    retentionYears: 5,
    onRetentionEnd: 'DELETE',
    continuesUnderRestriction: true,
  },
  {
    id: 'toezicht-fg',
    version: 1,
    validFrom: '2026-01-01',
    ...namesOf('toezicht-fg'),
    purpose: 'Answering inzageverzoeken and monitoring access (AVG art. 15, 38-39)',
    legalBasis: 'AVG art. 15, 30, 38-39; NEN 7513',
    categories: [],
    kinds: 'ALL',
    retentionYears: 5,
    onRetentionEnd: 'DELETE',
    continuesUnderRestriction: true,
  },
  {
    id: 'bewaartermijn',
    version: 1,
    validFrom: '2026-01-01',
    ...namesOf('bewaartermijn'),
    purpose: 'Deleting or anonymising case data when its retention ends (AVG art. 5(1)(e), 17)',
    legalBasis: 'AVG art. 5(1)(e), 17; Archiefwet 1995 (selectielijst gemeenten)',
    categories: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE', 'SAFETY'],
    kinds: 'ALL',
    retentionYears: 5,
    onRetentionEnd: 'DELETE',
    continuesUnderRestriction: true,
  },
  {
    id: 'beheer-toegang',
    version: 1,
    validFrom: '2026-01-01',
    ...namesOf('beheer-toegang'),
    purpose: 'Registering and disabling the organisations of the chain (`npm run admin`); no pupil data',
    legalBasis: 'AVG art. 32 (security of processing); NEN 7510 access management',
    categories: [],
    kinds: 'ALL',
    retentionYears: 5,
    onRetentionEnd: 'DELETE',
    continuesUnderRestriction: true,
  },
];

/**
 * How long the access log's own records are kept (NEN 7513: at least five years); past that a
 * month's partition may be archived (see `npm run retention`).
 */
export const ACCESS_LOG_RETENTION_YEARS = 5;

/**
 * Events (what changed, when, by whom — no content) serve subscriptions and webhooks; once their
 * deliveries are done they are kept this long for the delivery log, then deleted.
 */
export const EVENT_RETENTION_DAYS = 30;

/** The activity a referral is processed under, by the ground it was made on. */
export const ACTIVITY_OF_LEGAL_BASIS: Readonly<Record<LegalBasis, string>> = {
  LEERPLICHTWET: 'leerplicht-verzuim',
  MELDCODE: 'veiligheid-meldcode',
  POLITIEWET: 'veiligheid-meldcode',
  JEUGDWET: 'ketenverwijzing',
  CONSENT: 'ketenverwijzing',
  WET_PUBLIEKE_GEZONDHEID: 'ketenverwijzing',
};

/** The activity of a referral between two kinds on a legal ground: a safety kind makes it safety work. */
export function activityOfReferral(legalBasis: string, senderKind: string, receiverKind: string, at: Date): ProcessingActivity {
  if ([senderKind, receiverKind].some((kind) => SAFETY_KINDS.includes(kind as OrganisationKind))) return activity('veiligheid-meldcode', at);
  return activity(ACTIVITY_OF_LEGAL_BASIS[legalBasis as LegalBasis] ?? 'ketenverwijzing', at);
}

const dutchDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' });
const versionsOf = new Map<string, ProcessingActivity[]>();
for (const entry of PROCESSING_ACTIVITIES) versionsOf.set(entry.id, [...(versionsOf.get(entry.id) ?? []), entry].sort((a, b) => a.version - b.version));

/** The version of an activity in force at `at` (default: the latest). */
/**
 * The Dutch calendar day of a moment. Intl formatting is slow for a per-record call; the Netherlands'
 * offsets are whole hours, so the day is the same for every moment of a UTC hour: cached per hour.
 */
const daysByHour = new Map<number, string>();
function dutchDayOf(at: Date): string {
  const hour = Math.floor(at.getTime() / 3_600_000);
  let day = daysByHour.get(hour);
  if (day === undefined) {
    if (daysByHour.size > 10_000) daysByHour.clear();
    daysByHour.set(hour, (day = dutchDay.format(at)));
  }
  return day;
}

export function activity(id: string, at?: Date): ProcessingActivity {
  const versions = versionsOf.get(id);
  if (!versions) throw new Error(`unknown processing activity ${id}`);
  if (!at) return versions.at(-1)!;
  const day = dutchDayOf(at);
  return [...versions].reverse().find((entry) => entry.validFrom <= day) ?? versions[0]!;
}

/** A given version (what an access-log record points at). */
export function activityVersion(id: string, version: number): ProcessingActivity {
  return versionsOf.get(id)?.find((entry) => entry.version === version) ?? activity(id);
}

/** The entries in force at `at`, one per activity. */
export function activitiesInForce(at: Date): ProcessingActivity[] {
  return [...versionsOf.keys()].map((id) => activity(id, at));
}

/**
 * The activity an access falls under, in the version in force at `at`. A `purpose` claim naming a
 * registered activity that the caller's kind may use is honoured; otherwise the activity follows
 * from who asks and how.
 */
export function activityFor(actor: Actor, action: AccessAction, emergency: boolean, at: Date): ProcessingActivity {
  if (emergency || action === 'EMERGENCY') return activity('noodtoegang', at);
  if (action === 'DELETE') return activity('bewaartermijn', at);
  if (actor.role === 'PRIVACY_OFFICER' || action === 'EXPORT') return activity('toezicht-fg', at);
  const claimed = actor.purpose && versionsOf.has(actor.purpose) ? activity(actor.purpose, at) : undefined;
  if (claimed && claimed.id !== 'noodtoegang' && (claimed.kinds === 'ALL' || claimed.kinds.includes(actor.organisationKind)))
    return claimed;
  if (actor.organisationKind === 'LEERLINGZAKEN' || actor.organisationKind === 'SCHOOL') return activity('leerplicht-verzuim', at);
  if (SAFETY_KINDS.includes(actor.organisationKind)) return activity('veiligheid-meldcode', at);
  return activity('ketenverwijzing', at);
}

/** Legal bases whose referral links go on while the pupil's processing is restricted. */
export function basesContinuingUnderRestriction(at?: Date): LegalBasis[] {
  return (Object.entries(ACTIVITY_OF_LEGAL_BASIS) as [LegalBasis, string][])
    .filter(([, id]) => activity(id, at).continuesUnderRestriction)
    .map(([basis]) => basis);
}

/** The register as a Markdown table, for docs/privacy-officers.md. */
export function renderRegisterTable(): string {
  const lines = [
    '| activity | version (from) | purpose | legal basis | categories | kinds | retention, then | under restriction | subject access exception |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const entry of PROCESSING_ACTIVITIES) {
    const kinds = entry.kinds === 'ALL' ? 'all' : entry.kinds.join(', ');
    const retention = `${entry.retentionYears} years after closing, then ${entry.onRetentionEnd === 'DELETE' ? 'deleted' : 'anonymised (statistics) and deleted'}${entry.referralLinkDays ? `; a partner's link ends ${entry.referralLinkDays} days after its referral closed` : ''}`;
    const exception = entry.subjectAccessException
      ? `${entry.subjectAccessException.kinds.join(', ')} while a referral is open: ${entry.subjectAccessException.legalBasis}`
      : '–';
    lines.push(
      `| \`${entry.id}\` ${entry.name} | ${entry.version} (${entry.validFrom}) | ${entry.purpose} | ${entry.legalBasis} | ${entry.categories.join(', ') || '–'} | ${kinds} | ${retention} | ${entry.continuesUnderRestriction ? 'goes on (statutory)' : 'stops'} | ${exception} |`,
    );
  }
  lines.push('');
  lines.push(`Access-log records are kept at least ${ACCESS_LOG_RETENTION_YEARS} years; after a pupil's data is deleted they name the pupil only by pseudonym.`);
  return lines.join('\n');
}

/** The register entry as the GraphQL layer sees it (codegen mapper). */
export type ProcessingActivityEntry = ProcessingActivity;
