// Kysely's view of the tables in src/db/migrations. Keep in step with the SQL: the migration is the
// source of truth, this file only types the queries written against it.
// Columns with a CHECK (… IN (…)) constraint, and the role columns the schema exposes as Role, are
// typed with the union of their values: the domain's own (policy/vocabulary.ts, events/events.ts, …)
// where it has one, else the schema's enum as codegen generates it. Rows then fit the resolver types
// without casts.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { AccessAction } from '../audit/recorder.ts';
import type { HubEventKind } from '../events/events.ts';
import type {
  AccessLogVerificationStatus,
  AccessOutcome,
  CoordinationTransferStatus,
  EmergencyAccessVerdict,
  OutOfViewCaseStatus,
  WebhookDeliveryStatus,
  WebhookDisabledReason,
} from '../generated/resolvers-types.ts';
import type {
  CaseOutcome,
  ContactAttemptKind,
  ContactAttemptOutcome,
  DataCategory,
  GuardianRelation,
  LegalBasis,
  LetterLanguage,
  NextStepAction,
  OrganisationKind,
  ReferralStatus,
  Role,
  Urgency,
} from '../policy/vocabulary.ts';
import type { StatusReasonCode } from '../referrals/lifecycle.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** `date` columns travel as ISO strings (YYYY-MM-DD) on both engines; see db/database.ts. */
type DateOnly = ColumnType<string, string, string>;

export interface MunicipalitiesTable {
  code: string;
  name: string;
}

