import { describe, expect, it } from 'vitest';
import { StoreReadModel } from '../../src/api/read-model.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import { parseRules } from '../../src/rules/rules.ts';
import { DetectionStore } from '../../src/store/detection-store.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { storeBackends } from '../helpers/stores.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BUCKET = 5 * MIN;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const LIMITS = { bucketSeconds: 300, minAccounts: 10, minConversations: 20, floor: { minAccounts: 5, minConversations: 10 } };
const RULES = parseRules(
  `
rules:
  - name: topics
    kind: spike
    description: A topic grows.
    window: 1h
    baseline: 6h
    guard: 1h
    seasonality: false
silences:
  - id: quiet-b
    matchers: { cluster_id: c-b }
    expires_at: 2100-01-01T00:00:00Z
    comment: Known.
`,
  'rules.yaml',
  LIMITS,
);

function cluster(id: string, extra: Partial<CatalogCluster> = {}): CatalogCluster {
  return {
    id, name: `Topic ${id}`, description: `About ${id}.`, parent: null, level: 0, centroid: [1, 0], size: 100, unique_accounts: 50, policy_areas: [],
    provisional: false, named: true, similarity_threshold: 0.9, ...extra,
  };
}

const CATALOG: Catalog = {
  version: 1, created_at: '2026-11-19T00:00:00Z', embedding: { model_id: 'fake/2d', dimension: 2 }, facet_extractor: 'local',
  privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 3 },
  clusters: [cluster('c-a'), cluster('c-b'), cluster('c-tiny'), cluster('c-unnamed', { named: false })],
};

