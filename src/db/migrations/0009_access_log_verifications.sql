-- Verifications of the access log's hash chain started by privacy officers (through the API, as
-- `npm run audit:verify` does on the command line): when, by whom, and what was found.
CREATE TABLE access_log_verifications (
  id uuid PRIMARY KEY,
  org_id text NOT NULL REFERENCES organisations (id),
  actor_subject text NOT NULL,
  -- Why: a routine audit, an incident, a supervisor's question.
  reason text NOT NULL,
  started_at timestamptz(3) NOT NULL,
  finished_at timestamptz(3),
  status text NOT NULL CHECK (status IN ('RUNNING', 'INTACT', 'BROKEN', 'FAILED')),
  records bigint,
  checkpoints integer,
  last_seq bigint,
  -- The problems found (kind, seq, checkpoint, message), as JSON text; no personal data in them.
  problems text NOT NULL DEFAULT '[]'
);
CREATE INDEX access_log_verifications_started ON access_log_verifications (started_at DESC);
