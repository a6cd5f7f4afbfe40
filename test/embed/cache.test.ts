import { describe, expect, it } from 'vitest';
import { CachedEmbedder, cacheKey } from '../../src/embed/cache.ts';
import type { Embedder } from '../../src/embed/embedder.ts';
import { ClioError } from '../../src/errors.ts';

/** A stand-in model that records what it was asked; a text's vector depends only on the text. */
class CountingEmbedder implements Embedder {
  readonly modelId = 'fake/counting';
  readonly dimension = 4;
  calls: string[][] = [];
  failNext = false;
  closed = false;
  gate: Promise<void> = Promise.resolve();

  async embed(texts: readonly string[]): Promise<number[][]> {
    this.calls.push([...texts]);
    await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new ClioError('embed_request_failed', 'transient', { retryable: true });
    }
    return texts.map((text) => {
      const v = [text.length, text.charCodeAt(0) || 1, 1, 2];
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('CachedEmbedder', () => {
  it('serves repeated texts from the cache without calling the model', async () => {
    const inner = new CountingEmbedder();
    const cache = new CachedEmbedder(inner);
    const first = await cache.embed(['alpha', 'beta']);
    const second = await cache.embed(['beta', 'alpha', 'gamma']);
    expect(inner.calls).toEqual([['alpha', 'beta'], ['gamma']]);
    expect(second[0]).toEqual(first[1]);
    expect(second[1]).toEqual(first[0]);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 3, size: 3 });
    expect(cache.modelId).toBe(inner.modelId);
    expect(cache.dimension).toBe(4);
  });

  it('embeds duplicates within one call once, keeping order and length', async () => {
    const inner = new CountingEmbedder();
    const cache = new CachedEmbedder(inner);
    const vectors = await cache.embed(['x', 'yy', 'x', 'x', 'yy']);
    expect(inner.calls).toEqual([['x', 'yy']]);
    expect(vectors).toHaveLength(5);
    expect(vectors[2]).toEqual(vectors[0]);
    expect(vectors[4]).toEqual(vectors[1]);
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect(cache.stats()).toMatchObject({ hits: 3, misses: 2 });
  });

  it('returns the same vector for a text on a miss and on a hit, as independent copies', async () => {
    const cache = new CachedEmbedder(new CountingEmbedder());
    const [miss] = await cache.embed(['same text']);
    miss![0] = 42; // a caller mutating its result must not corrupt the cache
    const [hit] = await cache.embed(['same text']);
    const [again] = await cache.embed(['same text']);
    expect(hit![0]).not.toBe(42);
    expect(again).toEqual(hit);
  });

  it('lets concurrent calls share one model call for the same text', async () => {
    const inner = new CountingEmbedder();
    let open!: () => void;
    inner.gate = new Promise((resolve) => (open = resolve));
    const cache = new CachedEmbedder(inner);
    const a = cache.embed(['shared', 'only-a']);
    const b = cache.embed(['shared', 'only-b']);
    open();
    const [va, vb] = await Promise.all([a, b]);
    expect(inner.calls).toEqual([['shared', 'only-a'], ['only-b']]);
    expect(vb![0]).toEqual(va![0]);
  });

  it('forgets the least recently used texts beyond its bound', async () => {
    const inner = new CountingEmbedder();
    const cache = new CachedEmbedder(inner, { maxEntries: 2 });
    await cache.embed(['a', 'b']);
    await cache.embed(['a']); // a is now more recent than b
    await cache.embed(['c']); // evicts b
    await cache.embed(['a', 'b']);
    expect(inner.calls).toEqual([['a', 'b'], ['c'], ['b']]);
    expect(cache.stats()).toMatchObject({ size: 2, evictions: 2 });
  });

  it('does not cache failures', async () => {
    const inner = new CountingEmbedder();
    const cache = new CachedEmbedder(inner);
    inner.failNext = true;
    await expect(cache.embed(['flaky'])).rejects.toMatchObject({ code: 'embed_request_failed' });
    await expect(cache.embed(['flaky'])).resolves.toHaveLength(1);
    expect(inner.calls).toEqual([['flaky'], ['flaky']]);
  });

  it('keys by model as well as text, and closes the inner embedder', async () => {
    expect(cacheKey('model-a', 'text')).not.toBe(cacheKey('model-b', 'text'));
    expect(cacheKey('model-a', 'text')).toBe(cacheKey('model-a', 'text'));
    const inner = new CountingEmbedder();
    await new CachedEmbedder(inner).close();
    expect(inner.closed).toBe(true);
  });
});
