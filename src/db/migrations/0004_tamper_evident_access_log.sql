-- The access log to the level of Logboek Dataverwerkingen and NEN 7513: complete, append-only,
-- tamper-evident (a hash chain with signed checkpoints), partitioned by month.

-- 1. The new log, partitioned by month on occurred_at. Every record carries the hash of its canonical
--    content and of the previous record (src/audit/chain.ts computes both; `npm run audit:verify`
--    recomputes them). seq is assigned under the lock on access_log_head, so the chain never forks.
CREATE TABLE access_log_records (
  seq bigint NOT NULL,
  occurred_at timestamptz(3) NOT NULL,
  trace_id text NOT NULL,
  span_id text NOT NULL,
  request_id text NOT NULL,
  action text NOT NULL CHECK (action IN ('READ', 'SEARCH', 'CREATE', 'UPDATE', 'EXPORT', 'PRINT', 'EMERGENCY')),
  outcome text NOT NULL CHECK (outcome IN ('GRANTED', 'PARTLY_GRANTED', 'REFUSED')),
  actor_subject text NOT NULL,
  actor_org_id text NOT NULL,
  actor_role text NOT NULL,
  on_behalf_of text,
  purpose text,
  -- Register of processing activities (src/audit/processing-activities.ts): id and version in force.
  activity_id text NOT NULL,
  activity_version integer NOT NULL,
  -- The data subject: a keyed pseudonym (HMAC-SHA256 of the pupil id), plus the pupil id for lookups
  -- by authorised officers; the id is removed when the pupil's data is (retention), the pseudonym stays.
  pupil_pseudonym text,
  pupil_id uuid,
  categories text[] NOT NULL DEFAULT '{}',
  fields text[] NOT NULL DEFAULT '{}',
  operation_name text,
  client_address text,
  emergency boolean NOT NULL DEFAULT false,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (seq, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE access_log_records_default PARTITION OF access_log_records DEFAULT;
CREATE INDEX access_log_records_pupil ON access_log_records (pupil_id, occurred_at);
CREATE INDEX access_log_records_pseudonym ON access_log_records (pupil_pseudonym, occurred_at);
CREATE INDEX access_log_records_actor ON access_log_records (actor_org_id, actor_subject, occurred_at);
CREATE INDEX access_log_records_time ON access_log_records (occurred_at, seq);
CREATE INDEX access_log_records_seq ON access_log_records (seq);

-- The chain's head: one row, locked by every writer (SELECT ... FOR UPDATE) for the length of its
-- transaction, which serialises appends.
CREATE TABLE access_log_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL,
  hash text NOT NULL,
  -- The latest checkpoint, so an append decides whether one is due without another query.
  checkpoint_id bigint NOT NULL DEFAULT 0,
  checkpoint_seq bigint NOT NULL DEFAULT 0,
  checkpoint_at timestamptz(3),
  checkpoint_signature text NOT NULL DEFAULT ''
);
INSERT INTO access_log_head (seq, hash) VALUES (0, repeat('0', 64));

-- Signed checkpoints: (seq, head hash, time, previous signature), Ed25519. Exportable, so a copy kept
-- outside the database can prove the log was not rewritten.
CREATE TABLE access_log_checkpoints (
  id bigint PRIMARY KEY,
  seq bigint NOT NULL,
  head_hash text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  prev_signature text NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL
);

-- 2. Append-only, whoever asks: a trigger refuses UPDATE, DELETE and TRUNCATE.
CREATE FUNCTION refuse_access_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the access log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER access_log_records_append_only BEFORE UPDATE OR DELETE ON access_log_records
  FOR EACH ROW EXECUTE FUNCTION refuse_access_log_change();
CREATE TRIGGER access_log_records_no_truncate BEFORE TRUNCATE ON access_log_records
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_access_log_change();
CREATE TRIGGER access_log_records_default_no_truncate BEFORE TRUNCATE ON access_log_records_default
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_access_log_change();
CREATE TRIGGER access_log_checkpoints_append_only BEFORE UPDATE OR DELETE ON access_log_checkpoints
  FOR EACH ROW EXECUTE FUNCTION refuse_access_log_change();
CREATE TRIGGER access_log_checkpoints_no_truncate BEFORE TRUNCATE ON access_log_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_access_log_change();

-- Monthly partitions, made ahead by the hub (ensure_access_log_partition) and at each migration.
-- SECURITY DEFINER: the application role may ask for a partition but not create tables itself.
CREATE FUNCTION ensure_access_log_partition(month date) RETURNS void LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public AS $$
DECLARE
  first_day date := date_trunc('month', month)::date;
  name text := 'access_log_records_' || to_char(first_day, 'YYYY_MM');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN;
  END IF;
  -- Several sessions may ask at once (the first request of a month): one creates, the others wait,
  -- then look in pg_class itself (the relation cache may not have seen the other's commit yet).
  PERFORM pg_advisory_xact_lock(4242002);
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relname = name AND relnamespace = 'public'::regnamespace) THEN
    -- Rows of that month already in the default partition would block the new partition: move them.
    EXECUTE format('CREATE TABLE %I (LIKE access_log_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
    EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (seq, occurred_at)', name);
    ALTER TABLE access_log_records_default DISABLE TRIGGER access_log_records_append_only;
    EXECUTE format(
      'WITH moved AS (DELETE FROM access_log_records_default WHERE occurred_at >= %L AND occurred_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
      first_day, (first_day + interval '1 month')::date, name);
    ALTER TABLE access_log_records_default ENABLE TRIGGER access_log_records_append_only;
    EXECUTE format('ALTER TABLE access_log_records ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
      name, first_day, (first_day + interval '1 month')::date);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION refuse_access_log_change()',
      name || '_no_truncate', name);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ketenhub_app') THEN
      EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM ketenhub_app', name);
    END IF;
  END IF;
END
$$;

-- 3. Records from before this migration cannot be chained retroactively with content they never had
--    (trace ids, activities); the old table is kept, read-only, as access_log_legacy.
ALTER TABLE access_log RENAME TO access_log_legacy;
CREATE TRIGGER access_log_legacy_append_only BEFORE UPDATE OR DELETE ON access_log_legacy
  FOR EACH ROW EXECUTE FUNCTION refuse_access_log_change();

-- 4. The application role: everything it needs, but on the log only SELECT and INSERT. The hub
--    switches to it (SET ROLE) after migrating, where the connecting user may; see db/database.ts.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ketenhub_app') THEN
    CREATE ROLE ketenhub_app NOLOGIN;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL; -- created meanwhile by another database's migration
  WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role ketenhub_app; the hub keeps the connecting role';
END
$$;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ketenhub_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ketenhub_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ketenhub_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON access_log_records, access_log_records_default, access_log_checkpoints,
      access_log_legacy, schema_migrations FROM ketenhub_app;
    -- The head row moves forward with every append; it is checked against the chain by audit:verify.
    GRANT SELECT, UPDATE ON access_log_head TO ketenhub_app;
    REVOKE INSERT, DELETE, TRUNCATE ON access_log_head FROM ketenhub_app;
    GRANT EXECUTE ON FUNCTION ensure_access_log_partition(date) TO ketenhub_app;
    -- Tables of later migrations (run by the same user) are the application's too.
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ketenhub_app;
  END IF;
END
$$;
