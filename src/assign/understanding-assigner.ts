import { assertSameModel } from '../embed/model-check.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { FacetExtractor } from '../facets/facets.ts';
import type { Conversation } from '../ingest/conversation.ts';
import { redactConversation } from '../redact/redact.ts';
import { words } from '../catalog/terms.ts';
import type { PolicyClassifier } from '../classify/classifier.ts';
import { classifierInputOf } from '../classify/request-text.ts';
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
    /** Policy areas per conversation; without one, conversations carry none (only clusters do). */
    private readonly classifier?: PolicyClassifier,
  ) {
    const { model_id: modelId, dimension } = index.catalog.embedding;
    assertSameModel({ modelId, dimension }, embedder);
  }

  async assign(conversations: readonly Conversation[]): Promise<Assignment[]> {
    if (conversations.length === 0) return [];
    const redacted = conversations.map((c) => redactConversation(c).conversation);
    const facets = await this.extractor.extract(redacted);
    const vectors = await this.embedder.embed(facets.map((f) => f.request));
    const signals = this.classifier?.classify(vectors.map((vector, i) => classifierInputOf(redacted[i]!, facets[i]!, vector, this.extractor.name)));
    return vectors.map((vector, i) => {
      const assignment: Assignment = { ...this.index.assign(vector), ...(signals ? { policyAreas: signals[i]!.areas, concern: signals[i]!.concern } : {}) };
      return { ...assignment, novelty: { embedding: vector, summaryWords: words(facets[i]!.request).join(' ') } };
    });
  }
}
