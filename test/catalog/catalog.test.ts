import { describe, expect, it } from 'vitest';
import { CatalogError, checkCatalog, policyAreasOf, type Catalog, type CatalogCluster } from '../../src/catalog/catalog.ts';

const leaf = (id: string, extra: Partial<CatalogCluster> = {}): CatalogCluster => ({
  id, name: 'N', description: 'D.', parent: null, level: 0, centroid: [1, 0], size: 30, unique_accounts: 12,
  policy_areas: ['fraud'], provisional: false, named: true, similarity_threshold: 0.7, ...extra,
});
const catalog = (clusters: CatalogCluster[]): Catalog => ({
  version: 1, created_at: '2026-11-27T00:00:00Z', embedding: { model_id: 'm', dimension: 2 }, facet_extractor: 'local',
  privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 5 }, clusters,
});

describe('checkCatalog', () => {
  it('accepts a consistent catalog', () => {
    expect(checkCatalog(catalog([leaf('c-001', { parent: 'p-01' }), leaf('p-01', { level: 1 })])).clusters).toHaveLength(2);
  });

  it.each([
    ['an extra field', { ...catalog([leaf('c-001')]), text: 'raw' }, /must NOT have additional properties/],
    ['a duplicate id', catalog([leaf('c-001'), leaf('c-001')]), /duplicate cluster id c-001/],
    ['an unknown parent', catalog([leaf('c-001', { parent: 'p-09' })]), /unknown parent p-09/],
    ['a centroid of the wrong dimension', catalog([leaf('c-001', { centroid: [1, 0, 0] })]), /3-d centroid, expected 2/],
  ])('refuses %s', (_what, value, message) => {
    expect(() => checkCatalog(value, 'catalog x.json')).toThrow(CatalogError);
    expect(() => checkCatalog(value, 'catalog x.json')).toThrow(message);
  });

  it("lets an analyst's policy areas override the build's", () => {
    expect(policyAreasOf(leaf('c-001'))).toEqual(['fraud']);
    expect(policyAreasOf(leaf('c-001', { policy_areas_override: [] }))).toEqual([]);
  });
});
