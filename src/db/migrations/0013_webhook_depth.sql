-- Webhooks after Standard Webhooks: secret rotation without downtime, endpoints the hub stops
-- sending to (the receiver answered 410 Gone, or every attempt failed for 3 days), and redelivery of
-- one delivery on request, with a fresh retry schedule.

ALTER TABLE webhook_endpoints
  -- During a rotation the previous secret (sealed like `secret`) signs beside the new one until then.
  ADD COLUMN previous_secret text,
  ADD COLUMN previous_secret_until timestamptz(3),
  -- The start of the current run of failed attempts; cleared by the next delivered one.
  ADD COLUMN failing_since timestamptz(3),
  ADD COLUMN disabled_at timestamptz(3),
  ADD COLUMN disabled_reason text CHECK (disabled_reason IN ('GONE', 'FAILING')),
  ADD CONSTRAINT webhook_endpoints_previous_secret CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL)),
  ADD CONSTRAINT webhook_endpoints_disabled CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL));

ALTER TABLE webhook_deliveries
  -- A redelivery starts the retry schedule again: from this moment, counting attempts after this many.
  ADD COLUMN schedule_started_at timestamptz(3),
  ADD COLUMN schedule_attempts_before integer NOT NULL DEFAULT 0;
