import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogIndex } from '../../src/assign/catalog-index.ts';
import { UnderstandingAssigner } from '../../src/assign/understanding-assigner.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog } from '../../src/app/catalog-build.ts';
import { readCatalog, type Catalog } from '../../src/catalog/catalog.ts';
import { clusterVocabularies } from '../../src/catalog/naming.ts';
import { words } from '../../src/catalog/terms.ts';
import { loadPolicies } from '../../src/catalog/policies.ts';
import { CachedEmbedder } from '../../src/embed/cache.ts';
import type { Embedder } from '../../src/embed/embedder.ts';
import { LocalEmbedder } from '../../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { UsageError } from '../../src/errors.ts';
import type { Progress } from '../../src/util/progress.ts';
import { silentProgress } from '../../src/util/progress.ts';
import { canaryConversation, findCanary } from '../helpers/canary.ts';

const limits = { maxMessageBytes: 65_536, maxMessages: 50, maxBlockChars: 20_000 };

describe('catalog build (offline extractor, embedded model)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-catalog-'));
  const input = join(dir, 'baseline.jsonl');
  const out = join(dir, 'catalog.json');
  const labels = new Map<string, string>();
  let embedder: Embedder;
  let catalog: Catalog;
  const conversations: Array<ReturnType<typeof canaryConversation>> = [];
  // What `catalog build` prints on stderr: stage names, counts and audit reasons.
  const printed: string[] = [];
  const recording: Progress = { start: (stage, total) => printed.push(`${stage} ${total}`), update: (n) => printed.push(String(n)), stop() {}, note: (line) => printed.push(line) };

  beforeAll(async () => {
    for (const { conversation, topic } of generateConversations({ count: 2400, seed: 21, accounts: 600, targetBytes: 0 })) {
      conversations.push(conversation);
      labels.set(conversation.id, topic);
    }
    // A few conversations full of personal data from one account: under every threshold.
    const canaries = Array.from({ length: 6 }, (_, i) => canaryConversation('2026-11-20T01:00:00Z', i));
    writeFileSync(input, [...conversations, ...canaries].map((c) => JSON.stringify(c)).join('\n'));
    embedder = new CachedEmbedder(await LocalEmbedder.start({ workers: 2 }));
    catalog = await buildCatalog({
      input, out, clusters: 12, seed: 1, limits, minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
      extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: loadPolicies(), progress: recording,
    });
  }, 600_000);
  afterAll(async () => embedder?.close());

  it('reaches cluster purity ≥ 0.9 against the topic labels, through the HNSW assigner', async () => {
    const assigner = new UnderstandingAssigner(new LocalFacetExtractor(), embedder, new CatalogIndex(catalog));
    const assignments = await assigner.assign(conversations);
    const byCluster = new Map<string, Map<string, number>>();
    assignments.forEach((a, i) => {
      const counts = byCluster.get(a.clusterId) ?? new Map<string, number>();
      const label = labels.get(conversations[i]!.id)!;
      counts.set(label, (counts.get(label) ?? 0) + 1);
      byCluster.set(a.clusterId, counts);
    });
    const majority = [...byCluster.values()].reduce((s, counts) => s + Math.max(...counts.values()), 0);
    expect(majority / conversations.length).toBeGreaterThanOrEqual(0.9);
    // Catalog members are mostly not novel against their own clusters' thresholds.
    expect(assignments.filter((a) => a.novel).length / assignments.length).toBeLessThan(0.15);
  });

  it('writes a valid catalog with the model recorded, parents and policy areas', async () => {
    const read = await readCatalog(out);
    expect(read.embedding).toEqual({ model_id: embedder.modelId, dimension: 512 });
    const leaves = read.clusters.filter((c) => c.level === 0);
    // 12 k-means leaves, less any under the privacy minimums, folded into their nearest leaf.
    expect(leaves.length).toBeGreaterThanOrEqual(10);
    expect(leaves.length).toBeLessThanOrEqual(12);
    expect(read.clusters.some((c) => c.level === 1)).toBe(true);
    const abuse = leaves.filter((c) => c.policy_areas.includes('platform-manipulation'));
    expect(abuse.length).toBeGreaterThan(0);
  });

  it('names only groups above the thresholds, with k-anonymous words, and leaks no canary', async () => {
    const text = readFileSync(out, 'utf8');
    expect(findCanary(text)).toBeUndefined();
    expect(printed.some((l) => l.startsWith('k-means'))).toBe(true);
    expect(findCanary(printed.join('\n'))).toBeUndefined();
    // catalog.json holds no cluster under the minimums at all (not even unnamed: its centroid would be a few people's).
    for (const c of catalog.clusters) {
      expect(c.unique_accounts, c.id).toBeGreaterThanOrEqual(10);
      expect(c.size, c.id).toBeGreaterThanOrEqual(20);
    }
    // Every word of every name is used by ≥ 5 distinct accounts somewhere in the corpus's requests.
    const facets = await new LocalFacetExtractor().extract(conversations);
    const vocab = clusterVocabularies([facets.map((f, i) => ({ text: f.request, account: conversations[i]!.account_id }))], 5)[0]!;
    const allowed = new Set([...vocab.allowed].flatMap((t) => t.split(' ')));
    for (const c of catalog.clusters.filter((x) => x.named)) {
      for (const word of words(c.name.toLowerCase())) expect(allowed.has(word), word).toBe(true);
    }
  });

  it('refuses a sample too small to cluster', async () => {
    const small = join(dir, 'small.jsonl');
    writeFileSync(small, conversations.slice(0, 15).map((c) => JSON.stringify(c)).join('\n'));
    await expect(
      buildCatalog({
        input: small, out: join(dir, 'small.json'), seed: 1, limits, minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
        extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: loadPolicies(), progress: silentProgress,
      }),
    ).rejects.toThrow(UsageError);
  });
});
