// The choices the outreach pages offer: the API's enum values (from the schema), and which of them
// go together.
import { ENUM_VALUES } from '../../gql/enums.ts';
import type {
  ContactAttemptKind,
  ContactAttemptOutcome,
  NextStepAction,
  OrganisationKind,
} from '../../gql/graphql.ts';

export const CASE_STATUSES = ENUM_VALUES.OutOfViewCaseStatus;
export const NEXT_STEPS = ENUM_VALUES.NextStepAction;
export const CASE_OUTCOMES = ENUM_VALUES.OutOfViewCaseOutcome;
export const LETTER_LANGUAGES = ENUM_VALUES.LetterLanguage;
export const DOCUMENTS = ENUM_VALUES.OutreachDocument;

/** Outcomes per kind of attempt, as the hub accepts them (docs/integrators.md: the attempt table). */
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

