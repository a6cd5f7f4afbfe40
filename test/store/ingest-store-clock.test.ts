import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { storeBackends } from '../helpers/stores.ts';

const BUCKET = 300_000;
const T0 = Date.parse('2026-11-23T00:00:00Z');
const HOUR = 3600_000;

function conv(id: string, timeMs: number, offset: bigint): CountedConversation {
  return { idHash: id, accountHash: 'a', clusterId: 'c1', eventTimeMs: timeMs, offset };
}

// Partitions assigned but not read yet must hold the event clock back (a backlog read one partition
// at a time would otherwise close the buckets the others still hold); caught-up ones must not.
describe.each(storeBackends)('IngestStore assignment and the event clock on %s', (_name, open) => {
  let store: IngestStore;
  let db: SqlClient;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await open());
    await migrate(db);
    store = new IngestStore(db);
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  /** One conversation at `timeMs` applied to `partition` at `offset`; `behind` as the chunk's lag says. */
  const apply = (consumer: string, partition: number, timeMs: number, offset: bigint, behind: boolean) =>
    store.applyChunk({
      consumer, topic: 't', partition, nextOffset: offset + 1n, bucketMs: BUCKET, behind,
      conversations: [conv(`${consumer}-${partition}-${offset}`, timeMs, offset)], deadLetters: [],
    });

  it('an assigned partition with unread records and no chunk applied holds the clock back until its first chunk', async () => {
    await store.recordAssignment('backlog', 't', [
      { partition: 0, position: 0n, highWatermark: 100n },
      { partition: 1, position: 0n, highWatermark: 100n },
    ]);
    // Without the assignment, partition 0 read far ahead would set the clock alone.
    await apply('backlog', 0, T0 + 48 * HOUR, 0n, true);
    expect(await store.eventClock('backlog')).toBeNull();
    // Partition 1 tells its time: the clock is the slower of the two.
    await apply('backlog', 1, T0 + 2 * HOUR, 0n, true);
    expect(await store.eventClock('backlog')).toBe(T0 + 2 * HOUR);
    // Both caught up: the newest event time applied.
    await apply('backlog', 1, T0 + 3 * HOUR, 1n, false);
    await apply('backlog', 0, T0 + 49 * HOUR, 1n, false);
    expect(await store.eventClock('backlog')).toBe(T0 + 49 * HOUR);
    // The unapplied partition resumed as never applied, and applying it counted everything once.
    expect(await store.resumeOffset('backlog', 't', 1)).toBe(2n);
  });

  it('a caught-up or empty assigned partition does not hold the clock back', async () => {
    await apply('idle', 0, T0 + 5 * HOUR, 0n, false);
    await store.recordAssignment('idle', 't', [
      { partition: 0, position: 1n, highWatermark: 1n }, // read to its end
      { partition: 1, position: 0n, highWatermark: 0n }, // empty
      { partition: 2, position: 7n, highWatermark: 7n }, // committed at its end, never applied here
    ]);
    expect(await store.eventClock('idle')).toBe(T0 + 49 * HOUR); // the store's clock: no partition holds it
    expect(await store.resumeOffset('idle', 't', 1)).toBeNull();
    expect(await store.resumeOffset('idle', 't', 0)).toBe(1n);
  });

  it('after a restart, a partition with unread records holds the clock to its own, and the stored offset wins over a stale position', async () => {
    await apply('restart', 0, T0 + 60 * HOUR, 0n, false);
    await apply('restart', 1, T0 + 10 * HOUR, 4n, false);
    await store.recordAssignment('restart', 't', [
      { partition: 0, position: 1n, highWatermark: 1n },
      // The broker's commit lags the store (crash between the two): the store's offset 5 is where it resumes, and 9 > 5.
      { partition: 1, position: 2n, highWatermark: 9n },
    ]);
    expect(await store.eventClock('restart')).toBe(T0 + 10 * HOUR);
    await store.recordAssignment('restart', 't', [{ partition: 1, position: 2n, highWatermark: 5n }]);
    expect(await store.eventClock('restart')).toBe(T0 + 60 * HOUR);
  });
});
