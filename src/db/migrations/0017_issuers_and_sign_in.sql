-- Identity providers and console sign-in without SQL (`npm run admin -- issuer ...` and
-- `npm run admin -- sign-in ...`), and the console's server-side sessions.

-- Token issuers registered in the database, beside those of TRUSTED_ISSUERS_FILE (the file wins for
-- an issuer named in both). A running hub reads them again every ISSUER_RELOAD_SECONDS.
CREATE TABLE trusted_issuers (
  issuer text PRIMARY KEY CHECK (length(issuer) BETWEEN 1 AND 500),
  audiences text[] NOT NULL CHECK (cardinality(audiences) >= 1),
  algorithms text[] NOT NULL CHECK (cardinality(algorithms) >= 1),
  -- Either one public key (PEM, with its key id) or the provider's JWKS URL.
  key_id text,
  public_key_pem text,
  jwks_uri text,
  -- The organisations this issuer may sign for; each organisation also names its issuer.
  organisations text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz,
  CHECK ((public_key_pem IS NULL) <> (jwks_uri IS NULL)),
  CHECK ((public_key_pem IS NULL) = (key_id IS NULL))
);

-- Per organisation, its OpenID Connect client registration: how its officers sign in to the console.
CREATE TABLE sign_in_registrations (
  organisation_id text PRIMARY KEY REFERENCES organisations (id),
  issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 500),
  client_id text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 500),
  -- The client secret, sealed (AES-256-GCM) under WEBHOOK_SECRET_KEY; never stored in the clear.
  client_secret_sealed text NOT NULL,
  scopes text NOT NULL DEFAULT 'openid',
  -- The ID-token claim that carries the person's groups or role, and how its values map to roles.
  role_claim text NOT NULL,
  role_map jsonb NOT NULL,
  -- A claim naming the person's organisation, when the provider sends one: it must name this one.
  organisation_claim text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);

-- A sign-in under way: the state, nonce and PKCE verifier of one authorization request, used once.
CREATE TABLE sign_in_attempts (
  state_hash text PRIMARY KEY,
  organisation_id text NOT NULL REFERENCES organisations (id),
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  created_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX sign_in_attempts_by_age ON sign_in_attempts (created_at);

-- A console session: the cookie holds an opaque id, the database only its SHA-256.
CREATE TABLE console_sessions (
  id_hash text PRIMARY KEY,
  organisation_id text NOT NULL REFERENCES organisations (id),
  subject text NOT NULL,
  issuer text NOT NULL,
  role text NOT NULL,
  -- For RP-initiated logout (id_token_hint); removed when the session ends.
  id_token text,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text CHECK (end_reason IN ('SIGNED_OUT', 'IDLE', 'EXPIRED', 'DISABLED'))
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at) WHERE ended_at IS NULL;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ketenhub_app') THEN
    -- The hub reads issuers and registrations; only `npm run admin` (the owner) changes them.
    GRANT SELECT ON trusted_issuers, sign_in_registrations TO ketenhub_app;
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON trusted_issuers, sign_in_registrations FROM ketenhub_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_attempts, console_sessions TO ketenhub_app;
  END IF;
END
$$;
