import type { Notification } from '../alerts/alert.ts';
import { checkFence, type Fence } from './leadership.ts';
import type { SqlClient } from './sql.ts';

/** The executor handed to a `SqlClient.transaction` callback. */
export type Tx = Parameters<Parameters<SqlClient['transaction']>[0]>[0];

export type OutboxState = 'pending' | 'sending' | 'delivered' | 'dead';

/** One notification in the outbox. The payload is read back as stored: validate it before use. */
export interface OutboxItem {
  id: string;
  alertId: string;
  payload: unknown;
  state: OutboxState;
  /** Sends started so far. */
  attempts: number;
  enqueuedAtMs: number;
  lastError: string | null;
}

/** Where a notification landed: enough to edit the message later. */
export interface DeliveryRef {
  channel: string;
  messageRef: string;
}

/** Stored error codes look like codes; anything else is replaced, so no message text reaches the table. */
const ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

const ITEM_COLUMNS = 'id, alert_id, payload, state, attempts, enqueued_at, last_error';

interface ItemRow {
  id: string;
  alert_id: string;
  payload: unknown;
  state: OutboxState;
  attempts: number | string;
  enqueued_at: Date | string;
  last_error: string | null;
}

/**
 * The durable outbox between detection and the notifiers. Detection enqueues inside its own
 * transaction; one deliverer drains it, at least once, with alreadySent checks making a resend
 * after a crash a no-op in effect.
 */
export class OutboxStore {
  /** With a fence, claims and failures are written only while this process holds the lead (leadership.ts). */
  constructor(private readonly db: SqlClient, private readonly fence?: Fence) {}

  /**
   * Adds notifications in the caller's transaction; ids already present are skipped. Returns how many
   * were new. Not validated here: a bad one must not roll back detection, so the deliverer marks it dead.
   */
  static async enqueue(tx: Tx, notifications: Notification[]): Promise<number> {
    if (notifications.length === 0) return 0;
    const inserted = await tx.query(
      `INSERT INTO alert_outbox (id, alert_id, payload)
       SELECT n->>'id', coalesce(n->'alert'->>'alert_id', n->>'id'), n
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(n, i) ORDER BY i
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [JSON.stringify(notifications)],
    );
    return inserted.length;
  }

  /**
   * Open notifications whose next attempt is due, in enqueue order; process them in that order.
   * While an alert's notification waits for a retry, its later ones are not due either, so a
   * resolution never overtakes its firing.
   */
  async due(nowMs: number, limit: number): Promise<OutboxItem[]> {
    const rows = await this.db.query<ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM alert_outbox o
       WHERE o.state IN ('pending', 'sending') AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $1)
         AND NOT EXISTS (SELECT 1 FROM alert_outbox e
                         WHERE e.alert_id = o.alert_id AND e.seq < o.seq
                           AND e.state IN ('pending', 'sending') AND e.next_attempt_at > $1)
       ORDER BY o.seq LIMIT $2`,
      [new Date(nowMs).toISOString(), limit],
    );
    return rows.map(toItem);
  }

  async item(id: string): Promise<OutboxItem | null> {
    const rows = await this.db.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM alert_outbox WHERE id = $1`, [id]);
    return rows.length ? toItem(rows[0]!) : null;
  }

  /**
   * Claims the notification for one send and returns the attempt number, or 0 when it is not
   * open, not due, or being claimed by another instance (FOR UPDATE SKIP LOCKED); throws FencedError
   * when this process no longer leads. Left 'sending' if the process dies. With a lease, the claim makes the
   * notification (and its alert's later ones) not due until `nowMs + leaseMs`: an instance that took
   * over meanwhile waits for the send in flight to finish or expire, then checks alreadySent.
   */
  async markSending(id: string, claim: { nowMs: number; leaseMs: number } | null = null): Promise<number> {
    return this.db.transaction(async (tx) => {
      await checkFence(tx, this.fence);
      const rows = await tx.query<{ attempts: number | string }>(
        `UPDATE alert_outbox o SET state = 'sending', attempts = o.attempts + 1,
           next_attempt_at = CASE WHEN $3::timestamptz IS NULL THEN o.next_attempt_at ELSE $3::timestamptz END
         WHERE o.id = (SELECT id FROM alert_outbox WHERE id = $1 AND state IN ('pending', 'sending')
                         AND ($2::timestamptz IS NULL OR next_attempt_at IS NULL OR next_attempt_at <= $2::timestamptz)
                       FOR UPDATE SKIP LOCKED)
         RETURNING o.attempts`,
        [id, claim ? iso(claim.nowMs) : null, claim ? iso(claim.nowMs + claim.leaseMs) : null],
      );
      return rows.length ? Number(rows[0]!.attempts) : 0;
    });
  }

  /**
   * Closes the notification and, for the alert's first message, remembers where it landed. Not
   * fenced: it records what happened (the message went out), whoever leads now.
   */
  async markDelivered(id: string, ref: DeliveryRef | null): Promise<void> {
    await this.db.query(
      `WITH done AS (
         UPDATE alert_outbox SET state = 'delivered', delivered_at = now() WHERE id = $1 RETURNING alert_id
       )
       INSERT INTO alert_deliveries (alert_id, channel, message_ref)
       SELECT alert_id, $2::text, $3::text FROM done WHERE $2::text IS NOT NULL
       ON CONFLICT (alert_id) DO NOTHING`,
      [id, ref?.channel ?? null, ref?.messageRef ?? null],
    );
  }

  /** Puts the notification back for a later attempt, or to rest as dead. Keeps only an error code. */
  async markFailed(id: string, errorCode: string, nextAttemptAtMs: number, dead: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      await checkFence(tx, this.fence);
      await tx.query(
        `UPDATE alert_outbox SET state = $4, last_error = $2, next_attempt_at = $3 WHERE id = $1`,
        [id, ERROR_CODE.test(errorCode) ? errorCode : 'error', iso(nextAttemptAtMs), dead ? 'dead' : 'pending'],
      );
    });
  }

  /** Where the alert's first message went, or null when none was delivered. */
  async deliveryOf(alertId: string): Promise<DeliveryRef | null> {
    const rows = await this.db.query<{ channel: string; message_ref: string }>(
      'SELECT channel, message_ref FROM alert_deliveries WHERE alert_id = $1',
      [alertId],
    );
    return rows.length ? { channel: rows[0]!.channel, messageRef: rows[0]!.message_ref } : null;
  }

  /** Notifications not yet delivered nor dead. */
  async pending(): Promise<number> {
    const rows = await this.db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM alert_outbox WHERE state IN ('pending', 'sending')`,
    );
    return Number(rows[0]!.n);
  }

  /** The backlog an operator alerts on: notifications still to deliver, and since when the oldest waits. */
  async backlog(): Promise<{ pending: number; oldestEnqueuedAtMs: number | null }> {
    const rows = await this.db.query<{ n: number | string; oldest: Date | string | null }>(
      `SELECT count(*) AS n, min(enqueued_at) AS oldest FROM alert_outbox WHERE state IN ('pending', 'sending')`,
    );
    const oldest = rows[0]!.oldest;
    return { pending: Number(rows[0]!.n), oldestEnqueuedAtMs: oldest === null ? null : new Date(oldest).getTime() };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function toItem(row: ItemRow): OutboxItem {
  return {
    id: row.id,
    alertId: row.alert_id,
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    state: row.state,
    attempts: Number(row.attempts),
    enqueuedAtMs: new Date(row.enqueued_at).getTime(),
    lastError: row.last_error,
  };
}
