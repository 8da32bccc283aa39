-- Emergency access (break the glass, "doorbreken"): a professional of Leerlingzaken or the crisis
-- team opens a pupil it has no lawful link to, stating why. It lasts at most 24 hours, is marked
-- in the access log, and waits for a privacy officer's review.
CREATE TABLE emergency_accesses (
  id uuid PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  org_id text NOT NULL REFERENCES organisations (id),
  actor_subject text NOT NULL,
  actor_role text NOT NULL,
  reason text NOT NULL CHECK (char_length(reason) BETWEEN 10 AND 1000),
  opened_at timestamptz(3) NOT NULL,
  expires_at timestamptz(3) NOT NULL,
  reviewed_at timestamptz(3),
  reviewer_subject text,
  reviewer_org_id text REFERENCES organisations (id),
  review_verdict text CHECK (review_verdict IN ('JUSTIFIED', 'UNJUSTIFIED')),
  review_note text,
  CHECK (expires_at > opened_at AND expires_at <= opened_at + interval '24 hours'),
  CHECK ((reviewed_at IS NULL) = (review_verdict IS NULL))
);
-- The link check: this person, this pupil, still open.
CREATE INDEX emergency_accesses_link ON emergency_accesses (org_id, actor_subject, pupil_id, expires_at);
-- The privacy officers' queue.
CREATE INDEX emergency_accesses_awaiting_review ON emergency_accesses (opened_at, id) WHERE reviewed_at IS NULL;

-- Reads made through an emergency access are marked, so they stand out in every log query.
ALTER TABLE access_log ADD COLUMN emergency boolean NOT NULL DEFAULT false;
