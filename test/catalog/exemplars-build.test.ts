import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog } from '../../src/app/catalog-build.ts';
import { normalise } from '../../src/catalog/vectors.ts';
import type { Embedder } from '../../src/embed/embedder.ts';
import { ExemplarIndex, exemplarsPathFor } from '../../src/emerging/exemplars.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import type { Progress } from '../../src/util/progress.ts';
import { canaryConversation, findCanary } from '../helpers/canary.ts';

/** A deterministic stand-in model: words hashed onto 16 axes, so similar requests embed alike. */
class HashingEmbedder implements Embedder {
  readonly modelId = 'test/hashing';
  readonly dimension = 16;
  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => {
      const v = new Array<number>(this.dimension).fill(0.01);
      for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
        let h = 0;
        for (const ch of word) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
        v[h % this.dimension]! += 1;
      }
      return normalise(v);
    });
  }
  async close(): Promise<void> {}
}

describe('catalog build writes the exemplar sample', () => {
  it('puts a model-stamped int8 sample beside the catalog, with no text and nothing added to catalog.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-exemplars-build-'));
    const input = join(dir, 'in.jsonl');
    const out = join(dir, 'catalog.json');
    const conversations = [...generateConversations({ count: 400, seed: 5, accounts: 80, targetBytes: 0 })].map((l) => l.conversation);
    const canaries = Array.from({ length: 4 }, (_, i) => canaryConversation('2026-11-20T01:00:00Z', i));
    writeFileSync(input, [...conversations, ...canaries].map((c) => JSON.stringify(c)).join('\n'));
    const notes: string[] = [];
    const progress: Progress = { start() {}, update() {}, stop() {}, note: (line) => notes.push(line) };
    const embedder = new HashingEmbedder();

    await buildCatalog({
      input, out, clusters: 6, seed: 1, limits: { maxMessageBytes: 65_536, maxMessages: 50, maxBlockChars: 20_000 },
      minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
      extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: { min_share: 0.5, areas: [] }, progress,
    });

    const path = exemplarsPathFor(out);
    expect(path).toBe(join(dir, 'catalog.exemplars.json'));
    const exemplars = await ExemplarIndex.read(path, { modelId: embedder.modelId, dimension: embedder.dimension });
    expect(exemplars.size).toBeGreaterThan(10);
    expect(exemplars.size).toBeLessThanOrEqual(conversations.length + canaries.length);
    expect(exemplars.threshold).toBeGreaterThan(0);
    expect(notes.some((n) => n.startsWith(`exemplars: ${exemplars.size} known conversations`))).toBe(true);

    // Vectors and aggregates only; catalog.json keeps its aggregate-only shape.
    const sidecar = readFileSync(path, 'utf8');
    expect(Object.keys(JSON.parse(sidecar)).sort()).toEqual(['count', 'counts', 'dimension', 'encoding', 'model_id', 'scale', 'threshold', 'vectors', 'version']);
    expect(findCanary(sidecar)).toBeUndefined();
    expect(findCanary(notes.join('\n'))).toBeUndefined();
    const catalog = readFileSync(out, 'utf8');
    expect(catalog).not.toContain(JSON.parse(sidecar).vectors.slice(0, 40));
    expect(Object.keys(JSON.parse(catalog)).sort()).toEqual(['clusters', 'created_at', 'embedding', 'facet_extractor', 'policy_area_shares', 'privacy', 'version']);
    expect(existsSync(`${out}.work`)).toBe(false);

    await expect(ExemplarIndex.read(path, { modelId: 'other/model', dimension: 16 })).rejects.toMatchObject({ code: 'model_mismatch' });
  });
});
