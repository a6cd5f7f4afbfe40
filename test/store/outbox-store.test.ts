import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.ts';
import { OutboxStore } from '../../src/store/outbox-store.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { firingAndResolved, sampleNotification } from '../alerts/sample-alert.ts';
import { storeBackends } from '../helpers/stores.ts';

const NOW = Date.parse('2026-11-27T15:00:00Z');

describe.each(storeBackends)('OutboxStore on %s', (_name, open) => {
  let db: SqlClient;
  let store: OutboxStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await open());
    expect(await migrate(db)).toContain(3);
    store = new OutboxStore(db);
  }, 60_000);
  beforeEach(async () => {
    await db.exec('TRUNCATE alert_outbox, alert_deliveries');
  });
  afterAll(async () => {
    await db.close();
    await cleanup();
  });

  const ids = async () => (await store.due(NOW, 100)).map((i) => i.id);

  it('enqueues once per notification id, in the caller transaction, and reads the payload back', async () => {
    const a = sampleNotification({ id: 'a:firing:1' }, { alert_id: 'a' });
    const b = sampleNotification({ id: 'b:firing:1' }, { alert_id: 'b' });
    expect(await db.transaction((tx) => OutboxStore.enqueue(tx, [a, b, a]))).toBe(2);
    expect(await db.transaction((tx) => OutboxStore.enqueue(tx, [b]))).toBe(0);
    expect(await db.transaction((tx) => OutboxStore.enqueue(tx, []))).toBe(0);
    const due = await store.due(NOW, 10);
    expect(due.map((i) => [i.id, i.alertId, i.state, i.attempts])).toEqual([
      ['a:firing:1', 'a', 'pending', 0],
      ['b:firing:1', 'b', 'pending', 0],
    ]);
    expect(due[0]!.payload).toEqual(a);
    expect(await store.pending()).toBe(2);
  });

  it('reports the backlog: undelivered notifications and when the oldest was enqueued', async () => {
    expect(await store.backlog()).toEqual({ pending: 0, oldestEnqueuedAtMs: null });
    const before = Date.now();
    const a = sampleNotification({ id: 'a:firing:1' }, { alert_id: 'a' });
    const b = sampleNotification({ id: 'b:firing:1' }, { alert_id: 'b' });
    await db.transaction((tx) => OutboxStore.enqueue(tx, [a, b]));
    await store.markFailed(a.id, 'http_503', NOW + 60_000, false); // failing for now, still pending
    const backlog = await store.backlog();
    expect(backlog.pending).toBe(2);
    expect(backlog.oldestEnqueuedAtMs).toBeGreaterThanOrEqual(before - 5000);
    await store.markDelivered(b.id, { channel: 'C1', messageRef: '1.0' });
    await store.markFailed(a.id, 'channel_not_found', NOW, true);
    expect(await store.backlog()).toEqual({ pending: 0, oldestEnqueuedAtMs: null });
  });

  it('leaves no row when the enqueuing transaction rolls back', async () => {
    const n = sampleNotification({ id: 'rolled:firing:1' });
    await expect(
      db.transaction(async (tx) => {
        expect(await OutboxStore.enqueue(tx, [n])).toBe(1);
        throw new Error('detection failed after enqueue');
      }),
    ).rejects.toThrow('detection failed');
    expect(await store.item(n.id)).toBeNull();
    expect(await store.pending()).toBe(0);
  });

  it("holds an alert's later notifications while an earlier one waits for a retry", async () => {
    const [firing, resolved] = firingAndResolved('x');
    const other = sampleNotification({ id: 'y:firing:1' }, { alert_id: 'y' });
    await db.transaction((tx) => OutboxStore.enqueue(tx, [firing, resolved, other]));
    expect(await ids()).toEqual([firing.id, resolved.id, other.id]);

    await store.markSending(firing.id);
    expect(await ids()).toEqual([firing.id, resolved.id, other.id]); // 'sending' is still open, and due
    await store.markFailed(firing.id, 'rate_limited', NOW + 1000, false);
    expect(await ids()).toEqual([other.id]);
    expect((await store.due(NOW + 1000, 10)).map((i) => i.id)).toEqual([firing.id, resolved.id, other.id]);

    await store.markDelivered(firing.id, { channel: 'C1', messageRef: '1.000001' });
    expect(await ids()).toEqual([resolved.id, other.id]);
  });

  it("lets an alert's later notification go once the earlier one is dead", async () => {
    const [firing, resolved] = firingAndResolved('w');
    await db.transaction((tx) => OutboxStore.enqueue(tx, [firing, resolved]));
    await store.markFailed(firing.id, 'rate_limited', NOW + 1000, false);
    expect(await ids()).toEqual([]);
    await store.markFailed(firing.id, 'channel_not_found', NOW, true);
    expect(await ids()).toEqual([resolved.id]);
  });

  it('counts attempts and schedules retries; a dead one keeps only its error code', async () => {
    const n = sampleNotification({ id: 'r:firing:1' }, { alert_id: 'r' });
    await db.transaction((tx) => OutboxStore.enqueue(tx, [n]));
    expect(await store.markSending(n.id)).toBe(1);
    await store.markFailed(n.id, 'rate_limited', NOW + 30_000, false);
    expect(await store.item(n.id)).toMatchObject({ state: 'pending', attempts: 1, lastError: 'rate_limited' });
    expect(await ids()).toEqual([]);
    expect((await store.due(NOW + 30_000, 10)).map((i) => i.id)).toEqual([n.id]);

    expect(await store.markSending(n.id)).toBe(2);
    await store.markFailed(n.id, 'An error with message text in it', NOW, true);
    expect(await store.item(n.id)).toMatchObject({ state: 'dead', attempts: 2, lastError: 'error' });
    expect(await store.markSending(n.id)).toBe(0); // dead stays dead
    expect(await store.pending()).toBe(0);
  });

  it("remembers where an alert was first posted, for its resolution to edit", async () => {
    const [firing, resolved] = firingAndResolved('z');
    const repeat = sampleNotification({ id: 'z:firing:2' }, { alert_id: 'z' });
    await db.transaction((tx) => OutboxStore.enqueue(tx, [firing, repeat, resolved]));
    expect(await store.deliveryOf('z')).toBeNull();
    await store.markDelivered(firing.id, { channel: 'C1', messageRef: '100.000001' });
    await store.markDelivered(repeat.id, { channel: 'C1', messageRef: '200.000001' });
    await store.markDelivered(resolved.id, null);
    expect(await store.deliveryOf('z')).toEqual({ channel: 'C1', messageRef: '100.000001' });
    expect(await store.item(resolved.id)).toMatchObject({ state: 'delivered' });
  });

  it('stores a payload that breaks the contract, for the deliverer to mark dead', async () => {
    const broken = { id: 'broken:1', alert: { text: 'not an alert' } };
    expect(await db.transaction((tx) => OutboxStore.enqueue(tx, [broken as never]))).toBe(1);
    expect(await store.item('broken:1')).toMatchObject({ alertId: 'broken:1', state: 'pending', payload: broken });
  });
});
