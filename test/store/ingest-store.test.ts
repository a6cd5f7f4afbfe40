import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.ts';
import { IngestStore, ROWS_PER_STATEMENT, clockOf, decodeEmbedding, type CountedConversation } from '../../src/store/ingest-store.ts';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { storeBackends } from '../helpers/stores.ts';
import { loopWatch } from '../helpers/loop-watch.ts';

const BUCKET = 300_000;
const T0 = Date.parse('2026-11-27T14:00:00Z');

function conv(i: number, account: string, cluster = 'c1', timeMs = T0, offset = BigInt(i)): CountedConversation {
  return { idHash: `id-${i}`, accountHash: account, clusterId: cluster, eventTimeMs: timeMs, offset };
}


describe.each(storeBackends)('IngestStore on %s', (_name, open) => {
  let store: IngestStore;
  let db: SqlClient;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await open());
    expect((await migrate(db)).slice(0, 2)).toEqual([1, 2]);
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
    expect(outcome).toMatchObject({ counted: 5, duplicates: 0, alreadyApplied: 0 });
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
    expect(outcome).toMatchObject({ counted: 1, duplicates: 2, alreadyApplied: 0 });
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
    expect(replay).toMatchObject({ counted: 0, duplicates: 0, alreadyApplied: 2 });
    expect(await store.clusterCounts()).toEqual(before);
    expect(await store.deadLetterCounts()).toEqual(new Map());

    // A chunk that overlaps the stored offset applies only its new part.
    const overlap = await store.applyChunk({
      consumer: 'g', topic: 't', partition: 0, nextOffset: 7n, bucketMs: BUCKET,
      conversations: [conv(101, 'q', 'c3', T0, 4n), conv(102, 'q', 'c3', T0, 5n)],
      deadLetters: [{ reason: 'invalid_json', offset: 6n }],
    });
    expect(overlap).toMatchObject({ counted: 1, duplicates: 0, alreadyApplied: 1 });
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

  it('counts leaf and parent, all traffic and the product segment; keeps the request facets of those that have one; advances the event clock', async () => {
    const t = T0 + 10 * BUCKET;
    const withSegments = (i: number, account: string, product: string | null, withFacet = false): CountedConversation => ({
      ...conv(300 + i, account, 'leaf-x', t + i, BigInt(i)),
      ancestorIds: ['parent-x'],
      product,
      request: withFacet ? { nearestClusterId: 'leaf-x', embedding: [0.6, -0.8], summaryWords: 'automate fake reviews' } : undefined,
    });
    const outcome = await store.applyChunk(
      {
        consumer: 'seg', topic: 't', partition: 0, nextOffset: 4n, bucketMs: BUCKET,
        conversations: [withSegments(0, 'a', 'computer-use', true), withSegments(1, 'b', 'computer-use'), withSegments(2, 'a', null), withSegments(3, 'c', 'api', true)],
        deadLetters: [],
      },
      t + BUCKET, // the bucket of t is closed already: everything here is late
    );
    expect(outcome).toMatchObject({ counted: 4, late: 4, maxEventTimeMs: t + 3 });
    const at = (rows: Array<{ clusterId: string; bucketStartMs: number }>, cluster: string) => rows.find((r) => r.clusterId === cluster && r.bucketStartMs === t);
    expect(at(await store.clusterCounts(), 'leaf-x')).toMatchObject({ conversations: 4, uniqueAccounts: 3 });
    expect(at(await store.clusterCounts(), 'parent-x')).toMatchObject({ conversations: 4, uniqueAccounts: 3 });
    expect(at(await store.clusterCounts('computer-use'), 'parent-x')).toMatchObject({ conversations: 2, uniqueAccounts: 2 });
    expect((await store.trafficCounts('api')).find((r) => r.bucketStartMs === t)).toEqual({ bucketStartMs: t, conversations: 1 });
    expect(await store.maxEventTime()).toBe(t + 3);
    const recent = await db.query<{ account_hash: string; summary_words: string; embedding: Uint8Array }>('SELECT account_hash, summary_words, embedding FROM recent_conversations ORDER BY account_hash');
    expect(recent.map((r) => r.account_hash)).toEqual(['a', 'c']);
    expect(decodeEmbedding(recent[0]!.embedding).map((v) => Math.round(v * 100) / 100)).toEqual([0.6, -0.8]);
  });

  it('holds the event clock back to a partition that is still behind, but not to an idle one', async () => {
    const at = (partition: number, timeMs: number, offset: bigint, behind: boolean) =>
      store.applyChunk({
        consumer: 'clock', topic: 't', partition, nextOffset: offset + 1n, bucketMs: BUCKET, behind,
        conversations: [{ ...conv(900 + partition * 10 + Number(offset), 'k', 'c1', timeMs, offset) }], deadLetters: [],
      });
    const t = T0 + 100 * BUCKET;
    await at(0, t + 60 * 60_000, 0n, false); // partition 0 read far ahead
    await at(1, t, 0n, true); // partition 1 still has a backlog
    const max = await store.maxEventTime();
    expect(await store.eventClock('clock')).toBe(t);
    await at(1, t + 30 * 60_000, 1n, false); // caught up, then idle
    expect(await store.eventClock('clock')).toBe(max);
    expect(await store.eventClock('nobody')).toBe(max); // no partition of its own: the store's clock
  });

  it('counts a conversation dated days ahead of its chunk but does not let it move the event clock', async () => {
    const t = T0 + 1000 * BUCKET;
    const ahead = t + 9 * 24 * 3600_000;
    const chunk = (offset: bigint, times: number[]) =>
      store.applyChunk({
        consumer: 'outlier', topic: 't', partition: 0, nextOffset: offset + BigInt(times.length), bucketMs: BUCKET,
        conversations: times.map((time, i) => conv(5000 + Number(offset) + i, `o${i}`, 'c9', time, offset + BigInt(i))), deadLetters: [],
      });
    await chunk(0n, [t, t + 60_000, ahead, t + 120_000]);
    expect(await store.maxEventTime()).toBe(t + 120_000);
    expect(await store.eventClock('outlier')).toBe(t + 120_000);
    expect((await store.clusterCounts()).filter((c) => c.clusterId === 'c9').reduce((n, c) => n + c.conversations, 0)).toBe(4);
    // When the traffic itself moves on, the clock follows.
    await chunk(4n, [ahead + 60_000, ahead + 120_000, ahead + 180_000]);
    expect(await store.maxEventTime()).toBe(ahead + 180_000);
  });

  // A chunk is written in several statements of bounded rows (the embedded store's event loop): it
  // must count exactly as one statement would, ids and distinct accounts alike across statements.
  it('applies a chunk larger than one statement exactly: ids, distinct accounts and counts across statements', async () => {
    const n = ROWS_PER_STATEMENT * 2 + 100;
    const conversations: CountedConversation[] = Array.from({ length: n }, (_, i) => ({
      ...conv(i, `big-${i % 700}`, `big-${i % 3}`, T0 + (40 + (i % 2)) * BUCKET, BigInt(i)),
      idHash: `big-id-${i}`,
      product: i % 5 === 0 ? 'api' : null,
    }));
    // The first conversation's id again in the last statement's rows: a duplicate, counted once.
    conversations[n - 1] = { ...conversations[n - 1]!, idHash: conversations[0]!.idHash };
    const outcome = await store.applyChunk({ consumer: 'big', topic: 't', partition: 0, nextOffset: BigInt(n), bucketMs: BUCKET, conversations, deadLetters: [] });
    expect(outcome).toMatchObject({ counted: n - 1, duplicates: 1, alreadyApplied: 0 });

    const expected = (product: string | null) => {
      const cells = new Map<string, { clusterId: string; bucketStartMs: number; conversations: number; accounts: Set<string> }>();
      for (const c of conversations.slice(0, n - 1)) {
        if (product !== null && c.product !== product) continue;
        const key = `${c.clusterId}/${c.eventTimeMs}`;
        const cell = cells.get(key) ?? { clusterId: c.clusterId, bucketStartMs: c.eventTimeMs, conversations: 0, accounts: new Set<string>() };
        cell.conversations += 1;
        cell.accounts.add(c.accountHash);
        cells.set(key, cell);
      }
      return [...cells.values()]
        .map(({ accounts, ...cell }) => ({ ...cell, uniqueAccounts: accounts.size }))
        .sort((a, b) => a.clusterId.localeCompare(b.clusterId) || a.bucketStartMs - b.bucketStartMs);
    };
    const big = (rows: Awaited<ReturnType<IngestStore['clusterCounts']>>) => rows.filter((r) => r.clusterId.startsWith('big-'));
    // More distinct (cluster, segment, bucket, account) rows than one statement holds.
    expect(expected(null).reduce((sum, c) => sum + c.uniqueAccounts, 0)).toBeGreaterThan(ROWS_PER_STATEMENT);
    expect(big(await store.clusterCounts())).toEqual(expected(null));
    expect(big(await store.clusterCounts('api'))).toEqual(expected('api'));
    expect(await store.unseen(conversations.map((c) => c.idHash))).toEqual(new Set());
    expect(await store.resumeOffset('big', 't', 0)).toBe(BigInt(n));
  });

  it('writes nothing of a chunk larger than one statement when a later statement fails (one transaction)', async () => {
    const n = ROWS_PER_STATEMENT * 2 + 100;
    const conversations = Array.from({ length: n }, (_, i) => ({ ...conv(i, `fail-${i}`, 'fail', T0, BigInt(i)), idHash: `fail-id-${i}` }));
    // Only the last rows' statement fails: the ones before it have already run in the transaction.
    conversations[n - 1] = { ...conversations[n - 1]!, eventTimeMs: Number.NaN };
    await expect(store.applyChunk({ consumer: 'fail', topic: 't', partition: 0, nextOffset: BigInt(n), bucketMs: BUCKET, conversations, deadLetters: [] })).rejects.toThrow();
    expect(await store.unseen([conversations[0]!.idHash, conversations[ROWS_PER_STATEMENT]!.idHash])).toHaveProperty('size', 2);
    expect((await store.clusterCounts()).filter((c) => c.clusterId === 'fail')).toEqual([]);
    expect(await store.resumeOffset('fail', 't', 0)).toBeNull();
  });
});

