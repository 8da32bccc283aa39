-- The access log at scale: one chain per writer (each hub process appends to a chain of its own,
-- so instances never wait on one head row), one statement per group of requests
-- (access_log_append), and records that name the version of the key their pupil pseudonym was
-- made with. The single chain written so far becomes chain 1 and keeps verifying as it is.

-- 1. The chains: one head row each. `format` 1 is the chain written before this migration (records
--    and checkpoints in their first canonical form); every new chain is format 2, whose canonical
--    content also holds the chain and the pseudonym key version. A writer claims a chain and holds
--    it while it appends (writer, claimed_at); a chain left alone longer than the writer's lease
--    may be claimed by another process.
CREATE TABLE access_log_chains (
  id integer PRIMARY KEY CHECK (id > 0),
  format smallint NOT NULL DEFAULT 2 CHECK (format IN (1, 2)),
  seq bigint NOT NULL DEFAULT 0,
  hash text NOT NULL DEFAULT repeat('0', 64),
  checkpoint_id bigint NOT NULL DEFAULT 0,
  checkpoint_seq bigint NOT NULL DEFAULT 0,
  checkpoint_at timestamptz(3),
  checkpoint_signature text NOT NULL DEFAULT '',
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  writer text,
  claimed_at timestamptz(3)
);
-- A head moves forward with every append, but a chain is never removed.
CREATE TRIGGER access_log_chains_no_delete BEFORE DELETE ON access_log_chains
  FOR EACH ROW EXECUTE FUNCTION refuse_access_log_change();
CREATE TRIGGER access_log_chains_no_truncate BEFORE TRUNCATE ON access_log_chains
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_access_log_change();
INSERT INTO access_log_chains (id, format, seq, hash, checkpoint_id, checkpoint_seq, checkpoint_at, checkpoint_signature)
  SELECT 1, 1, seq, hash, checkpoint_id, checkpoint_seq, checkpoint_at, checkpoint_signature FROM access_log_head;
DROP TABLE access_log_head;
-- What the single head row told before, for every chain together: the records the chains hold and a
-- digest of their heads (changes with every append).
CREATE VIEW access_log_head AS
  SELECT true AS id, coalesce(sum(seq), 0)::bigint AS seq,
         coalesce(string_agg(id::text || ':' || hash, ' ' ORDER BY id), '') AS hash
  FROM access_log_chains;

-- 2. Records and checkpoints name their chain; sequence numbers and checkpoint ids count per chain.
ALTER TABLE access_log_records ADD COLUMN chain_id integer NOT NULL DEFAULT 1;
-- The version of AUDIT_PSEUDONYM_KEY the pseudonym was made with; NULL in chain 1 (version 1).
ALTER TABLE access_log_records ADD COLUMN pseudonym_key_version smallint;
ALTER TABLE access_log_records DROP CONSTRAINT access_log_records_pkey;
ALTER TABLE access_log_records ADD PRIMARY KEY (chain_id, seq, occurred_at);
-- The privacy officers' pages are in time order, chain and seq breaking ties.
CREATE INDEX access_log_records_time_chain ON access_log_records (occurred_at, chain_id, seq);
ALTER TABLE access_log_checkpoints ADD COLUMN chain_id integer NOT NULL DEFAULT 1;
ALTER TABLE access_log_checkpoints DROP CONSTRAINT access_log_checkpoints_pkey;
ALTER TABLE access_log_checkpoints ADD PRIMARY KEY (chain_id, id);

