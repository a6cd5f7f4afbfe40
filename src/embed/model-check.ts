import { ClioError } from '../errors.ts';

export interface ModelIdentity {
  modelId: string;
  dimension: number;
}

/**
 * Vectors from different models (or dimensions) are not comparable: a catalog built with one
 * must not be searched with another's vectors, which would give plausible-looking nonsense.
 */
export function assertSameModel(expected: ModelIdentity, embedder: ModelIdentity): void {
  if (expected.modelId === embedder.modelId && expected.dimension === embedder.dimension) return;
  throw new ClioError(
    'model_mismatch',
    `catalog was built with ${expected.modelId} (d=${expected.dimension}) but the embedder is ${embedder.modelId} (d=${embedder.dimension}): rebuild the catalog or configure the same model`,
  );
}
