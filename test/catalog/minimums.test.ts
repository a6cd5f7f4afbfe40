import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleCatalog, UNNAMED, type CatalogItem } from '../../src/catalog/assemble.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog } from '../../src/app/catalog-build.ts';
import { checkCatalog, readCatalog, type Catalog } from '../../src/catalog/catalog.ts';
import { enforceMinimums } from '../../src/catalog/minimums.ts';
import { dot, normalise } from '../../src/catalog/vectors.ts';
import type { Embedder } from '../../src/embed/embedder.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { seededRandom } from '../../src/util/random.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import type { Conversation } from '../../src/ingest/conversation.ts';
import type { Progress } from '../../src/util/progress.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

const OPTIONS = { minAccounts: 5, minConversations: 10, thresholdQuantile: 0.05 };

/** Five topics from 40 accounts, and a sixth (knitting) from 3 accounts only. */
function corpus(): CatalogItem[] {
  const random = seededRandom(4);
  const centres = Array.from({ length: 6 }, () => randomUnit(random, 32));
  const texts = ['debug python error', 'vegetarian dinner recipe', 'plan trip itinerary', 'create fake accounts', 'sql query revenue', 'knit scarf pattern'];
  return Array.from({ length: 600 }, (_, i) => {
    const topic = i % 6;
    return { request: `The user asked to ${texts[topic]}.`, account: topic === 5 ? `few-${Math.floor(i / 6) % 3}` : `a${i % 40}`, vector: near(random, centres[topic]!, 0.05) };
  });
}

const meanOf = (vectors: number[][]) => normalise(vectors[0]!.map((_, d) => vectors.reduce((s, v) => s + v[d]!, 0)));

async function assembled(items: CatalogItem[]): Promise<Catalog> {
  return assembleCatalog(items, {
    clusters: 6, random: seededRandom(1), minAccounts: 5, minConversations: 10, vocabularyK: 3, thresholdQuantile: 0.05,
    policies: { min_share: 0.5, areas: [] }, auditor: new OfflineAuditor(), embedding: { model_id: 'test/model', dimension: 32 }, facetExtractor: 'local', now: new Date('2026-11-27T00:00:00Z'),
  });
}

describe('enforceMinimums', () => {
  it('folds a 3-account leaf into its nearest passing leaf: no centroid, size or account count of it remains', async () => {
    const items = corpus();
    const before = await assembled(items);
    const small = before.clusters.find((c) => c.level === 0 && c.unique_accounts === 3)!;
    expect(small).toBeDefined(); // what catalog.json used to carry

    const { catalog, merged } = enforceMinimums(before, items, OPTIONS);
    expect(merged).toBe(1);
    expect(() => checkCatalog(structuredClone(catalog))).not.toThrow();
    for (const c of catalog.clusters) {
      expect(c.unique_accounts, c.id).toBeGreaterThanOrEqual(5);
      expect(c.size, c.id).toBeGreaterThanOrEqual(10);
    }
    const fewVectors = items.filter((i) => i.account.startsWith('few-')).map((i) => i.vector);
    const fewMean = meanOf(fewVectors);
    for (const c of catalog.clusters) expect(dot(c.centroid, fewMean), c.id).toBeLessThan(0.9);
    expect(catalog.clusters.map((c) => c.id)).not.toContain(small.id);

    // Nothing is lost: the leaves still hold every conversation, and the one that took the small
    // leaf in counts its accounts and keeps its audited name.
    const leaves = catalog.clusters.filter((c) => c.level === 0);
    expect(leaves.reduce((s, c) => s + c.size, 0)).toBe(600);
    const grown = leaves.find((c) => c.size === 200)!;
    expect(grown.unique_accounts).toBe(23); // 20 accounts of its own and the 3
    const original = before.clusters.find((c) => c.id === grown.id)!;
    expect(grown).toMatchObject({ name: original.name, named: original.named });
    expect(grown.centroid).not.toEqual(original.centroid);
  });

  it('leaves a catalog in which every cluster meets the minimums as it is', async () => {
    const items = corpus().filter((i) => !i.account.startsWith('few-'));
    const before = await assembled(items);
    const outcome = enforceMinimums(before, items, OPTIONS);
    expect(outcome.merged).toBe(0);
    expect(outcome.catalog).toBe(before);
  });

  it('merges small leaves with each other when none meets the minimums, unnamed', async () => {
    const random = seededRandom(9);
    const centre = randomUnit(random, 8);
    const items = Array.from({ length: 24 }, (_, i) => ({ vector: near(random, centre, 0.3), account: `x${i % 6}` }));
    const catalog: Catalog = {
      version: 1, created_at: '2026-11-27T00:00:00Z', embedding: { model_id: 'm', dimension: 8 }, facet_extractor: 'local',
      privacy: { min_accounts: 5, min_conversations: 10, vocabulary_k: 3 },
      clusters: [0, 1, 2].map((j) => ({
        id: `c-${j}`, name: `Name ${j}`, description: 'd', parent: null, level: 0, centroid: items[j]!.vector, size: 8, unique_accounts: 2,
        policy_areas: [], provisional: false, named: true, similarity_threshold: 0.5,
      })),
    };
    const { catalog: out, merged } = enforceMinimums(catalog, items, OPTIONS);
    expect(merged).toBe(2);
    expect(out.clusters).toHaveLength(1);
    expect(out.clusters[0]).toMatchObject({ size: 24, unique_accounts: 6, named: false, name: UNNAMED.name });
  });
});

