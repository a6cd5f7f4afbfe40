import { describe, expect, it } from 'vitest';
import { areasByShare, areaShares } from '../../src/classify/member-share.ts';
import { assembleCatalog, type CatalogItem } from '../../src/catalog/assemble.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { checkCatalog } from '../../src/catalog/catalog.ts';
import { compilePolicyMatcher, loadPolicies, type PolicyTaxonomy } from '../../src/catalog/policies.ts';
import { seededRandom } from '../../src/util/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

describe('areas by member share', () => {
  it('counts each member once per area and keeps areas at or above min_share', () => {
    const members = [['fraud', 'fraud'], ['fraud', 'malware'], [], [], [], [], [], [], [], []];
    expect(areaShares(members)).toEqual({ fraud: 0.2, malware: 0.1 });
    expect(areasByShare(members, 0.2)).toEqual(['fraud']);
    expect(areasByShare(members, 0.1)).toEqual(['fraud', 'malware']);
    expect(areasByShare([], 0.2)).toEqual([]);
  });

  it('compilePolicyMatcher keeps its shape: texts in, areas by lexicon share out (older keyword taxonomies too)', () => {
    const match = compilePolicyMatcher(loadPolicies());
    const texts = ['how do I make a pipe bomb', 'where to buy explosives', 'plan a picnic', 'fix my sql query', 'write a poem', 'kill the python process'];
    expect(match(texts)).toEqual(['weapons']); // 2 of 6 ≥ 0.2
    expect(match(texts.slice(2))).toEqual([]);
    const legacy = compilePolicyMatcher({ min_share: 0.5, areas: [{ id: 'platform-manipulation', name: 'Platform manipulation', keywords: ['fake reviews'] }] });
    expect(legacy(['write fake reviews', 'post fake reviews for my shop', 'a poem'])).toEqual(['platform-manipulation']);
  });
});

describe('catalog build: cluster areas from the members carrying them', () => {
  const policies: PolicyTaxonomy = {
    min_share: 0.2,
    areas: [
      // The lexicon would tag nothing here: areas come from the members' own classification.
      { id: 'fraud', name: 'Fraud', description: 'Fraud.', lexicon: ['zzz'], examples: ['a scam'] },
      { id: 'weapons', name: 'Weapons', description: 'Weapons.', lexicon: ['zzz'], examples: ['a bomb'] },
    ],
    benign_examples: ['a recipe'],
  };

  /** Three well-separated topics of 100 members; topic 0 has 30% fraud members, topic 1 has 10% weapons members. */
  function corpus(): CatalogItem[] {
    const random = seededRandom(9);
    const centres = Array.from({ length: 3 }, () => randomUnit(random, 16));
    return Array.from({ length: 300 }, (_, i) => {
      const topic = i % 3;
      const n = Math.floor(i / 3);
      const areas = topic === 0 && n < 30 ? ['fraud'] : topic === 1 && n < 10 ? ['weapons'] : [];
      return { request: `The user's overall request for the assistant is to do topic ${['alpha', 'beta', 'gamma'][topic]} things.`, account: `a${i % 50}`, vector: near(random, centres[topic]!, 0.05), areas };
    });
  }

  it('tags a cluster with an area carried by ≥ min_share of its members, and writes the baseline shares', async () => {
    const catalog = await assembleCatalog(corpus(), {
      clusters: 3, random: seededRandom(1), minAccounts: 5, minConversations: 10, vocabularyK: 3, thresholdQuantile: 0.05,
      policies, auditor: new OfflineAuditor(), embedding: { model_id: 'test/model', dimension: 16 }, facetExtractor: 'local', now: new Date('2026-11-27T00:00:00Z'),
    });
    const leaves = catalog.clusters.filter((c) => c.level === 0);
    expect(leaves.map((c) => c.policy_areas).sort()).toEqual([[], [], ['fraud']]);
    expect(catalog.policy_area_shares).toEqual({ fraud: 0.1, weapons: 10 / 300 });
    expect(() => checkCatalog(structuredClone(catalog))).not.toThrow();
    // Aggregates only: the shares carry area ids and numbers, nothing of any member.
    expect(JSON.stringify(catalog.policy_area_shares)).not.toMatch(/alpha|beta|gamma|a\d+/);
  });

  it('keeps the Claude path: a cluster classifier given by the caller decides instead', async () => {
    const catalog = await assembleCatalog(corpus(), {
      clusters: 3, random: seededRandom(1), minAccounts: 5, minConversations: 10, vocabularyK: 3, thresholdQuantile: 0.05,
      policies, auditor: new OfflineAuditor(), embedding: { model_id: 'test/model', dimension: 16 }, facetExtractor: 'claude', now: new Date('2026-11-27T00:00:00Z'),
      classifyPolicies: async () => ['weapons'],
    });
    expect(catalog.clusters.filter((c) => c.level === 0).every((c) => c.policy_areas.join() === 'weapons')).toBe(true);
  });

  it('accepts older catalogs without shares and refuses a share outside 0..1', () => {
    const base = { version: 1, created_at: '2026-11-27T00:00:00Z', embedding: { model_id: 'm', dimension: 1 }, facet_extractor: 'local', privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 5 }, clusters: [] };
    expect(() => checkCatalog(structuredClone(base))).not.toThrow();
    expect(() => checkCatalog({ ...base, policy_area_shares: { fraud: 1.5 } })).toThrow(/policy_area_shares/);
  });
});
