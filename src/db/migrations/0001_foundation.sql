-- Ketenhub foundation schema. Runs unchanged on PostgreSQL 15+ and on PGlite.
-- Enumerations are CHECK constraints on text rather than PostgreSQL enums: adding a value later is a
-- one-line migration that can run inside a transaction on both engines.

CREATE TABLE municipalities (
  code text PRIMARY KEY CHECK (code ~ '^GM[0-9]{4}$'), -- CBS gemeentecode, e.g. GM0518 Den Haag
  name text NOT NULL
);

-- Every party that can hold a token: Leerlingzaken, schools and the chain partners (ketenpartners).
CREATE TABLE organisations (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  kind text NOT NULL CHECK (kind IN ('LEERLINGZAKEN', 'SCHOOL', 'SCHOOL_SOCIAL_WORK', 'POLICE',
                                     'CRISIS_TEAM', 'VEILIG_THUIS', 'CJG')),
  name text NOT NULL,
  municipality_code text NOT NULL REFERENCES municipalities (code),
  -- The identity provider ("iss") whose tokens may speak for this organisation.
  issuer text NOT NULL,
  contact_email text,
  contact_phone text,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
-- One Leerlingzaken per municipality: the lawful link "Leerlingzaken -> pupils of its municipality".
CREATE UNIQUE INDEX organisations_one_leerlingzaken ON organisations (municipality_code)
  WHERE kind = 'LEERLINGZAKEN';
CREATE INDEX organisations_kind ON organisations (kind, id);

CREATE TABLE pupils (
  id uuid PRIMARY KEY,
  -- IDENTITY
  given_name text NOT NULL,
  family_name_prefix text,          -- tussenvoegsel: "van", "de", "van der"
  family_name text NOT NULL,
  date_of_birth date NOT NULL,
  municipality_code text NOT NULL REFERENCES municipalities (code), -- home municipality
  -- BSN
  bsn text UNIQUE CHECK (bsn ~ '^[0-9]{9}$'),
  -- CONTACT
  street text,
  house_number text,
  postal_code text,
  city text,
  phone text,
  letter_language text NOT NULL DEFAULT 'nl' CHECK (letter_language IN ('nl', 'en', 'pl', 'tr', 'ar', 'bg')),
  -- SCHOOLING
  school_id text REFERENCES organisations (id),
  grade text,
  absent_since date,
  reported_missing_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
-- Keyset pagination per lawful link: (municipality, id) for Leerlingzaken, (school, id) for schools.
CREATE INDEX pupils_municipality_id ON pupils (municipality_code, id);
CREATE INDEX pupils_school_id ON pupils (school_id, id);
CREATE INDEX pupils_family_name ON pupils (lower(family_name), id);
CREATE INDEX pupils_date_of_birth ON pupils (date_of_birth);

-- CONTACT: parents and other guardians (ouders/verzorgers).
CREATE TABLE guardians (
  id uuid PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  name text NOT NULL,
  relation text NOT NULL CHECK (relation IN ('PARENT', 'GUARDIAN', 'FOSTER_PARENT', 'OTHER')),
  phone text,
  email text,
  position smallint NOT NULL DEFAULT 0
);
CREATE INDEX guardians_pupil ON guardians (pupil_id, position);

-- A referral (verwijzing) is the handover of work about one pupil from one organisation to another.
-- Statuses follow the HL7 FHIR Task states that fit such a handover.
CREATE TABLE referrals (
  id uuid PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  sender_org_id text NOT NULL REFERENCES organisations (id),
  receiver_org_id text NOT NULL REFERENCES organisations (id),
  status text NOT NULL CHECK (status IN ('REQUESTED', 'RECEIVED', 'ACCEPTED', 'REJECTED', 'IN_PROGRESS',
                                         'ON_HOLD', 'COMPLETED', 'FAILED', 'CANCELLED')),
  urgency text NOT NULL CHECK (urgency IN ('NORMAL', 'URGENT')),
  reason text NOT NULL,
  -- The data categories this referral shares with its receiver, and on what ground.
  shared_categories text[] NOT NULL,
  legal_basis text NOT NULL CHECK (legal_basis IN ('CONSENT', 'LEERPLICHTWET', 'JEUGDWET', 'MELDCODE',
                                                   'WET_PUBLIEKE_GEZONDHEID', 'POLITIEWET')),
  consent_given_by text,
  consent_valid_from date,
  consent_valid_until date,
  consent_revoked_at timestamptz(3),
  -- Hand-over chain: the referral this one continues (doorverwijzing).
  handed_over_from_id uuid REFERENCES referrals (id),
  response_due_at timestamptz(3),
  outcome text,
  closed_at timestamptz(3),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  CHECK (sender_org_id <> receiver_org_id),
  CHECK (legal_basis <> 'CONSENT' OR (consent_given_by IS NOT NULL AND consent_valid_from IS NOT NULL))
);
CREATE INDEX referrals_pupil ON referrals (pupil_id);
CREATE INDEX referrals_sender ON referrals (sender_org_id, id);
CREATE INDEX referrals_receiver ON referrals (receiver_org_id, id);
CREATE INDEX referrals_handed_over_from ON referrals (handed_over_from_id) WHERE handed_over_from_id IS NOT NULL;

-- Every transition of a referral: who, when, why. The pupil's timeline is built from these,
-- notes and contact attempts.
CREATE TABLE referral_events (
  id uuid PRIMARY KEY,
  referral_id uuid NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
  action text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  actor_org_id text NOT NULL REFERENCES organisations (id),
  actor_subject text NOT NULL,
  actor_role text NOT NULL,
  reason text,
  occurred_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, occurred_at, id);

-- Free-text notes, each of one data category (CARE, SAFETY, ...), optionally within a referral.
CREATE TABLE notes (
  id uuid PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  referral_id uuid REFERENCES referrals (id) ON DELETE CASCADE,
  category text NOT NULL CHECK (category IN ('IDENTITY', 'BSN', 'CONTACT', 'SCHOOLING', 'CONTACT_ATTEMPTS',
                                             'REFERRAL', 'CARE', 'SAFETY')),
  body text NOT NULL,
  author_org_id text NOT NULL REFERENCES organisations (id),
  author_subject text NOT NULL,
  author_role text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX notes_pupil ON notes (pupil_id, created_at, id);
CREATE INDEX notes_referral ON notes (referral_id) WHERE referral_id IS NOT NULL;

-- CONTACT_ATTEMPTS: phone call -> letter -> door visit -> note left ("We zijn je kwijt").
CREATE TABLE contact_attempts (
  id uuid PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('PHONE', 'LETTER', 'DOOR_VISIT', 'NOTE_LEFT')),
  outcome text NOT NULL CHECK (outcome IN ('REACHED', 'NO_ANSWER', 'WRONG_NUMBER', 'NO_NUMBER', 'SENT',
                                           'CONTACT_MADE', 'NOBODY_HOME', 'LEFT')),
  letter_language text CHECK (letter_language IN ('nl', 'en', 'pl', 'tr', 'ar', 'bg')),
  org_id text NOT NULL REFERENCES organisations (id),
  actor_subject text NOT NULL,
  actor_role text NOT NULL,
  remark text,
  occurred_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX contact_attempts_pupil ON contact_attempts (pupil_id, occurred_at, id);

-- Who saw or changed which pupil's data, when, and why. One row per pupil per action.
-- No foreign key to pupils: the record must outlive the pupil's data (retention).
CREATE TABLE access_log (
  seq bigserial PRIMARY KEY,
  occurred_at timestamptz(3) NOT NULL DEFAULT now(),
  request_id text NOT NULL,
  actor_subject text NOT NULL,
  actor_org_id text NOT NULL,
  actor_role text NOT NULL,
  purpose text,
  action text NOT NULL CHECK (action IN ('READ', 'SEARCH', 'CREATE', 'UPDATE', 'EXPORT', 'PRINT', 'EMERGENCY')),
  outcome text NOT NULL CHECK (outcome IN ('GRANTED', 'PARTLY_GRANTED', 'REFUSED')),
  pupil_id uuid,
  categories text[] NOT NULL DEFAULT '{}',
  fields text[] NOT NULL DEFAULT '{}',
  operation_name text,
  client_address text
);
CREATE INDEX access_log_pupil ON access_log (pupil_id, occurred_at) WHERE pupil_id IS NOT NULL;
CREATE INDEX access_log_actor ON access_log (actor_org_id, actor_subject, occurred_at);
