-- The hub's background jobs (retention, expiry of referrals nobody received): one row per run, so an
-- operator sees when each job last ran, how it ended and what it did (`npm run jobs`), and a hub
-- restarted more often than a job's interval still runs it (see src/jobs/scheduler.ts).
CREATE TABLE job_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job text NOT NULL CHECK (job ~ '^[a-z][a-z0-9-]*$'),
  -- Which hub instance ran it (host name and process id): several may share one database.
  instance text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  -- RUNNING until it ends; ABANDONED when a later run found it still RUNNING (its instance stopped
  -- mid-run: the job's lock is held only while a run lives).
  outcome text NOT NULL CHECK (outcome IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'ABANDONED')),
  -- What the run did, as counts only (never which pupils).
  counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  error text,
  CHECK ((outcome = 'RUNNING') = (finished_at IS NULL))
);
CREATE INDEX job_runs_by_job ON job_runs (job, started_at DESC);

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ketenhub_app') THEN
    GRANT SELECT, INSERT, UPDATE ON job_runs TO ketenhub_app;
    REVOKE DELETE, TRUNCATE ON job_runs FROM ketenhub_app;
  END IF;
END
$$;
