-- Pupils out of view: a school reports a pupil it cannot reach; the Leerlingzaken of the
-- pupil's home municipality works the case (phone -> letter -> door visit -> note left) until the
-- pupil is back in view or a partner takes over through a referral.

-- One case per pupil while it is open; later reports of the same pupil join it.
CREATE TABLE out_of_view_cases (
  id uuid PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  -- Routed at the first report to the Leerlingzaken of the pupil's home municipality.
  leerlingzaken_org_id text NOT NULL REFERENCES organisations (id),
  -- The school of the first report; its municipality's Leerlingzaken sees that the case exists.
  reporting_school_id text NOT NULL REFERENCES organisations (id),
  urgent boolean NOT NULL DEFAULT false,
  -- When the case became urgent (its first urgent report): the door visit is due 24 hours after.
  urgent_since timestamptz(3),
  status text NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
  opened_at timestamptz(3) NOT NULL,
  -- The next recommended step (src/outreach/next-step.ts), kept with the case so that overdue work
  -- can be listed and counted in SQL; recomputed in the transaction of every change to the case.
  next_step text CHECK (next_step IN ('PHONE', 'LETTER', 'DOOR_VISIT', 'NOTE_LEFT', 'CLOSE_CASE', 'REFER_TO_PARTNER')),
  next_step_rule text,
  next_step_not_before timestamptz(3),
  next_step_due_at timestamptz(3),
  closed_at timestamptz(3),
  outcome text CHECK (outcome IN ('REACHED', 'MOVED', 'NEEDS_DEVICE', 'REFERRED_TO_PARTNER', 'EMERGENCY_SHELTER', 'OTHER')),
  closing_remark text,
  closed_by_org_id text REFERENCES organisations (id),
  closed_by_subject text,
  closed_by_role text,
  -- When the case became a referral (outcome REFERRED_TO_PARTNER).
  referral_id uuid REFERENCES referrals (id) ON DELETE SET NULL,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz(3) NOT NULL,
  CHECK ((status = 'OPEN') = (closed_at IS NULL)),
  CHECK ((status = 'OPEN') = (outcome IS NULL)),
  CHECK ((status = 'OPEN') = (next_step IS NOT NULL)),
  CHECK (urgent = (urgent_since IS NOT NULL))
);
CREATE UNIQUE INDEX out_of_view_cases_one_open ON out_of_view_cases (pupil_id) WHERE status = 'OPEN';
CREATE INDEX out_of_view_cases_pupil ON out_of_view_cases (pupil_id, id);
CREATE INDEX out_of_view_cases_leerlingzaken ON out_of_view_cases (leerlingzaken_org_id, id);
CREATE INDEX out_of_view_cases_school ON out_of_view_cases (reporting_school_id, id);
CREATE INDEX out_of_view_cases_due ON out_of_view_cases (leerlingzaken_org_id, next_step_due_at) WHERE status = 'OPEN';

-- Every report by a school (melding): the first opens the case, later ones join it.
CREATE TABLE out_of_view_reports (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES out_of_view_cases (id) ON DELETE CASCADE,
  school_id text NOT NULL REFERENCES organisations (id),
  reported_by_subject text NOT NULL,
  reported_by_role text NOT NULL,
  absent_since date,
  urgent boolean NOT NULL DEFAULT false,
  remark text,
  -- Reports made together (one batch or one CSV file) share this id.
  batch_id uuid,
  reported_at timestamptz(3) NOT NULL
);
CREATE INDEX out_of_view_reports_case ON out_of_view_reports (case_id, reported_at, id);
CREATE INDEX out_of_view_reports_batch ON out_of_view_reports (batch_id) WHERE batch_id IS NOT NULL;

-- Attempts now belong to the case they were made in (older ones, before cases existed, to none).
ALTER TABLE contact_attempts ADD COLUMN case_id uuid REFERENCES out_of_view_cases (id) ON DELETE CASCADE;
CREATE INDEX contact_attempts_case ON contact_attempts (case_id, occurred_at, id) WHERE case_id IS NOT NULL;
