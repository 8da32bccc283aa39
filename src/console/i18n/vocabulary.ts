// The names of the API's codes, from the hub's one vocabulary (src/vocabulary/labels.ts), under the
// key prefixes the pages look them up with: t.dynamic('status', referral.status) and the like. The
// subject-access PDF names the same codes from the same module.
import { keyedLabels, type VocabularyGroup, type VocabularyLanguage } from '../../vocabulary/labels.ts';

const GROUP_OF_PREFIX: Readonly<Record<string, VocabularyGroup>> = {
  role: 'Role',
  kind: 'OrganisationKind',
  category: 'DataCategory',
  language: 'LetterLanguage',
  relation: 'GuardianRelation',
  status: 'ReferralStatus',
  urgency: 'Urgency',
  legalBasis: 'LegalBasis',
  rejection: 'RejectionReason',
  statusReason: 'StatusReasonCode',
  action: 'ReferralAction',
  'referrals.event': 'ReferralEvent',
  'referrals.filter.direction': 'ReferralDirection',
  timelineKind: 'TimelineEntryKind',
  caseStatus: 'OutOfViewCaseStatus',
  caseOutcome: 'OutOfViewCaseOutcome',
  nextStep: 'NextStepAction',
  attemptKind: 'ContactAttemptKind',
  attemptOutcome: 'ContactAttemptOutcome',
  outreachDocument: 'OutreachDocument',
  accessAction: 'AccessAction',
  accessOutcome: 'AccessOutcome',
  verificationStatus: 'AccessLogVerificationStatus',
  verdict: 'EmergencyAccessVerdict',
  processingActivity: 'ProcessingActivity',
};

function dictionary(language: VocabularyLanguage): Record<string, string> {
  return Object.assign({}, ...Object.entries(GROUP_OF_PREFIX).map(([prefix, group]) => keyedLabels(prefix, group, language)));
}

export const nl = dictionary('nl');
export const en = dictionary('en');
