import pg from 'pg';
import { ClioError } from '../errors.ts';
import type { SqlExecutor } from './sql.ts';

/**
 * Who runs detection and notification. Counting scales out over partitions, but judging buckets,
 * routing and the outbox's state must happen in one place: the leader. Another instance takes
 * over when the leader dies.
 */
export interface Leadership {
  /** True while this process leads; takes the lead when it is free. Cheap to call often. */
  acquire(): Promise<boolean>;
  /**
   * The fencing token of the lead this process holds (a new one each time it takes the lead), or
   * null while it does not lead. Leader writes check it (checkFence), so a deposed leader writes nothing.
   */
  epoch(): number | null;
  /** False when no other process can lead (the embedded store): writes need no fence. */
  readonly fenced: boolean;
  close(): Promise<void>;
}

/** The fencing token a leader write must carry: null when this process does not (or no longer) lead. */
export type Fence = () => number | null;

/** A leader write refused: another instance has taken the lead since this one took it. */
export class FencedError extends ClioError {
  constructor(message = 'no longer leading: another instance took the lead') {
    super('fenced', message);
  }
}

/**
 * Checks, inside the writing transaction, that the lead has not changed hands since `fence`'s token
 * was taken. The epoch row stays share-locked until the transaction ends, so a new leader's
 * increment waits for it: a write either commits before the new lead starts (which then reads it) or is refused.
 */
export async function checkFence(tx: SqlExecutor, fence: Fence | undefined): Promise<void> {
  if (!fence) return;
  const mine = fence();
  if (mine === null) throw new FencedError('not leading');
  const rows = await tx.query<{ epoch: string | number }>('SELECT epoch FROM leader_epoch WHERE id = 1 FOR SHARE');
  if (rows.length === 0 || Number(rows[0]!.epoch) !== mine) throw new FencedError();
}

/** The embedded store belongs to one process (PGlite locks its folder): that process leads. */
export class SingleProcessLeadership implements Leadership {
  readonly fenced = false;
  async acquire(): Promise<boolean> {
    return true;
  }
  epoch(): number | null {
    return null;
  }
  async close(): Promise<void> {}
}

/** Arbitrary, fixed: the advisory lock all instances of one store contend for. */
export const LEADER_LOCK_KEY = 7262002;

/**
 * PostgreSQL session advisory lock on a dedicated connection: held as long as the connection
 * lives, released by the server when the process or its connection dies. Taking it increments the
 * store's leader epoch (migration 008), the fencing token of this lead.
 */
export class AdvisoryLockLeadership implements Leadership {
  readonly fenced = true;
  private client: pg.Client | null = null;
  private held: number | null = null;

  constructor(
    private readonly url: string,
    private readonly key = LEADER_LOCK_KEY,
    /** How long taking the lead may wait for a deposed leader's last write to finish. */
    private readonly epochWaitMs = 5000,
  ) {}

  async acquire(): Promise<boolean> {
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.url });
        client.on('error', () => this.drop(client));
        await client.connect();
        this.client = client;
      }
      if (this.held !== null) {
        await this.client.query('SELECT 1'); // still connected, so still holding the lock
        return true;
      }
      const rows = await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [this.key]);
      if (rows.rows[0]?.locked !== true) return false;
      try {
        // A deposed leader's write in flight holds the epoch row: wait for it briefly, else try again later.
        await this.client.query(`SET lock_timeout = ${Math.max(1, Math.round(this.epochWaitMs))}`);
        const epoch = await this.client.query<{ epoch: string }>(
          'UPDATE leader_epoch SET epoch = epoch + 1, taken_at = now() WHERE id = 1 RETURNING epoch',
        );
        if (epoch.rows.length === 0) throw new FencedError('leader_epoch has no row: the store is not migrated');
        this.held = Number(epoch.rows[0]!.epoch);
        return true;
      } catch (error) {
        await this.client.query('SELECT pg_advisory_unlock($1)', [this.key]).catch(() => {});
        throw error;
      }
    } catch {
      if (this.client) this.drop(this.client);
      return false;
    }
  }

  epoch(): number | null {
    return this.held;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.held = null;
    await client?.end().catch(() => {});
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.held = null;
    void client.end().catch(() => {});
  }
}
