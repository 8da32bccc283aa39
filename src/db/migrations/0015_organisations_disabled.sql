-- An organisation can be disabled (`npm run admin -- organisation disable`): its people can no longer
-- sign in, while everything that refers to it (referrals, notes, the access log) stays as it was.
ALTER TABLE organisations ADD COLUMN disabled_at timestamptz;
