import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEmbedder, LOCAL_DIMENSION, LOCAL_MAX_CHARS, LOCAL_MODEL_ID } from '../../src/embed/local-embedder.ts';
import { TOPICS } from '../../src/generate/topics.ts';
import { fillTemplate } from '../../src/generate/synthetic.ts';
import { seededRandom } from '../../src/util/random.ts';

const dot = (a: number[], b: number[]): number => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

// The model runs on a shared 2-core machine: generous limits, whatever config runs this file.
describe('LocalEmbedder (embedded USE-lite)', { timeout: 60_000 }, () => {
  let embedder: LocalEmbedder;
  // One model load per worker for the whole file: loading takes about a second.
  beforeAll(async () => {
    embedder = await LocalEmbedder.start({ workers: 2, batchSize: 8 });
  }, 60_000);
  afterAll(async () => {
    await embedder?.close();
  });

  it('loads the model shipped in node_modules and returns 512-d unit vectors', async () => {
    expect(embedder.modelId).toBe(LOCAL_MODEL_ID);
    expect(embedder.modelId).toMatch(/^energetic-ai\/use-lite-512@\d+\.\d+\.\d+$/);
    expect(embedder.dimension).toBe(LOCAL_DIMENSION);
    expect(embedder.workerCount).toBe(2);
    const vectors = await embedder.embed(['How do I reset my password?', '', 'ünïcödé and emoji 🚀']);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(512);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
    }
    expect(await embedder.embed([])).toEqual([]);
  });

  it('places paraphrases closer together than unrelated requests', async () => {
    const [recipe, recipeParaphrase, sql] = await embedder.embed([
      'Give me a vegetarian recipe for dinner that uses chickpeas.',
      'What can I cook tonight with chickpeas? It should have no meat.',
      'How do I write a SQL query that joins two tables on a foreign key?',
    ]);
    const paraphrase = dot(recipe!, recipeParaphrase!);
    expect(paraphrase).toBeGreaterThan(dot(recipe!, sql!) + 0.1);
    expect(paraphrase).toBeGreaterThan(dot(recipeParaphrase!, sql!) + 0.1);
  });

  it('embeds only the opening of a very long text, quickly', async () => {
    const opening = 'My pandas script crashes with a KeyError when it reads the CSV file. '.repeat(40).slice(0, LOCAL_MAX_CHARS);
    const started = Date.now();
    const [long, clipped] = await embedder.embed([opening + 'x'.repeat(50_000), opening]);
    expect(Date.now() - started).toBeLessThan(5_000); // unclipped, the tokenizer alone takes ~10 s
    expect(dot(long!, clipped!)).toBeCloseTo(1, 6);
  });

  it('keeps input order when ~100 texts are spread over both workers', async () => {
    const random = seededRandom(11);
    const texts = Array.from({ length: 101 }, (_, i) => `${fillTemplate(random, TOPICS[i % TOPICS.length]!)} (#${i})`);
    const all = await embedder.embed(texts); // 13 batches of 8, shared by the two workers
    expect(all).toHaveLength(101);
    // A sample re-embedded alone, in reverse, must match by position: the same text gives the same
    // vector wherever it sat in a call and whichever worker ran it.
    const sample = [100, 77, 64, 50, 33, 17, 8, 1, 0];
    const again = await embedder.embed(sample.map((i) => texts[i]!));
    sample.forEach((i, k) => expect(dot(all[i]!, again[k]!)).toBeCloseTo(1, 5));
    for (let i = 1; i < all.length; i++) expect(dot(all[i]!, all[i - 1]!)).toBeLessThan(0.999);
  });
});

describe('LocalEmbedder worker failures', { timeout: 30_000 }, () => {
  it('reports a worker that dies as a retryable typed error, and replaces it', async () => {
    const embedder = await LocalEmbedder.start({ workers: 1, workerUrl: new URL('./fixtures/dying-worker.ts', import.meta.url) });
    try {
      await expect(embedder.embed(['anything'])).rejects.toMatchObject({ code: 'embed_worker_failed', retryable: true, message: expect.stringMatching(/exited with code 3/) });
      // The replacement loads and is used (and dies the same way here).
      await expect(embedder.embed(['again'])).rejects.toMatchObject({ code: 'embed_worker_failed' });
    } finally {
      await embedder.close();
    }
    await expect(embedder.embed(['after close'])).rejects.toMatchObject({ code: 'embed_closed' });
  });

  it('fails start() with a typed error when the model cannot be loaded', async () => {
    await expect(LocalEmbedder.start({ workers: 2, workerUrl: new URL('./fixtures/unloadable-worker.ts', import.meta.url) })).rejects.toMatchObject({
      code: 'embed_model_load_failed',
      retryable: false,
      message: expect.stringContaining('weights not found'),
    });
  });
});
