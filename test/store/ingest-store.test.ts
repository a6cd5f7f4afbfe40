import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import { openPostgres } from '../../src/store/postgres-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { freshDatabase } from '../helpers/services.ts';

const BUCKET = 300_000;
const T0 = Date.parse('2026-11-27T14:00:00Z');

function conv(i: number, account: string, cluster = 'c1', timeMs = T0, offset = BigInt(i)): CountedConversation {
  return { idHash: `id-${i}`, accountHash: account, clusterId: cluster, eventTimeMs: timeMs, offset };
}

const backends: Array<[string, () => Promise<{ db: SqlClient; cleanup(): Promise<void> }>]> = [
  ['PGlite', async () => ({ db: await openPglite(MEMORY_STORE), cleanup: async () => {} })],
  [
    'PostgreSQL',
    async () => {
      const fresh = await freshDatabase();
      return { db: await openPostgres(fresh.url), cleanup: fresh.drop };
    },
  ],
];

describe.each(backends)('IngestStore on %s', (_name, open) => {
  let store: IngestStore;
  let db: SqlClient;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await open());
    expect(await migrate(db)).toEqual([1]);
    expect(await migrate(db)).toEqual([]); // idempotent
    store = new IngestStore(db);
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  it('counts conversations and distinct accounts per cluster and bucket, with the resume offset', async () => {
    const outcome = await store.applyChunk({
      consumer: 'g', topic: 't', partition: 0, nextOffset: 5n, bucketMs: BUCKET,
      conversations: [conv(0, 'a'), conv(1, 'a'), conv(2, 'b'), conv(3, 'a', 'c2'), conv(4, 'c', 'c1', T0 + BUCKET + 1)],
      deadLetters: [],
    });
    expect(outcome).toEqual({ counted: 5, duplicates: 0, alreadyApplied: 0 });
    expect(await store.clusterCounts()).toEqual([
      { clusterId: 'c1', bucketStartMs: T0, conversations: 3, uniqueAccounts: 2 },
      { clusterId: 'c1', bucketStartMs: T0 + BUCKET, conversations: 1, uniqueAccounts: 1 },
      { clusterId: 'c2', bucketStartMs: T0, conversations: 1, uniqueAccounts: 1 },
    ]);
    expect(await store.trafficCounts()).toEqual([
      { bucketStartMs: T0, conversations: 4 },
      { bucketStartMs: T0 + BUCKET, conversations: 1 },
    ]);
    expect(await store.resumeOffset('g', 't', 0)).toBe(5n);
    expect(await store.resumeOffset('g', 't', 1)).toBeNull();
  });

  it('counts a conversation id once, whether repeated in a chunk or across chunks', async () => {
    const outcome = await store.applyChunk({
      consumer: 'g', topic: 't', partition: 1, nextOffset: 3n, bucketMs: BUCKET,
      conversations: [conv(0, 'z', 'c1', T0, 0n), conv(10, 'z', 'c1', T0, 1n), conv(10, 'z', 'c1', T0, 2n)],
      deadLetters: [],
    });
    expect(outcome).toEqual({ counted: 1, duplicates: 2, alreadyApplied: 0 });
    expect(await store.unseen(['id-10', 'id-11', 'id-0'])).toEqual(new Set(['id-11']));
    const c1 = (await store.clusterCounts()).find((c) => c.clusterId === 'c1' && c.bucketStartMs === T0)!;
    expect(c1).toMatchObject({ conversations: 4, uniqueAccounts: 3 });
  });

  it('skips records below the stored offset, so a replayed chunk changes nothing', async () => {
    const before = await store.clusterCounts();
    const replay = await store.applyChunk({
      consumer: 'g', topic: 't', partition: 0, nextOffset: 5n, bucketMs: BUCKET,
      conversations: [conv(100, 'q', 'c1', T0, 3n)],
      deadLetters: [{ reason: 'invalid_json', offset: 4n }],
    });
    expect(replay).toEqual({ counted: 0, duplicates: 0, alreadyApplied: 2 });
    expect(await store.clusterCounts()).toEqual(before);
    expect(await store.deadLetterCounts()).toEqual(new Map());

    // A chunk that overlaps the stored offset applies only its new part.
    const overlap = await store.applyChunk({
      consumer: 'g', topic: 't', partition: 0, nextOffset: 7n, bucketMs: BUCKET,
      conversations: [conv(101, 'q', 'c3', T0, 4n), conv(102, 'q', 'c3', T0, 5n)],
      deadLetters: [{ reason: 'invalid_json', offset: 6n }],
    });
    expect(overlap).toEqual({ counted: 1, duplicates: 0, alreadyApplied: 1 });
    expect(await store.deadLetterCounts()).toEqual(new Map([['invalid_json', 1]]));
    expect(await store.resumeOffset('g', 't', 0)).toBe(7n);
  });

  it('rolls everything back when the transaction fails', async () => {
    const before = await store.clusterCounts();
    await expect(
      store.applyChunk({
        consumer: 'g', topic: 't', partition: 0, nextOffset: 9n, bucketMs: BUCKET,
        conversations: [conv(200, 'r', 'c1', T0, 7n), conv(201, 'r', 'c1', Number.NaN, 8n)],
        deadLetters: [],
      }),
    ).rejects.toThrow();
    expect(await store.clusterCounts()).toEqual(before);
    expect(await store.resumeOffset('g', 't', 0)).toBe(7n);
    expect(await store.unseen(['id-200'])).toEqual(new Set(['id-200']));
  });
});
