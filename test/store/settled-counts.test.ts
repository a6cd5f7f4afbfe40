import { describe, expect, it } from 'vitest';
import { BacktestError, CountsSnapshot, parsePackedDay } from '../../src/detect/backtest.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { Janitor, type RetentionPolicy } from '../../src/store/janitor.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { CANARIES, findCanary } from '../helpers/canary.ts';
import { storeBackends } from '../helpers/stores.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const BUCKET = 5 * MIN;
const DAY0 = Date.parse('2026-11-20T00:00:00Z');
const POLICY: RetentionPolicy = { individualDays: 30, bucketDays: 35, hourlyDays: 90, aggregateMonths: 13, batchRows: 1000 };

/** Settled days packed for backtests (settled_counts): written by the janitor, dropped by ingest when a day changes. */
describe.each(storeBackends)('packed counts of settled days on %s', (name, open) => {
  async function setUp() {
    const { db, cleanup } = await open();
    await migrate(db);
    const store = new IngestStore(db);
    let offset = 0n;
    let n = 0;
    const conv = (eventTimeMs: number, clusterId: string, product: string | null = null): CountedConversation => ({
      idHash: `id-${n++}`, accountHash: `a-${n % 7}`, eventTimeMs, clusterId, product, offset: offset++,
      // Canaries where the store keeps words: none may reach a pack.
      request: { nearestClusterId: clusterId, embedding: [0.6, 0.8], summaryWords: `${CANARIES.name} ${CANARIES.email}` },
    });
    // Each partition its own offsets: chunks of two partitions may be applied at once.
    const apply = (conversations: CountedConversation[], partition = 0) =>
      store.applyChunk({ consumer: 'g', topic: 't', partition, nextOffset: offset, bucketMs: BUCKET, conversations, deadLetters: [] });
    /** One chunk per conversation, in order: the event clock follows each (a chunk spanning days would not move it that far). */
    const applyEach = async (conversations: CountedConversation[]) => {
      for (const c of conversations) await store.applyChunk({ consumer: 'g', topic: 't', partition: 0, nextOffset: c.offset + 1n, bucketMs: BUCKET, conversations: [c], deadLetters: [] });
    };
    const packs = async () =>
      (await db.query<{ day: number; product: string; series: string; counts: string }>('SELECT day, product, series, counts FROM settled_counts ORDER BY day, product, series'))
        .map((r) => `${Number(r.day) - DAY0 / DAY}|${r.product}|${r.series}|${r.counts}`);
    return { db, cleanup, apply, applyEach, conv, packs };
  }

  /** A snapshot's columns as plain arrays, per product and series (only those with conversations). */
  async function read(db: SqlClient, fromMs: number, toMs: number, products: string[]) {
    const snapshot = await CountsSnapshot.load(db, products, fromMs, toMs, BUCKET);
    const out: Record<string, number[]> = {};
    for (const product of products) {
      for (const [id, column] of snapshot.columnsOf(product)?.columns ?? []) out[`${product}|${id}`] = [...column];
    }
    return out;
  }

  it('packs each closed day at bucket grain, not the day the clock is in, and a backtest reads the same counts from the packs', async () => {
    const { db, cleanup, applyEach, conv, packs } = await setUp();
    try {
      await applyEach([
        conv(DAY0 + 10 * MIN, 'c1'), conv(DAY0 + 12 * MIN, 'c1', 'api'), conv(DAY0 + 3 * HOUR, 'c2'),
        conv(DAY0 + DAY + 5 * MIN, 'c1'), conv(DAY0 + DAY + 23 * HOUR + 59 * MIN, 'c2'),
        conv(DAY0 + 2 * DAY + 2 * HOUR, 'c1'),
      ]);
      const products = ['', 'api'];
      // Off the day grid on both ends: packed days are cut to the span asked for.
      const fromMs = DAY0 + 5 * MIN;
      const toMs = DAY0 + 2 * DAY + 3 * HOUR;
      const fromRows = await read(db, fromMs, toMs, products);

      const report = await new Janitor(db, POLICY).pass(DAY0 + 2 * DAY + 3 * HOUR);
      expect(report.packedDays).toBe(2);
      expect(await packs()).toEqual([
        '0|||600:2,10800:1', '0||c1|600:2', '0||c2|10800:1',
        '0|api||600:1', '0|api|c1|600:1',
        '1|||300:1,86100:1', '1||c1|300:1', '1||c2|86100:1',
      ]);
      expect(await read(db, fromMs, toMs, products)).toEqual(fromRows);
      expect(findCanary(JSON.stringify(await db.query('SELECT * FROM settled_counts')))).toBeUndefined();
      // From the packs alone: the rows of a packed day are not read.
      await db.query(`DELETE FROM cluster_counts WHERE bucket_start < $1`, [new Date(DAY0 + 2 * DAY).toISOString()]);
      expect(await read(db, fromMs, toMs, products)).toEqual(fromRows);
    } finally {
      await cleanup();
    }
  });

  it('drops a day\'s pack when a late conversation is counted into it, and packs it again with it on the next pass', async () => {
    const { db, cleanup, apply, applyEach, conv, packs } = await setUp();
    try {
      await applyEach([conv(DAY0 + 10 * MIN, 'c1'), conv(DAY0 + DAY + 10 * MIN, 'c1'), conv(DAY0 + 2 * DAY + 2 * HOUR, 'c1')]);
      const janitor = new Janitor(db, POLICY);
      // Asked at a time past the stored event clock: still only the days that ended before the clock (day 2 did not).
      await janitor.pass(DAY0 + 10 * DAY);
      expect(await packs()).toEqual(['0|||600:1', '0||c1|600:1', '1|||600:1', '1||c1|600:1']);

      await apply([conv(DAY0 + 20 * MIN, 'c2'), conv(DAY0 + 2 * DAY + 2 * HOUR + MIN, 'c1')]);
      // Day 0 is stale now, and gone; day 1 did not change and stays.
      expect(await packs()).toEqual(['1|||600:1', '1||c1|600:1']);
      expect((await janitor.pass(DAY0 + 2 * DAY + 2 * HOUR)).packedDays).toBe(1);
      expect(await packs()).toEqual(['0|||600:1,1200:1', '0||c1|600:1', '0||c2|1200:1', '1|||600:1', '1||c1|600:1']);
    } finally {
      await cleanup();
    }
  });

  // The protocol the test above exercises, forced: a chunk in flight holds the event clock's row
  // (ingest-store.ts, advanceClock) until it commits; a pack must wait for it and then see its counts.
  it.runIf(name === 'PostgreSQL')('waits for a chunk in flight before packing a day, and packs its counts', async () => {
    const { db, cleanup, applyEach, conv, packs } = await setUp();
    try {
      await applyEach([conv(DAY0 + 10 * MIN, 'c1'), conv(DAY0 + 3 * DAY, 'c1')]);
      let pass: Promise<unknown> = Promise.resolve();
      let packed = false;
      await db.transaction(async (tx) => {
        await tx.query('SELECT 1 FROM event_clock WHERE id = 1 FOR UPDATE');
        await tx.query(`UPDATE traffic_counts SET conversations = conversations + 4 WHERE product = '' AND bucket_start = $1`, [new Date(DAY0 + 10 * MIN).toISOString()]);
        pass = new Janitor(db, POLICY).pass(DAY0 + 3 * DAY).then(() => (packed = true));
        await new Promise((r) => setTimeout(r, 1000));
        expect(packed).toBe(false);
      });
      await pass;
      expect(await packs()).toEqual(['0|||600:5', '0||c1|600:1']);
    } finally {
      await cleanup();
    }
  });

  it('never keeps a pack that misses a count, with late conversations counted while the janitor packs', async () => {
    const { db, cleanup, apply, conv } = await setUp();
    try {
      await apply([conv(DAY0 + 3 * DAY, 'c1')]);
      const janitor = new Janitor(db, POLICY, { budgetMs: Infinity });
      for (let round = 0; round < 12; round++) {
        // Each round: counts land in three closed days while a pass packs them.
        await Promise.all([
          apply([conv(DAY0 + (round % 3) * DAY + round * MIN, 'c1')]),
          janitor.pass(DAY0 + 3 * DAY),
          apply([conv(DAY0 + ((round + 1) % 3) * DAY + round * MIN, 'c2')], 1),
        ]);
        const stale = await db.query<{ day: number }>(
          `SELECT s.day FROM settled_counts s
            WHERE s.product = '' AND s.series = '' AND s.counts <> (
              SELECT string_agg((extract(epoch FROM bucket_start)::bigint - s.day::bigint * 86400)::text || ':' || conversations::text, ',' ORDER BY bucket_start)
                FROM traffic_counts WHERE product = '' AND bucket_start >= to_timestamp(s.day::bigint * 86400) AND bucket_start < to_timestamp((s.day::bigint + 1) * 86400))`,
        );
        expect(stale, `round ${round}`).toEqual([]);
      }
    } finally {
      await cleanup();
    }
  });
});

