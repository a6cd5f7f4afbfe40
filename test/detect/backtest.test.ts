import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../src/alerts/alert.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import { backtest, BacktestError, backtestSets, CountsCache, episodesOf, prefetchCounts } from '../../src/detect/backtest.ts';
import { Detector } from '../../src/detect/detector.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import { createLogger } from '../../src/log.ts';
import { parseRules, type RuleSet } from '../../src/rules/rules.ts';
import { DetectionStore } from '../../src/store/detection-store.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { Janitor } from '../../src/store/janitor.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { storeBackends } from '../helpers/stores.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BUCKET = 5 * MIN;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const LIMITS = { bucketSeconds: 300, minAccounts: 10, minConversations: 20, floor: { minAccounts: 5, minConversations: 10 } };
const PRIVACY = { minAccounts: 10, minConversations: 20 };
const AREAS = [{ id: 'fraud', name: 'Fraud', description: 'Scams and fraud.' }];

/** Leaves, parents and an area rule, with a short baseline so that two days are enough history. */
function rules(minRatio: number, keepFiringFor = 0): RuleSet {
  return parseRules(
    `
rules:
  - name: topics
    kind: spike
    description: A topic grows.
    match: { levels: [leaf, parent] }
    window: 1h
    baseline: 1d
    guard: 1h
    seasonality: false
    min_ratio: ${minRatio}
    keep_firing_for: ${keepFiringFor}
    cooldown: 1h
    routing: { group_wait: 0s, group_interval: 5m, repeat_interval: 2h, group_by: [rule, cluster] }
  - name: areas
    kind: spike
    description: An area grows.
    match: { levels: [area] }
    window: 1h
    baseline: 1d
    guard: 1h
    seasonality: false
    min_ratio: ${minRatio}
    routing: { group_wait: 0s, group_by: [rule, policy_area] }
  - name: new-patterns
    kind: emerging
    description: New patterns (not backtested).
    min_accounts: 10
`,
    'rules.yaml',
    LIMITS,
  );
}

function cluster(id: string, extra: Partial<CatalogCluster> = {}): CatalogCluster {
  return {
    id, name: `Cluster ${id}`, description: `Requests about ${id}.`, parent: 'p-1', level: 0, centroid: [1, 0, 0, 0], size: 1000, unique_accounts: 200,
    policy_areas: [], provisional: false, named: true, similarity_threshold: 0.9, ...extra,
  };
}

function catalog(): Catalog {
  return {
    version: 1, created_at: '2026-11-19T00:00:00Z', embedding: { model_id: 'fake/4d', dimension: 4 }, facet_extractor: 'local',
    privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 3 }, policy_area_shares: { fraud: 0.2 },
    clusters: [
      cluster('c-fraud', { policy_areas: ['fraud'] }),
      cluster('c-cook'),
      cluster('c-code'),
      cluster('c-quiet', { named: false }),
      { ...cluster('p-1'), parent: null, level: 1, size: 3000 },
    ],
  };
}

/** Two and a half days: steady, a ×4 fraud surge from many accounts, a ×3 cooking rise, and a ×5 rise in an unnamed leaf. */
function history(): Array<{ fromMs: number; perBucket: Record<string, number>; accounts: number }> {
  const steady = { 'c-fraud': 3, 'c-cook': 6, 'c-code': 6, 'c-quiet': 1 };
  return [
    { fromMs: T0, perBucket: steady, accounts: 60 },
    { fromMs: T0 + 30 * HOUR, perBucket: { ...steady, 'c-fraud': 12 }, accounts: 400 },
    { fromMs: T0 + 33 * HOUR, perBucket: steady, accounts: 60 },
    { fromMs: T0 + 40 * HOUR, perBucket: { ...steady, 'c-cook': 18, 'c-quiet': 5 }, accounts: 400 },
    { fromMs: T0 + 44 * HOUR, perBucket: steady, accounts: 60 },
  ];
}
const END = T0 + 60 * HOUR;

