import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { CatalogIndex } from '../../src/assign/catalog-index.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { TermNamer } from '../../src/catalog/naming.ts';
import { EmergenceTracker } from '../../src/detect/emergence.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import { createLogger } from '../../src/log.ts';
import type { DetectionStore } from '../../src/store/detection-store.ts';
import type { RecentConversation } from '../../src/store/ingest-store.ts';
import { seededRandom } from '../../src/util/random.ts';
import { EMERGING_RULE } from '../helpers/emerging-rule.ts';
import { randomUnit } from '../helpers/vectors.ts';
import { loopWatch } from '../helpers/loop-watch.ts';

const DIM = 512;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const RULE = EMERGING_RULE;

/**
 * `n` stored recent conversations over the 6-hour horizon (all within the window's per-slice cap),
 * read through a store and catalog that answer at once: all the time a check takes is its own.
 */
function stubbed(n: number) {
  const random = seededRandom(7);
  const rows: Array<RecentConversation & { seq: number }> = Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    idHash: `h${i.toString(16).padStart(8, '0')}`,
    accountHash: `a${i % 500}`,
    eventTimeMs: T0 + Math.floor((i * 6 * HOUR) / n),
    record: { nearestClusterId: 'c-1', embedding: randomUnit(random, DIM), summaryWords: 'plan trip budget' },
  }));
  const store = {
    latestCatalog: async () => null,
    transaction: async (work: (tx: unknown) => Promise<unknown>) => work({ query: async () => [], exec: async () => {} }),
    recentSince: async () => rows,
    recentAfter: async (seq: number) => rows.filter((r) => r.seq > seq),
    lastRecentSeq: async () => rows.length,
    pruneRecent: async () => {},
  } as unknown as DetectionStore;
  const known = Array.from({ length: 50 }, (_, k) => 0.5 - k * 0.002);
  const index = {
    catalog: { version: 1, clusters: [] },
    knownSize: 5000,
    knownSimilarities: () => known,
    cluster: () => undefined,
    addLeaf: () => {},
  } as unknown as CatalogIndex;
  return new EmergenceTracker({
    store, index, namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 3,
    settings: { horizonMs: 6 * HOUR, joinSimilarity: 0.65 },
    metrics: new DetectionMetrics(new Registry()), logger: createLogger('silent'),
  });
}

describe('EmergenceTracker on a large window', () => {
  afterAll(async () => {
    // The process's emergence worker (idle, it would not hold the test process anyway).
    await import('../../src/emerging/emergence-scorer.ts').then((m) => m.sharedEmergenceScorer.close()).catch(() => {});
  });

  it('keeps the event loop turning while the all-pairs contrast of 4,000 512-d conversations is scored', async () => {
    const tracker = stubbed(4000);
    await tracker.restore();
    const watch = loopWatch();
    const started = performance.now();
    const promoted = await tracker.promote(RULE, T0 + 6 * HOUR);
    const tookMs = performance.now() - started;
    const { turns, longestMs } = watch.stop();
    expect(promoted).toEqual([]);
    // Scored on the event loop, the check turns it not even once (the store and catalog answer at once);
    // in the worker, the loop goes on turning, and no single hold is more than a fraction of the check.
    expect(turns).toBeGreaterThan(20);
    expect(longestMs).toBeLessThan(tookMs / 2);
  }, 120_000);

  it('keeps the event loop turning while it reads a large window back from the store', async () => {
    const tracker = stubbed(4000);
    const watch = loopWatch();
    await tracker.restore();
    expect(watch.stop().turns).toBeGreaterThan(5);
  }, 60_000);
});