describe('parsePackedDay', () => {
  const grid = { dayStartMs: DAY0, originMs: DAY0 - HOUR, bucketMs: BUCKET, length: 24, fromMs: DAY0, toMs: DAY0 + HOUR };

  it('places each bucket on the snapshot grid and skips those outside the span asked for', () => {
    const columns = new Map<string, Float64Array>();
    const columnOf = (id: string) => columns.get(id) ?? columns.set(id, new Float64Array(24)).get(id)!;
    parsePackedDay('c1\t0:3,300:4,3600:9\narea:fraud\t3300:2\n\t0:5', grid, columnOf);
    expect([...columns.keys()]).toEqual(['c1', 'area:fraud', '']);
    expect(columns.get('c1')![12]).toBe(3);
    expect(columns.get('c1')![13]).toBe(4);
    // 3600 s is the first bucket past the span: left alone.
    expect(columns.get('c1')!.reduce((a, b) => a + b, 0)).toBe(7);
    expect(columns.get('area:fraud')![23]).toBe(2);
    expect(columns.get('')![12]).toBe(5);
  });

  it('refuses text it cannot read rather than dropping counts', () => {
    const columnOf = () => new Float64Array(24);
    for (const bad of ['c1', 'c1\t0:3,x:4', 'c1\t0:', 'c1\t0-3', 'c1\t:3']) {
      expect(() => parsePackedDay(bad, grid, columnOf), bad).toThrow(BacktestError);
    }
  });
});
