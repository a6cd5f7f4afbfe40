import { createHash } from 'node:crypto';
import type { Embedder } from './embedder.ts';
import { EmbedError } from './errors.ts';
import { Lru } from './lru.ts';

export interface EmbedCacheStats {
  /** Texts served without the model: cached, repeated within a call, or already being embedded. */
  hits: number;
  /** Texts sent to the inner embedder. */
  misses: number;
  size: number;
  evictions: number;
}

export interface CachedEmbedderOptions {
  /** Vectors kept; each costs 4 bytes per dimension (2 KB at 512-d) plus its key. Default 10 000. */
  maxEntries?: number;
}

/** The key covers the model too, so one cache can never hand out another model's vector. */
export function cacheKey(modelId: string, text: string): string {
  return createHash('sha256').update(modelId).update('\0').update(text).digest('base64');
}

/**
 * An LRU cache in front of any embedder. Real traffic repeats texts heavily, and a hit costs a
 * hash instead of a model call. Vectors are stored as float32 and every result — hit or miss —
 * is read back from that store, so a text gets the same vector whether or not it was cached.
 */
export class CachedEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  private readonly lru: Lru<string, Float32Array>;
  /** Texts being embedded right now, so concurrent calls share one model call. */
  private readonly pending = new Map<string, Promise<Float32Array>>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly inner: Embedder, options: CachedEmbedderOptions = {}) {
    this.modelId = inner.modelId;
    this.dimension = inner.dimension;
    this.lru = new Lru(options.maxEntries ?? 10_000);
  }

  stats(): EmbedCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.lru.size, evictions: this.lru.evictions };
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    const keys = texts.map((text) => cacheKey(this.modelId, text));
    const vectors = new Map<string, Float32Array>();
    const waits: Array<Promise<unknown>> = [];
    const missing: Array<{ key: string; text: string }> = [];
    const seen = new Set<string>();
    for (const [i, key] of keys.entries()) {
      if (seen.has(key)) {
        this.hits++;
        continue;
      }
      seen.add(key);
      const cached = this.lru.get(key);
      const inFlight = cached ? undefined : this.pending.get(key);
      if (cached) vectors.set(key, cached);
      else if (inFlight) waits.push(inFlight.then((vector) => vectors.set(key, vector)));
      else {
        this.misses++;
        missing.push({ key, text: texts[i]! });
        continue;
      }
      this.hits++;
    }
    if (missing.length > 0) {
      waits.push(this.compute(missing).then((computed) => computed.forEach((vector, i) => vectors.set(missing[i]!.key, vector))));
    }
    await Promise.all(waits);
    return keys.map((key) => Array.from(vectors.get(key)!));
  }

  async close(): Promise<void> {
    this.lru.clear();
    await this.inner.close();
  }

  /** One inner call for all texts missing from the cache; each is visible to concurrent calls while it runs. */
  private compute(missing: Array<{ key: string; text: string }>): Promise<Float32Array[]> {
    const run = this.inner.embed(missing.map(({ text }) => text)).then((vectors) => {
      if (vectors.length !== missing.length) {
        throw new EmbedError('embed_bad_reply', `${this.modelId} returned ${vectors.length} vectors for ${missing.length} texts`);
      }
      return vectors.map((vector, i) => {
        if (vector.length !== this.dimension) {
          throw new EmbedError('embed_dimension_mismatch', `${this.modelId} returned a ${vector.length}-d vector, expected ${this.dimension}`);
        }
        const stored = Float32Array.from(vector);
        this.lru.set(missing[i]!.key, stored);
        return stored;
      });
    });
    for (const [i, { key }] of missing.entries()) {
      const one = run.then((vectors) => vectors[i]!);
      one.catch(() => undefined); // the caller of this call sees the failure through `run`
      this.pending.set(key, one);
    }
    // Failures are not cached: the next call asks the model again.
    const forget = (): void => missing.forEach(({ key }) => this.pending.delete(key));
    run.then(forget, forget);
    return run;
  }
}
