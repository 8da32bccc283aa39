// Register of processing activities (verwerkingsregister, AVG art. 30), versioned. Every access-log
// record names the activity and the version in force, so an answer to "why was this read" points
// at a purpose, a legal basis and a retention period that a privacy officer can check.
import type { Actor } from '../auth/actor.ts';
import type { DataCategory, OrganisationKind } from '../policy/vocabulary.ts';
import type { AccessAction } from './recorder.ts';

export interface ProcessingActivity {
  id: string;
  version: number;
  name: string;
  purpose: string;
  legalBasis: string;
  categories: readonly DataCategory[];
  kinds: readonly OrganisationKind[] | 'ALL';
  /** How long the data processed under it is kept after the case closes, in years. */
  retentionYears: number;
}

export const PROCESSING_ACTIVITIES: readonly ProcessingActivity[] = [
  {
    id: 'leerplicht-verzuim',
    version: 1,
    name: 'Absence follow-up (leerplicht en RMC)',
    purpose: 'Getting pupils who are out of view back in view and enforcing compulsory education',
    legalBasis: 'Leerplichtwet 1969 art. 16-18, 21-22; RMC: WVO art. 8a',
    categories: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL'],
    kinds: ['LEERLINGZAKEN', 'SCHOOL'],
    retentionYears: 5,
  },
  {
    id: 'ketenverwijzing',
    version: 1,
    name: 'Referral between chain partners',
    purpose: 'Handing over and following work about a pupil between the organisations in the chain',
    legalBasis: 'Jeugdwet art. 7.4.0; consent (AVG art. 6(1)(a)) or the statutory task named on the referral',
    categories: ['IDENTITY', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE', 'SAFETY'],
    kinds: 'ALL',
    retentionYears: 5,
  },
  {
    id: 'veiligheid-meldcode',
    version: 1,
    name: 'Safety concerns (Meldcode, police, crisis intervention)',
    purpose: 'Protecting a child at risk',
    legalBasis: 'Wet verplichte meldcode; Wmo 2015 art. 4.1.1; Politiewet 2012 art. 3; Jeugdwet',
    categories: ['IDENTITY', 'CONTACT', 'REFERRAL', 'CARE', 'SAFETY'],
    kinds: ['VEILIG_THUIS', 'CRISIS_TEAM', 'POLICE'],
    retentionYears: 20,
  },
  {
    id: 'noodtoegang',
    version: 1,
    name: 'Emergency access (doorbreken)',
    purpose: 'Opening a file without a prior link because a child may be in danger',
    legalBasis: 'AVG art. 6(1)(d) (vital interests); NEN 7513 review of every emergency access',
    categories: ['IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS', 'REFERRAL', 'CARE', 'SAFETY'],
    kinds: ['LEERLINGZAKEN', 'CRISIS_TEAM'],
    retentionYears: 5,
  },
  {
    id: 'toezicht-fg',
    version: 1,
    name: 'Supervision by the data protection officer',
    purpose: 'Answering inzageverzoeken and monitoring access (AVG art. 15, 38-39)',
    legalBasis: 'AVG art. 15, 30, 38-39; NEN 7513',
    categories: [],
    kinds: 'ALL',
    retentionYears: 5,
  },
];

const byId = new Map(PROCESSING_ACTIVITIES.map((activity) => [activity.id, activity]));

export function activity(id: string): ProcessingActivity {
  const found = byId.get(id);
  if (!found) throw new Error(`unknown processing activity ${id}`);
  return found;
}

/**
 * The activity an access falls under. A `purpose` claim naming a registered activity that the
 * caller's kind may use is honoured; otherwise the activity follows from who asks and how.
 */
export function activityFor(actor: Actor, action: AccessAction, emergency: boolean): ProcessingActivity {
  if (emergency || action === 'EMERGENCY') return activity('noodtoegang');
  if (actor.role === 'PRIVACY_OFFICER') return activity('toezicht-fg');
  const claimed = actor.purpose ? byId.get(actor.purpose) : undefined;
  if (claimed && claimed.id !== 'noodtoegang' && (claimed.kinds === 'ALL' || claimed.kinds.includes(actor.organisationKind)))
    return claimed;
  if (actor.organisationKind === 'LEERLINGZAKEN' || actor.organisationKind === 'SCHOOL') return activity('leerplicht-verzuim');
  if (['VEILIG_THUIS', 'CRISIS_TEAM', 'POLICE'].includes(actor.organisationKind)) return activity('veiligheid-meldcode');
  return activity('ketenverwijzing');
}

/** The register entry as the GraphQL layer sees it (codegen mapper). */
export type ProcessingActivityEntry = ProcessingActivity;
