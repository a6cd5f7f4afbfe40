import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/alerts/alert.ts';
import { validateAlert } from '../../src/alerts/alert.ts';
import { CatalogIndex } from '../../src/assign/catalog-index.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import { TermNamer } from '../../src/catalog/naming.ts';
import { Detector, MAX_BUCKETS_PER_PASS } from '../../src/detect/detector.ts';
import { EmergenceTracker } from '../../src/detect/emergence.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import { createLogger } from '../../src/log.ts';
import { memoryStream } from '../helpers/canary.ts';
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

  async function open(rules: RuleSet = parseRules(RULES, 'rules.yaml', LIMITS), index = new CatalogIndex(catalog()), logger = createLogger('silent')) {
    const store = new DetectionStore(db);
    const metrics = new DetectionMetrics(new Registry());
    const emergingRule = rules.rules.find((r) => r.kind === 'emerging')!;
    const emergence = new EmergenceTracker({
      store, index, namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 3, metrics, logger,
      settings: { horizonMs: emergingRule.emerging!.horizonSeconds * 1000, joinSimilarity: emergingRule.emerging!.minSimilarity },
    });
    // What the detector hands the tracker back from its saved state.
    const claimed: string[] = [];
    const claim = emergence.claim.bind(emergence);
    emergence.claim = (idHashes) => {
      const list = [...idHashes];
      claimed.push(...list);
      claim(list);
    };
    const detector = await Detector.open({
      store, index, rules: () => rules, bucketMs: BUCKET, allowedLatenessMs: 0, privacy: { minAccounts: 10, minConversations: 20 }, emergence, metrics, logger,
    });
    return { detector, index, metrics, claimed };
  }

  /** `perBucket` conversations per cluster per 5-minute bucket over [fromMs, toMs), from `accounts` accounts. */
  async function traffic(fromMs: number, toMs: number, perBucket: Record<string, number>, accounts = 50, request?: (i: number) => CountedConversation['request']) {
    const conversations: CountedConversation[] = [];
    for (let b = fromMs; b < toMs; b += BUCKET) {
      for (const [clusterId, n] of Object.entries(perBucket)) {
        for (let i = 0; i < n; i++) {
          const k = id++;
          conversations.push({
            idHash: `h${k}`, accountHash: `a${k % accounts}`, eventTimeMs: b + Math.floor((i * BUCKET) / Math.max(1, n)), clusterId,
            ancestorIds: ['p-1'], product: null, request: request?.(k), offset: offset++,
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

  it('judges a cluster added to the live catalog after it started judging (the subjects it keeps between windows follow the catalog)', async () => {
    const { detector, index } = await open();
    const quiet = { 'c-fraud': 2, 'c-cook': 6, 'c-code': 6, 'c-new': 2 };
    await traffic(T0, T0 + 24 * HOUR, quiet);
    expect(await detector.advance(T0 + 24 * HOUR)).toEqual([]);
    await traffic(T0 + 24 * HOUR, T0 + 25 * HOUR, quiet);
    expect(await detector.advance(T0 + 25 * HOUR)).toEqual([]);
    // As a follower adds a cluster the leader stored (leader-loop's syncProvisional): the same catalog, one more leaf.
    index.addLeaf(cluster('c-new', [0, 0, 0, 1], { policy_areas: ['fraud'], provisional: true }));
    const spikeStart = T0 + 25 * HOUR;
    // From many accounts: a rise that more people carry than usual.
    await traffic(spikeStart, spikeStart + 2 * HOUR, { ...quiet, 'c-new': 6 }, 400);
    const firing = (await detector.advance(spikeStart + 2 * HOUR)).filter((n) => n.alert.kind === 'spike');
    expect(firing.map((n) => n.alert.cluster.id)).toContain('c-new');
  });

  it('judges a leap of the clock a bounded stretch per pass, and all of it at the end of a replay', async () => {
    const { detector, metrics } = await open();
    await traffic(T0, T0 + 2 * HOUR, { 'c-cook': 2 });
    await detector.advance(T0 + 2 * HOUR);
    const closed = async () => (await metrics.bucketsClosed.get()).values[0]!.value;
    const before = await closed();
    await detector.advance(T0 + 2 * HOUR + 10 * 24 * HOUR); // ten days ahead
    expect((await closed()) - before).toBe(MAX_BUCKETS_PER_PASS);
    await detector.advance(T0 + 2 * HOUR + 10 * 24 * HOUR);
    expect((await closed()) - before).toBe(2 * MAX_BUCKETS_PER_PASS);
    await detector.advance(T0 + 2 * HOUR + 10 * 24 * HOUR, { final: true });
    expect((await closed()) - before).toBe((10 * 24 * HOUR) / BUCKET + 1);
  });

  it('forgets counts older than its rules read, once a day, and still fires after weeks', async () => {
    const { detector } = await open();
    const quiet = { 'c-fraud': 1, 'c-cook': 1 };
    // The test rules read at most 1 d baseline + 1 h guard + 1 h window back.
    const longest = 26 * HOUR;
    for (let day = 0; day < 10; day++) {
      await traffic(T0 + day * 24 * HOUR, T0 + (day + 1) * 24 * HOUR, quiet);
      await detector.advance(T0 + (day + 1) * 24 * HOUR);
      const end = T0 + (day + 1) * 24 * HOUR;
      expect(end - detector.countsHeldFromMs()!, `day ${day + 1}`).toBeLessThanOrEqual(longest + 24 * HOUR);
    }
    expect(detector.countsHeldFromMs()).toBeGreaterThan(T0 + 7 * 24 * HOUR);
    // The forgotten days were not needed: a rise on day 11 fires as on day 2.
    const spikeStart = T0 + 10 * 24 * HOUR;
    await traffic(spikeStart, spikeStart + 2 * HOUR, { ...quiet, 'c-fraud': 6 }, 400);
    const firing = (await detector.advance(spikeStart + 2 * HOUR)).filter((n) => n.alert.kind === 'spike');
    expect(firing.map((n) => n.alert.cluster.id)).toContain('c-fraud');
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

  it('leaves no id of a withheld group in its trace log (side channel)', async () => {
    const log = memoryStream();
    const { detector, metrics } = await open(undefined, undefined, createLogger('trace', log));
    await traffic(T0, T0 + 24 * HOUR, { 'c-fraud': 2, 'c-cook': 6 }, 50);
    await detector.advance(T0 + 24 * HOUR);
    await traffic(T0 + 24 * HOUR, T0 + 26 * HOUR, { 'c-cook': 6 }, 50);
    await traffic(T0 + 24 * HOUR, T0 + 26 * HOUR, { 'c-fraud': 8 }, 4);
    await detector.advance(T0 + 26 * HOUR);
    const gated = (await metrics.gated.get()).values.find((v) => v.labels.kind === 'spike')?.value ?? 0;
    expect(gated).toBeGreaterThan(0);
    const judged = log.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.msg === 'window judged');
    expect(judged.filter((l) => l.withheld === true).length).toBe(gated);
    // The withheld rise is never named: no passing window of c-fraud (or its parent) in the log, and no withheld line names a series.
    expect(judged.filter((l) => l.passed === true && (l.series === 'c-fraud' || l.series === 'p-1'))).toEqual([]);
    expect(judged.filter((l) => l.withheld === true && 'series' in l)).toEqual([]);
    // Quiet windows are still traced with their series (nothing about them is withheld).
    expect(judged.some((l) => l.series === 'c-fraud' && l.passed === false)).toBe(true);
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
    // Its state keeps the conversations that formed the group, which a restarted detector claims for it again.
    const state = await new DetectionStore(db).loadState<{ provisional: Record<string, { sinceMs: number; members?: string[] }> }>('detector');
    const members = state!.provisional[added.id]!.members!;
    expect(members).toHaveLength(emerging[0]!.alert.observed.conversations);
    expect(members.every((m) => /^h\d+$/.test(m))).toBe(true);
    const restarted = await open(undefined, new CatalogIndex(catalog()));
    expect(restarted.index.cluster(added.id)).toBeDefined();
    expect(restarted.claimed.sort()).toEqual([...members].sort());
    await traffic(T0 + 4 * HOUR, T0 + 5 * HOUR, { 'c-code': 1 }, 40, novel('automate fake refund claims browser'));
    expect((await restarted.detector.advance(T0 + 5 * HOUR)).filter((n) => n.alert.kind === 'emerging')).toEqual([]);
    // Once no window can hold them (the 6 h horizon and a margin), the members leave the state; the cluster stays.
    await restarted.detector.advance(T0 + 13 * HOUR);
    const later = await new DetectionStore(db).loadState<{ provisional: Record<string, { sinceMs: number; members?: string[] }> }>('detector');
    expect(later!.provisional[added.id]).toEqual({ sinceMs: state!.provisional[added.id]!.sinceMs });
  });

  it('holds back the emerging alert of a group that began within a surge already alerted in its area, and still promotes it', async () => {
    const log = memoryStream();
    const { detector, index, metrics } = await open(undefined, undefined, createLogger('info', log));
    // Near the fraud cluster, so the new cluster carries the fraud area.
    const nearFraud = () => ({ nearestClusterId: 'c-fraud', embedding: [0.3, 0, 0, 0.954], summaryWords: 'stack coupon codes checkout bot' });
    await traffic(T0, T0 + 24 * HOUR, { 'c-fraud': 2, 'c-cook': 6 });
    await detector.advance(T0 + 24 * HOUR);
    await traffic(T0 + 24 * HOUR, T0 + 25 * HOUR, { 'c-fraud': 7, 'c-cook': 6 });
    const spike = await detector.advance(T0 + 25 * HOUR);
    expect(spike.filter((n) => n.alert.kind === 'spike').map((n) => n.alert.cluster.policy_areas)).toEqual([['fraud']]);
    // An hour into the surge, 40 accounts send something new in that area.
    await traffic(T0 + 25 * HOUR, T0 + 27 * HOUR, { 'c-cook': 2 }, 40, nearFraud);
    const later = await detector.advance(T0 + 27 * HOUR);
    expect(later.filter((n) => n.alert.kind === 'emerging')).toEqual([]);
    const added = index.catalog.clusters.filter((c) => c.provisional);
    expect(added).toHaveLength(1);
    expect(added[0]!.policy_areas).toEqual(['fraud']);
    expect((await metrics.inhibited.get()).values.find((v) => v.labels.kind === 'emerging')?.value).toBe(1);
    // Its log line names the cluster and the area only: no conversation or account hash, no words.
    const held = log.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).startsWith('emerging group held back'));
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ cluster: added[0]!.id, area: 'fraud' });
    expect(log.text()).not.toMatch(/"h\d+"|"a\d+"|coupon|checkout/);
  });

  it('alerts the same group when no surge of its area came before it', async () => {
    const { detector } = await open();
    const nearFraud = () => ({ nearestClusterId: 'c-fraud', embedding: [0.3, 0, 0, 0.954], summaryWords: 'stack coupon codes checkout bot' });
    await traffic(T0, T0 + 24 * HOUR, { 'c-fraud': 2, 'c-cook': 6 });
    await detector.advance(T0 + 25 * HOUR);
    await traffic(T0 + 25 * HOUR, T0 + 27 * HOUR, { 'c-cook': 2 }, 40, nearFraud);
    const later = await detector.advance(T0 + 27 * HOUR);
    expect(later.filter((n) => n.alert.kind === 'emerging').map((n) => n.alert.cluster.policy_areas)).toEqual([['fraud']]);
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

describe('Detector: policy areas', () => {
  let db: SqlClient;
  let ingest: IngestStore;
  let offset = 0n;
  let id = 0;
  /** Accounts drawn at random from each flow's pool (mulberry32, seeded per test), as real accounts recur. */
  let random: () => number;

  beforeEach(async () => {
    db = await openPglite(MEMORY_STORE);
    await migrate(db);
    ingest = new IngestStore(db);
    offset = 0n;
    id = 0;
    let a = 12345;
    random = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }, 60_000);
  afterEach(async () => {
    await db.close();
  });

  const AREAS = [
    { id: 'weapons', name: 'Weapons', description: 'Making or acquiring weapons, explosives or CBRN agents.' },
    { id: 'fraud', name: 'Fraud and scams', description: 'Deceiving people for money.' },
    { id: 'malware', name: 'Malware', description: 'Writing or spreading malicious code.' },
  ];
  const LEAVES = Array.from({ length: 10 }, (_, i) => `c-${i}`);
  /** Ten leaves under two parents; c-0..c-2 are tagged weapons (as their members mostly are), the rest untagged. */
  function areaCatalog(extra: Partial<Catalog> = {}): Catalog {
    const leaves = LEAVES.map((leaf, i) => {
      const centroid = [0, 0, 0, 0];
      centroid[i % 4] = 1;
      return cluster(leaf, centroid, { parent: i < 5 ? 'p-a' : 'p-b', size: 1000, policy_areas: i < 3 ? ['weapons'] : [] });
    });
    return {
      ...catalog(),
      clusters: [
        ...leaves,
        { ...cluster('p-a', [0.5, 0.5, 0.5, 0.5]), parent: null, level: 1, size: 5000, policy_areas: ['weapons'] },
        { ...cluster('p-b', [0.5, -0.5, 0.5, -0.5]), parent: null, level: 1, size: 5000 },
      ],
      ...extra,
    };
  }

  const AREA_RULES = `
rules:
  - name: areas
    kind: spike
    description: A policy area grows.
    match: { levels: [area] }
    window: 1h
    baseline: 6h
    guard: 1h
    seasonality: false
    keep_firing_for: 0
    area_severity: { weapons: critical }
    routing: { group_by: [rule, policy_area], group_wait: 0s, group_interval: 5m, repeat_interval: 1d }
  - name: topics
    kind: spike
    description: A topic grows.
    match: { levels: [leaf, parent] }
    window: 1h
    baseline: 6h
    guard: 1h
    seasonality: false
    keep_firing_for: 0
    routing: { group_by: [rule, cluster], group_wait: 0s, group_interval: 5m, repeat_interval: 1d }
  - name: new-patterns
    kind: emerging
    description: New patterns.
    emerging: { horizon: 6h, min_similarity: 0.9 }
`;

  async function open(rulesText = AREA_RULES, cat = areaCatalog()) {
    const rules = parseRules(rulesText, 'rules.yaml', LIMITS);
    const store = new DetectionStore(db);
    const registry = new Registry();
    const metrics = new DetectionMetrics(registry);
    const logger = createLogger('silent');
    const index = new CatalogIndex(cat);
    const emergingRule = rules.rules.find((r) => r.kind === 'emerging')!;
    const emergence = new EmergenceTracker({
      store, index, namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 3, metrics, logger,
      settings: { horizonMs: emergingRule.emerging!.horizonSeconds * 1000, joinSimilarity: emergingRule.emerging!.minSimilarity },
    } as ConstructorParameters<typeof EmergenceTracker>[0]);
    const detector = await Detector.open({
      store, index, rules: () => rules, bucketMs: BUCKET, allowedLatenessMs: 0, privacy: { minAccounts: 10, minConversations: 20 }, emergence, metrics, logger,
      policyAreas: AREAS,
    });
    const metric = async (name: string) => ((await registry.getSingleMetric(name)!.get()).values as Array<{ value: number; labels: Record<string, string> }>);
    return { detector, metric };
  }

  interface Flow {
    leaf: string;
    /** Conversations per 5-minute bucket. */
    perBucket: number;
    areas?: string[];
    product?: string | null;
    accounts?: number;
    /** Accounts numbered from here (a separate pool). */
    accountBase?: number;
  }

  /** Conversations over [fromMs, toMs): each flow's count per bucket (flows may change per bucket), spread over the bucket. */
  async function send(fromMs: number, toMs: number, flowsOf: Flow[] | ((bucket: number) => Flow[])) {
    const conversations: CountedConversation[] = [];
    for (let b = fromMs, n = 0; b < toMs; b += BUCKET, n++) {
      for (const f of typeof flowsOf === 'function' ? flowsOf(n) : flowsOf) {
        for (let i = 0; i < f.perBucket; i++) {
          const k = id++;
          conversations.push({
            idHash: `h${k}`, accountHash: `a${(f.accountBase ?? 0) + Math.floor(random() * (f.accounts ?? 60))}`, eventTimeMs: b + Math.floor((i * BUCKET) / f.perBucket),
            clusterId: f.leaf, ancestorIds: [Number(f.leaf.slice(2)) < 5 ? 'p-a' : 'p-b'], policyAreas: f.areas ?? [], product: f.product ?? null, offset: offset++,
          });
        }
      }
    }
    await ingest.applyChunk({ consumer: 'test', topic: 't', partition: 0, nextOffset: offset, bucketMs: BUCKET, conversations, deadLetters: [] });
  }

  /** Every leaf at 3 a bucket; one weapons conversation a bucket in each of c-0, c-3 and c-6 (the area is 3 of 33). */
  const ordinary = (weaponsAccounts = 60): Flow[] => [
    ...LEAVES.map((leaf) => ({ leaf, perBucket: 3 })),
    ...['c-0', 'c-3', 'c-6'].map((leaf) => ({ leaf, perBucket: 1, areas: ['weapons'], accounts: weaponsAccounts, accountBase: 5000 })),
  ];
  const spikes = (sent: Notification[]) => sent.filter((n) => n.alert.kind === 'spike');

  it('fires exactly one area alert for a surge spread thinly over many leaves, none of which passes alone', async () => {
    const { detector } = await open();
    await send(T0, T0 + 8 * HOUR, ordinary());
    expect(await detector.advance(T0 + 8 * HOUR)).toEqual([]);
    // Four more weapons conversations a bucket, spread over eight leaves (each gets one every other
    // bucket, ×1.17 at most), from 40 accounts: the area goes from 3 to 7 a bucket.
    const surge = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-7', 'c-8', 'c-9'].map((leaf) => ({ leaf, perBucket: 1, areas: ['weapons'], accounts: 40, accountBase: 1000 }));
    const start = T0 + 8 * HOUR;
    await send(start, start + 2 * HOUR, (n) => [...ordinary(), ...(n % 2 === 0 ? surge.slice(0, 4) : surge.slice(4))]);
    const sent = await detector.advance(start + 2 * HOUR);
    const fired = spikes(sent);
    expect(fired).toHaveLength(1);
    const alert = fired[0]!.alert;
    expect(alert).toMatchObject({
      rule: 'areas', severity: 'critical', subject: 'policy_area',
      cluster: { id: 'area:weapons', name: 'Weapons', description: AREAS[0]!.description, policy_areas: ['weapons'], parent: null },
    });
    expect(alert.ratio).toBeGreaterThan(2);
    expect(alert.observed.unique_accounts).toBeGreaterThanOrEqual(10);
    validateAlert(alert);
    // Aggregates only: no conversation or account id anywhere in what leaves the detector.
    expect(JSON.stringify(sent)).not.toMatch(/"h\d+"|"a\d+"|\bh\d{2,}\b|\ba\d{2,}\b/);
  }, 240_000);

  it('raises nothing when a launch doubles all traffic, areas included', async () => {
    const { detector } = await open();
    await send(T0, T0 + 8 * HOUR, ordinary());
    await detector.advance(T0 + 8 * HOUR);
    const doubled = ordinary().map((f) => ({ ...f, perBucket: 2 * f.perBucket }));
    await send(T0 + 8 * HOUR, T0 + 11 * HOUR, doubled);
    expect(spikes(await detector.advance(T0 + 11 * HOUR))).toEqual([]);
  }, 240_000);

  it('notifies an incident once under its area: the tagged leaves and parent that also fire are held back', async () => {
    const { detector, metric } = await open();
    await send(T0, T0 + 8 * HOUR, ordinary());
    await detector.advance(T0 + 8 * HOUR);
    // Concentrated in the two weapons-tagged leaves c-1 and c-2: each ×3, and the area with them.
    const surge = ['c-1', 'c-2'].map((leaf) => ({ leaf, perBucket: 6, areas: ['weapons'], accounts: 40, accountBase: 1000 }));
    await send(T0 + 8 * HOUR, T0 + 10 * HOUR, [...ordinary(), ...surge]);
    const sent = await detector.advance(T0 + 10 * HOUR);
    expect(spikes(sent).map((n) => n.alert.cluster.id)).toEqual(['area:weapons']);
    const inhibited = await metric('clio_alerts_inhibited_total');
    // c-1, c-2 and their parent p-a fired and were held back, each counted once.
    expect(inhibited.find((v) => v.labels.kind === 'spike')?.value).toBeGreaterThanOrEqual(2);
    const firing = await metric('clio_alerts_firing_total');
    expect(firing.find((v) => v.labels.rule === 'topics')?.value).toBeGreaterThanOrEqual(2);
  }, 240_000);

  it('judges area × product on the product\'s traffic only', async () => {
    const rules = AREA_RULES.replace('match: { levels: [area] }', 'match: { levels: [area], metadata: { product: computer-use } }');
    const { detector } = await open(rules);
    const cu = (flows: Flow[]) => flows.map((f) => ({ ...f, product: 'computer-use' }));
    await send(T0, T0 + 8 * HOUR, [...ordinary(), ...cu([{ leaf: 'c-4', perBucket: 3 }, { leaf: 'c-5', perBucket: 1, areas: ['fraud'] }])]);
    await detector.advance(T0 + 8 * HOUR);
    // Outside computer use, weapons triples: not this rule's business.
    await send(T0 + 8 * HOUR, T0 + 10 * HOUR, [...ordinary(), { leaf: 'c-1', perBucket: 2, areas: ['weapons'], accounts: 40, accountBase: 1000 },
      ...cu([{ leaf: 'c-4', perBucket: 3 }, { leaf: 'c-5', perBucket: 1, areas: ['fraud'] }])]);
    expect(spikes(await detector.advance(T0 + 10 * HOUR)).filter((n) => n.alert.rule === 'areas')).toEqual([]);
    // Fraud triples within computer use, a small change in all traffic.
    await send(T0 + 10 * HOUR, T0 + 12 * HOUR, [...ordinary(), ...cu([{ leaf: 'c-4', perBucket: 3 }, { leaf: 'c-5', perBucket: 3, areas: ['fraud'], accounts: 40, accountBase: 2000 }])]);
    const fired = spikes(await detector.advance(T0 + 12 * HOUR)).filter((n) => n.alert.rule === 'areas');
    expect(fired.map((n) => n.alert.cluster.id)).toEqual(['area:fraud']);
    // Its share is of computer-use traffic: 3 of 6 a bucket.
    expect(fired[0]!.alert.observed.share).toBeGreaterThan(0.4);
    expect(fired[0]!.alert.severity).toBe('warning');
  }, 240_000);

  it('gates an area surge from too few accounts', async () => {
    const { detector, metric } = await open();
    // The area triples, but all of its conversations in the window come from 3 + 4 accounts.
    await send(T0, T0 + 8 * HOUR, ordinary(3));
    await send(T0 + 8 * HOUR, T0 + 10 * HOUR, [...ordinary(3), { leaf: 'c-4', perBucket: 6, areas: ['weapons'], accounts: 4, accountBase: 1000 }]);
    const sent = await detector.advance(T0 + 10 * HOUR);
    expect(sent.filter((n) => n.alert.cluster.id === 'area:weapons')).toEqual([]);
    expect((await metric('clio_alerts_gated_total')).find((v) => v.labels.kind === 'spike')?.value).toBeGreaterThanOrEqual(1);
  }, 240_000);

  it('does not alert on a rise carried by a few accounts repeating themselves, though the area has many', async () => {
    const { detector, metric } = await open();
    await send(T0, T0 + 8 * HOUR, ordinary());
    await detector.advance(T0 + 8 * HOUR);
    // The area triples (and leaf c-4 with it), all of the extra from 3 accounts: the window still
    // counts dozens of accounts in the area, so the privacy gate alone would let it through.
    await send(T0 + 8 * HOUR, T0 + 10 * HOUR, [...ordinary(), { leaf: 'c-4', perBucket: 6, areas: ['weapons'], accounts: 3, accountBase: 1000 }]);
    expect(spikes(await detector.advance(T0 + 10 * HOUR))).toEqual([]);
    expect((await metric('clio_spikes_narrow_total')).find((v) => v.labels.kind === 'spike')?.value).toBeGreaterThanOrEqual(1);
    expect((await metric('clio_alerts_gated_total')).find((v) => v.labels.kind === 'spike')?.value ?? 0).toBe(0);
  }, 240_000);

  it('judges an area against the catalog\'s share of it before the area has history', async () => {
    // From the first hour: weapons at 9 of 39 a bucket where the catalog says 9% of traffic.
    const surge: Flow[] = [...ordinary(), { leaf: 'c-4', perBucket: 6, areas: ['weapons'], accounts: 40, accountBase: 1000 }];
    const { detector } = await open(AREA_RULES, areaCatalog({ policy_area_shares: { weapons: 0.09, fraud: 0.01 } }));
    await send(T0, T0 + 2 * HOUR, surge);
    const fired = spikes(await detector.advance(T0 + 2 * HOUR)).filter((n) => n.alert.rule === 'areas');
    expect(fired.map((n) => [n.alert.cluster.id, n.alert.score.method])).toEqual([['area:weapons', 'prior-share']]);
    expect(fired[0]!.alert.ratio).toBeGreaterThan(2);
  }, 240_000);
});
