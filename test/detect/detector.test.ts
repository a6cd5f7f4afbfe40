import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/alerts/alert.ts';
import { validateAlert } from '../../src/alerts/alert.ts';
import { CatalogIndex } from '../../src/assign/catalog-index.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import { TermNamer } from '../../src/catalog/naming.ts';
import { Detector } from '../../src/detect/detector.ts';
import { EmergenceTracker } from '../../src/detect/emergence.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import { createLogger } from '../../src/log.ts';
import { parseRules, type RuleSet } from '../../src/rules/rules.ts';
import { DetectionStore } from '../../src/store/detection-store.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { Registry } from 'prom-client';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BUCKET = 5 * MIN;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const LIMITS = { bucketSeconds: 300, minAccounts: 10, minConversations: 20, floor: { minAccounts: 5, minConversations: 10 } };

const RULES = `
rules:
  - name: harm-spike
    kind: spike
    description: Fraud grows.
    match: { policy_areas: [fraud], levels: [leaf, parent] }
    window: 1h
    baseline: 1d
    guard: 1h
    seasonality: false
    min_ratio: 2
    keep_firing_for: 0
    cooldown: 1h
    routing: { group_wait: 0s, group_interval: 5m, repeat_interval: 1d }
  - name: new-patterns
    kind: emerging
    description: New patterns.
    min_accounts: 10
    routing: { group_wait: 0s }
    emerging: { horizon: 6h, min_similarity: 0.9 }
`;

function cluster(id: string, centroid: number[], extra: Partial<CatalogCluster> = {}): CatalogCluster {
  return {
    id, name: `Cluster ${id}`, description: `Requests about ${id}.`, parent: 'p-1', level: 0, centroid, size: 1000, unique_accounts: 200,
    policy_areas: [], provisional: false, named: true, similarity_threshold: 0.9, ...extra,
  };
}

function catalog(): Catalog {
  return {
    version: 1, created_at: '2026-11-19T00:00:00Z', embedding: { model_id: 'fake/4d', dimension: 4 }, facet_extractor: 'local',
    privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 3 },
    clusters: [
      cluster('c-fraud', [1, 0, 0, 0], { policy_areas: ['fraud'] }),
      cluster('c-cook', [0, 1, 0, 0]),
      cluster('c-code', [0, 0, 1, 0]),
      { ...cluster('p-1', [0.58, 0.58, 0.58, 0]), parent: null, level: 1, size: 3000, policy_areas: ['fraud'] },
    ],
  };
}

