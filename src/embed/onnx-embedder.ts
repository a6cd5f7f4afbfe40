import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { textBatches } from './batches.ts';
import type { Embedder } from './embedder.ts';
import { EmbedError } from './errors.ts';
import { defaultModelsDir, onnxModelSpec, verifiedModelFiles } from './onnx-model-files.ts';
import type { OnnxWorkerData } from './onnx-worker.ts';
import { startWorker } from '../util/ts-worker.ts';
import { toUnit } from './unit-vector.ts';
import type { WorkerReply } from './worker-protocol.ts';

export interface OnnxEmbedderOptions {
  /** A model of src/embed/onnx-models.json, e.g. "multilingual-e5-small". */
  model: string;
  /** Folder holding model.onnx and tokenizer.json; default .cache/models/<model> (where model:fetch puts them). */
  dir?: string;
  /** ONNX Runtime intra-op threads; default: the number of cores. */
  threads?: number;
  /** Texts per model call. */
  batchSize?: number;
  /** Characters per model call, bounding the padded activations' memory (a longer text goes alone). */
  batchChars?: number;
}

const WORKER_URL = new URL('./onnx-worker.ts', import.meta.url);

type Pending = { resolve(vectors: number[][]): void; reject(error: Error): void };

/**
 * A sentence-embedding model in ONNX, run in-process by onnxruntime-node (its native CPU binary
 * ships in the npm package) on one worker thread — the runtime's run blocks its thread, which must
 * not be the stream's — with the model's own tokenizer.json read by @huggingface/tokenizers.
 * Files come from `npm run model:fetch` or a folder the user gives, checked against pinned sha256
 * at start; nothing is downloaded. Texts are sorted by length and batched (little padding),
 * mean-pooled over real tokens, prefixed as the model was trained ("query: " for e5), and scaled
 * to unit length. The model id carries the weights' checksum.
 */
export class OnnxEmbedder implements Embedder {
  readonly modelId: string;
  dimension = 0;
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  /** One batch at a time: each already uses every intra-op thread. */
  private running: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly data: OnnxWorkerData,
    modelId: string,
    private readonly batchSize: number,
    private readonly batchChars: number,
  ) {
    this.modelId = modelId;
  }

  static async start(options: OnnxEmbedderOptions): Promise<OnnxEmbedder> {
    const spec = onnxModelSpec(options.model);
    const files = await verifiedModelFiles(options.model, options.dir ?? `${defaultModelsDir()}/${options.model}`);
    const data: OnnxWorkerData = { files: { model: files.model, tokenizer: files.tokenizer }, spec: { prefix: spec.prefix, maxTokens: spec.maxTokens }, threads: options.threads ?? availableParallelism() };
    const embedder = new OnnxEmbedder(data, `onnx/${options.model}@${files.sha256['model.onnx'].slice(0, 12)}`, options.batchSize ?? 32, options.batchChars ?? 8_000);
    try {
      // The dimension is the model's: read from one probe call rather than trusted from a list.
      const [probe] = await embedder.embed(['dimension probe']);
      embedder.dimension = probe!.length;
    } catch (error) {
      await embedder.close();
      throw error;
    }
    return embedder;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    if (this.closed) throw new EmbedError('embed_closed', 'the onnx embedder is closed');
    if (texts.length === 0) return [];
    // Similar lengths together: a batch pads to its longest text.
    const order = texts.map((text, index) => ({ text, index })).sort((a, b) => a.text.length - b.text.length);
    const out = new Array<number[]>(texts.length);
    for (const batch of textBatches(order, this.batchSize, this.batchChars, (e) => e.text.length)) {
      const vectors = await this.serial(() => this.call(batch.map((e) => e.text)));
      batch.forEach((e, j) => (out[e.index] = vectors[j]!));
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failPending(new EmbedError('embed_closed', 'the onnx embedder was closed'));
    await worker?.terminate();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.running.then(task, task);
    this.running = next.catch(() => undefined);
    return next;
  }

  private async call(texts: string[]): Promise<number[][]> {
    await this.started();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ type: 'embed', id, texts });
    });
  }

  /** The worker, started on first use and again after it died (a replacement that cannot load fails the call). */
  private started(): Promise<void> {
    if (this.closed) return Promise.reject(new EmbedError('embed_closed', 'the onnx embedder is closed'));
    if (this.ready) return this.ready;
    this.ready = new Promise<void>((resolve, reject) => {
      const worker = startWorker(WORKER_URL, { name: 'clio-onnx-embed', workerData: this.data });
      this.worker = worker;
      let loaded = false;
      worker.on('message', (message: WorkerReply) => {
        if (message.type === 'ready') {
          loaded = true;
          resolve();
        } else if (message.type === 'load_failed') {
          this.ready = null;
          void worker.terminate();
          reject(new EmbedError('embed_model_load_failed', message.message));
        } else {
          const job = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (!job) return;
          if (message.type === 'failed') job.reject(new EmbedError('embed_worker_failed', `the onnx model failed on a batch: ${message.message}`));
          else job.resolve(Array.from({ length: message.count }, (_, r) => toUnit(message.values.subarray(r * message.dimension, (r + 1) * message.dimension))));
        }
      });
      const lost = (detail: string) => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.ready = null;
        if (!loaded) reject(new EmbedError('embed_model_load_failed', `the onnx worker ${detail} before loading the model`));
        this.failPending(new EmbedError('embed_worker_failed', `the onnx embedding worker ${detail}`, { retryable: true }));
      };
      worker.on('error', (error) => lost(`failed: ${error.message}`));
      worker.on('exit', (code) => lost(`exited with code ${code}`));
    });
    return this.ready;
  }

  private failPending(error: EmbedError): void {
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }
}
