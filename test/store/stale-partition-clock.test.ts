import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineMetrics, sumMetric } from '../../src/pipeline/metrics.ts';
import { migrate } from '../../src/store/migrate.ts';
import { IngestStore } from '../../src/store/ingest-store.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { storeBackends } from '../helpers/stores.ts';

const BUCKET = 300_000;
const T0 = Date.parse('2026-11-23T00:00:00Z');
const HOUR = 3600_000;

// A row that says "behind" for a partition nobody in the group reads any more would hold the event
// clock (and with it every bucket judgement) forever: recording an assignment with the topic's
// partitions releases it, and only it.
describe.each(storeBackends)('stale partition rows and the event clock on %s', (_name, open) => {
  let store: IngestStore;
  let db: SqlClient;
  let cleanup: () => Promise<void>;
  const metrics = new PipelineMetrics({ processMetrics: false });
  /** clio_stale_partitions_released_total as /metrics shows it. */
  const releasedMetric = async () => {
    const line = (await metrics.registry.metrics()).split('\n').find((l) => l.startsWith('clio_stale_partitions_released_total '));
    return Number(line?.split(' ')[1]);
  };

  beforeAll(async () => {
    ({ db, cleanup } = await open());
    await migrate(db);
    store = new IngestStore(db, { releasedPartitions: metrics.stalePartitionsReleased });
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  const apply = (consumer: string, topic: string, partition: number, timeMs: number, offset: bigint, behind: boolean) =>
    store.applyChunk({
      consumer, topic, partition, nextOffset: offset + 1n, bucketMs: BUCKET, behind,
      conversations: [{ idHash: `${consumer}-${topic}-${partition}-${offset}`, accountHash: 'a', clusterId: 'c1', eventTimeMs: timeMs, offset }], deadLetters: [],
    });

  it('a topic no longer read under the consumer name stops holding the clock (no clock, or an old one)', async () => {
    // The group read `old`: partition 0 was assigned but never applied (no clock), partition 1 stopped behind at T0.
    await store.recordAssignment('moved', 'old', [{ partition: 0, position: 0n, highWatermark: 50n }, { partition: 1, position: 0n, highWatermark: 50n }]);
    await apply('moved', 'old', 1, T0, 0n, true);
    await apply('moved', 'new', 0, T0 + 5 * HOUR, 0n, false);
    expect(await store.eventClock('moved')).toBeNull();
    // Assigned `new` without the topic's partitions (a source that cannot tell): nothing is released.
    expect(await store.recordAssignment('moved', 'new', [{ partition: 0, position: 1n, highWatermark: 1n }])).toEqual([]);
    expect(await store.eventClock('moved')).toBeNull();
    expect(await releasedMetric()).toBe(0);

    const released = await store.recordAssignment('moved', 'new', [{ partition: 0, position: 1n, highWatermark: 1n }], [0]);
    expect(released.sort((a, b) => a.partition - b.partition)).toEqual([{ topic: 'old', partition: 0 }, { topic: 'old', partition: 1 }]);
    expect(await store.eventClock('moved')).toBe(T0 + 5 * HOUR);
    // Counted in clio_stale_partitions_released_total, one per row: no label names a topic or partition.
    expect(await releasedMetric()).toBe(2);
    expect((await metrics.stalePartitionsReleased.get()).values).toEqual([{ value: 2, labels: {} }]);
    // The old offsets stay: should the group come back to `old`, it resumes where it stopped.
    expect(await store.resumeOffset('moved', 'old', 1)).toBe(1n);
    // Nothing left to release the next time.
    expect(await store.recordAssignment('moved', 'new', [], [0])).toEqual([]);
    expect(await sumMetric(metrics.stalePartitionsReleased)).toBe(2);
  });

  it('partitions of a topic re-created smaller are released; partitions assigned to other members are not', async () => {
    await store.recordAssignment('shrunk', 't', [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, position: 0n, highWatermark: 10n })));
    for (const p of [0, 1, 2]) await apply('shrunk', 't', p, T0 + p * HOUR, 0n, true);
    // A member assigned nothing (more members than partitions) still knows the topic's partitions.
    const released = await store.recordAssignment('shrunk', 't', [], [0, 1, 2]);
    expect(released.map((r) => r.partition).sort()).toEqual([3, 4, 5]);
    expect(await releasedMetric()).toBe(5);
    // Partitions 0–2 belong to other members, still behind: the slowest holds the clock.
    expect(await store.eventClock('shrunk')).toBe(T0);
  });

  it("leaves another consumer's rows alone", async () => {
    await store.recordAssignment('other', 'x', [{ partition: 0, position: 0n, highWatermark: 5n }]);
    await store.recordAssignment('mine', 'y', [{ partition: 0, position: 0n, highWatermark: 0n }], [0]);
    expect(await store.eventClock('other')).toBeNull();
  });
});