-- Monthly partitions get the new primary key.
CREATE OR REPLACE FUNCTION ensure_access_log_partition(month date) RETURNS void LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public AS $$
DECLARE
  first_day date := date_trunc('month', month)::date;
  name text := 'access_log_records_' || to_char(first_day, 'YYYY_MM');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(4242002);
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relname = name AND relnamespace = 'public'::regnamespace) THEN
    EXECUTE format('CREATE TABLE %I (LIKE access_log_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
    EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (chain_id, seq, occurred_at)', name);
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
      EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I FROM ketenhub_app', name);
    END IF;
  END IF;
END
$$;

-- 3. Claiming a chain: the lowest format-2 chain nobody holds (or whose writer has been silent longer
--    than the lease), else a new one. SKIP LOCKED: two processes claiming at once get two chains.
CREATE FUNCTION access_log_claim_chain(claimant text, lease_seconds integer) RETURNS SETOF access_log_chains
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  chosen integer;
BEGIN
  SELECT c.id INTO chosen FROM access_log_chains c
    WHERE c.format = 2 AND (c.writer IS NULL OR c.claimed_at < now() - make_interval(secs => lease_seconds))
    ORDER BY c.id LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF chosen IS NULL THEN
    -- Chain ids without gaps (a gap is reported as a missing chain): one new chain at a time.
    PERFORM pg_advisory_xact_lock(4242016);
    SELECT coalesce(max(c.id), 0) + 1 INTO chosen FROM access_log_chains c;
    INSERT INTO access_log_chains (id) VALUES (chosen);
  END IF;
  RETURN QUERY UPDATE access_log_chains c SET writer = claimant, claimed_at = now() WHERE c.id = chosen RETURNING c.*;
END
$$;

-- A writer that stops lets go of its chain, so the next process takes it over at once.
CREATE FUNCTION access_log_release_chain(chain integer, claimant text) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  UPDATE access_log_chains SET writer = NULL WHERE id = chain AND writer = claimant;
$$;

-- 4. The append: one statement for a group of records (and the checkpoint due with them). The writer
--    hashed them in order onto the head it expects; under the head's lock this checks that it is
--    still that head and still the writer's, that the records follow it without a gap or a broken
--    link, and that the checkpoint continues the chain's checkpoints. Then it inserts all and moves
--    the head. When the head is not the one expected (another transaction of the same writer moved
--    it, or another process claimed the chain), nothing is written and the current head comes back:
--    the writer hashes again onto that one. The hashes themselves are recomputed by the verifier.
CREATE FUNCTION access_log_append(chain integer, claimant text, expected_seq bigint, expected_hash text, records jsonb, checkpoint jsonb)
  RETURNS TABLE (appended boolean, seq bigint, hash text, checkpoint_id bigint, checkpoint_seq bigint,
                 checkpoint_at timestamptz, checkpoint_signature text, writer text)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  head access_log_chains;
  last_seq bigint;
  last_hash text;
  broken bigint;
BEGIN
  SELECT * INTO head FROM access_log_chains c WHERE c.id = chain FOR UPDATE;
  IF NOT FOUND THEN
    -- Claimed in a transaction that was rolled back: the writer claims another.
    RETURN QUERY SELECT false, 0::bigint, repeat('0', 64), 0::bigint, 0::bigint, NULL::timestamptz, '', NULL::text;
    RETURN;
  END IF;
  IF head.writer IS DISTINCT FROM claimant OR head.seq <> expected_seq OR head.hash <> expected_hash THEN
    RETURN QUERY SELECT false, head.seq, head.hash, head.checkpoint_id, head.checkpoint_seq,
      head.checkpoint_at::timestamptz, head.checkpoint_signature, head.writer;
    RETURN;
  END IF;
  SELECT count(*) FILTER (WHERE x.s IS DISTINCT FROM expected_seq + x.n OR x.p IS DISTINCT FROM x.l OR x.c IS DISTINCT FROM chain),
         max(x.s), (array_agg(x.h ORDER BY x.n DESC))[1]
    INTO broken, last_seq, last_hash
    FROM (SELECT (r ->> 'seq')::bigint AS s, r ->> 'prev_hash' AS p, r ->> 'hash' AS h, (r ->> 'chain_id')::integer AS c, n,
                 lag(r ->> 'hash', 1, expected_hash) OVER (ORDER BY n) AS l
          FROM jsonb_array_elements(records) WITH ORDINALITY AS e(r, n)) x;
  IF last_seq IS NULL OR broken > 0 THEN
    RAISE EXCEPTION 'access log append to chain %: the records do not follow its head', chain USING ERRCODE = 'KL002';
  END IF;
  INSERT INTO access_log_records SELECT * FROM jsonb_populate_recordset(NULL::access_log_records, records);
  IF checkpoint IS NOT NULL THEN
    IF (checkpoint ->> 'chain_id')::integer IS DISTINCT FROM chain OR (checkpoint ->> 'id')::bigint IS DISTINCT FROM head.checkpoint_id + 1
       OR checkpoint ->> 'prev_signature' IS DISTINCT FROM head.checkpoint_signature
       OR (checkpoint ->> 'seq')::bigint IS DISTINCT FROM last_seq OR checkpoint ->> 'head_hash' IS DISTINCT FROM last_hash THEN
      RAISE EXCEPTION 'access log append to chain %: the checkpoint does not follow the last one', chain USING ERRCODE = 'KL002';
    END IF;
    INSERT INTO access_log_checkpoints SELECT * FROM jsonb_populate_record(NULL::access_log_checkpoints, checkpoint);
    head.checkpoint_id := (checkpoint ->> 'id')::bigint;
    head.checkpoint_seq := last_seq;
    head.checkpoint_at := (checkpoint ->> 'created_at')::timestamptz;
    head.checkpoint_signature := checkpoint ->> 'signature';
  END IF;
  UPDATE access_log_chains c SET seq = last_seq, hash = last_hash, checkpoint_id = head.checkpoint_id,
    checkpoint_seq = head.checkpoint_seq, checkpoint_at = head.checkpoint_at,
    checkpoint_signature = head.checkpoint_signature, claimed_at = now()
    WHERE c.id = chain;
  RETURN QUERY SELECT true, last_seq, last_hash, head.checkpoint_id, head.checkpoint_seq,
    head.checkpoint_at::timestamptz, head.checkpoint_signature, head.writer;
END
$$;

-- 5. Verifications keep what they found per chain.
ALTER TABLE access_log_verifications ADD COLUMN chains text NOT NULL DEFAULT '[]';

-- 6. The application role appends only through access_log_append, so the database itself keeps each
--    chain linked: no INSERT on records or checkpoints, no change to a head; it reads them all.
REVOKE EXECUTE ON FUNCTION access_log_claim_chain(text, integer), access_log_release_chain(integer, text),
  access_log_append(integer, text, bigint, text, jsonb, jsonb) FROM PUBLIC;
DO $$
DECLARE
  part regclass;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ketenhub_app') THEN
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON access_log_chains, access_log_records, access_log_records_default,
      access_log_checkpoints FROM ketenhub_app;
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'access_log_records'::regclass LOOP
      EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s FROM ketenhub_app', part);
    END LOOP;
    GRANT SELECT ON access_log_chains, access_log_head TO ketenhub_app;
    GRANT EXECUTE ON FUNCTION access_log_claim_chain(text, integer), access_log_release_chain(integer, text),
      access_log_append(integer, text, bigint, text, jsonb, jsonb) TO ketenhub_app;
  END IF;
END
$$;
