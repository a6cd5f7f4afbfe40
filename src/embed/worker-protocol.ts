/** Messages between LocalEmbedder and its embed workers (structured-clone safe). */

export interface EmbedRequest {
  type: 'embed';
  id: number;
  texts: string[];
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'load_failed'; message: string }
  /** Raw model output, `count` rows of `dimension` floats, row-major; the buffer is transferred. */
  | { type: 'result'; id: number; count: number; dimension: number; values: Float32Array }
  | { type: 'failed'; id: number; message: string };