describe('Detector', () => {
  let db: SqlClient;
  let ingest: IngestStore;
  let offset = 0n;
  let id = 0;

  beforeEach(async () => {
    db = await openPglite(MEMORY_STORE);
    await migrate(db);
    ingest = new IngestStore(db);
    offset = 0n;
    id = 0;
  }, 60_000);
  afterEach(async () => {
    await db.close();
  });

  async function open(rules: RuleSet = parseRules(RULES, 'rules.yaml', LIMITS), index = new CatalogIndex(catalog())) {
    const store = new DetectionStore(db);
    const metrics = new DetectionMetrics(new Registry());
    const logger = createLogger('silent');
    const emergingRule = rules.rules.find((r) => r.kind === 'emerging')!;
    const emergence = new EmergenceTracker({
      store, index, namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 3, metrics, logger,
      settings: { horizonMs: emergingRule.emerging!.horizonSeconds * 1000, joinSimilarity: emergingRule.emerging!.minSimilarity },
    });
    const detector = await Detector.open({
      store, index, rules: () => rules, bucketMs: BUCKET, allowedLatenessMs: 0, privacy: { minAccounts: 10, minConversations: 20 }, emergence, metrics, logger,
    });
    return { detector, index };
  }

  /** `perBucket` conversations per cluster per 5-minute bucket over [fromMs, toMs), from `accounts` accounts. */
  async function traffic(fromMs: number, toMs: number, perBucket: Record<string, number>, accounts = 50, novel?: (i: number) => CountedConversation['novel']) {
    const conversations: CountedConversation[] = [];
    for (let b = fromMs; b < toMs; b += BUCKET) {
      for (const [clusterId, n] of Object.entries(perBucket)) {
        for (let i = 0; i < n; i++) {
          const k = id++;
          conversations.push({
            idHash: `h${k}`, accountHash: `a${k % accounts}`, eventTimeMs: b + Math.floor((i * BUCKET) / Math.max(1, n)), clusterId,
            ancestorIds: ['p-1'], product: null, novel: novel?.(k), offset: offset++,
          });
        }
      }
    }
    const outcome = await ingest.applyChunk({ consumer: 'test', topic: 't', partition: 0, nextOffset: offset, bucketMs: BUCKET, conversations, deadLetters: [] });
    return outcome;
  }

  it('fires on a 3× rise in a policy cluster, once per episode, and resolves it by updating the same alert', async () => {
    const { detector } = await open();
    const quiet = { 'c-fraud': 2, 'c-cook': 6, 'c-code': 6 };
    await traffic(T0, T0 + 24 * HOUR, quiet);
    const sent: Notification[] = [];
    sent.push(...(await detector.advance(T0 + 24 * HOUR)));
    expect(sent).toEqual([]);

    // Two hours at 3× in the fraud cluster.
    const spikeStart = T0 + 24 * HOUR;
    await traffic(spikeStart, spikeStart + 2 * HOUR, { ...quiet, 'c-fraud': 6 });
    sent.push(...(await detector.advance(spikeStart + 2 * HOUR)));
    const firing = sent.filter((n) => n.alert.kind === 'spike');
    expect(firing.length).toBeGreaterThanOrEqual(1);
    expect(firing[0]!.alert).toMatchObject({ rule: 'harm-spike', cluster: { id: 'c-fraud', parent: { id: 'p-1' } }, window: { end: new Date(spikeStart + HOUR).toISOString() } });
    expect(firing[0]!.alert.ratio).toBeGreaterThan(2);
    for (const n of sent) validateAlert(n.alert);
    // One message per episode: the second window of the same spike does not notify again.
    expect(new Set(firing.filter((n) => n.alert.cluster.id === 'c-fraud').map((n) => n.id))).toEqual(new Set([`${firing[0]!.alert.alert_id}:firing:1`]));

    // Back to normal: the episode resolves, as an update of the same alert.
    await traffic(spikeStart + 2 * HOUR, spikeStart + 5 * HOUR, quiet);
    const after = await detector.advance(spikeStart + 5 * HOUR);
    const resolved = after.filter((n) => n.alert.kind === 'resolved' && n.alert.cluster.id === 'c-fraud');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ update: true, id: `${firing[0]!.alert.alert_id}:resolved` });
    // The resolved notice repeats the figures that passed the privacy gate.
    expect(resolved[0]!.alert.observed.unique_accounts).toBeGreaterThanOrEqual(10);
  });

  it('stays silent when the same rise comes from too few accounts (privacy gate)', async () => {
    const { detector } = await open();
    await traffic(T0, T0 + 24 * HOUR, { 'c-fraud': 2, 'c-cook': 6 }, 50);
    await detector.advance(T0 + 24 * HOUR);
    // The extra fraud conversations all come from 4 accounts: never shown, whatever the count.
    await traffic(T0 + 24 * HOUR, T0 + 26 * HOUR, { 'c-cook': 6 }, 50);
    await traffic(T0 + 24 * HOUR, T0 + 26 * HOUR, { 'c-fraud': 8 }, 4);
    const sent = await detector.advance(T0 + 26 * HOUR);
    expect(sent.filter((n) => n.alert.cluster.id === 'c-fraud')).toEqual([]);
  });

  it('judges each closed bucket once, across a restart, and writes what it releases to the outbox', async () => {
    const first = await open();
    await traffic(T0, T0 + 24 * HOUR, { 'c-fraud': 2, 'c-cook': 6 });
    await first.detector.advance(T0 + 24 * HOUR);
    await traffic(T0 + 24 * HOUR, T0 + 26 * HOUR, { 'c-fraud': 7, 'c-cook': 6 });
    const sent = await first.detector.advance(T0 + 25 * HOUR);
    expect(sent.some((n) => n.alert.kind === 'spike')).toBe(true);

    const second = await open();
    // Judging the same clock again releases nothing new; the next hour continues the episode without a second message.
    expect(await second.detector.advance(T0 + 25 * HOUR)).toEqual([]);
    const next = await second.detector.advance(T0 + 26 * HOUR);
    expect(next.filter((n) => n.alert.kind === 'spike')).toEqual([]);
    const outbox = await db.query<{ id: string }>('SELECT id FROM alert_outbox ORDER BY id');
    expect(outbox.map((r) => r.id)).toEqual(sent.map((n) => n.id).sort());
  });

  it('promotes a dense novel group from many accounts to a provisional cluster, alerted once as emerging', async () => {
    const { detector, index } = await open();
    const direction = [0, 0, 0.3, 0.954];
    const novel = (words: string) => () => ({ nearestClusterId: 'c-code', embedding: direction, summaryWords: words });
    await traffic(T0, T0 + 2 * HOUR, { 'c-cook': 6 });
    await detector.advance(T0 + 2 * HOUR);
    // 40 accounts send the same new kind of request.
    await traffic(T0 + 2 * HOUR, T0 + 4 * HOUR, { 'c-code': 2 }, 40, novel('automate fake refund claims browser'));
    const sent = await detector.advance(T0 + 4 * HOUR);
    const emerging = sent.filter((n) => n.alert.kind === 'emerging');
    expect(emerging).toHaveLength(1);
    expect(emerging[0]!.alert.observed.unique_accounts).toBeGreaterThanOrEqual(10);
    expect(emerging[0]!.alert.cluster.name.toLowerCase()).toMatch(/refund|fake|automate|claims|browser/);
    const added = index.catalog.clusters.find((c) => c.provisional)!;
    expect(added).toMatchObject({ id: emerging[0]!.alert.cluster.id, named: true });
    expect(index.assign(direction)).toMatchObject({ clusterId: added.id, novel: false });

    // The new catalog version is stored; a restarted detector knows the cluster and does not re-alert it.
    const stored = await new DetectionStore(db).latestCatalog();
    expect(stored!.clusters.some((c) => c.id === added.id)).toBe(true);
    const restarted = await open(undefined, new CatalogIndex(catalog()));
    expect(restarted.index.cluster(added.id)).toBeDefined();
    await traffic(T0 + 4 * HOUR, T0 + 5 * HOUR, { 'c-code': 1 }, 40, novel('automate fake refund claims browser'));
    expect((await restarted.detector.advance(T0 + 5 * HOUR)).filter((n) => n.alert.kind === 'emerging')).toEqual([]);
  });

  it('does not promote the same volume of novel conversations from 3 accounts', async () => {
    const { detector, index } = await open();
    await traffic(T0, T0 + HOUR, { 'c-cook': 6 });
    await detector.advance(T0 + HOUR);
    await traffic(T0 + HOUR, T0 + 3 * HOUR, { 'c-code': 2 }, 3, () => ({ nearestClusterId: 'c-code', embedding: [0, 0, 0.3, 0.954], summaryWords: 'automate fake refund claims browser' }));
    expect((await detector.advance(T0 + 3 * HOUR)).filter((n) => n.alert.kind === 'emerging')).toEqual([]);
    expect(index.catalog.clusters.some((c) => c.provisional)).toBe(false);
  });
});
