-- Settled days' counts, packed one row per (UTC day, product, series) for backtests
-- (src/detect/backtest.ts): two weeks × 500 clusters are ~7,000 rows here against ~2 million in
-- cluster_counts. A cache, never the truth: the janitor packs closed days at bucket grain
-- (src/store/janitor.ts) and every chunk that counts a conversation into a packed day deletes that
-- day's rows in its own transaction (src/store/ingest-store.ts), both under the event-clock row's
-- lock, so a pack never misses a count.
CREATE TABLE settled_counts (
  day      integer NOT NULL,   -- UTC days since 1970-01-01
  product  text    NOT NULL,
  series   text    NOT NULL,   -- a cluster or area id as in cluster_counts; '' for all traffic
  counts   text    NOT NULL,   -- "<seconds into the day>:<conversations>" per bucket, comma-separated, in time order
  PRIMARY KEY (day, product, series)
);
