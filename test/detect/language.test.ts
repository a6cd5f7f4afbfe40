import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateAlert, type Notification } from '../../src/alerts/alert.ts';
import { CatalogIndex } from '../../src/assign/catalog-index.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import { TermNamer } from '../../src/catalog/naming.ts';
import { Detector } from '../../src/detect/detector.ts';
import { EmergenceTracker } from '../../src/detect/emergence.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import { createLogger } from '../../src/log.ts';
import { parseRules, RulesError, type RuleSet } from '../../src/rules/rules.ts';
import { DetectionStore } from '../../src/store/detection-store.ts';
import { IngestStore, languageMixOf, type CountedConversation } from '../../src/store/ingest-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { Registry } from 'prom-client';
import { CANARIES, findCanary } from '../helpers/canary.ts';
import { slackMessage } from '../../src/notify/slack-message.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BUCKET = 5 * MIN;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const LIMITS = { bucketSeconds: 300, minAccounts: 10, minConversations: 20, floor: { minAccounts: 5, minConversations: 10 } };

/** One spike rule over all traffic, one watching Swahili only; otherwise the same settings. */
function rules(extra = ''): RuleSet {
  const common = `
    window: 1h
    baseline: 1d
    guard: 1h
    seasonality: false
    keep_firing_for: 0
    cooldown: 1h
    routing: { group_wait: 0s, group_interval: 5m, repeat_interval: 1d }`;
  return parseRules(`
rules:
  - name: all-traffic
    kind: spike
    description: Clusters over all traffic.
    match: { levels: [leaf] }
    min_ratio: 4${common}
  - name: swahili
    kind: spike
    description: Clusters among Swahili conversations.
    match: { levels: [leaf], language: sw }
    min_ratio: 2${common}
${extra}`, 'rules.yaml', LIMITS);
}

function cluster(id: string, centroid: number[]): CatalogCluster {
  return {
    id, name: `Cluster ${id}`, description: `Requests about ${id}.`, parent: null, level: 0, centroid, size: 1000, unique_accounts: 200,
    policy_areas: [], provisional: false, named: true, similarity_threshold: 0.9,
  };
}

const CATALOG: Catalog = {
  version: 1, created_at: '2026-11-19T00:00:00Z', embedding: { model_id: 'fake/4d', dimension: 4 }, facet_extractor: 'local',
  privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 3 },
  clusters: [cluster('c-fraud', [1, 0, 0, 0]), cluster('c-cook', [0, 1, 0, 0]), cluster('c-code', [0, 0, 1, 0])],
};