/** Counts hour by hour into the store, the detector judging after each hour as the live loop does. */
async function replay(db: SqlClient, ruleSet: RuleSet): Promise<Notification[]> {
  const ingest = new IngestStore(db);
  const cat = catalog();
  const byId = new Map(cat.clusters.map((c) => [c.id, c]));
  const detector = await Detector.open({
    store: new DetectionStore(db), index: { catalog: cat, cluster: (id) => byId.get(id) }, rules: () => ruleSet, bucketMs: BUCKET, allowedLatenessMs: 0,
    privacy: PRIVACY, emergence: { restore: async () => {}, pull: async () => {}, promote: async () => [], claim: () => {} },
    metrics: new DetectionMetrics(new Registry()), logger: createLogger('silent'), policyAreas: AREAS,
  });
  const phases = history();
  let offset = 0n;
  let id = 0;
  const released: Notification[] = [];
  for (let hour = T0; hour < END; hour += HOUR) {
    const conversations: CountedConversation[] = [];
    for (let b = hour; b < hour + HOUR; b += BUCKET) {
      const phase = [...phases].reverse().find((p) => p.fromMs <= b)!;
      for (const [clusterId, n] of Object.entries(phase.perBucket)) {
        for (let i = 0; i < n; i++) {
          const k = id++;
          conversations.push({
            idHash: `h${k}`, accountHash: `a${k % phase.accounts}`, eventTimeMs: b + Math.floor((i * BUCKET) / n), clusterId, ancestorIds: ['p-1'],
            policyAreas: clusterId === 'c-fraud' ? ['fraud'] : [], product: null, offset: offset++,
          });
        }
      }
    }
    await ingest.applyChunk({ consumer: 'test', topic: 't', partition: 0, nextOffset: offset, bucketMs: BUCKET, conversations, deadLetters: [] });
    // The first pass (at the end of the first day) judges only the bucket closing then, as a fresh process does.
    if (hour + HOUR >= T0 + 24 * HOUR) released.push(...(await detector.advance(hour + HOUR)));
  }
  released.push(...(await detector.advance(END - 1, { final: true })));
  return released;
}

describe.each(storeBackends)('backtest over %s', (_name, open) => {
  it('raises exactly what a replay of the same history with the same rules raised, for a loose and a strict rule set', async () => {
    const found = new Map<number, string[]>();
    for (const minRatio of [1.5, 3.5]) {
      const { db, cleanup } = await open();
      try {
        await migrate(db);
        const ruleSet = rules(minRatio);
        const live = await replay(db, ruleSet);
        const result = await backtest({
          db, catalog: catalog(), rules: ruleSet, fromMs: T0 + 24 * HOUR - BUCKET, toMs: END, bucketMs: BUCKET, privacy: PRIVACY,
          policyAreas: AREAS, logger: createLogger('silent'),
        });
        // Same notifications, in the same order, with the same figures: the same code judged the same counts.
        expect(result.notifications).toEqual(live);
        expect(result.alerts).toEqual(episodesOf(live));
        found.set(minRatio, result.alerts.map((a) => `${a.rule}:${a.cluster_id}`));
        if (minRatio === 1.5) {
          // The fraud surge is one incident under its area: the cluster's own alert is held back by the router (inhibition), as live.
          expect(found.get(1.5)).toEqual(expect.arrayContaining(['areas:area:fraud', 'topics:c-cook']));
          expect(found.get(1.5)).not.toContain('topics:c-fraud');
          const area = result.alerts.find((a) => a.cluster_id === 'area:fraud')!;
          expect(area).toMatchObject({ kind: 'spike', subject: 'policy_area', cluster_name: 'Fraud', started_at: new Date(T0 + 30 * HOUR).toISOString() });
          expect(area.resolved_at).not.toBeNull();
          expect(area.ratio).toBeGreaterThan(3);
          // The unnamed leaf rose too; it is never alerted (privacy gate), in a backtest as live.
          expect(found.get(1.5)!.some((s) => s.includes('c-quiet'))).toBe(false);
        }
        // Nothing was written: the store's detector state is the replay's, the outbox holds only the replay's notifications.
        const outbox = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM alert_outbox');
        expect(Number(outbox[0]!.n)).toBe(live.length);
      } finally {
        await db.close();
        await cleanup();
      }
    }
    // The strict rule drops the ×3 rise and keeps the ×4 surge.
    expect(found.get(3.5)).not.toContain('topics:c-cook');
    expect(found.get(3.5)!.some((s) => s.endsWith('fraud'))).toBe(true);
    expect(found.get(3.5)!.length).toBeLessThan(found.get(1.5)!.length);
  }, 240_000);

  it('judges only spike rules and refuses a period off the bucket grid', async () => {
    const { db, cleanup } = await open();
    try {
      await migrate(db);
      const emergingOnly = { ...rules(2), rules: rules(2).rules.filter((r) => r.kind === 'emerging') };
      const base = { db, catalog: catalog(), bucketMs: BUCKET, privacy: PRIVACY, logger: createLogger('silent') };
      expect(await backtest({ ...base, rules: emergingOnly, fromMs: T0, toMs: T0 + HOUR })).toEqual({ alerts: [], notifications: [] });
      await expect(backtest({ ...base, rules: rules(2), fromMs: T0 + 1, toMs: T0 + HOUR })).rejects.toBeInstanceOf(BacktestError);
      await expect(backtest({ ...base, rules: rules(2), fromMs: T0 + HOUR, toMs: T0 })).rejects.toBeInstanceOf(BacktestError);
    } finally {
      await db.close();
      await cleanup();
    }
  });
});

