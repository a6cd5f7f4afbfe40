import { assertSameModel } from '../embed/model-check.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { FacetExtractor } from '../facets/facets.ts';
import type { Conversation } from '../ingest/conversation.ts';
import { redactConversation } from '../redact/redact.ts';
import { words } from '../catalog/terms.ts';
import type { Assigner, Assignment } from './assigner.ts';
import type { CatalogIndex } from './catalog-index.ts';

/**
 * The understanding stage behind the Assigner seam: redact → facets → embed the request facet →
 * nearest catalog cluster. Raw text stops here; what leaves is a cluster id and a similarity.
 */
export class UnderstandingAssigner implements Assigner {
  constructor(
    private readonly extractor: FacetExtractor,
    private readonly embedder: Embedder,
    private readonly index: CatalogIndex,
  ) {
    const { model_id: modelId, dimension } = index.catalog.embedding;
    assertSameModel({ modelId, dimension }, embedder);
  }

  async assign(conversations: readonly Conversation[]): Promise<Assignment[]> {
    if (conversations.length === 0) return [];
    const redacted = conversations.map((c) => redactConversation(c).conversation);
    const facets = await this.extractor.extract(redacted);
    const vectors = await this.embedder.embed(facets.map((f) => f.request));
    return vectors.map((vector, i) => {
      const assignment = this.index.assign(vector);
      return assignment.novel ? { ...assignment, novelty: { embedding: vector, summaryWords: words(facets[i]!.request).join(' ') } } : assignment;
    });
  }
}
