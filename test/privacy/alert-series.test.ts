import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { CatalogIndex } from '../../src/assign/catalog-index.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import { TermNamer } from '../../src/catalog/naming.ts';
import { Detector } from '../../src/detect/detector.ts';
import { EmergenceTracker } from '../../src/detect/emergence.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import { createLogger } from '../../src/log.ts';
import { parseRules } from '../../src/rules/rules.ts';
import { DetectionStore } from '../../src/store/detection-store.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';

const HOUR = 3_600_000;
const BUCKET = 300_000;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const LIMITS = { bucketSeconds: 300, minAccounts: 10, minConversations: 20, floor: { minAccounts: 5, minConversations: 10 } };
const RULES = `
rules:
  - name: harm-spike
    kind: spike
    description: Fraud grows.
    match: { policy_areas: [fraud], levels: [leaf] }
    window: 1h
    baseline: 1d
    guard: 1h
    seasonality: false
    min_ratio: 2
    keep_firing_for: 0
    cooldown: 1h
    routing: { group_wait: 0s, group_interval: 5m, repeat_interval: 1d }
`;

const leaf = (id: string, centroid: number[], extra: Partial<CatalogCluster> = {}): CatalogCluster => ({
  id, name: `Cluster ${id}`, description: `Requests about ${id}.`, parent: null, level: 0, centroid, size: 1000, unique_accounts: 200,
  policy_areas: [], provisional: false, named: true, similarity_threshold: 0.9, ...extra,
});

const catalog = (): Catalog => ({
  version: 1, created_at: '2026-11-19T00:00:00Z', embedding: { model_id: 'fake/4d', dimension: 4 }, facet_extractor: 'local',
  privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 3 },
  clusters: [leaf('c-fraud', [1, 0, 0, 0], { policy_areas: ['fraud'] }), leaf('c-cook', [0, 1, 0, 0]), leaf('c-code', [0, 0, 1, 0])],
});

describe('series in alert notifications (Slack sparkline, JSON payload)', () => {
  let db: SqlClient;
  beforeEach(async () => {
    db = await openPglite(MEMORY_STORE);
    await migrate(db);
  }, 60_000);
  afterEach(async () => db.close());

  it('carry no point under the privacy minimum: per-bucket counts of 6 leave the detector summed', async () => {
    const ingest = new IngestStore(db);
    const store = new DetectionStore(db);
    const index = new CatalogIndex(catalog());
    const rules = parseRules(RULES, 'rules.yaml', LIMITS);
    const metrics = new DetectionMetrics(new Registry());
    const logger = createLogger('silent');
    const emergence = new EmergenceTracker({ store, index, namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 3, metrics, logger, settings: null });
    const detector = await Detector.open({ store, index, rules: () => rules, bucketMs: BUCKET, allowedLatenessMs: 0, privacy: { minAccounts: 10, minConversations: 20 }, emergence, metrics, logger });

    let id = 0;
    let offset = 0n;
    const traffic = async (fromMs: number, toMs: number, perBucket: Record<string, number>) => {
      const conversations: CountedConversation[] = [];
      for (let b = fromMs; b < toMs; b += BUCKET) {
        for (const [clusterId, n] of Object.entries(perBucket)) {
          for (let i = 0; i < n; i++) {
            const k = id++;
            conversations.push({ idHash: `h${k}`, accountHash: `a${k % 50}`, eventTimeMs: b + i, clusterId, product: null, offset: offset++ });
          }
        }
      }
      await ingest.applyChunk({ consumer: 'test', topic: 't', partition: 0, nextOffset: offset, bucketMs: BUCKET, conversations, deadLetters: [] });
    };
    const quiet = { 'c-fraud': 2, 'c-cook': 6, 'c-code': 6 };
    await traffic(T0, T0 + 24 * HOUR, quiet);
    await detector.advance(T0 + 24 * HOUR);
    await traffic(T0 + 24 * HOUR, T0 + 26 * HOUR, { ...quiet, 'c-fraud': 6 });
    const sent = await detector.advance(T0 + 26 * HOUR);

    const firing = sent.filter((n) => n.alert.kind === 'spike');
    expect(firing.length).toBeGreaterThan(0);
    for (const n of firing) {
      expect(n.series.length).toBeGreaterThan(0);
      for (const v of n.series) expect(v === 0 || v >= 20, JSON.stringify(n.series)).toBe(true);
      // Coarser, not smaller: the points still add up to the window's conversations.
      expect(n.series.reduce((a, b) => a + b, 0)).toBe(n.alert.observed.conversations);
    }
  });
});
