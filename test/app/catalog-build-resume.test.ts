import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog, type BuildOptions } from '../../src/app/catalog-build.ts';
import { readCatalog } from '../../src/catalog/catalog.ts';
import type { Embedder } from '../../src/embed/embedder.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import type { Conversation } from '../../src/ingest/conversation.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { silentProgress } from '../../src/util/progress.ts';

/** A deterministic stand-in model: one axis per topic word, so topics separate cleanly. */
class KeywordEmbedder implements Embedder {
  readonly modelId = 'test/keywords';
  readonly dimension = 8;
  calls = 0;
  constructor(private readonly failAfter = Infinity) {}
  async embed(texts: readonly string[]): Promise<number[][]> {
    if (++this.calls > this.failAfter) throw new Error('model crashed');
    const words = ['python', 'recipe', 'trip', 'email', 'sql', 'resume', 'car', 'plant'];
    return texts.map((t) => {
      const v = words.map((w) => (t.toLowerCase().includes(w) ? 1 : 0.01));
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
  }
  async close(): Promise<void> {}
}

class CountingExtractor extends LocalFacetExtractor {
  conversations = 0;
  override async extract(conversations: readonly Conversation[]) {
    this.conversations += conversations.length;
    return super.extract(conversations);
  }
}

describe('catalog build checkpoints', () => {
  it('resumes an interrupted build without redoing finished work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-resume-'));
    const input = join(dir, 'in.jsonl');
    const out = join(dir, 'catalog.json');
    writeFileSync(input, [...generateConversations({ count: 640, seed: 2, accounts: 120, targetBytes: 0 })].map((l) => JSON.stringify(l.conversation)).join('\n'));
    const options = (extractor: CountingExtractor, embedder: Embedder): BuildOptions => ({
      input, out, clusters: 6, seed: 1, limits: { maxMessageBytes: 65_536, maxMessages: 50, maxBlockChars: 20_000 },
      minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
      extractor, embedder, auditor: new OfflineAuditor(), policies: { min_share: 0.5, areas: [] }, progress: silentProgress,
    });

    const first = new CountingExtractor();
    const crashing = new KeywordEmbedder(4); // 4 batches of 64 embedded, then the model dies
    await expect(buildCatalog(options(first, crashing))).rejects.toThrow('model crashed');
    expect(first.conversations).toBe(640);
    expect(existsSync(`${out}.work/embeddings.f32`)).toBe(true);
    expect(existsSync(out)).toBe(false);

    const second = new CountingExtractor();
    const healthy = new KeywordEmbedder();
    const catalog = await buildCatalog(options(second, healthy));
    expect(second.conversations).toBe(0); // facets came from the checkpoint
    expect(healthy.calls).toBe(6); // only the 384 conversations not yet embedded: 6 batches of 64
    expect((await readCatalog(out)).clusters.filter((c) => c.level === 0)).toHaveLength(catalog.clusters.filter((c) => c.level === 0).length);
    expect(existsSync(`${out}.work`)).toBe(false); // cleaned up once written
  });
});