describe('backtestSets', () => {
  it('judges several rule sets side by side in worker threads, each exactly as backtest() judges it alone', async () => {
    const [, open] = storeBackends[0]!;
    const { db, cleanup } = await open();
    try {
      await migrate(db);
      await replay(db, rules(1.5));
      const lines: string[] = [];
      const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });
      const emergingOnly = { ...rules(2), rules: rules(2).rules.filter((r) => r.kind === 'emerging') };
      const base = { db, catalog: catalog(), fromMs: T0 + 24 * HOUR - BUCKET, toMs: END, bucketMs: BUCKET, privacy: PRIVACY, policyAreas: AREAS, logger };
      const sets = [rules(1.5), emergingOnly, rules(3.5)];
      const together = await backtestSets(base, sets);
      const alone = [];
      for (const set of sets) alone.push(await backtest({ ...base, rules: set }));
      expect(together).toEqual(alone);
      expect(together[0]!.alerts.length).toBeGreaterThan(together[2]!.alerts.length);
      expect(together[1]).toEqual({ alerts: [], notifications: [] });
      // The workers started and answered (the fallback, judging here, says so at warn).
      expect(lines.join('')).not.toContain('backtest workers');
    } finally {
      await db.close();
      await cleanup();
    }
  }, 240_000);
});

/** Counts of [fromMs, toMs) of the history into the store, hour by hour, as ingest writes them. */
async function ingestHistory(db: SqlClient, fromMs: number, toMs: number, at: { offset: bigint; id: number }): Promise<void> {
  const ingest = new IngestStore(db);
  const phases = history();
  for (let hour = fromMs; hour < toMs; hour += HOUR) {
    const conversations: CountedConversation[] = [];
    for (let b = hour; b < hour + HOUR; b += BUCKET) {
      const phase = [...phases].reverse().find((p) => p.fromMs <= b)!;
      for (const [clusterId, n] of Object.entries(phase.perBucket)) {
        for (let i = 0; i < n; i++) {
          const k = at.id++;
          conversations.push({
            idHash: `h${k}`, accountHash: `a${k % phase.accounts}`, eventTimeMs: b + Math.floor((i * BUCKET) / n), clusterId, ancestorIds: ['p-1'],
            policyAreas: clusterId === 'c-fraud' ? ['fraud'] : [], product: null, offset: at.offset++,
          });
        }
      }
    }
    await ingest.applyChunk({ consumer: 'test', topic: 't', partition: 0, nextOffset: at.offset, bucketMs: BUCKET, conversations, deadLetters: [] });
  }
}

