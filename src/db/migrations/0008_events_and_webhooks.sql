-- Following referrals without polling: every change is an event, written in the same
-- transaction as the change; subscriptions (server-sent events) hear of it through LISTEN/NOTIFY on
-- every hub instance; webhooks get it from an outbox of deliveries, written in that same transaction.

CREATE TABLE hub_events (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('REFERRAL_CREATED', 'REFERRAL_CHANGED', 'NOTE_ADDED', 'CONTACT_ATTEMPT_RECORDED',
                                     'PUPIL_REPORTED_OUT_OF_VIEW', 'OUT_OF_VIEW_CASE_CLOSED')),
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  referral_id uuid REFERENCES referrals (id) ON DELETE CASCADE,
  -- What changed: the referral event, note, contact attempt, report or case (no content here).
  subject_id uuid NOT NULL,
  action text,
  actor_org_id text NOT NULL REFERENCES organisations (id),
  occurred_at timestamptz(3) NOT NULL
);
CREATE INDEX hub_events_referral ON hub_events (referral_id, occurred_at) WHERE referral_id IS NOT NULL;
CREATE INDEX hub_events_pupil ON hub_events (pupil_id, occurred_at);

-- An organisation's endpoint for webhooks (registered by its coordinator).
CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY,
  org_id text NOT NULL REFERENCES organisations (id),
  url text NOT NULL,
  -- Standard Webhooks secret ("whsec_" + base64): the hub needs it to sign, so it is stored.
  secret text NOT NULL,
  kinds text[] NOT NULL,
  created_by_subject text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  removed_at timestamptz(3)
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id) WHERE removed_at IS NULL;

-- The outbox: one row per event per endpoint, at least once, retried with exponential backoff
-- until delivered or, after a day, dead. A lease (leased_until) lets any instance take it; a hub
-- that stops mid-delivery loses the lease and another instance retries.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id uuid NOT NULL REFERENCES hub_events (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz(3) NOT NULL,
  leased_until timestamptz(3),
  created_at timestamptz(3) NOT NULL,
  delivered_at timestamptz(3),
  -- The notification as sent (no personal data: event id, kind, referral id, time).
  payload text NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at, id);

CREATE TABLE webhook_attempts (
  id uuid PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  started_at timestamptz(3) NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error text
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
