import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { Janitor, JanitorSchedule, RetentionMetrics, type RetentionPolicy } from '../../src/store/janitor.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { CANARIES, findCanary, memoryStream } from '../helpers/canary.ts';
import { storeBackends } from '../helpers/stores.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const BUCKET = 5 * MIN;
const NOW = Date.parse('2026-11-27T12:00:00Z');
const POLICY: RetentionPolicy = { individualDays: 7, bucketDays: 35, hourlyDays: 90, aggregateMonths: 13, batchRows: 3 };

describe.each(storeBackends)('Janitor on %s', (_name, open) => {
  let db: SqlClient;
  let cleanup: () => Promise<void>;
  let store: IngestStore;
  let offset = 0n;
  let n = 0;

  const conv = (eventTimeMs: number, account: string, extra: Partial<CountedConversation> = {}): CountedConversation => ({
    idHash: `id-${n++}`, accountHash: account, eventTimeMs, clusterId: 'c1', product: null, offset: offset++,
    // Canaries where the store keeps words: the janitor's logs and metrics must carry none of them.
    request: { nearestClusterId: 'c1', embedding: [0.6, 0.8], summaryWords: `${CANARIES.name} ${CANARIES.email}` },
    ...extra,
  });
  const apply = (conversations: CountedConversation[]) =>
    store.applyChunk({ consumer: 'g', topic: 't', partition: 0, nextOffset: offset, bucketMs: BUCKET, conversations, deadLetters: [] });
  const rows = async (sql: string, params: unknown[] = []) => (await db.query<Record<string, unknown>>(sql, params)).map((r) => ({ ...r }));
  const counts = async (fromMs: number, toMs: number) =>
    (await db.query<{ bucket_start: Date; conversations: string | number; unique_accounts: string | number }>(
      `SELECT bucket_start, conversations, unique_accounts FROM cluster_counts WHERE cluster_id = 'c1' AND product = '' AND bucket_start >= $1 AND bucket_start < $2 ORDER BY bucket_start`,
      [new Date(fromMs).toISOString(), new Date(toMs).toISOString()],
    )).map((r) => [new Date(r.bucket_start).toISOString(), Number(r.conversations), Number(r.unique_accounts)]);
  const traffic = async (fromMs: number, toMs: number) =>
    (await db.query<{ bucket_start: Date; conversations: string | number }>(
      `SELECT bucket_start, conversations FROM traffic_counts WHERE product = '' AND bucket_start >= $1 AND bucket_start < $2 ORDER BY bucket_start`,
      [new Date(fromMs).toISOString(), new Date(toMs).toISOString()],
    )).map((r) => [new Date(r.bucket_start).toISOString(), Number(r.conversations)]);

  // Fixtures, by age: 1 day (kept whole), 10 days (individual rows go), 40 days (buckets fold into
  // hours), 100 days (hours fold into days), 500 days (deleted).
  const recent = NOW - DAY;
  const tenDays = Date.parse('2026-11-17T09:00:00Z');
  const fortyDays = Date.parse('2026-10-18T12:00:00Z');
  const hundredDays = Date.parse('2026-08-19T00:00:00Z');
  const ancient = Date.parse('2025-07-15T00:00:00Z');

  beforeAll(async () => {
    ({ db, cleanup } = await open());
    await migrate(db);
    store = new IngestStore(db);
    await apply([
      conv(recent, 'a1', { idHash: 'recent-1' }), conv(recent + MIN, 'a2'),
      conv(tenDays, 'a1', { idHash: 'old-1' }), conv(tenDays + MIN, 'a3'),
      // 40 days: three buckets of one hour (12:05, 12:10, 12:35): 2 + 1 + 3 conversations, 2 / 1 / 3 accounts.
      conv(fortyDays + 5 * MIN, 'b1'), conv(fortyDays + 5 * MIN, 'b2'), conv(fortyDays + 10 * MIN, 'b1'),
      conv(fortyDays + 35 * MIN, 'b1'), conv(fortyDays + 35 * MIN, 'b2'), conv(fortyDays + 35 * MIN, 'b3'),
      // 100 days: 03:05, 07:00, 15:30 of one day.
      conv(hundredDays + 3 * HOUR + 5 * MIN, 'c1'), conv(hundredDays + 7 * HOUR, 'c2'), conv(hundredDays + 15 * HOUR + 30 * MIN, 'c2'), conv(hundredDays + 15 * HOUR + 30 * MIN, 'c3'),
      conv(ancient, 'd1'), conv(ancient + HOUR, 'd2'),
    ]);
    for (const [version, createdAt] of [[1, '2025-01-01T00:00:00Z'], [2, '2025-02-01T00:00:00Z'], [3, '2025-03-01T00:00:00Z']] as const) {
      await db.query('INSERT INTO catalog_versions (version, created_at, catalog) VALUES ($1, $2, $3::jsonb)', [version, createdAt, '{}']);
    }
    await db.query(
      `INSERT INTO alert_outbox (id, alert_id, payload, state, enqueued_at, delivered_at) VALUES
       ('old-sent', 'a', '{}'::jsonb, 'delivered', '2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z'),
       ('old-pending', 'b', '{}'::jsonb, 'pending', '2025-01-01T00:00:00Z', NULL),
       ('new-sent', 'c', '{}'::jsonb, 'delivered', '2026-11-26T00:00:00Z', '2026-11-26T00:01:00Z')`,
    );
    await db.query(
      `INSERT INTO access_log (at, principal, role, action, target) VALUES
       ('2025-01-01T00:00:00Z', 'old-reader', 'viewer', 'read series', 'c1'),
       ('2026-11-26T00:00:00Z', 'new-reader', 'viewer', 'read series', 'c1')`,
    );
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it('removes old individual-level rows, folds old counts into hours then days, and deletes what is past the aggregate horizon', async () => {
    const registry = new Registry();
    const log = memoryStream();
    const janitor = new Janitor(db, POLICY, { metrics: new RetentionMetrics(registry), logger: createLogger('info', log) });
    const totalBefore = await rows(`SELECT sum(conversations)::int AS n FROM cluster_counts WHERE product = '' AND bucket_start >= '2025-12-01'`);

    const report = await janitor.pass(NOW);
    expect(report.complete).toBe(true);

    // Individual level: only the last 7 days remain.
    expect((await rows('SELECT id_hash FROM seen_conversations ORDER BY id_hash')).map((r) => r.id_hash)).toEqual(['id-1', 'recent-1']);
    expect((await rows('SELECT DISTINCT account_hash FROM cluster_accounts ORDER BY 1')).map((r) => r.account_hash)).toEqual(['a1', 'a2']);
    expect((await rows('SELECT count(*)::int AS n FROM recent_conversations'))[0]!.n).toBe(2);
    // Ten days old: the counts stay (aggregates), only the people behind them go.
    expect(await counts(tenDays - HOUR, tenDays + HOUR)).toEqual([[new Date(tenDays).toISOString(), 2, 2]]);

    // 40 days: one row per hour, conversations summed, distinct accounts at least the largest bucket's.
    expect(await counts(fortyDays - HOUR, fortyDays + 2 * HOUR)).toEqual([[new Date(fortyDays).toISOString(), 6, 3]]);
    expect(await traffic(fortyDays - HOUR, fortyDays + 2 * HOUR)).toEqual([[new Date(fortyDays).toISOString(), 6]]);
    // 100 days: one row per day.
    expect(await counts(hundredDays - DAY, hundredDays + 2 * DAY)).toEqual([[new Date(hundredDays).toISOString(), 4, 2]]);
    expect(await traffic(hundredDays - DAY, hundredDays + 2 * DAY)).toEqual([[new Date(hundredDays).toISOString(), 4]]);
    // Nothing is lost by folding.
    expect(await rows(`SELECT sum(conversations)::int AS n FROM cluster_counts WHERE product = '' AND bucket_start >= '2025-12-01'`)).toEqual(totalBefore);
    // 500 days: gone.
    expect(await counts(ancient - DAY, ancient + DAY)).toEqual([]);
    expect(await traffic(ancient - DAY, ancient + DAY)).toEqual([]);
    // Catalog versions: the one in force stays; sent notifications go, pending ones never do.
    expect((await rows('SELECT version FROM catalog_versions')).map((r) => r.version)).toEqual([3]);
    expect((await rows('SELECT id FROM alert_outbox ORDER BY id')).map((r) => r.id)).toEqual(['new-sent', 'old-pending']);
    // The API's access log goes with the aggregates it is about.
    expect((await rows('SELECT principal FROM access_log')).map((r) => r.principal)).toEqual(['new-reader']);

    // What it removed is counted, per table (labels: table names only), in batches of 3.
    expect(report.removed).toMatchObject({ seen_conversations: 14, recent_conversations: 14, catalog_versions: 2, alert_outbox: 1, access_log: 1 });
    expect(report.rolledUp['cluster_counts/hour']).toBeGreaterThan(0);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/clio_retention_rows_removed_total\{table="seen_conversations"\} 14/);
    expect(metrics).toMatch(/clio_retention_rows_rolled_up_total\{table="cluster_counts",grain="hour"\} \d+/);
    expect(log.text()).toContain('retention pass');
    expect(findCanary(log.text())).toBeUndefined();
    expect(findCanary(metrics)).toBeUndefined();

    // A second pass has nothing left to do.
    const again = await janitor.pass(NOW);
    expect(again).toEqual({ removed: {}, rolledUp: {}, packedDays: 0, complete: true });
  });

  it('keeps dedupe inside the window: a conversation seen 1 day ago is still not counted twice', async () => {
    const before = await counts(recent - HOUR, recent + HOUR);
    const outcome = await apply([conv(recent, 'a1', { idHash: 'recent-1' })]);
    expect(outcome).toMatchObject({ counted: 0, duplicates: 1 });
    expect(await counts(recent - HOUR, recent + HOUR)).toEqual(before);
  });

  it('folds a late arrival into an already folded hour on the next pass', async () => {
    await apply([conv(fortyDays + 50 * MIN, 'b4')]);
    await new Janitor(db, POLICY).pass(NOW);
    expect(await counts(fortyDays - HOUR, fortyDays + 2 * HOUR)).toEqual([[new Date(fortyDays).toISOString(), 7, 3]]);
  });

  it('runs on a schedule, and a failed pass does not throw', async () => {
    const schedule = new JanitorSchedule(new Janitor(db, POLICY), 60_000);
    expect(await schedule.runIfDue(async () => NOW)).not.toBeNull();
    expect(await schedule.runIfDue(async () => NOW)).toBeNull(); // not due yet
    const failing = new JanitorSchedule(new Janitor(db, POLICY), 0, createLogger('silent'));
    expect(await failing.runIfDue(async () => { throw new Error('clock unavailable'); })).toBeNull();
  });
});

describe('retention settings', () => {
  it('default to days for individual rows and months for aggregates', () => {
    expect(loadConfig().retention).toEqual({ enabled: true, individualDays: 7, bucketDays: 35, hourlyDays: 90, aggregateMonths: 13, batchRows: 5000, intervalSeconds: 300 });
    expect(loadConfig({ env: { CLIO_RETENTION_INDIVIDUAL_DAYS: '3' } }).retention.individualDays).toBe(3);
  });

  it('refuse a roll-up that would drop rows before the finer grain is due, or buckets kept shorter than detection reads', () => {
    const error = (overrides: Record<string, unknown>) => {
      try {
        loadConfig({ overrides: { retention: overrides } });
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    };
    expect(error({ bucketDays: 60, hourlyDays: 30 })?.message).toMatch(/retention\.hourlyDays/);
    expect(error({ hourlyDays: 400, aggregateMonths: 12 })?.message).toMatch(/retention\.aggregateMonths/);
    expect(error({ bucketDays: 7 })?.message).toMatch(/retention\.bucketDays/);
    expect(error({ individualDays: 0 })).toBeInstanceOf(ConfigError);
  });
});