/** The store, noting every span of counts a backtest snapshot reads: [product, from, to]. */
function recording(db: SqlClient): { db: SqlClient; reads: Array<[string, number, number]> } {
  const reads: Array<[string, number, number]> = [];
  return {
    reads,
    db: {
      ...db,
      query: async <Row,>(text: string, params?: unknown[]) => {
        if (text.includes('string_agg') && text.includes('FROM cluster_counts')) reads.push([String(params![0]), Date.parse(String(params![1])), Date.parse(String(params![2]))]);
        return db.query<Row>(text, params);
      },
    },
  };
}

describe('backtests with the counts kept between them (CountsCache)', () => {
  const [, open] = storeBackends[0]!;
  const FROM = T0 + 24 * HOUR - BUCKET;

  it('read only what may have changed, see counts that arrived since, and answer what a backtest reading everything answers', async () => {
    const { db: store, cleanup } = await open();
    try {
      await migrate(store);
      const at = { offset: 0n, id: 0 };
      await ingestHistory(store, T0, T0 + 40 * HOUR, at);
      const { db, reads } = recording(store);
      const cache = new CountsCache({ allowedLatenessMs: 0, retention: null });
      const base = { db, catalog: catalog(), fromMs: FROM, bucketMs: BUCKET, privacy: PRIVACY, policyAreas: AREAS, logger: createLogger('silent') };
      const sets = [rules(1.5), rules(3.5)];
      const first = await backtestSets({ ...base, toMs: T0 + 40 * HOUR, counts: { cache, closedThroughMs: T0 + 40 * HOUR } }, sets);
      expect(first[0]!.alerts.map((a) => a.cluster_id)).not.toContain('c-cook');
      expect(reads.length).toBeGreaterThan(0);

      // New hours arrive (the cooking rise), and a late conversation in a bucket closed two hours before the first backtest.
      await ingestHistory(store, T0 + 40 * HOUR, END, at);
      const late = T0 + 38 * HOUR;
      await new IngestStore(store).applyChunk({
        consumer: 'test', topic: 't', partition: 0, nextOffset: at.offset + 1n, bucketMs: BUCKET, deadLetters: [],
        conversations: [{ idHash: 'late-1', accountHash: 'a-late', eventTimeMs: late + 1000, clusterId: 'c-code', ancestorIds: ['p-1'], policyAreas: [], product: null, offset: at.offset++ }],
      });
      reads.length = 0;
      const second = await backtestSets({ ...base, toMs: END, counts: { cache, closedThroughMs: END } }, sets);
      // Only the buckets from six hours before the first backtest's watermark on were read again.
      expect(reads.length).toBeGreaterThan(0);
      expect(Math.min(...reads.map((r) => r[1]))).toBe(T0 + 34 * HOUR);
      const fresh = await backtestSets({ ...base, toMs: END }, sets);
      expect(second).toEqual(fresh);
      expect(second[0]!.alerts.map((a) => `${a.rule}:${a.cluster_id}`)).toContain('topics:c-cook');

      // A period whose counts had all settled when read is answered without reading anything, from counts that hold the late one.
      reads.length = 0;
      const lease = cache.take([''], T0, T0 + 48 * HOUR, BUCKET, { closedThroughMs: END, catalogVersion: 1 });
      expect(lease.snapshot.loadedThroughMs).toBeGreaterThanOrEqual(T0 + 48 * HOUR);
      const code = lease.snapshot.columnsOf('')!;
      const stored = await store.query<{ n: string | number }>("SELECT conversations AS n FROM cluster_counts WHERE cluster_id = 'c-code' AND product = '' AND bucket_start = $1", [new Date(late).toISOString()]);
      expect(code.columns.get('c-code')![(late - code.originMs) / BUCKET]).toBe(Number(stored[0]!.n));
      expect(Number(stored[0]!.n)).toBe(7);
      const third = await backtestSets({ ...base, toMs: T0 + 48 * HOUR, counts: { cache, closedThroughMs: END } }, sets);
      expect(reads).toEqual([]);
      expect(third).toEqual(await backtestSets({ ...base, toMs: T0 + 48 * HOUR }, sets));

      // Another catalog version starts afresh: everything is read again.
      reads.length = 0;
      await backtestSets({ ...base, catalog: { ...catalog(), version: 2 }, toMs: T0 + 48 * HOUR, counts: { cache, closedThroughMs: END } }, [rules(1.5)]);
      expect(Math.min(...reads.map((r) => r[1]))).toBeLessThan(FROM);
      cache.clear();
    } finally {
      await store.close();
      await cleanup();
    }
  }, 240_000);

  it('counts read ahead of a backtest (the rule editor opened) are its start: it reads only the recent buckets, and answers what reading everything answers', async () => {
    const { db: store, cleanup } = await open();
    try {
      await migrate(store);
      await ingestHistory(store, T0, END, { offset: 0n, id: 0 });
      const { db, reads } = recording(store);
      const cache = new CountsCache({ allowedLatenessMs: 0, retention: null });
      const base = { db, catalog: catalog(), fromMs: FROM, toMs: END, bucketMs: BUCKET, privacy: PRIVACY, policyAreas: AREAS, logger: createLogger('silent') };
      const counts = { cache, closedThroughMs: END };
      // Read ahead for the rules in force; the candidate (another threshold) judges the same segments.
      await prefetchCounts({ ...base, counts }, [rules(3.5)]);
      expect(Math.min(...reads.map((r) => r[1]))).toBeLessThan(FROM);
      reads.length = 0;
      const results = await backtestSets({ ...base, counts }, [rules(1.5), rules(3.5)]);
      // Only the six hours before the watermark, where late conversations may still land, are read again.
      expect(reads.length).toBeGreaterThan(0);
      expect(Math.min(...reads.map((r) => r[1]))).toBe(END - 6 * HOUR);
      expect(results).toEqual(await backtestSets(base, [rules(1.5), rules(3.5)]));
      cache.clear();
    } finally {
      await store.close();
      await cleanup();
    }
  }, 240_000);

  it('reads again what the janitor folded into hours since, and answers what a backtest reading everything answers', async () => {
    const { db: store, cleanup } = await open();
    try {
      await migrate(store);
      await ingestHistory(store, T0, END, { offset: 0n, id: 0 });
      const { db, reads } = recording(store);
      const retention = { individualDays: 30, bucketDays: 15, hourlyDays: 90, aggregateMonths: 13, batchRows: 100_000 };
      const cache = new CountsCache({ allowedLatenessMs: 0, retention });
      const base = { db, catalog: catalog(), fromMs: FROM, toMs: END, bucketMs: BUCKET, privacy: PRIVACY, policyAreas: AREAS, logger: createLogger('silent') };
      const sets = [rules(1.5)];
      await backtestSets({ ...base, counts: { cache, closedThroughMs: END } }, sets);
      // The event clock moves on past fifteen days after the 36th hour: the janitor folds the buckets before it into hours.
      const clock = T0 + 36 * HOUR + 15 * 24 * HOUR;
      const report = await new Janitor(store, retention, { budgetMs: 60_000 }).pass(clock);
      expect(report.rolledUp['cluster_counts/hour']).toBeGreaterThan(0);
      reads.length = 0;
      const after = await backtestSets({ ...base, counts: { cache, closedThroughMs: clock } }, sets);
      expect(Math.min(...reads.map((r) => r[1]))).toBeLessThan(FROM);
      expect(after).toEqual(await backtestSets(base, sets));
      cache.clear();
    } finally {
      await store.close();
      await cleanup();
    }
  }, 240_000);
});
