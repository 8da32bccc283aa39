-- Referral lifecycle: deadlines, outcomes, structured reasons, coordination (regie).

ALTER TABLE referrals ADD COLUMN received_at timestamptz(3);
-- Urgent referrals must be received within 24 hours; every referral must be accepted or rejected by
-- response_due_at (urgent: 48 hours; normal: 5 working days).
ALTER TABLE referrals ADD COLUMN receive_due_at timestamptz(3);
ALTER TABLE referrals ADD COLUMN outcome_successful boolean;
-- For the coordinators' overdue and awaiting-decision lists.
CREATE INDEX referrals_receiver_open ON referrals (receiver_org_id, status, response_due_at);
CREATE INDEX referrals_sender_open ON referrals (sender_org_id, status, response_due_at);
-- The expiry job: referrals still REQUESTED after 30 days.
CREATE INDEX referrals_requested_created ON referrals (created_at) WHERE status = 'REQUESTED';

-- A rejection names one of a fixed list of reasons, besides its free text.
ALTER TABLE referral_events ADD COLUMN reason_code text
  CHECK (reason_code IN ('NOT_OUR_TASK', 'NO_CAPACITY', 'INSUFFICIENT_INFORMATION', 'ALREADY_INVOLVED',
                         'NO_CONSENT', 'OTHER'));

-- Who holds the coordinating role (regie) for a pupil when several organisations are involved.
-- No row: the sender of the earliest open referral holds it.
CREATE TABLE pupil_coordination (
  pupil_id uuid PRIMARY KEY REFERENCES pupils (id) ON DELETE CASCADE,
  org_id text NOT NULL REFERENCES organisations (id),
  since timestamptz(3) NOT NULL
);

-- Handing over the coordinating role needs the other organisation's acceptance.
CREATE TABLE coordination_transfers (
  id uuid PRIMARY KEY,
  pupil_id uuid NOT NULL REFERENCES pupils (id) ON DELETE CASCADE,
  from_org_id text NOT NULL REFERENCES organisations (id),
  to_org_id text NOT NULL REFERENCES organisations (id),
  status text NOT NULL CHECK (status IN ('PROPOSED', 'ACCEPTED', 'DECLINED', 'WITHDRAWN')),
  proposed_by_subject text NOT NULL,
  proposed_at timestamptz(3) NOT NULL,
  decided_by_subject text,
  decided_at timestamptz(3),
  CHECK (from_org_id <> to_org_id)
);
-- At most one open proposal per pupil.
CREATE UNIQUE INDEX coordination_transfers_one_open ON coordination_transfers (pupil_id) WHERE status = 'PROPOSED';
