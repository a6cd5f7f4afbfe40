-- Notifications waiting to be sent, written in the same transaction as the detection state that
-- produced them, so an alert is neither lost nor announced twice across a crash.
CREATE TABLE alert_outbox (
  id              text        PRIMARY KEY,                       -- the notification's idempotency key
  seq             bigint      GENERATED ALWAYS AS IDENTITY,      -- enqueue order: an alert's notifications go out in it
  alert_id        text        NOT NULL,
  payload         jsonb       NOT NULL,                          -- the Notification, aggregates only
  state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'delivered', 'dead')),
  attempts        integer     NOT NULL DEFAULT 0,
  enqueued_at     timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz,                                   -- null: not tried yet, due at once
  last_error      text,                                          -- an error code, never message text
  delivered_at    timestamptz
);
CREATE INDEX alert_outbox_open ON alert_outbox (seq) WHERE state IN ('pending', 'sending');
CREATE INDEX alert_outbox_by_alert ON alert_outbox (alert_id, seq);

-- Where an alert was first posted, so that its resolution edits that message rather than posting anew.
CREATE TABLE alert_deliveries (
  alert_id     text        PRIMARY KEY,
  channel      text        NOT NULL,
  message_ref  text        NOT NULL,                             -- Slack: the message ts
  delivered_at timestamptz NOT NULL DEFAULT now()
);
