// The API's enum values the outreach pages offer as choices (the generated types are types only).
import type {
  ContactAttemptKind,
  ContactAttemptOutcome,
  LetterLanguage,
  NextStepAction,
  OrganisationKind,
  OutOfViewCaseOutcome,
  OutOfViewCaseStatus,
  OutreachDocument,
} from '../../gql/graphql.ts';
import type { ApiErrorEntry } from '../../api/client.ts';

export const CASE_STATUSES: readonly OutOfViewCaseStatus[] = ['OPEN', 'CLOSED'];
export const NEXT_STEPS: readonly NextStepAction[] = ['PHONE', 'LETTER', 'DOOR_VISIT', 'NOTE_LEFT', 'CLOSE_CASE', 'REFER_TO_PARTNER'];
export const CASE_OUTCOMES: readonly OutOfViewCaseOutcome[] = ['REACHED', 'MOVED', 'NEEDS_DEVICE', 'REFERRED_TO_PARTNER', 'EMERGENCY_SHELTER', 'OTHER'];
export const LETTER_LANGUAGES: readonly LetterLanguage[] = ['nl', 'en', 'pl', 'tr', 'ar', 'bg'];
export const DOCUMENTS: readonly OutreachDocument[] = ['LETTER', 'DOOR_NOTE'];

/** Outcomes per kind of attempt, as the hub accepts them (README: the attempt table). */
export const OUTCOMES_BY_KIND: Readonly<Record<ContactAttemptKind, readonly ContactAttemptOutcome[]>> = {
  PHONE: ['REACHED', 'NO_ANSWER', 'WRONG_NUMBER', 'NO_NUMBER'],
  LETTER: ['SENT'],
  DOOR_VISIT: ['CONTACT_MADE', 'NOBODY_HOME'],
  NOTE_LEFT: ['LEFT'],
};

/** Which attempts each kind of organisation records (the hub decides; this keeps the form to what works). */
export const ATTEMPTS_BY_KIND: Readonly<Partial<Record<OrganisationKind, readonly ContactAttemptKind[]>>> = {
  LEERLINGZAKEN: ['PHONE', 'LETTER', 'DOOR_VISIT', 'NOTE_LEFT'],
  SCHOOL: ['PHONE'],
  SCHOOL_SOCIAL_WORK: ['PHONE', 'DOOR_VISIT', 'NOTE_LEFT'],
};

/** The attempt that carries out a next step, to preselect it in the form. */
export const ATTEMPT_FOR_STEP: Partial<Record<NextStepAction, ContactAttemptKind>> = {
  PHONE: 'PHONE',
  LETTER: 'LETTER',
  DOOR_VISIT: 'DOOR_VISIT',
  NOTE_LEFT: 'NOTE_LEFT',
};

/** Whether the hub withheld the field at `path` (or below it) from this caller: FORBIDDEN on that path. */
export function isHidden(errors: readonly ApiErrorEntry[], ...path: readonly (string | number)[]): boolean {
  return errors.some((error) => error.extensions?.code === 'FORBIDDEN' && error.path && path.every((part, index) => error.path![index] === part));
}
