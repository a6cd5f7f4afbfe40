import { describe, expect, it } from 'vitest';
import { CatalogIndex } from '../../src/assign/catalog-index.ts';
import { UnderstandingAssigner } from '../../src/assign/understanding-assigner.ts';
import type { Catalog } from '../../src/catalog/catalog.ts';
import type { Embedder } from '../../src/embed/embedder.ts';
import type { FacetExtractor, Facets } from '../../src/facets/facets.ts';
import type { Conversation } from '../../src/ingest/conversation.ts';
import { CANARIES, canaryConversation } from '../helpers/canary.ts';

const catalog: Catalog = {
  version: 1,
  created_at: '2026-11-27T00:00:00Z',
  embedding: { model_id: 'fake/3d', dimension: 3 },
  facet_extractor: 'fake',
  privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 5 },
  clusters: [
    { id: 'c-001', name: 'X', description: 'x.', parent: null, level: 0, centroid: [1, 0, 0], size: 50, unique_accounts: 20, policy_areas: [], provisional: false, named: true, similarity_threshold: 0.9 },
    { id: 'c-002', name: 'Y', description: 'y.', parent: null, level: 0, centroid: [0, 1, 0], size: 50, unique_accounts: 20, policy_areas: [], provisional: false, named: true, similarity_threshold: 0.9 },
  ],
};

class RecordingExtractor implements FacetExtractor {
  readonly name = 'recording';
  seen: Conversation[] = [];
  async extract(conversations: readonly Conversation[]): Promise<Facets[]> {
    this.seen.push(...conversations);
    return conversations.map((c) => ({ request: String(c.messages[0]!.content), task: 't', language: 'en', concerning: 1, actions: [], degraded: false }));
  }
}

/** Maps texts mentioning "x" to the X axis, "y" to Y, anything else between the two. */
class AxisEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension = 3;
  constructor(modelId = 'fake/3d') {
    this.modelId = modelId;
  }
  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((t) => (t.includes('xx') ? [1, 0, 0] : t.includes('yy') ? [0.1, 0.995, 0] : [0.6, 0.6, 0.53]));
  }
  async close(): Promise<void> {}
}

const conv = (id: string, content: string): Conversation => ({ id, account_id: 'a', timestamp: '2026-11-27T00:00:00Z', messages: [{ role: 'user', content }] });

describe('UnderstandingAssigner', () => {
  it('assigns the nearest leaf, and marks what is below its threshold as novel', async () => {
    const assigner = new UnderstandingAssigner(new RecordingExtractor(), new AxisEmbedder(), new CatalogIndex(catalog));
    const result = await assigner.assign([conv('1', 'xx please'), conv('2', 'yy now'), conv('3', 'something else')]);
    expect(result[0]).toMatchObject({ clusterId: 'c-001', similarity: expect.closeTo(1, 5), novel: false, ancestorIds: [] });
    expect(result[1]).toMatchObject({ clusterId: 'c-002', novel: false, novelty: { summaryWords: expect.stringContaining('yy') } });
    // Every conversation carries what emergence discovery needs (density contrast over all recent traffic): the embedding and the summary's words.
    expect(result[2]).toMatchObject({ novel: true, novelty: { summaryWords: expect.stringContaining('something else') } });
    expect(result[2]!.novelty!.embedding).toHaveLength(3);
    expect(await assigner.assign([])).toEqual([]);
  });

  it('redacts personal data before the facet extractor sees the conversation', async () => {
    const extractor = new RecordingExtractor();
    const assigner = new UnderstandingAssigner(extractor, new AxisEmbedder(), new CatalogIndex(catalog));
    await assigner.assign([canaryConversation('2026-11-27T00:00:00Z')]);
    const seen = JSON.stringify(extractor.seen.map((c) => c.messages));
    expect(seen).not.toContain(CANARIES.email);
    expect(seen).not.toContain(CANARIES.phone);
    expect(seen).not.toContain('Canaryfield');
    expect(seen).toContain('[EMAIL]');
  });

  it('refuses a catalog built with another embedding model', () => {
    expect(() => new UnderstandingAssigner(new RecordingExtractor(), new AxisEmbedder('other/768'), new CatalogIndex(catalog))).toThrow(
      /catalog was built with fake\/3d \(d=3\) but the embedder is other\/768 \(d=3\): rebuild the catalog or configure the same model/,
    );
  });

  it('gives the parent chain of the leaf, and asks the exemplar test about novelty when there is one', () => {
    const withParent = { ...catalog, clusters: [...catalog.clusters.map((c) => ({ ...c, parent: 'p-1' })), { ...catalog.clusters[0]!, id: 'p-1', level: 1, parent: null }] };
    const knownEverywhere = new CatalogIndex(withParent, { isNovel: () => false });
    expect(knownEverywhere.assign([0, 0, 1])).toMatchObject({ novel: false, ancestorIds: ['p-1'] });
    const novelEverywhere = new CatalogIndex(withParent, { isNovel: () => true });
    expect(novelEverywhere.assign([1, 0, 0]).novel).toBe(true);
  });

  it('takes provisional clusters added while running', () => {
    const index = new CatalogIndex(catalog);
    expect(index.assign([0, 0, 1]).novel).toBe(true);
    index.addLeaf({ ...catalog.clusters[0]!, id: 'c-new', centroid: [0, 0, 1], provisional: true });
    expect(index.assign([0, 0, 1])).toMatchObject({ clusterId: 'c-new', novel: false });
  });
});