describe('language as a dimension of the counts', () => {
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

  async function open(ruleSet: RuleSet) {
    const store = new DetectionStore(db);
    const metrics = new DetectionMetrics(new Registry());
    const logger = createLogger(process.env.LANG_TEST_LOG ?? 'silent');
    const index = new CatalogIndex(structuredClone(CATALOG));
    const emergence = new EmergenceTracker({
      store, index, namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 3, metrics, logger,
      settings: { horizonMs: 6 * HOUR, joinSimilarity: 0.9 },
    });
    return Detector.open({ store, index, rules: () => ruleSet, bucketMs: BUCKET, allowedLatenessMs: 0, privacy: { minAccounts: 10, minConversations: 20 }, emergence, metrics, logger });
  }

  /** Per 5-minute bucket over [fromMs, toMs): `n` conversations of (cluster, language), from a pool of accounts. */
  async function traffic(fromMs: number, toMs: number, rows: Array<{ cluster: string; language: string | null; n: number; accounts: string; pool: number }>) {
    const conversations: CountedConversation[] = [];
    for (let b = fromMs; b < toMs; b += BUCKET) {
      for (const r of rows) {
        for (let i = 0; i < r.n; i++) {
          const k = id++;
          conversations.push({
            // Account and conversation hashes are HMACs in production; canaries here prove the counts path never echoes them.
            idHash: `${CANARIES.conversationId}-${k}`, accountHash: `${CANARIES.accountId}-${r.accounts}${k % r.pool}`,
            eventTimeMs: b + Math.floor((i * BUCKET) / Math.max(1, r.n)), clusterId: r.cluster, product: null, language: r.language, offset: offset++,
          });
        }
      }
    }
    await ingest.applyChunk({ consumer: 'test', topic: 't', partition: 0, nextOffset: offset, bucketMs: BUCKET, conversations, deadLetters: [] });
  }

  const BASE = [
    { cluster: 'c-fraud', language: 'en', n: 2, accounts: 'en', pool: 60 },
    { cluster: 'c-cook', language: 'en', n: 6, accounts: 'en', pool: 60 },
    { cluster: 'c-code', language: 'en', n: 6, accounts: 'en', pool: 60 },
    { cluster: 'c-fraud', language: 'sw', n: 1, accounts: 'sw', pool: 40 },
    { cluster: 'c-cook', language: 'sw', n: 3, accounts: 'sw', pool: 40 },
    { cluster: 'c-code', language: 'sw', n: 3, accounts: 'sw', pool: 40 },
    { cluster: 'c-code', language: null, n: 1, accounts: 'x', pool: 40 }, // language unknown: all traffic only
  ];

  it('counts each conversation under its language segment beside all traffic', async () => {
    await traffic(T0, T0 + HOUR, BASE);
    const all = await ingest.trafficCounts();
    const sw = await ingest.trafficCounts('lang:sw');
    expect(all.reduce((s, b) => s + b.conversations, 0)).toBe(12 * 22);
    expect(sw.reduce((s, b) => s + b.conversations, 0)).toBe(12 * 7);
    const swClusters = await ingest.clusterCounts('lang:sw');
    expect(swClusters.filter((c) => c.clusterId === 'c-fraud').reduce((s, c) => s + c.conversations, 0)).toBe(12);
    // The conversations of unknown language count in all traffic only.
    expect(swClusters.filter((c) => c.clusterId === 'c-code').reduce((s, c) => s + c.conversations, 0)).toBe(12 * 3);
  });

  it('a rule watching one language fires on a surge of a harm in that language, diluted in all traffic', async () => {
    const detector = await open(rules());
    await traffic(T0, T0 + 24 * HOUR, BASE);
    expect(await detector.advance(T0 + 24 * HOUR)).toEqual([]);

    // Fraud in Swahili ×6 for two hours, from many new accounts; every other series as before.
    const start = T0 + 24 * HOUR;
    await traffic(start, start + 2 * HOUR, [...BASE.filter((r) => !(r.cluster === 'c-fraud' && r.language === 'sw')), { cluster: 'c-fraud', language: 'sw', n: 6, accounts: 'surge', pool: 150 }]);
    const sent: Notification[] = await detector.advance(start + 2 * HOUR);
    const spikes = sent.filter((n) => n.alert.kind === 'spike');
    expect(spikes.map((n) => `${n.alert.rule}:${n.alert.cluster.id}`)).toContain('swahili:c-fraud');
    // Over all traffic the same conversations lift c-fraud from 3 to 8 of 22–27 a bucket: under the ×4 that rule asks.
    expect(spikes.some((n) => n.alert.rule === 'all-traffic')).toBe(false);
    for (const n of sent) validateAlert(n.alert);
    // A rule over one language does not repeat its own language as a mix.
    expect(spikes.find((n) => n.alert.rule === 'swahili')!.alert.languages).toBeUndefined();
  });

  it('shows the language mix of an all-traffic alert, naming only languages above the privacy minimums', async () => {
    const detector = await open(rules());
    const withGerman = [...BASE, { cluster: 'c-fraud', language: 'de', n: 1, accounts: 'de', pool: 3 }];
    await traffic(T0, T0 + 24 * HOUR, withGerman);
    await detector.advance(T0 + 24 * HOUR);
    const start = T0 + 24 * HOUR;
    // A big fraud surge in Swahili and English; German stays at 12 an hour from 3 accounts (under the minimums).
    await traffic(start, start + 2 * HOUR, [
      ...withGerman.filter((r) => r.cluster !== 'c-fraud' || r.language === 'de'),
      { cluster: 'c-fraud', language: 'sw', n: 12, accounts: 'surge-sw', pool: 150 },
      { cluster: 'c-fraud', language: 'en', n: 6, accounts: 'surge-en', pool: 150 },
    ]);
    const sent = await detector.advance(start + 2 * HOUR);
    const alert = sent.find((n) => n.alert.rule === 'all-traffic' && n.alert.kind === 'spike')?.alert;
    expect(alert, 'the all-traffic rule fires on c-fraud').toBeDefined();
    validateAlert(alert!);
    expect(alert!.languages!.map((l) => l.language)).toEqual(['sw', 'en']);
    expect(alert!.languages![0]!.share).toBeCloseTo(12 / 19, 1);
    expect(alert!.languages!.reduce((s, l) => s + l.share, 0)).toBeLessThan(1); // German's share is not named
    expect(findCanary(JSON.stringify(sent))).toBeUndefined();
    // Slack shows the mix as one field; German is not named there either.
    const slack = JSON.stringify(slackMessage(sent.find((n) => n.alert === alert)!, 'http://127.0.0.1:8080'));
    expect(slack).toMatch(/Languages\*\\nsw \d+(\.\d)?% · en \d+(\.\d)?%/);
    expect(slack).not.toMatch(/\bde \d/);
    expect(findCanary(slack)).toBeUndefined();
  });

  it('languageMixOf leaves out a language whose accounts are under the minimum even with many conversations', async () => {
    await traffic(T0, T0 + HOUR, [
      { cluster: 'c-fraud', language: 'en', n: 4, accounts: 'en', pool: 40 },
      { cluster: 'c-fraud', language: 'ko', n: 4, accounts: 'ko', pool: 2 }, // 48 conversations, 2 accounts
    ]);
    const mix = await languageMixOf(db, 'c-fraud', T0, T0 + HOUR, { minConversations: 20, minAccounts: 10 });
    expect(mix).toEqual([{ language: 'en', share: 0.5 }]);
  });

  it('refuses a rule that names both a language and a product', () => {
    expect(() => rules(`
  - name: both
    kind: spike
    description: x
    match: { language: sw, metadata: { product: computer-use } }
`)).toThrow(RulesError);
    expect(() => rules(`
  - name: bad-code
    kind: spike
    description: x
    match: { language: Swahili }
`)).toThrow(/language/);
  });
});