/** A deterministic stand-in model: words hashed onto 16 axes, so requests with the same words embed alike. */
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

describe('catalog build keeps clusters under the minimums out of catalog.json', () => {
  it('builds from a sample with a 3-account cluster and leaves none of its vectors in catalog.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-minimums-'));
    const input = join(dir, 'in.jsonl');
    const out = join(dir, 'catalog.json');
    const conversations: Conversation[] = [...generateConversations({ count: 400, seed: 5, accounts: 80, targetBytes: 0 })].map((l) => l.conversation);
    // Three accounts asking about one odd subject in words no one else uses.
    const few: Conversation[] = Array.from({ length: 30 }, (_, i) => ({
      id: `few-${i}`, account_id: `acct-few-${i % 3}`, timestamp: '2026-11-20T01:00:00Z',
      messages: [{ role: 'user', content: `Zymurgy ${'zymurgy '.repeat(12)}${['tonight', 'today', 'now'][i % 3]}` }],
    }));
    writeFileSync(input, [...conversations, ...few].map((c) => JSON.stringify(c)).join('\n'));
    const notes: string[] = [];
    const progress: Progress = { start() {}, update() {}, stop() {}, note: (line) => notes.push(line) };
    const embedder = new HashingEmbedder();
    await buildCatalog({
      input, out, clusters: 8, seed: 1, limits: { maxMessageBytes: 65_536, maxMessages: 50, maxBlockChars: 20_000 },
      minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
      extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: { min_share: 0.5, areas: [] }, progress,
    });

    const catalog = await readCatalog(out);
    for (const c of catalog.clusters) {
      expect(c.unique_accounts, c.id).toBeGreaterThanOrEqual(10);
      expect(c.size, c.id).toBeGreaterThanOrEqual(20);
    }
    expect(notes.some((n) => /^privacy minimums: \d+ cluster\(s\) under them folded/.test(n))).toBe(true);
    // No centroid in the file is the few accounts' own: each is dominated by other people's requests.
    const facets = await new LocalFacetExtractor().extract(few);
    const fewMean = meanOf(await embedder.embed(facets.map((f) => f.request)));
    for (const c of catalog.clusters) expect(dot(c.centroid, fewMean), c.id).toBeLessThan(0.95);
    expect(readFileSync(out, 'utf8')).not.toMatch(/zymurgy|acct-few/i);
  });
});
