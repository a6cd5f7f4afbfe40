import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { Janitor, JanitorSchedule, type RetentionPolicy } from '../../src/store/janitor.ts';
import { AdvisoryLockLeadership, FencedError } from '../../src/store/leadership.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPostgres } from '../../src/store/postgres-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { memoryStream } from '../helpers/canary.ts';
import { freshDatabase } from '../helpers/services.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-27T12:00:00Z');
const POLICY: RetentionPolicy = { individualDays: 7, bucketDays: 35, hourlyDays: 90, aggregateMonths: 13, batchRows: 2 };
const KEY = 4343;

// The janitor deletes and folds rows: a leader deposed while still running (its lock connection
// cut, another instance leading under a newer epoch) must not touch the store any more, as the
// detector and the outbox do not (test/store/leadership.test.ts).
describe('the retention janitor under a leader fence (PostgreSQL)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function seeded(): Promise<{ url: string; db: SqlClient }> {
    const fresh = await freshDatabase();
    cleanups.push(fresh.drop);
    const db = await openPostgres(fresh.url);
    cleanups.push(() => db.close());
    await migrate(db);
    // Ten conversations 20 days old (their ids and accounts are past retention), two from yesterday.
    const conv = (i: number, eventTimeMs: number): CountedConversation => ({
      idHash: `id-${i}`, accountHash: `acct-${i % 3}`, eventTimeMs, clusterId: 'c1', product: null, offset: BigInt(i),
    });
    const old = Array.from({ length: 10 }, (_, i) => conv(i, NOW - 20 * DAY + i * 60_000));
    await new IngestStore(db).applyChunk({ consumer: 'g', topic: 't', partition: 0, nextOffset: 12n, bucketMs: 300_000, conversations: [...old, conv(10, NOW - DAY), conv(11, NOW - DAY)], deadLetters: [] });
    return { url: fresh.url, db };
  }

  const count = async (db: SqlClient, table: string) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

  async function cutLock(url: string): Promise<void> {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const r = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`, [KEY]);
      expect(r.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
  }

  it("writes nothing in a deposed leader's pass; the new leader's pass does the work", async () => {
    const { url, db } = await seeded();
    const first = new AdvisoryLockLeadership(url, KEY, 500);
    const second = new AdvisoryLockLeadership(url, KEY, 500);
    cleanups.push(() => first.close(), () => second.close());
    expect(await first.acquire()).toBe(true);
    const deposedEpoch = first.epoch()!;

    // The lock connection drops and another instance takes the lead; the first has not noticed yet
    // and still believes it leads under its old token.
    await cutLock(url);
    await new Promise((r) => setTimeout(r, 200));
    expect(await second.acquire()).toBe(true);
    const log = memoryStream();
    const deposed = new Janitor(db, POLICY, { fence: () => deposedEpoch });
    const before = { seen: await count(db, 'seen_conversations'), accounts: await count(db, 'cluster_accounts'), counts: await count(db, 'cluster_counts') };
    expect(before.seen).toBe(12);

    await expect(deposed.pass(NOW)).rejects.toBeInstanceOf(FencedError);
    // Scheduled, the refusal is a warning, not a crash.
    expect(await new JanitorSchedule(deposed, 60_000, createLogger('warn', log)).runIfDue(async () => NOW)).toBeNull();
    expect(log.text()).toContain('another instance leads now');
    // A process that knows it lost the lead (no token) starts no pass either.
    await expect(new Janitor(db, POLICY, { fence: () => first.epoch() }).pass(NOW)).rejects.toBeInstanceOf(FencedError);
    expect({ seen: await count(db, 'seen_conversations'), accounts: await count(db, 'cluster_accounts'), counts: await count(db, 'cluster_counts') }).toEqual(before);

    // The same statements under the current lead's token do remove the old rows (the refusal above was the fence).
    const report = await new Janitor(db, POLICY, { fence: () => second.epoch() }).pass(NOW);
    expect(report.removed.seen_conversations).toBe(10);
    expect(await count(db, 'seen_conversations')).toBe(2);
  });

  it('stops a pass at the batch where the lead changed hands: what follows is not written', async () => {
    const { url, db } = await seeded();
    const first = new AdvisoryLockLeadership(url, KEY, 500);
    const second = new AdvisoryLockLeadership(url, KEY, 500);
    cleanups.push(() => first.close(), () => second.close());
    expect(await first.acquire()).toBe(true);
    const epoch = first.epoch()!;
    // The lead is lost between the first and the second batch (batchRows 2): wrap the client so the
    // hand-over happens inside the pass, as it would under a slow sweep.
    let statements = 0;
    let handedOver = false;
    const wrapped: SqlClient = {
      description: db.description,
      query: (t, p) => db.query(t, p),
      exec: (t) => db.exec(t),
      close: () => db.close(),
      transaction: async (work) => {
        statements += 1;
        if (statements === 2 && !handedOver) {
          handedOver = true;
          await cutLock(url);
          await new Promise((r) => setTimeout(r, 200));
          expect(await second.acquire()).toBe(true);
        }
        return db.transaction(work);
      },
    };
    await expect(new Janitor(wrapped, POLICY, { fence: () => epoch }).pass(NOW)).rejects.toBeInstanceOf(FencedError);
    expect(handedOver).toBe(true);
    // One batch of two went before the hand-over; nothing after it.
    expect(await count(db, 'seen_conversations')).toBe(10);
  });
});
