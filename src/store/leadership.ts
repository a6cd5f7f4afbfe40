import pg from 'pg';

/**
 * Who runs detection and notification. Counting scales out over partitions, but judging buckets,
 * routing and the outbox's state must happen in one place: the leader. Another instance takes
 * over when the leader dies.
 */
export interface Leadership {
  /** True while this process leads; takes the lead when it is free. Cheap to call often. */
  acquire(): Promise<boolean>;
  close(): Promise<void>;
}

/** The embedded store belongs to one process (PGlite locks its folder): that process leads. */
export class SingleProcessLeadership implements Leadership {
  async acquire(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

/** Arbitrary, fixed: the advisory lock all instances of one store contend for. */
export const LEADER_LOCK_KEY = 7262002;

/**
 * PostgreSQL session advisory lock on a dedicated connection: held as long as the connection
 * lives, released by the server when the process or its connection dies.
 */
export class AdvisoryLockLeadership implements Leadership {
  private client: pg.Client | null = null;
  private held = false;

  constructor(private readonly url: string, private readonly key = LEADER_LOCK_KEY) {}

  async acquire(): Promise<boolean> {
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.url });
        client.on('error', () => this.drop(client));
        await client.connect();
        this.client = client;
      }
      if (this.held) {
        await this.client.query('SELECT 1'); // still connected, so still holding the lock
        return true;
      }
      const rows = await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [this.key]);
      this.held = rows.rows[0]?.locked === true;
      return this.held;
    } catch {
      if (this.client) this.drop(this.client);
      return false;
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.held = false;
    await client?.end().catch(() => {});
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.held = false;
    void client.end().catch(() => {});
  }
}
