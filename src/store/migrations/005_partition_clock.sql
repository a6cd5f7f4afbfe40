-- Each partition's own event clock, so that one partition read far ahead (a backlog drained in
-- fetch order) does not close the buckets other partitions still have conversations for. `behind`
-- says the partition had unread records after its last applied chunk: only those hold the clock back
-- (a partition that is merely idle must not stall detection).
ALTER TABLE source_offsets ADD COLUMN max_event_time timestamptz;
ALTER TABLE source_offsets ADD COLUMN behind boolean NOT NULL DEFAULT false;
