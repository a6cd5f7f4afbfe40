-- Workbench API: tokens (hashes only), the access log, rule versions and silences made through the API.

-- Tokens created by `clio-stream tokens create` or POST /api/tokens. Only the SHA-256 of the token
-- is kept; the token itself is shown once and never stored.
CREATE TABLE api_tokens (
  name       text        PRIMARY KEY,
  role       text        NOT NULL CHECK (role IN ('viewer', 'analyst', 'investigator', 'admin')),
  sha256     text        NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Who did what and when: every write and every series read. Route and target (cluster id, rule
-- name, silence id) only, never a request or response body.
CREATE TABLE access_log (
  id        bigserial   PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  principal text        NOT NULL,
  role      text        NOT NULL,
  action    text        NOT NULL,
  target    text
);
CREATE INDEX access_log_at ON access_log (at);

-- Every rule set applied through the API, whole: the latest version is in force on every instance.
CREATE TABLE rule_versions (
  version    integer     PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  author     text        NOT NULL,
  reason     text        NOT NULL,
  -- { "rules": [rule as in the YAML files] }, already validated.
  document   jsonb       NOT NULL
);

-- Alertmanager-like silences made through the API; merged with the silences of the rules files.
CREATE TABLE api_silences (
  id         text        PRIMARY KEY,
  matchers   jsonb       NOT NULL,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  author     text        NOT NULL,
  comment    text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_silences_ends_at ON api_silences (ends_at);
