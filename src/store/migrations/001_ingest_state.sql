-- Conversations already counted, by keyed hash of their id (never the id itself).
CREATE TABLE seen_conversations (
  id_hash     text        PRIMARY KEY,
  event_time  timestamptz NOT NULL
);
CREATE INDEX seen_conversations_event_time ON seen_conversations (event_time);

-- Conversations and distinct accounts per cluster and event-time bucket.
CREATE TABLE cluster_counts (
  cluster_id      text        NOT NULL,
  bucket_start    timestamptz NOT NULL,
  conversations   bigint      NOT NULL,
  unique_accounts bigint      NOT NULL,
  PRIMARY KEY (cluster_id, bucket_start)
);

-- The accounts behind cluster_counts.unique_accounts (keyed hashes), so that counting stays exact and idempotent.
CREATE TABLE cluster_accounts (
  cluster_id    text        NOT NULL,
  bucket_start  timestamptz NOT NULL,
  account_hash  text        NOT NULL,
  PRIMARY KEY (cluster_id, bucket_start, account_hash)
);

-- All valid traffic per bucket: the denominator of share tests.
CREATE TABLE traffic_counts (
  bucket_start  timestamptz PRIMARY KEY,
  conversations bigint      NOT NULL
);

-- Where each source partition resumes, written in the same transaction as the counts.
CREATE TABLE source_offsets (
  consumer     text    NOT NULL,
  topic        text    NOT NULL,
  partition    integer NOT NULL,
  next_offset  bigint  NOT NULL,
  PRIMARY KEY (consumer, topic, partition)
);

-- Dead-lettered records per reason, for the operator's view of bad input.
CREATE TABLE dead_letter_counts (
  reason  text   PRIMARY KEY,
  records bigint NOT NULL
);
