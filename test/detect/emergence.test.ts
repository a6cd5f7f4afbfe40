import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CatalogIndex } from '../../src/assign/catalog-index.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import { TermNamer } from '../../src/catalog/naming.ts';
import { dot, normalise } from '../../src/catalog/vectors.ts';
import { emergenceProbe, EmergenceTracker, type EmergenceCheck } from '../../src/detect/emergence.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import { sharedEmergenceScorer, type EmergenceScorer } from '../../src/emerging/emergence-scorer.ts';
import { ExemplarIndex } from '../../src/emerging/exemplars.ts';
import type { EmergingGroup, RecentPoint } from '../../src/emerging/density-contrast.ts';
import { seededRandom } from '../../src/util/random.ts';
import { createLogger } from '../../src/log.ts';
import { parseRules, type Rule } from '../../src/rules/rules.ts';
import { DetectionStore } from '../../src/store/detection-store.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { EMERGING_RULE, RULE_LIMITS } from '../helpers/emerging-rule.ts';
import { near, randomUnit } from '../helpers/vectors.ts';
import { memoryStream } from '../helpers/canary.ts';

const DIM = 32;
const MIN = 60_000;
const HOUR = 60 * MIN;
const BUCKET = 5 * MIN;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const LIMITS = RULE_LIMITS;
const RULE = EMERGING_RULE;

/** Known traffic: 30 topics, loose clumps; the catalog's leaves are their centres. */
const random = seededRandom(21);
const TOPICS = Array.from({ length: 30 }, () => randomUnit(random, DIM));
const ordinaryVector = () => near(random, TOPICS[Math.floor(random() * TOPICS.length)]!, 0.25);
const EXEMPLARS = ExemplarIndex.fromVectors(Array.from({ length: 1500 }, ordinaryVector), { modelId: 'test/model', dimension: DIM });
/** New families close in form to old topics: near-duplicates offset from a topic's centre. */
const offset = (topic: number) => normalise(TOPICS[topic]!.map((x, d) => x + 0.9 * randomUnit(random, DIM)[d]!));
const FAMILY_A = offset(3);
const FAMILY_B = offset(17);
/** A loose family far from every topic: many of its members lie below 0.6 from their centre (own random stream, so the others' stay as they were). */
const FAMILY_LOOSE = randomUnit(seededRandom(77), DIM);

function catalog(): Catalog {
  const leaf = (i: number): CatalogCluster => ({
    id: `c-${i}`, name: `Topic ${i}`, description: `Requests about topic ${i}.`, parent: 'p-1', level: 0, centroid: TOPICS[i]!, size: 50,
    unique_accounts: 40, policy_areas: [], provisional: false, named: true, similarity_threshold: 0.5,
  });
  return {
    version: 1, created_at: '2026-11-19T00:00:00Z', embedding: { model_id: 'test/model', dimension: DIM }, facet_extractor: 'local',
    privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 3 },
    clusters: [...TOPICS.map((_, i) => leaf(i)), { ...leaf(0), id: 'p-1', parent: null, level: 1, centroid: normalise(TOPICS.reduce((a, t) => a.map((x, d) => x + t[d]!))) }],
  };
}

