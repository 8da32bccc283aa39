-- Privacy officers ask "what did this person do this month" without naming the organisation; the
-- (actor_org_id, actor_subject, occurred_at) index cannot serve that, so the month was scanned.
CREATE INDEX access_log_records_subject ON access_log_records (actor_subject, occurred_at);
