// A rules directory with two rules, and a real Detector over a real store that reads the rules in
// force on every pass: what the API's rule edits and silences must reach.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { Notification } from '../../src/alerts/alert.ts';
import { CatalogIndex } from '../../src/assign/catalog-index.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import { TermNamer } from '../../src/catalog/naming.ts';
import { Detector } from '../../src/detect/detector.ts';
import { EmergenceTracker } from '../../src/detect/emergence.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import { createLogger } from '../../src/log.ts';
import type { RuleSet } from '../../src/rules/rules.ts';
import { DetectionStore } from '../../src/store/detection-store.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import type { SqlClient } from '../../src/store/sql.ts';

// Two rules in a temporary rules directory (no policies.yaml: policy areas are not checked).
export const RULES = `
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
    routing: { group_wait: 0s, group_interval: 5m, repeat_interval: 1d, group_by: [rule, cluster] }
  - name: new-patterns
    kind: emerging
    description: New patterns.
    min_accounts: 10
    routing: { group_wait: 0s }
    emerging: { horizon: 6h, min_similarity: 0.9 }
`;

export function rulesDir(text = RULES): string {
  const dir = mkdtempSync(join(tmpdir(), 'clio-api-rules-'));
  writeFileSync(join(dir, 'rules.yaml'), text);
  return dir;
}

const MIN = 60_000;
export const HOUR = 60 * MIN;
const BUCKET = 5 * MIN;

function cluster(id: string, centroid: number[], extra: Partial<CatalogCluster> = {}): CatalogCluster {
  return {
    id, name: `Cluster ${id}`, description: `Requests about ${id}.`, parent: 'p-1', level: 0, centroid, size: 1000, unique_accounts: 200,
    policy_areas: [], provisional: false, named: true, similarity_threshold: 0.9, ...extra,
  };
}

export function testCatalog(): Catalog {
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

/** A detector over `db` reading `rules()` on every pass, and a feeder of counted traffic. */
export async function runningDetector(db: SqlClient, rules: () => RuleSet) {
  const store = new DetectionStore(db);
  const ingest = new IngestStore(db);
  const index = new CatalogIndex(testCatalog());
  const metrics = new DetectionMetrics(new Registry());
  const logger = createLogger('silent');
  const emergence = new EmergenceTracker({
    store, index, namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 3, metrics, logger, settings: { horizonMs: 6 * HOUR, joinSimilarity: 0.9 },
  });
  const detector = await Detector.open({ store, index, rules, bucketMs: BUCKET, allowedLatenessMs: 0, privacy: { minAccounts: 10, minConversations: 20 }, emergence, metrics, logger });
  let offset = 0n;
  let id = 0;
  const traffic = async (fromMs: number, toMs: number, perBucket: Record<string, number>, accounts = 50) => {
    const conversations: CountedConversation[] = [];
    for (let b = fromMs; b < toMs; b += BUCKET) {
      for (const [clusterId, n] of Object.entries(perBucket)) {
        for (let i = 0; i < n; i++) {
          const k = id++;
          conversations.push({ idHash: `h${k}`, accountHash: `a${k % accounts}`, eventTimeMs: b + Math.floor((i * BUCKET) / n), clusterId, ancestorIds: ['p-1'], product: null, offset: offset++ });
        }
      }
    }
    await ingest.applyChunk({ consumer: 'test', topic: 't', partition: 0, nextOffset: offset, bucketMs: BUCKET, conversations, deadLetters: [] });
  };
  /** Passes until the detector has judged every bucket before `clockMs` (a regular pass judges a bounded stretch). */
  const advanceTo = async (clockMs: number): Promise<Notification[]> => {
    const released: Notification[] = [];
    for (let i = 0; i < 100; i++) {
      const before = await store.loadState<{ judgedThroughMs: number | null }>('detector');
      released.push(...(await detector.advance(clockMs)));
      const after = await store.loadState<{ judgedThroughMs: number | null }>('detector');
      if (after?.judgedThroughMs === before?.judgedThroughMs) break;
    }
    return released;
  };
  return { detector, traffic, advanceTo };
}

/** Midnight two days ago: event times near the wall clock, as in a live deployment. */
export function recentMidnight(): number {
  return Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 2 * 24 * HOUR;
}