describe('EmergenceTracker (density contrast over the stored recent window)', () => {
  let db: SqlClient;
  let ingest: IngestStore;
  let offsetN = 0n;
  let id = 0;

  // One embedded database for the file (it is slow to start); each test starts from an empty window and catalog history.
  beforeAll(async () => {
    db = await openPglite(MEMORY_STORE);
    await migrate(db);
    ingest = new IngestStore(db);
  }, 120_000);
  beforeEach(async () => {
    await db.exec('DELETE FROM recent_conversations; DELETE FROM catalog_versions; DELETE FROM source_offsets;');
    offsetN = 0n;
  });
  afterAll(async () => {
    await db.close();
  });

  async function tracker(maxWindow?: number, scorer?: Pick<EmergenceScorer, 'groups'>) {
    const store = new DetectionStore(db);
    const index = new CatalogIndex(catalog(), EXEMPLARS);
    const t = new EmergenceTracker({
      store, index, namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 3, maxWindow, scorer,
      settings: { horizonMs: RULE.emerging!.horizonSeconds * 1000, joinSimilarity: RULE.emerging!.minSimilarity },
      metrics: new DetectionMetrics(new Registry()), logger: createLogger('silent'),
    });
    await t.restore();
    return { tracker: t, index, store };
  }

  /** One hour of traffic from `from`: ordinary conversations from 150 accounts, times `launch`, plus families. */
  async function hour(from: number, opts: { launch?: number; families?: Array<{ centre: number[]; accounts: number; perHour: number; words: string; noise?: number }> } = {}) {
    const conversations: CountedConversation[] = [];
    const add = (vector: number[], account: string, t: number, words: string) => {
      const k = id++;
      conversations.push({
        idHash: createHash('sha256').update(`conv-${k}`).digest('hex'), accountHash: account, eventTimeMs: t, clusterId: 'c-0', product: null, offset: offsetN++,
        request: { nearestClusterId: `c-${k % 30}`, embedding: vector, summaryWords: words },
      });
    };
    const ordinary = Math.round(80 * (opts.launch ?? 1));
    for (let i = 0; i < ordinary; i++) add(ordinaryVector(), `o-${Math.floor(random() * 150 * (opts.launch ?? 1))}`, from + Math.floor((i * HOUR) / ordinary), 'plan trip budget');
    for (const f of opts.families ?? []) {
      for (let i = 0; i < f.perHour; i++) add(near(random, f.centre, f.noise ?? 0.05), `${f.words.slice(0, 3)}-${(id + i) % f.accounts}`, from + Math.floor((i * HOUR) / f.perHour) + 7, `${f.words} w${i % f.accounts}`);
    }
    await ingest.applyChunk({ consumer: 'test', topic: 't', partition: 0, nextOffset: offsetN, bucketMs: BUCKET, conversations, deadLetters: [] });
  }

  /** Checks every hour from `from` to `to` (exclusive of from), as the detector does at bucket close. */
  async function check(t: EmergenceTracker, at: number, rule: Rule = RULE) {
    await t.pull();
    return t.promote(rule, at);
  }

  const familyA = (accounts: number) => ({ centre: FAMILY_A, accounts, perHour: 30, words: 'pretend unrestricted assistant persona' });
  const familyB = { centre: FAMILY_B, accounts: 40, perHour: 30, words: 'checkout bot coupon stacking' };

  it('finds a new family close in form to an old topic from 40 accounts, once, and not again once promoted', async () => {
    const { tracker: t, index } = await tracker();
    const found: Array<Awaited<ReturnType<typeof check>>> = [];
    for (let h = 0; h < 8; h++) {
      await hour(T0 + h * HOUR, h >= 2 ? { families: [familyA(40)] } : {});
      found.push(await check(t, T0 + (h + 1) * HOUR));
    }
    const promoted = found.flat();
    expect(promoted).toHaveLength(1);
    const [{ cluster, figures }] = promoted as [(typeof promoted)[number]];
    expect(cluster).toMatchObject({ id: 'emerging-001', provisional: true, named: true, parent: 'p-1' });
    expect(cluster.name.toLowerCase()).toMatch(/pretend|unrestricted|assistant|persona/);
    expect(dot(cluster.centroid, FAMILY_A)).toBeGreaterThan(0.95);
    // Found in the family's first hour, as soon as it passes the gate.
    expect(found.findIndex((f) => f.length > 0)).toBe(2);
    expect(figures.accounts).toBeGreaterThanOrEqual(RULE.minAccounts);
    expect(figures.conversations).toBeGreaterThanOrEqual(RULE.minConversations);
    expect(figures.startMs).toBeGreaterThanOrEqual(T0 + 2 * HOUR - HOUR / 2);
    expect(figures.share).toBeGreaterThan(0.1);
    expect(figures.share).toBeLessThan(0.5);
    expect(index.cluster('emerging-001')).toBeDefined();
  }, 60_000);

  it("scores with the rule's contrast_margin and contrast_neighbours: a margin no family reaches promotes nothing", async () => {
    const strict = parseRules(
      `
rules:
  - name: strict
    kind: emerging
    description: New patterns, strictly.
    emerging: { horizon: 6h, min_similarity: 0.65, contrast_margin: 0.95, contrast_neighbours: 4 }
`,
      'rules.yaml',
      LIMITS,
    ).rules[0]!;
    expect(strict.emerging).toMatchObject({ contrastMargin: 0.95, contrastNeighbours: 4 });
    const { tracker: t, index } = await tracker();
    const seen: Array<Pick<EmergenceCheck, 'margin' | 'neighbours'>> = [];
    emergenceProbe.onCheck = (c) => seen.push({ margin: c.margin, neighbours: c.neighbours });
    try {
      for (let h = 0; h < 6; h++) {
        await hour(T0 + h * HOUR, h >= 2 ? { families: [familyA(40)] } : {});
        expect(await check(t, T0 + (h + 1) * HOUR, strict)).toEqual([]);
      }
    } finally {
      emergenceProbe.onCheck = null;
    }
    expect(index.catalog.clusters.some((c) => c.provisional)).toBe(false);
    expect(seen).toHaveLength(6);
    expect(seen.every((c) => c.margin === 0.95 && c.neighbours === 4)).toBe(true);
  }, 60_000);

  it('does not promote the same family sent by 3 accounts', async () => {
    const { tracker: t, index } = await tracker();
    for (let h = 0; h < 6; h++) {
      await hour(T0 + h * HOUR, h >= 1 ? { families: [familyA(3)] } : {});
      expect(await check(t, T0 + (h + 1) * HOUR)).toEqual([]);
    }
    expect(index.catalog.clusters.some((c) => c.provisional)).toBe(false);
  }, 60_000);

  it('finds nothing in ordinary traffic, nor when a launch doubles all of it', async () => {
    const { tracker: t } = await tracker();
    for (let h = 0; h < 8; h++) {
      await hour(T0 + h * HOUR, { launch: h >= 4 ? 2 : 1 });
      expect(await check(t, T0 + (h + 1) * HOUR), `hour ${h}`).toEqual([]);
    }
  }, 60_000);

  it('after a restart (window thinned to a sample), rebuilds from the store exactly: the same groups, and promoted ones stay known', async () => {
    // 20 a slice of 15 minutes keep two thirds of this traffic: the store and memory both thin.
    const maxWindow = 24 * 20;
    const first = await tracker(maxWindow);
    const promotedFirst: Array<Awaited<ReturnType<typeof check>>> = [];
    let restarted: Awaited<ReturnType<typeof tracker>> | null = null;
    const promotedSecond: Array<Awaited<ReturnType<typeof check>>> = [];
    for (let h = 0; h < 9; h++) {
      await hour(T0 + h * HOUR, { families: [...(h >= 1 ? [familyA(40)] : []), ...(h >= 5 ? [familyB] : [])] });
      const at = T0 + (h + 1) * HOUR;
      const a = await check(first.tracker, at);
      promotedFirst.push(a);
      if (restarted) promotedSecond.push(await check(restarted.tracker, at));
      if (a.length > 0 && !restarted) {
        // What the detector does after a promotion: store the new catalog version; then restart.
        await first.store.transaction((tx) => DetectionStore.saveCatalog(tx, { ...first.index.catalog, version: first.index.catalog.version + 1 }));
        restarted = await tracker(maxWindow);
        expect(restarted.index.cluster(a[0]!.cluster.id)).toBeDefined();
      }
    }
    expect(restarted).not.toBeNull();
    const stored = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM recent_conversations');
    expect(Number(stored[0]!.n)).toBeLessThanOrEqual(maxWindow + 2 * 110); // the open slices are not thinned yet
    // Family A once; family B once, found the same by the running and the restarted tracker.
    expect(promotedFirst.flat().map((p) => p.cluster.id)).toEqual(['emerging-001', 'emerging-002']);
    const after = promotedFirst.slice(promotedFirst.length - promotedSecond.length);
    expect(promotedSecond).toEqual(after);
    expect(dot(promotedSecond.flat()[0]!.cluster.centroid, FAMILY_B)).toBeGreaterThan(0.95);
  }, 120_000);

  it('checks between slice ends, with traffic read ahead, select what a fresh read of the store selects (slices still filling are thinned in memory)', async () => {
    // 5 a slice of 15 minutes, 60 a slice arriving: the slices still filling are thinned as they fill.
    const maxWindow = 24 * 5;
    const running = await tracker(maxWindow);
    const windows: string[][] = [];
    emergenceProbe.onCheck = (c) => void windows.push(c.window.map((p) => p.idHash).sort());
    try {
      // The whole hour is stored before its first check: read ahead of every check but the last.
      await hour(T0, { launch: 3 });
      for (let at = T0 + BUCKET; at <= T0 + HOUR; at += BUCKET) {
        await check(running.tracker, at);
        const fresh = await tracker(maxWindow);
        await check(fresh.tracker, at);
        const [kept, read] = windows.slice(-2);
        expect(kept, `check at +${(at - T0) / MIN} min`).toEqual(read);
        expect(kept!.length).toBeGreaterThan(0);
      }
    } finally {
      emergenceProbe.onCheck = null;
    }
  }, 120_000);
  it('counts the conversations that formed a loose family as its cluster’s at every later check, also after a restart', async () => {
    // Loose: many members lie outside the cluster's threshold. Before claims, those stayed candidates
    // and on real prompts re-formed the same group at the next check, alerted again every five minutes.
    const loose = { centre: FAMILY_LOOSE, accounts: 40, perHour: 60, words: 'haunted lighthouse keeper riddle', noise: 0.22 };
    const windows: RecentPoint[][] = [];
    const recording: Pick<EmergenceScorer, 'groups'> = { groups: (window, opts, logger) => (windows.push([...window]), sharedEmergenceScorer.groups(window, opts, logger)) };
    const first = await tracker(undefined, recording);
    let formed: { ids: string[]; clusterId: string; outside: number } | null = null;
    let restarted: Awaited<ReturnType<typeof tracker>> | null = null;
    for (let h = 0; h < 5; h++) {
      await hour(T0 + h * HOUR, h >= 1 ? { families: [loose] } : {});
      const found = await check(first.tracker, T0 + (h + 1) * HOUR);
      if (restarted) await check(restarted.tracker, T0 + (h + 1) * HOUR);
      if (found.length === 0 || formed) continue;
      const { cluster, memberIds } = found[0]!;
      const members = (await first.store.recentSince(0)).filter((r) => memberIds.includes(r.idHash));
      expect(members).toHaveLength(memberIds.length);
      formed = { ids: memberIds, clusterId: cluster.id, outside: members.filter((r) => dot(cluster.centroid, r.record.embedding) < cluster.similarity_threshold).length };
      // A restarted tracker is handed the claims the detector saved with the new catalog version.
      await first.store.transaction((tx) => DetectionStore.saveCatalog(tx, { ...first.index.catalog, version: first.index.catalog.version + 1 }));
      restarted = await tracker(undefined, recording);
      restarted.tracker.claim(memberIds);
    }
    expect(formed).not.toBeNull();
    expect(formed!.outside).toBeGreaterThan(formed!.ids.length / 4);
    // Every later window (the running tracker's and the restarted one's) holds the members, each explained.
    const later = windows.slice(-6);
    for (const window of later) {
      const mine = window.filter((p) => formed!.ids.includes(p.idHash));
      expect(mine.length).toBeGreaterThan(formed!.ids.length / 2);
      expect(mine.every((p) => p.explained)).toBe(true);
    }
  }, 120_000);
  it('does not promote a group again when its centre is all but a provisional cluster’s (the same family), but does promote a distinct one', async () => {
    // The scorer is stubbed: each check hands over one group, as density contrast would.
    const along = (base: number[], other: number[], cos: number) => normalise(base.map((x, d) => cos * x + Math.sqrt(1 - cos * cos) * other[d]!));
    const base = FAMILY_LOOSE;
    const r = randomUnit(seededRandom(78), DIM);
    const side = normalise(r.map((x, d) => x - dot(r, base) * base[d]!)); // orthogonal to base
    const fake = (centroid: number[], tag: string): EmergingGroup => {
      const members = Array.from({ length: 30 }, (_, i) => ({ account: `${tag}-${i % 15}`, text: 'lighthouse keeper riddle' }));
      return {
        key: `g-${tag}`, centroid, conversations: 30, accounts: 15, firstSeenMs: T0, lastSeenMs: T0 + HOUR, members,
        similarities: members.map(() => 0.7), memberIds: members.map((_, i) => `${tag}-${i}`), nearestClusterIds: ['c-3'], contrast: 0.3,
      };
    };
    const queue = [fake(base, 'a'), fake(along(base, side, 0.9), 'b'), fake(along(base, side, 0.8), 'c')];
    const metrics = new DetectionMetrics(new Registry());
    const store = new DetectionStore(db);
    const index = new CatalogIndex(catalog(), EXEMPLARS);
    const log = memoryStream();
    const t = new EmergenceTracker({
      store, index, namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 3, metrics, logger: createLogger('info', log),
      settings: { horizonMs: RULE.emerging!.horizonSeconds * 1000, joinSimilarity: RULE.emerging!.minSimilarity },
      scorer: { groups: async () => ({ scores: new Float64Array(0), groups: [queue.shift()!] }) },
    });
    await t.restore();
    const ids: string[][] = [];
    for (let i = 0; i < 3; i++) ids.push((await t.promote(RULE, T0 + (i + 2) * HOUR)).map((p) => p.cluster.id));
    expect(ids).toEqual([['emerging-001'], [], ['emerging-002']]);
    const outcomes = (await metrics.emerging.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(outcomes).toEqual(expect.arrayContaining([['continued', 1], ['promoted', 2]]));
    // The log says which cluster it continues and how many accounts: no member hash, no words.
    const continued = log.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).startsWith('emerging group continues'));
    expect(continued).toEqual([expect.objectContaining({ cluster: 'emerging-001', accounts: 15 })]);
    expect(log.text()).not.toMatch(/"b-\d+"|lighthouse|riddle/);
  }, 60_000);
});
