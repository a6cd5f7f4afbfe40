-- Emerging groups are found by density contrast over all recent traffic, not only over conversations
-- flagged novel: every conversation's request-facet embedding and summary words (never raw text),
-- with its account hash and event time, kept for the emergence horizon and thinned to a bounded,
-- deterministic sample per event-time slice (lowest id hashes first). The novel-only pool it
-- replaces held a few hours of data that the new window rebuilds from traffic within one horizon.
DROP TABLE IF EXISTS novel_conversations;
CREATE TABLE recent_conversations (
  id_hash         text        PRIMARY KEY,
  seq             bigserial,
  event_time      timestamptz NOT NULL,
  account_hash    text        NOT NULL,
  nearest_cluster text        NOT NULL,
  embedding       bytea       NOT NULL,
  summary_words   text        NOT NULL
);
CREATE INDEX recent_conversations_event_time ON recent_conversations (event_time);
CREATE INDEX recent_conversations_seq ON recent_conversations (seq);
