import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';
import { clipText } from './clip-text.ts';
import type { OnnxModelSpec } from './onnx-model-files.ts';

/**
 * Characters kept per text before tokenising, as the embedded model does: far beyond any model's
 * token limit for natural text, and it bounds the tokenizer's work on huge inputs.
 */
const MAX_CHARS = 2_000;

/**
 * Rows × padded width² per model call: 32 texts of 128 tokens, or 2 of 512. It bounds the
 * attention scores' memory (heads × rows × width² floats: ~25 MB at 12 heads) whatever the texts.
 */
const ATTENTION_BUDGET = 32 * 128 * 128;

/**
 * One ONNX sentence-embedding model with its tokenizer: token ids with the model's prefix, one
 * padded batch through ONNX Runtime, mean pooling over the real tokens. Its `embed` blocks the
 * thread it runs on (the runtime's run is synchronous), so OnnxEmbedder keeps it in a worker.
 */
export class OnnxSentenceModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
    private readonly spec: Pick<OnnxModelSpec, 'prefix' | 'maxTokens'>,
  ) {}

  /** Throws a plain Error naming the file that could not be loaded. */
  static async load(files: { model: string; tokenizer: string }, spec: Pick<OnnxModelSpec, 'prefix' | 'maxTokens'>, threads: number): Promise<OnnxSentenceModel> {
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(JSON.parse(readFileSync(files.tokenizer, 'utf8')), {});
    } catch (cause) {
      throw new Error(`cannot read the tokenizer ${files.tokenizer}: ${(cause as Error).message}`);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(files.model, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    } catch (cause) {
      throw new Error(`onnxruntime cannot load ${files.model}: ${(cause as Error).message}`);
    }
    return new OnnxSentenceModel(session, tokenizer, spec);
  }

  /** Token ids with the model's prefix and special tokens, cut to its limit (keeping the closing token). */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(this.spec.prefix + clipText(text, MAX_CHARS)).ids;
    if (ids.length <= this.spec.maxTokens) return ids;
    return [...ids.slice(0, this.spec.maxTokens - 1), ids[ids.length - 1]!];
  }

  /**
   * Mean-pooled (not yet normalised) vectors of the texts, row-major in a Float32Array. The texts
   * are run in sub-batches of similar token length whose attention (rows × width²) stays within a
   * budget: a long text's attention grows with the square of its tokens, so long texts go a few at
   * a time and short ones many at a time.
   */
  async embed(texts: readonly string[]): Promise<{ rows: number; dimension: number; values: Float32Array }> {
    const encoded = texts.map((t, index) => ({ index, ids: this.encode(t) })).sort((a, b) => a.ids.length - b.ids.length);
    let values = new Float32Array(0);
    let dimension = 0;
    for (let start = 0; start < encoded.length; ) {
      let end = start + 1;
      while (end < encoded.length && (end - start + 1) * encoded[end]!.ids.length ** 2 <= ATTENTION_BUDGET) end++;
      const part = encoded.slice(start, end);
      const pooled = await this.run(part.map((e) => e.ids));
      if (dimension === 0) {
        dimension = pooled.dimension;
        values = new Float32Array(texts.length * dimension);
      }
      part.forEach((e, r) => values.set(pooled.values.subarray(r * dimension, (r + 1) * dimension), e.index * dimension));
      start = end;
    }
    return { rows: texts.length, dimension, values };
  }

  private async run(batch: readonly number[][]): Promise<{ dimension: number; values: Float32Array }> {
    const rows = batch.length;
    const width = Math.max(...batch.map((ids) => ids.length));
    const ids = new BigInt64Array(rows * width);
    const mask = new BigInt64Array(rows * width);
    batch.forEach((row, r) => {
      row.forEach((id, t) => {
        ids[r * width + t] = BigInt(id);
        mask[r * width + t] = 1n;
      });
    });
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [rows, width]),
      attention_mask: new ort.Tensor('int64', mask, [rows, width]),
    };
    if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(rows * width), [rows, width]);
    const result = await this.session.run(feeds);
    const hidden = result[this.session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : this.session.outputNames[0]!]!;
    const dimension = hidden.dims[2]!;
    const data = hidden.data as Float32Array;
    const values = new Float32Array(rows * dimension);
    // Mean over the real tokens only (the mask), as sentence-transformers and e5 pool.
    batch.forEach((row, r) => {
      for (let t = 0; t < row.length; t++) {
        const base = (r * width + t) * dimension;
        for (let d = 0; d < dimension; d++) values[r * dimension + d]! += data[base + d]!;
      }
      for (let d = 0; d < dimension; d++) values[r * dimension + d]! /= row.length;
    });
    return { dimension, values };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
