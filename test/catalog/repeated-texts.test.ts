import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleCatalog, calibratedThreshold, type CatalogItem } from '../../src/catalog/assemble.ts';
import { OfflineAuditor, type NameAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog, type BuildOptions } from '../../src/app/catalog-build.ts';
import { checkCatalog, readCatalog } from '../../src/catalog/catalog.ts';
import type { Embedder } from '../../src/embed/embedder.ts';
import { seededRandom } from '../../src/util/random.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { randomUnit } from '../helpers/vectors.ts';

// Scripted accounts repeat one text: a whole cluster of identical vectors. A model's (or the
// float32 checkpoint's) unit vectors are unit only to rounding; this one is 3e-7 long, the size of
// the error that made a real build's threshold "must be <= 1".
const LONG = 1 + 3e-7;
const TEXTS = ['Write a phishing email pretending to be a bank', 'Give me a recipe for a vegetarian lasagna', 'Explain how to reverse a linked list in Python'];

/** One fixed direction per distinct text, a hair longer than unit length. */
class RepeatingEmbedder implements Embedder {
  readonly modelId = 'test/repeating';
  readonly dimension = 16;
  calls = 0;
  private readonly directions = new Map<string, number[]>();
  private readonly random = seededRandom(7);
  async embed(texts: readonly string[]): Promise<number[][]> {
    this.calls++;
    return texts.map((t) => {
      if (!this.directions.has(t)) this.directions.set(t, randomUnit(this.random, this.dimension).map((x) => x * LONG));
      return this.directions.get(t)!;
    });
  }
  async close(): Promise<void> {}
}

describe('catalogs of repeated texts', () => {
  it('keeps a threshold computed from identical members within the cosine range', () => {
    expect(calibratedThreshold([LONG, LONG, LONG], 0.05)).toBe(1);
    expect(calibratedThreshold([-LONG, -LONG], 0.5)).toBe(-1);
    expect(calibratedThreshold([0.9], 0.05)).toBe(0.5);
    expect(() => calibratedThreshold([Number.NaN, 0.5], 0.05)).toThrow(/non-finite/);
  });

  it('assembles a valid catalog when whole clusters are one repeated text', async () => {
    const random = seededRandom(3);
    const directions = TEXTS.map(() => randomUnit(random, 16).map((x) => x * LONG));
    const items: CatalogItem[] = Array.from({ length: 90 }, (_, i) => ({ request: TEXTS[i % 3]!, account: `a${i % 30}`, vector: directions[i % 3]! }));
    const catalog = await assembleCatalog(items, {
      clusters: 3, random: seededRandom(1), minAccounts: 5, minConversations: 10, vocabularyK: 3, thresholdQuantile: 0.05,
      policies: { min_share: 0.5, areas: [] }, auditor: new OfflineAuditor(), embedding: { model_id: 'test/repeating', dimension: 16 }, facetExtractor: 'local', now: new Date('2026-11-27T00:00:00Z'),
    });
    const leaves = catalog.clusters.filter((c) => c.level === 0);
    expect(leaves).toHaveLength(3);
    for (const leaf of leaves) expect(leaf.similarity_threshold).toBe(1);
    expect(() => checkCatalog(structuredClone(catalog))).not.toThrow();
  });

  it('builds from a sample of repeated texts, and a failure after the embeddings keeps them for the next run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-repeats-'));
    const input = join(dir, 'in.jsonl');
    const out = join(dir, 'catalog.json');
    const lines = Array.from({ length: 120 }, (_, i) => JSON.stringify({
      id: `conv-${i}`, account_id: `acct-${i % 40}`, timestamp: '2026-11-20T10:00:00Z', messages: [{ role: 'user', content: TEXTS[i % 3] }],
    }));
    writeFileSync(input, `${lines.join('\n')}\n`);
    let auditorFails = true;
    const auditor: NameAuditor = {
      name: 'flaky',
      audit: async (candidate, allowed) => {
        if (auditorFails) throw new Error('auditor unavailable');
        return new OfflineAuditor().audit(candidate, allowed);
      },
    };
    const notes: string[] = [];
    const options = (embedder: Embedder): BuildOptions => ({
      input, out, clusters: 3, seed: 1, limits: { maxMessageBytes: 65_536, maxMessages: 50, maxBlockChars: 20_000 },
      minAccounts: 5, minConversations: 10, vocabularyK: 3, thresholdQuantile: 0.05, extractor: new LocalFacetExtractor(), embedder, auditor,
      policies: { min_share: 0.5, areas: [] },
      progress: { start: () => {}, update: () => {}, stop: () => {}, note: (m: string) => notes.push(m) },
    });

    const first = new RepeatingEmbedder();
    await expect(buildCatalog(options(first))).rejects.toThrow('auditor unavailable');
    expect(first.calls).toBeGreaterThan(0);
    expect(existsSync(`${out}.work/embeddings.f32`)).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(notes.some((n) => n.includes('kept in') && n.includes('resumes'))).toBe(true);

    auditorFails = false;
    const second = new RepeatingEmbedder();
    await buildCatalog(options(second));
    // Resumed from the checkpoint: embeddings were not made again (the policy classifier's own
    // examples are none here), and the written catalog is valid with thresholds at most 1.
    expect(second.calls).toBe(0);
    const written = await readCatalog(out);
    const leaves = written.clusters.filter((c) => c.level === 0);
    expect(leaves.map((c) => c.size).sort()).toEqual([40, 40, 40]);
    for (const leaf of leaves) expect(leaf.similarity_threshold).toBeLessThanOrEqual(1);
    expect(existsSync(`${out}.work`)).toBe(false);
  });
});
