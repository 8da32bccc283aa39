-- Retention and the rights of the people in the file: erasure recorded in the access log
-- and the pupil forgotten there (pseudonym only), restriction of processing (AVG art. 18),
-- rectification with the earlier value kept (art. 16), the privacy officer's consent to name
-- employees in a subject access export (art. 15), and anonymous statistics of closed cases.

-- 1. A deletion is an action in the access log.
-- Partitions made with LIKE ... INCLUDING CONSTRAINTS hold their own copy of the check, which
-- survives dropping the parent's: drop those too before the new one goes on every partition.
ALTER TABLE access_log_records DROP CONSTRAINT IF EXISTS access_log_records_action_check;
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'access_log_records'::regclass LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS access_log_records_action_check', part);
  END LOOP;
END
$$;
ALTER TABLE access_log_records ADD CONSTRAINT access_log_records_action_check
  CHECK (action IN ('READ', 'SEARCH', 'CREATE', 'UPDATE', 'EXPORT', 'PRINT', 'EMERGENCY', 'DELETE'));

-- 2. Forgetting a deleted pupil in the log. The log stays append-only, with one exception: setting
--    pupil_id to NULL and nothing else, inside forget_pupil_in_access_log. The hash chain does not
--    cover pupil_id (the keyed pseudonym stands in for it), so the chain still verifies.
CREATE OR REPLACE FUNCTION refuse_access_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Through jsonb: the same function guards the checkpoints, which have no pupil_id.
  IF TG_OP = 'UPDATE' AND current_setting('ketenhub.forgetting_pupil', true) = 'on'
     AND (to_jsonb(OLD) ->> 'pupil_id') IS NOT NULL AND to_jsonb(NEW) ? 'pupil_id' AND (to_jsonb(NEW) ->> 'pupil_id') IS NULL
     AND (to_jsonb(NEW) - 'pupil_id') = (to_jsonb(OLD) - 'pupil_id') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the access log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE FUNCTION forget_pupil_in_access_log(pupil uuid) RETURNS bigint LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public AS $$
DECLARE
  forgotten bigint;
BEGIN
  PERFORM set_config('ketenhub.forgetting_pupil', 'on', true);
  UPDATE access_log_records SET pupil_id = NULL WHERE pupil_id = pupil;
  GET DIAGNOSTICS forgotten = ROW_COUNT;
  UPDATE access_log_legacy SET pupil_id = NULL WHERE pupil_id = pupil;
  PERFORM set_config('ketenhub.forgetting_pupil', 'off', true);
  RETURN forgotten;
END
$$;
REVOKE EXECUTE ON FUNCTION forget_pupil_in_access_log(uuid) FROM PUBLIC;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ketenhub_app') THEN
    GRANT EXECUTE ON FUNCTION forget_pupil_in_access_log(uuid) TO ketenhub_app;
  END IF;
END
$$;

-- 3. A referral may outlive the one it was handed over from (each has its own retention).
ALTER TABLE referrals DROP CONSTRAINT IF EXISTS referrals_handed_over_from_id_fkey;
ALTER TABLE referrals ADD CONSTRAINT referrals_handed_over_from_id_fkey
  FOREIGN KEY (handed_over_from_id) REFERENCES referrals (id) ON DELETE SET NULL;
-- Retention finds closed referrals by when they closed.
CREATE INDEX referrals_closed_at ON referrals (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX out_of_view_cases_closed_at ON out_of_view_cases (closed_at) WHERE status = 'CLOSED';

-- 4. Restriction of processing (beperking, AVG art. 18): partner access stops except where the
--    register of processing activities marks the processing as statutory.
ALTER TABLE pupils ADD COLUMN restricted_at timestamptz(3);
ALTER TABLE pupils ADD COLUMN restriction_reason text;
ALTER TABLE pupils ADD COLUMN restricted_by_org_id text REFERENCES organisations (id);
ALTER TABLE pupils ADD CONSTRAINT pupils_restriction_complete
  CHECK ((restricted_at IS NULL) = (restriction_reason IS NULL));

-- 5. Rectification (rectificatie, AVG art. 16): every correction keeps the earlier value.
CREATE TABLE pupil_corrections (
  id uuid PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  field text NOT NULL,
  previous_value text,
  new_value text,
  reason text NOT NULL,
  org_id text NOT NULL REFERENCES organisations (id),
  actor_subject text NOT NULL,
  actor_role text NOT NULL,
  corrected_at timestamptz(3) NOT NULL
);
CREATE INDEX pupil_corrections_pupil ON pupil_corrections (pupil_id, corrected_at);

-- 6. The privacy officer's consent to name employees in a subject access export for one pupil.
CREATE TABLE subject_access_disclosures (
  id uuid PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  granted_by_org_id text NOT NULL REFERENCES organisations (id),
  granted_by_subject text NOT NULL,
  reason text NOT NULL,
  granted_at timestamptz(3) NOT NULL,
  expires_at timestamptz(3) NOT NULL
);
CREATE INDEX subject_access_disclosures_pupil ON subject_access_disclosures (pupil_id, expires_at);

-- 7. Closed cases whose retention ended, where the register says "anonymise": counted here (no
--    pupil, no person), then deleted.
CREATE TABLE out_of_view_statistics (
  month date NOT NULL,
  leerlingzaken_org_id text NOT NULL,
  reporting_school_id text NOT NULL,
  outcome text NOT NULL,
  urgent boolean NOT NULL,
  cases integer NOT NULL,
  attempts integer NOT NULL,
  PRIMARY KEY (month, leerlingzaken_org_id, reporting_school_id, outcome, urgent)
);
CREATE INDEX pupils_restricted ON pupils (id) WHERE restricted_at IS NOT NULL;