describe.each(storeBackends)('StoreReadModel over %s', (_name, open) => {
  it('gates series per step, counts distinct accounts exactly over coarser steps, and follows the trailing baseline', async () => {
    const { db, cleanup } = await open();
    try {
      await migrate(db);
      // c-a: 30 per bucket from a rotation of 12 accounts for 10 hours; c-tiny: 1 per bucket from 2 accounts; c-unnamed: 40 per bucket.
      const conversations: CountedConversation[] = [];
      let k = 0;
      for (let b = T0; b < T0 + 10 * HOUR; b += BUCKET) {
        for (let i = 0; i < 30; i++) conversations.push({ idHash: `h${k++}`, accountHash: `a-${i % 12}`, eventTimeMs: b + i * 1000, clusterId: 'c-a', offset: BigInt(k) });
        conversations.push({ idHash: `h${k++}`, accountHash: `t-${k % 2}`, eventTimeMs: b + 40_000, clusterId: 'c-tiny', offset: BigInt(k) });
        for (let i = 0; i < 40; i++) conversations.push({ idHash: `h${k++}`, accountHash: `u-${i}`, eventTimeMs: b + 50_000 + i * 100, clusterId: 'c-unnamed', offset: BigInt(k) });
      }
      await new IngestStore(db).applyChunk({ consumer: 'test', topic: 't', partition: 0, nextOffset: BigInt(k + 1), bucketMs: BUCKET, conversations, deadLetters: [] });
      const model = new StoreReadModel({ db, catalog: () => CATALOG, rules: () => RULES, bucketMs: BUCKET, allowedLatenessMs: 0, minimums: { conversations: 20, accounts: 10 }, now: () => T0 });

      expect(await model.closedThrough()).toBe(T0 + 10 * HOUR - BUCKET);
      const hourly = await model.series('c-a', T0 + 8 * HOUR, T0 + 10 * HOUR, HOUR);
      // 360 conversations an hour from the same 12 accounts: distinct, not the sum of the buckets' 12s.
      expect(hourly.map((p) => [p.conversations, p.accounts, p.suppressed])).toEqual([[360, 12, false], [360, 12, false]]);
      expect(hourly[0]!.share).toBeCloseTo(30 / 71, 6);
      // Trailing 6 h before a 1 h guard band: the same steady share, inside a narrow band.
      expect(hourly[0]!.expected).toBeCloseTo(30 / 71, 6);
      expect(hourly[0]!.lower!).toBeLessThan(hourly[0]!.expected!);
      // The first hours have no baseline yet: no expectation rather than a made-up one.
      expect((await model.series('c-a', T0, T0 + HOUR, HOUR))[0]).toMatchObject({ conversations: 360, expected: null, lower: null, upper: null });
      // 2 accounts: suppressed at every step, even a day.
      for (const step of [BUCKET, HOUR, 24 * HOUR]) {
        const points = await model.series('c-tiny', T0, T0 + 24 * HOUR, step);
        expect(points.every((p) => p.suppressed && p.conversations === null && p.accounts === null && p.share === null)).toBe(true);
      }
      // Unnamed and unknown clusters are no series at all; an area of the taxonomy is.
      expect(model.seriesSubject('c-unnamed')).toBeNull();
      expect(model.seriesSubject('nope')).toBeNull();
      expect(await model.series('c-unnamed', T0, T0 + HOUR, HOUR)).toEqual([]);
      expect(model.seriesSubject('area:fraud')).toMatchObject({ level: 'area' });

      const table = (await model.clusterTable())!;
      expect(table.shown.map((f) => f.cluster.id)).toEqual(['c-a']);
      // c-b (no traffic), c-tiny (2 accounts), c-unnamed: counted, never described; their 492 conversations (from at least 40 accounts) are enough to give.
      expect(table.other).toEqual({ clusters: 3, conversations: 12 + 480 });
    } finally {
      await db.close();
      await cleanup();
    }
  }, 120_000);

  it('lists alerts the router holds (firing, silenced) beside those the outbox notified', async () => {
    const { db, cleanup } = await open();
    try {
      await migrate(db);
      const alert = (clusterId: string, kind: 'spike' | 'resolved') => ({
        alert_id: `topics/${clusterId}/2026-11-20T05:00:00Z`, kind, rule: 'topics', severity: 'warning', subject: 'cluster',
        cluster: { id: clusterId, name: `Topic ${clusterId}`, description: 'About it.', policy_areas: [], parent: null },
        window: { start: '2026-11-20T05:00:00.000Z', end: '2026-11-20T06:00:00.000Z' }, observed: { conversations: 90, unique_accounts: 40, share: 0.3 },
        baseline: { conversations: 30, share: 0.1 }, ratio: 3, score: { method: 'binomial-share', value: 8 }, fired_at: '2026-11-20T06:00:00.000Z',
      });
      const held = (clusterId: string) => ({ alertId: `topics/${clusterId}/2026-11-20T05:00:00Z`, alert: alert(clusterId, 'spike'), channel: null, series: [], status: 'firing', sent: 0, lastSentAtMs: null, lastReportedAtMs: 0 });
      const routing = { groupBy: ['rule'], groupWaitSeconds: 0, groupIntervalSeconds: 300, repeatIntervalSeconds: 3600 };
      await new DetectionStore(db).transaction((tx) =>
        DetectionStore.saveState(tx, 'detector', {
          version: 1, judgedThroughMs: T0, episodes: {},
          router: { version: 1, groups: [{ key: 'rule=topics', routing, createdAtMs: 0, lastNotifiedAtMs: null, alerts: [held('c-a'), held('c-b')] }] },
        }),
      );
      const model = new StoreReadModel({ db, catalog: () => CATALOG, rules: () => RULES, bucketMs: BUCKET, allowedLatenessMs: 0, minimums: { conversations: 20, accounts: 10 } });
      const alerts = await model.alerts();
      expect(alerts.map((a) => [a.cluster.id, a.state, a.startedAt, a.ratio, a.accounts])).toEqual([
        ['c-a', 'firing', '2026-11-20T05:00:00.000Z', 3, 40],
        ['c-b', 'silenced', '2026-11-20T05:00:00.000Z', 3, 40],
      ]);
      expect(await model.alerts({ state: 'silenced' })).toHaveLength(1);
    } finally {
      await db.close();
      await cleanup();
    }
  }, 120_000);
});
