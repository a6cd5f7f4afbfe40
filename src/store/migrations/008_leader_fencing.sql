-- The fencing token of detection's lead: incremented by each instance when it takes the lock. Every
-- leader write (outbox enqueue, detector state, a delivery claim) checks it in its own transaction,
-- holding the row FOR SHARE, so an instance deposed while still running (a dropped lock connection, a
-- long pause) can write nothing once another has taken over.
CREATE TABLE leader_epoch (
  id       smallint    PRIMARY KEY CHECK (id = 1),
  epoch    bigint      NOT NULL,
  taken_at timestamptz
);
INSERT INTO leader_epoch (id, epoch) VALUES (1, 0);