// PGlite runs every statement synchronously on the event loop. A chunk's writes used to be a few
// large statements in one chain of awaits (microtasks only): in a long soak, applying one chunk held
// the loop for seconds (/healthz, Kafka heartbeats and timers all waited). Bounded statements with a
// turn of the loop between them keep it answering, still in one transaction.
describe('IngestStore on embedded PGlite and the event loop', () => {
  let db: SqlClient;
  beforeAll(async () => {
    db = await openPglite(MEMORY_STORE);
    await migrate(db);
  }, 120_000);
  afterAll(async () => {
    await db.close();
  });

  it('keeps the event loop turning while a large chunk with many distinct accounts is applied', async () => {
    const store = new IngestStore(db);
    const n = 4000;
    const conversations: CountedConversation[] = Array.from({ length: n }, (_, i) => ({
      ...conv(i, `acct-${(i * 7919) % 3000}`, `c-${i % 12}`, T0 + i * 600, BigInt(i)),
      ancestorIds: [`p-${i % 3}`], product: ['api', 'app', 'code'][i % 3]!, language: ['en', 'fr', 'de', 'es'][i % 4]!,
    }));
    const watch = loopWatch();
    const started = performance.now();
    const outcome = await store.applyChunk({ consumer: 'loop', topic: 't', partition: 0, nextOffset: BigInt(n), bucketMs: BUCKET, conversations, deadLetters: [] });
    const tookMs = performance.now() - started;
    const { turns, longestMs } = watch.stop();
    expect(outcome.counted).toBe(n);
    // In one chain of statements the loop turns at most once or twice; between bounded statements it
    // turns dozens of times, and no single hold is more than a small part of the whole write.
    expect(turns).toBeGreaterThan(20);
    expect(longestMs).toBeLessThan(tookMs / 4);
  }, 120_000);
});

describe('clockOf', () => {
  it('is the latest event time reachable from the chunk median without a gap over six hours', () => {
    const h = 3600_000;
    expect(clockOf([])).toBeNull();
    expect(clockOf([5])).toBe(5);
    expect(clockOf([0, h, 2 * h, 1000 * h])).toBe(2 * h);
    expect(clockOf(Array.from({ length: 23 }, (_, i) => i * h))).toBe(22 * h); // a long, dense chunk
    expect(clockOf([0, h, 8 * h])).toBe(h);
    expect(clockOf([0, 0, 8 * h, 8 * h, 8 * h])).toBe(8 * h); // most of the chunk moved on
  });
});
