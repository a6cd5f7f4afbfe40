import { ClioError } from '../errors.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { FacetExtractor } from '../facets/facets.ts';
import type { Conversation } from '../ingest/conversation.ts';
import { redactConversation } from '../redact/redact.ts';
import type { Assigner, Assignment } from './assigner.ts';
import type { CatalogIndex } from './catalog-index.ts';

/** Refuses to compare vectors of different models: they live in different spaces. */
export function assertSameModel(expected: { model_id: string; dimension: number }, embedder: Embedder): void {
  if (expected.model_id !== embedder.modelId || expected.dimension !== embedder.dimension) {
    throw new ClioError(
      'model_mismatch',
      `the catalog was built with ${expected.model_id} (d=${expected.dimension}) but the embedder is ${embedder.modelId} (d=${embedder.dimension}): rebuild the catalog or configure the same model`,
    );
  }
}

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
    assertSameModel(index.catalog.embedding, embedder);
  }

  async assign(conversations: readonly Conversation[]): Promise<Assignment[]> {
    if (conversations.length === 0) return [];
    const redacted = conversations.map((c) => redactConversation(c).conversation);
    const facets = await this.extractor.extract(redacted);
    const vectors = await this.embedder.embed(facets.map((f) => f.request));
    return vectors.map((v) => this.index.assign(v));
  }
}
