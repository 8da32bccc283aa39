-- Each municipality is its own tenant. Leerlingzaken serves the pupils of its own municipality; it
-- serves another municipality's pupils only by an explicit, dated agreement between the two
-- (for example a regional RMC task carried out by the central municipality), recorded here and in
-- the access log when it is made or ended.
CREATE TABLE municipal_agreements (
  id uuid PRIMARY KEY,
  -- The municipality whose pupils are served (the controller that agrees).
  municipality_code text NOT NULL REFERENCES municipalities (code),
  -- The Leerlingzaken that serves them.
  serving_org_id text NOT NULL REFERENCES organisations (id),
  -- What for, and on which ground (e.g. "RMC-regio Haaglanden, art. 8 RMC-wet").
  purpose text NOT NULL CHECK (length(purpose) BETWEEN 10 AND 1000),
  valid_from timestamptz(3) NOT NULL,
  valid_until timestamptz(3),
  recorded_by_org_id text NOT NULL REFERENCES organisations (id),
  recorded_by_subject text NOT NULL,
  recorded_at timestamptz(3) NOT NULL,
  ended_at timestamptz(3),
  ended_by_subject text,
  CHECK (valid_until IS NULL OR valid_until > valid_from)
);
CREATE INDEX municipal_agreements_serving ON municipal_agreements (serving_org_id, valid_from);
CREATE INDEX municipal_agreements_municipality ON municipal_agreements (municipality_code);

-- A hand-over's outcome used to name the organisation the work went to ("handed over to …"): a
-- value derived from the new referral, shown to the parties of the old one. The continuation is
-- found through handed_over_from_id by those who may see it; the old text goes.
UPDATE referrals SET outcome = NULL
WHERE outcome LIKE 'handed over to %'
  AND EXISTS (SELECT 1 FROM referrals continuation WHERE continuation.handed_over_from_id = referrals.id);

