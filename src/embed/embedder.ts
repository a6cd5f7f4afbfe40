/**
 * The embedding seam. Vectors carry their model: a catalog built with one model id and
 * dimension is refused by an embedder of another.
 */
export interface Embedder {
  /** Stable id of model and preprocessing, e.g. "energetic-ai/use-lite-512". */
  readonly modelId: string;
  readonly dimension: number;
  /** One unit-length vector per text, in order. */
  embed(texts: readonly string[]): Promise<number[][]>;
  close(): Promise<void>;
}
