-- Counts by product segment so that rules can match metadata.product: every conversation is counted
-- under product '' (all traffic) and, when it names one, under its own product too.
ALTER TABLE cluster_counts ADD COLUMN product text NOT NULL DEFAULT '';
ALTER TABLE cluster_counts DROP CONSTRAINT cluster_counts_pkey;
ALTER TABLE cluster_counts ADD PRIMARY KEY (cluster_id, product, bucket_start);
CREATE INDEX cluster_counts_bucket ON cluster_counts (product, bucket_start);

ALTER TABLE cluster_accounts ADD COLUMN product text NOT NULL DEFAULT '';
ALTER TABLE cluster_accounts DROP CONSTRAINT cluster_accounts_pkey;
ALTER TABLE cluster_accounts ADD PRIMARY KEY (cluster_id, product, bucket_start, account_hash);

ALTER TABLE traffic_counts ADD COLUMN product text NOT NULL DEFAULT '';
ALTER TABLE traffic_counts DROP CONSTRAINT traffic_counts_pkey;
ALTER TABLE traffic_counts ADD PRIMARY KEY (product, bucket_start);

-- Conversations no known conversation resembles: the pool emerging-cluster discovery works on.
-- Holds the facet embedding and the words of the redacted request summary (never raw text), kept
-- for the emergence horizon only.
CREATE TABLE novel_conversations (
  id_hash         text        PRIMARY KEY,
  event_time      timestamptz NOT NULL,
  account_hash    text        NOT NULL,
  nearest_cluster text        NOT NULL,
  embedding       bytea       NOT NULL,
  summary_words   text        NOT NULL
);
CREATE INDEX novel_conversations_event_time ON novel_conversations (event_time);

-- The highest event time applied: the watermark is this minus the allowed lateness.
CREATE TABLE event_clock (
  id             smallint    PRIMARY KEY CHECK (id = 1),
  max_event_time timestamptz NOT NULL
);

-- Detection state (episodes, router, evaluated-through time) as JSON documents, written in the same
-- transaction as the outbox rows they produce.
CREATE TABLE detector_state (
  name       text        PRIMARY KEY,
  state      jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every catalog version in force: the loaded one, then one per provisional cluster added while running.
CREATE TABLE catalog_versions (
  version    integer     PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  catalog    jsonb       NOT NULL
);