export interface OrganisationsTable {
  id: string;
  kind: OrganisationKind;
  name: string;
  municipality_code: string;
  issuer: string;
  contact_email: string | null;
  contact_phone: string | null;
  created_at: Timestamp;
  /** Set when disabled: its tokens are refused (migration 0013). */
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface PupilsTable {
  id: string;
  given_name: string;
  family_name_prefix: string | null;
  family_name: string;
  date_of_birth: DateOnly;
  municipality_code: string;
  bsn: string | null;
  street: string | null;
  house_number: string | null;
  postal_code: string | null;
  city: string | null;
  phone: string | null;
  letter_language: ColumnType<LetterLanguage, LetterLanguage | undefined, LetterLanguage>;
  school_id: string | null;
  grade: string | null;
  absent_since: DateOnly | null;
  reported_missing_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  restricted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  restriction_reason: ColumnType<string | null, string | null | undefined, string | null>;
  restricted_by_org_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface GuardiansTable {
  id: string;
  pupil_id: string;
  name: string;
  relation: GuardianRelation;
  phone: string | null;
  email: string | null;
  position: ColumnType<number, number | undefined, number>;
}

export interface ReferralsTable {
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
  consent_valid_from: DateOnly | null;
  consent_valid_until: DateOnly | null;
  consent_revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  handed_over_from_id: string | null;
  response_due_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  outcome: string | null;
  outcome_successful: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  received_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  receive_due_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  version: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ReferralEventsTable {
  id: string;
  referral_id: string;
  action: string;
  from_status: ReferralStatus | null;
  to_status: ReferralStatus;
  actor_org_id: string;
  actor_subject: string;
  actor_role: string;
  reason: string | null;
  reason_code: ColumnType<StatusReasonCode | null, StatusReasonCode | null | undefined, StatusReasonCode | null>;
  occurred_at: Timestamp;
}

export interface NotesTable {
  id: string;
  pupil_id: string;
  referral_id: string | null;
  category: DataCategory;
  body: string;
  author_org_id: string;
  author_subject: string;
  author_role: Role;
  created_at: Timestamp;
}

export interface ContactAttemptsTable {
  id: string;
  pupil_id: string;
  kind: ContactAttemptKind;
  outcome: ContactAttemptOutcome;
  letter_language: LetterLanguage | null;
  org_id: string;
  actor_subject: string;
  actor_role: Role;
  remark: string | null;
  occurred_at: Timestamp;
  case_id: string | null;
}

export interface OutOfViewCasesTable {
  id: string;
  pupil_id: string;
  leerlingzaken_org_id: string;
  reporting_school_id: string;
  urgent: boolean;
  urgent_since: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  status: OutOfViewCaseStatus;
  opened_at: Timestamp;
  next_step: NextStepAction | null;
  next_step_rule: string | null;
  next_step_not_before: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  next_step_due_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  outcome: CaseOutcome | null;
  closing_remark: string | null;
  closed_by_org_id: string | null;
  closed_by_subject: string | null;
  closed_by_role: string | null;
  referral_id: string | null;
  version: number;
  updated_at: Timestamp;
}

export interface OutOfViewReportsTable {
  id: string;
  case_id: string;
  school_id: string;
  reported_by_subject: string;
  reported_by_role: string;
  absent_since: ColumnType<string | null, string | null | undefined, string | null>;
  urgent: boolean;
  remark: string | null;
  batch_id: string | null;
  reported_at: Timestamp;
}

/** One access to a pupil's data, chained (see src/audit/chain.ts). Append-only. */
export interface AccessLogRecordsTable {
  seq: number;
  occurred_at: Timestamp;
  trace_id: string;
  span_id: string;
  request_id: string;
  action: AccessAction;
  outcome: AccessOutcome;
  actor_subject: string;
  actor_org_id: string;
  actor_role: string;
  on_behalf_of: string | null;
  purpose: string | null;
  activity_id: string;
  activity_version: number;
  pupil_pseudonym: string | null;
  pupil_id: string | null;
  categories: DataCategory[];
  fields: string[];
  operation_name: string | null;
  client_address: string | null;
  emergency: boolean;
  prev_hash: string;
  hash: string;
  /** The chain (one per writer) the record is in; seq counts within it. */
  chain_id: ColumnType<number, number | undefined, number>;
  /** Version of the pseudonym key that made pupil_pseudonym; null in chain 1 (version 1). */
  pseudonym_key_version: ColumnType<number | null, number | null | undefined, number | null>;
}

/** One chain of the access log and its head (src/audit/chain.ts). */
export interface AccessLogChainsTable {
  id: number;
  format: number;
  seq: number;
  hash: string;
  checkpoint_id: number;
  checkpoint_seq: number;
  checkpoint_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  checkpoint_signature: string;
  created_at: Timestamp;
  writer: string | null;
  claimed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** A view: the records every chain holds together, and a digest of the chains' heads. */
export interface AccessLogHeadTable {
  id: ColumnType<boolean, never, never>;
  seq: ColumnType<number, never, never>;
  hash: ColumnType<string, never, never>;
}

export interface AccessLogCheckpointsTable {
  chain_id: ColumnType<number, number | undefined, number>;
  id: number;
  seq: number;
  head_hash: string;
  created_at: Timestamp;
  prev_signature: string;
  key_id: string;
  signature: string;
}

export interface PupilCorrectionsTable {
  id: string;
  pupil_id: string;
  field: string;
  previous_value: string | null;
  new_value: string | null;
  reason: string;
  org_id: string;
  actor_subject: string;
  actor_role: string;
  corrected_at: Timestamp;
}

export interface SubjectAccessDisclosuresTable {
  id: string;
  pupil_id: string;
  granted_by_org_id: string;
  granted_by_subject: string;
  reason: string;
  granted_at: Timestamp;
  expires_at: Timestamp;
}

export interface OutOfViewStatisticsTable {
  month: DateOnly;
  leerlingzaken_org_id: string;
  reporting_school_id: string;
  outcome: CaseOutcome;
  urgent: boolean;
  cases: number;
  attempts: number;
}

export interface HubEventsTable {
  id: string;
  kind: HubEventKind;
  pupil_id: string;
  referral_id: string | null;
  subject_id: string;
  action: string | null;
  actor_org_id: string;
  occurred_at: Timestamp;
}

export interface WebhookEndpointsTable {
  id: string;
  org_id: string;
  url: string;
  secret: string;
  kinds: HubEventKind[];
  created_by_subject: string;
  created_at: Timestamp;
  removed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  previous_secret: ColumnType<string | null, string | null | undefined, string | null>;
  previous_secret_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  failing_since: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  disabled_reason: ColumnType<WebhookDisabledReason | null, WebhookDisabledReason | null | undefined, WebhookDisabledReason | null>;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Timestamp;
  leased_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  payload: string;
  schedule_started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  schedule_attempts_before: ColumnType<number, number | undefined, number>;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export interface AccessLogVerificationsTable {
  id: string;
  org_id: string;
  actor_subject: string;
  reason: string;
  started_at: Timestamp;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  status: AccessLogVerificationStatus;
  records: number | null;
  checkpoints: number | null;
  last_seq: number | null;
  problems: ColumnType<string, string | undefined, string>;
  /** Per chain: records, last seq, checkpoints (JSON text). */
  chains: ColumnType<string, string | undefined, string>;
}

/** One run of a background job (src/jobs/scheduler.ts); counts only, never personal data. */
export interface JobRunsTable {
  id: Generated<string>;
  job: string;
  instance: string;
  started_at: Timestamp;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  outcome: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABANDONED';
  counts: ColumnType<Record<string, number>, string | undefined, string>;
  error: string | null;
}

export interface EmergencyAccessesTable {
  id: string;
  pupil_id: string;
  org_id: string;
  actor_subject: string;
  actor_role: Role;
  reason: string;
  opened_at: Timestamp;
  expires_at: Timestamp;
  reviewed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  reviewer_subject: string | null;
  reviewer_org_id: string | null;
  review_verdict: EmergencyAccessVerdict | null;
  review_note: string | null;
}

export interface PupilCoordinationTable {
  pupil_id: string;
  org_id: string;
  since: Timestamp;
}

export interface CoordinationTransfersTable {
  id: string;
  pupil_id: string;
  from_org_id: string;
  to_org_id: string;
  status: CoordinationTransferStatus;
  proposed_by_subject: string;
  proposed_at: Timestamp;
  decided_by_subject: string | null;
  decided_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface MunicipalAgreementsTable {
  id: string;
  municipality_code: string;
  serving_org_id: string;
  purpose: string;
  valid_from: Timestamp;
  valid_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  recorded_by_org_id: string;
  recorded_by_subject: string;
  recorded_at: Timestamp;
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  ended_by_subject: string | null;
}

export interface SchemaMigrationsTable {
  version: string;
  name: string;
  checksum: string;
  applied_at: Timestamp;
}

/** Token issuers registered with `npm run admin -- issuer add` (migration 0017). */
export interface TrustedIssuersTable {
  issuer: string;
  audiences: string[];
  algorithms: string[];
  key_id: string | null;
  public_key_pem: string | null;
  jwks_uri: string | null;
  organisations: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** An organisation's OpenID Connect client registration for console sign-in (migration 0017). */
export interface SignInRegistrationsTable {
  organisation_id: string;
  issuer: string;
  client_id: string;
  client_secret_sealed: string;
  scopes: ColumnType<string, string | undefined, string>;
  role_claim: string;
  role_map: ColumnType<Record<string, string>, string, string>;
  organisation_claim: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface SignInAttemptsTable {
  state_hash: string;
  organisation_id: string;
  nonce: string;
  code_verifier: string;
  created_at: Timestamp;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ConsoleSessionsTable {
  id_hash: string;
  organisation_id: string;
  subject: string;
  issuer: string;
  role: string;
  id_token: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  end_reason: string | null;
}

export interface Tables {
  municipalities: MunicipalitiesTable;
  organisations: OrganisationsTable;
  pupils: PupilsTable;
  guardians: GuardiansTable;
  referrals: ReferralsTable;
  referral_events: ReferralEventsTable;
  notes: NotesTable;
  contact_attempts: ContactAttemptsTable;
  out_of_view_cases: OutOfViewCasesTable;
  out_of_view_reports: OutOfViewReportsTable;
  out_of_view_statistics: OutOfViewStatisticsTable;
  pupil_corrections: PupilCorrectionsTable;
  hub_events: HubEventsTable;
  access_log_verifications: AccessLogVerificationsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  subject_access_disclosures: SubjectAccessDisclosuresTable;
  access_log_records: AccessLogRecordsTable;
  access_log_head: AccessLogHeadTable;
  access_log_chains: AccessLogChainsTable;
  access_log_checkpoints: AccessLogCheckpointsTable;
  emergency_accesses: EmergencyAccessesTable;
  pupil_coordination: PupilCoordinationTable;
  coordination_transfers: CoordinationTransfersTable;
  schema_migrations: SchemaMigrationsTable;
  municipal_agreements: MunicipalAgreementsTable;
  job_runs: JobRunsTable;
  trusted_issuers: TrustedIssuersTable;
  sign_in_registrations: SignInRegistrationsTable;
  sign_in_attempts: SignInAttemptsTable;
  console_sessions: ConsoleSessionsTable;
}

export type PupilRow = Selectable<PupilsTable>;
export type OrganisationRow = Selectable<OrganisationsTable>;
export type ReferralRow = Selectable<ReferralsTable>;
export type GuardianRow = Selectable<GuardiansTable>;
export type NewPupil = Insertable<PupilsTable>;
export type NewReferral = Insertable<ReferralsTable>;
export type ReferralEventRow = Selectable<ReferralEventsTable>;
export type MunicipalityRow = Selectable<MunicipalitiesTable>;
export type ContactAttemptRow = Selectable<ContactAttemptsTable>;
export type OutOfViewCaseRow = Selectable<OutOfViewCasesTable>;
export type OutOfViewReportRow = Selectable<OutOfViewReportsTable>;
export type PupilCorrectionRow = Selectable<PupilCorrectionsTable>;
export type MunicipalAgreementRow = Selectable<MunicipalAgreementsTable>;
export type OutOfViewStatisticRow = Selectable<OutOfViewStatisticsTable>;
export type SubjectAccessDisclosureRow = Selectable<SubjectAccessDisclosuresTable>;
export type HubEventRow = Selectable<HubEventsTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
export type AccessLogVerificationRow = Selectable<AccessLogVerificationsTable>;
export type NoteRow = Selectable<NotesTable>;
export type EmergencyAccessRow = Selectable<EmergencyAccessesTable>;
export type CoordinationTransferRow = Selectable<CoordinationTransfersTable>;
export type AccessLogRecordRow = Selectable<AccessLogRecordsTable>;
