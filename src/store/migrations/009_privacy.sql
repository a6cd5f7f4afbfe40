-- Retention (src/store/janitor.ts) deletes and rolls up by age in small batches: each batch finds its
-- oldest rows by time, so the tables it sweeps by bucket need an index on the bucket alone.
CREATE INDEX IF NOT EXISTS cluster_accounts_bucket_start ON cluster_accounts (bucket_start);
CREATE INDEX IF NOT EXISTS cluster_counts_bucket_start ON cluster_counts (bucket_start);
CREATE INDEX IF NOT EXISTS traffic_counts_bucket_start ON traffic_counts (bucket_start);

-- The investigator view (src/api/routes/investigations.ts): each view of redacted request facets,
-- with the case it serves and the reason given, for the admins to review. Who, when, what, why:
-- never the facets shown.
CREATE TABLE investigator_views (
  id          bigserial   PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  principal   text        NOT NULL,
  case_ref    text        NOT NULL,
  reason      text        NOT NULL,
  subject     text        NOT NULL,                 -- cluster:<id> or alert:<id>
  cluster_id  text        NOT NULL,
  facets      integer     NOT NULL,                 -- how many were shown
  ended_at    timestamptz                           -- set when the same investigator opens another view
);
CREATE INDEX investigator_views_principal ON investigator_views (principal, expires_at);
