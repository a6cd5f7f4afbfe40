import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DetectionStore } from '../../src/store/detection-store.ts';
import { AdvisoryLockLeadership, FencedError, SingleProcessLeadership } from '../../src/store/leadership.ts';
import { migrate } from '../../src/store/migrate.ts';
import { OutboxStore } from '../../src/store/outbox-store.ts';
import { openPostgres } from '../../src/store/postgres-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { sampleNotification } from '../alerts/sample-alert.ts';
import { freshDatabase } from '../helpers/services.ts';

const NOW = Date.parse('2026-11-27T15:00:00Z');

describe('leadership of detection', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A fresh migrated database and a pool on it. */
  async function migrated(): Promise<{ url: string; db: SqlClient }> {
    const fresh = await freshDatabase();
    cleanups.push(fresh.drop);
    const db = await openPostgres(fresh.url);
    cleanups.push(() => db.close());
    await migrate(db);
    return { url: fresh.url, db };
  }

  function leader(url: string, key = 4242): AdvisoryLockLeadership {
    const l = new AdvisoryLockLeadership(url, key, 500);
    cleanups.push(() => l.close());
    return l;
  }

  /** Ends the lock connection of whoever holds `key`, as an operator's pg_terminate_backend (or a network cut) would. */
  async function terminateLockHolder(url: string, key: number): Promise<number> {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const rows = await admin.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`,
        [key],
      );
      return rows.rowCount ?? 0;
    } finally {
      await admin.end();
    }
  }

  it('lets one instance of a PostgreSQL store lead, and another take over when it goes', async () => {
    const { url } = await migrated();
    const first = leader(url);
    const second = leader(url);
    expect(await first.acquire()).toBe(true);
    expect(await second.acquire()).toBe(false);
    expect(second.epoch()).toBeNull();
    expect(await first.acquire()).toBe(true); // still leading, checked cheaply
    const firstEpoch = first.epoch()!;
    expect(firstEpoch).toBeGreaterThan(0);
    await first.close(); // the process dies: the server releases its lock
    expect(first.epoch()).toBeNull();
    expect(await second.acquire()).toBe(true);
    expect(second.epoch()).toBe(firstEpoch + 1); // each lead its own fencing token
  });

  it('refuses every leader write of an instance deposed while still running', async () => {
    const { url, db } = await migrated();
    const first = leader(url);
    const second = leader(url);
    expect(await first.acquire()).toBe(true);
    const deposedEpoch = first.epoch()!;
    const firstDetection = new DetectionStore(db).fenced(() => deposedEpoch);
    const firstOutbox = new OutboxStore(db, () => first.epoch() ?? deposedEpoch);
    await firstDetection.transaction((tx) => DetectionStore.saveState(tx, 'detector', { by: 'first' }));
    const n = sampleNotification({ id: 'fenced:firing:1' }, { alert_id: 'fenced' });
    await firstDetection.transaction((tx) => OutboxStore.enqueue(tx, [n]));

    // The lock connection drops; the first instance has not noticed yet and still believes it leads.
    expect(await terminateLockHolder(url, 4242)).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(await second.acquire()).toBe(true);
    expect(second.epoch()).toBe(deposedEpoch + 1);

    const late = sampleNotification({ id: 'fenced:firing:2' }, { alert_id: 'late' });
    await expect(firstDetection.transaction((tx) => OutboxStore.enqueue(tx, [late]))).rejects.toBeInstanceOf(FencedError);
    await expect(firstDetection.transaction((tx) => DetectionStore.saveState(tx, 'detector', { by: 'deposed' }))).rejects.toBeInstanceOf(FencedError);
    await expect(firstOutbox.markSending(n.id, { nowMs: NOW, leaseMs: 60_000 })).rejects.toBeInstanceOf(FencedError);
    await expect(firstOutbox.markFailed(n.id, 'x', NOW, true)).rejects.toBeInstanceOf(FencedError);
    expect(await new DetectionStore(db).loadState('detector')).toEqual({ by: 'first' });
    expect(await new OutboxStore(db).item(late.id)).toBeNull();
    expect(await new OutboxStore(db).item(n.id)).toMatchObject({ state: 'pending', attempts: 0 });

    // The new leader writes and claims under its own token.
    const secondEpoch = second.epoch()!;
    await new DetectionStore(db).fenced(() => secondEpoch).transaction((tx) => DetectionStore.saveState(tx, 'detector', { by: 'second' }));
    expect(await new OutboxStore(db, () => second.epoch()).markSending(n.id, { nowMs: NOW, leaseMs: 60_000 })).toBe(1);
    // The first instance regains nothing by reconnecting while the second leads.
    expect(await first.acquire()).toBe(false);
  });

  it("waits for a deposed leader's write in flight before taking the lead: the write lands first or not at all", async () => {
    const { url, db } = await migrated();
    const first = leader(url);
    expect(await first.acquire()).toBe(true);
    const epoch = first.epoch()!;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const started = new Promise<void>((r) => (inside = r));
    const write = new DetectionStore(db).fenced(() => epoch).transaction(async (tx) => {
      inside();
      await held;
      await DetectionStore.saveState(tx, 'detector', { by: 'first' });
    });
    await started;
    await terminateLockHolder(url, 4242);
    await new Promise((r) => setTimeout(r, 200));
    const patient = new AdvisoryLockLeadership(url, 4242, 10_000);
    cleanups.push(() => patient.close());
    const taking = patient.acquire();
    await new Promise((r) => setTimeout(r, 300));
    release();
    await write; // committed: the new lead had not started
    expect(await taking).toBe(true);
    const state = await new DetectionStore(db).fenced(() => patient.epoch()).transaction(async (tx) => {
      const rows = await tx.query<{ state: unknown }>("SELECT state FROM detector_state WHERE name = 'detector'");
      return rows[0]?.state;
    });
    expect(state).toEqual({ by: 'first' }); // and the new lead reads it

    // A lead that cannot take the epoch in time gives the lock back rather than lead unfenced.
    const stubborn = new DetectionStore(db).fenced(() => patient.epoch()).transaction(() => new Promise((r) => setTimeout(r, 1500)));
    await new Promise((r) => setTimeout(r, 100));
    await patient.close();
    const hasty = leader(url);
    expect(await hasty.acquire()).toBe(false); // lock_timeout 500 ms on the epoch row
    await stubborn;
    expect(await hasty.acquire()).toBe(true);
  });

  it('lets exactly one of two instances claim a notification, and nobody else until the lease ends', async () => {
    const { db } = await migrated();
    const n = sampleNotification({ id: 'claim:firing:1' }, { alert_id: 'claim' });
    const later = sampleNotification({ id: 'claim:resolved:1' }, { alert_id: 'claim' });
    await db.transaction((tx) => OutboxStore.enqueue(tx, [n, later]));
    const a = new OutboxStore(db);
    const b = new OutboxStore(db);
    const claims = await Promise.all([a, b, a, b].map((s) => s.markSending(n.id, { nowMs: NOW, leaseMs: 60_000 })));
    expect(claims.sort()).toEqual([0, 0, 0, 1]);
    // While claimed, neither it nor its alert's later notification is due for anyone.
    expect(await a.due(NOW + 59_000, 10)).toEqual([]);
    expect(await b.markSending(n.id, { nowMs: NOW + 59_000, leaseMs: 60_000 })).toBe(0);
    // The sender died: after the lease, another instance may try again (and checks alreadySent, attempts > 0).
    const due = await b.due(NOW + 60_000, 10);
    expect(due.map((i) => [i.id, i.attempts])).toEqual([[n.id, 1], [later.id, 0]]);
    expect(await b.markSending(n.id, { nowMs: NOW + 60_000, leaseMs: 60_000 })).toBe(2);
  });

  it('says no, without throwing, when the server cannot be reached', async () => {
    const unreachable = new AdvisoryLockLeadership('postgres://nobody@127.0.0.1:1/none');
    expect(await unreachable.acquire()).toBe(false);
    expect(unreachable.epoch()).toBeNull();
    await unreachable.close();
  });

  it('always leads an embedded store (one process owns its folder), unfenced', async () => {
    const sole = new SingleProcessLeadership();
    expect(await sole.acquire()).toBe(true);
    expect(sole.fenced).toBe(false);
  });
});
