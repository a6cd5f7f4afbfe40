import { describe, expect, it } from 'vitest';
import { BruteForceIndex, HnswIndex } from '../../src/assign/nearest-index.ts';
import { seededRandom } from '../../src/generate/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

describe('HnswIndex', () => {
  it('agrees with brute force on ≥ 99% of 10,000 queries over 1,000 centroids (512-d)', () => {
    const random = seededRandom(1);
    const dim = 512;
    // Centroids in families, as topic clusters are: near neighbours exist and are close.
    const families = Array.from({ length: 50 }, () => randomUnit(random, dim));
    const centroids = Array.from({ length: 1000 }, (_, i) => near(random, families[i % 50]!, 0.05));
    const hnsw = new HnswIndex(dim, 256); // starts small: exercises resizing
    const brute = new BruteForceIndex();
    centroids.forEach((c, label) => {
      hnsw.add(label, c);
      brute.add(label, c);
    });
    expect(hnsw.size).toBe(1000);
    let agree = 0;
    for (let q = 0; q < 10_000; q++) {
      const query = near(random, centroids[Math.floor(random() * centroids.length)]!, 0.06);
      const [h] = hnsw.nearest(query);
      const [b] = brute.nearest(query);
      if (h!.label === b!.label) agree++;
      if (q < 100) expect(h!.similarity).toBeCloseTo(b!.label === h!.label ? b!.similarity : h!.similarity, 5);
    }
    expect(agree / 10_000).toBeGreaterThanOrEqual(0.99);
  });

  it('returns cosine similarity and the k nearest in order', () => {
    const index = new HnswIndex(3, 16);
    index.add(7, [1, 0, 0]);
    index.add(8, [0, 1, 0]);
    index.add(9, [Math.SQRT1_2, Math.SQRT1_2, 0]);
    const result = index.nearest([1, 0, 0], 2);
    expect(result.map((r) => r.label)).toEqual([7, 9]);
    expect(result[0]!.similarity).toBeCloseTo(1, 6);
    expect(result[1]!.similarity).toBeCloseTo(Math.SQRT1_2, 6);
    expect(new HnswIndex(3).nearest([1, 0, 0])).toEqual([]);
  });
});
