import type { Notification } from '../alerts/alert.ts';
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
  constructor(private readonly db: SqlClient) {}

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

  /** Records that a send is starting; returns the attempt number. Left 'sending' if the process dies. */
  async markSending(id: string): Promise<number> {
    const rows = await this.db.query<{ attempts: number | string }>(
      `UPDATE alert_outbox SET state = 'sending', attempts = attempts + 1
       WHERE id = $1 AND state IN ('pending', 'sending') RETURNING attempts`,
      [id],
    );
    return rows.length ? Number(rows[0]!.attempts) : 0;
  }

  /** Closes the notification and, for the alert's first message, remembers where it landed. */
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
    await this.db.query(
      `UPDATE alert_outbox SET state = $4, last_error = $2, next_attempt_at = $3 WHERE id = $1`,
      [id, ERROR_CODE.test(errorCode) ? errorCode : 'error', new Date(nextAttemptAtMs).toISOString(), dead ? 'dead' : 'pending'],
    );
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
