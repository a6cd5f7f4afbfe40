import { describe, expect, it } from 'vitest';
import { assembleCatalog, UNNAMED, type CatalogItem } from '../../src/catalog/assemble.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { checkCatalog } from '../../src/catalog/catalog.ts';
import { clusterVocabularies } from '../../src/catalog/naming.ts';
import type { PolicyTaxonomy } from '../../src/catalog/policies.ts';
import { seededRandom } from '../../src/util/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

const policies: PolicyTaxonomy = {
  min_share: 0.5,
  areas: [{ id: 'platform-manipulation', name: 'Platform manipulation', description: 'Fake accounts.', lexicon: ['fake accounts'], examples: ['Create fake accounts.'] }],
  benign_examples: ['Plan a trip.'],
};

/** Six topics with distinct wording; topic 5 comes from only 2 accounts, and one account writes a unique word. */
function corpus(): { items: CatalogItem[]; labels: number[] } {
  const random = seededRandom(4);
  const centres = Array.from({ length: 6 }, () => randomUnit(random, 32));
  const texts = [
    ['debug python error', 'python script error', 'fix python exception'],
    ['vegetarian dinner recipe', 'recipe with chickpeas', 'quick dinner recipe'],
    ['plan trip itinerary', 'weekend trip budget', 'trip itinerary ideas'],
    ['create fake accounts', 'register fake accounts quickly', 'many fake accounts'],
    ['sql query revenue', 'sql query grouped', 'slow sql query'],
    ['knit scarf pattern', 'scarf pattern wool', 'knit pattern'],
  ];
  const items: CatalogItem[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 600; i++) {
    const topic = i % 6;
    const account = topic === 5 ? `b${Math.floor(i / 6) % 2}` : `a${i % 40}`;
    let request = `The user's overall request for the assistant is to ${texts[topic]![i % 3]}.`;
    if (account === 'a6' && topic === 0) request += ' Zanzibarovich';
    items.push({ request, account, vector: near(random, centres[topic]!, 0.05) });
    labels.push(topic);
  }
  return { items, labels };
}

describe('assembleCatalog', () => {
  it('clusters, names from k-anonymous words only, gates small groups, and passes the schema', async () => {
    const { items, labels } = corpus();
    const catalog = await assembleCatalog(items, {
      clusters: 6, random: seededRandom(1), minAccounts: 5, minConversations: 10, vocabularyK: 3, thresholdQuantile: 0.05,
      policies, auditor: new OfflineAuditor(), embedding: { model_id: 'test/model', dimension: 32 }, facetExtractor: 'local', now: new Date('2026-11-27T00:00:00Z'),
    });
    expect(() => checkCatalog(structuredClone(catalog))).not.toThrow();
    const leaves = catalog.clusters.filter((c) => c.level === 0);
    expect(leaves).toHaveLength(6);
    expect(leaves.reduce((s, c) => s + c.size, 0)).toBe(600);

    const byTopicWord = (word: string) => leaves.find((c) => c.name.toLowerCase().includes(word));
    expect(byTopicWord('python')).toBeDefined();
    expect(byTopicWord('sql')).toBeDefined();
    expect(byTopicWord('fake accounts')?.policy_areas).toEqual(['platform-manipulation']);

    // Two accounts only: not named, not described.
    const small = leaves.find((c) => c.unique_accounts === 2)!;
    expect(small).toMatchObject({ named: false, name: UNNAMED.name, description: UNNAMED.description, size: 100 });
    // A word from one account (used in several of its conversations) never appears in any name or description.
    expect(items.filter((i) => i.request.includes('Zanzibarovich')).length).toBeGreaterThan(2);
    expect(JSON.stringify(catalog)).not.toMatch(/zanzibarovich/i);

    // Every word of every name is k-anonymous in its cluster.
    const members = leaves.map(() => [] as Array<{ text: string; account: string }>);
    const centroidOf = (i: number) => {
      let best = 0;
      leaves.forEach((c, j) => {
        if (c.centroid.reduce((s, x, d) => s + x * items[i]!.vector[d]!, 0) > leaves[best]!.centroid.reduce((s, x, d) => s + x * items[i]!.vector[d]!, 0)) best = j;
      });
      return best;
    };
    items.forEach((item, i) => members[centroidOf(i)]!.push({ text: item.request, account: item.account }));
    const vocab = clusterVocabularies(members, 3);
    leaves.forEach((leaf, j) => {
      if (!leaf.named) return;
      const allowed = new Set([...vocab[j]!.allowed].flatMap((t) => t.split(' ')));
      for (const word of leaf.name.toLowerCase().split(/[^a-z]+/).filter(Boolean)) expect(allowed.has(word), word).toBe(true);
    });

    // Purity against the labels.
    const purity = leaves.reduce((sum, _leaf, j) => {
      const counts = new Map<number, number>();
      items.forEach((_, i) => centroidOf(i) === j && counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1));
      return sum + Math.max(...counts.values());
    }, 0) / items.length;
    expect(purity).toBeGreaterThanOrEqual(0.99);

    // Parents: every leaf has one, parents name their members' words and carry the union of policy areas.
    const parents = catalog.clusters.filter((c) => c.level === 1);
    expect(parents.length).toBeGreaterThanOrEqual(2);
    for (const leaf of leaves) expect(parents.map((p) => p.id)).toContain(leaf.parent);
    for (const p of parents) expect(p.size).toBe(leaves.filter((l) => l.parent === p.id).reduce((s, l) => s + l.size, 0));
    for (const leaf of leaves) expect(leaf.similarity_threshold).toBeGreaterThan(0.5);
  });
});
