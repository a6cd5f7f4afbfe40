import { describe, expect, it } from 'vitest';
import { BruteForceIndex, HnswIndex, NearestIndexError, type NearestIndex } from '../../src/assign/nearest-index.ts';
import { SketchIndex } from '../../src/assign/sketch-index.ts';
import { seededRandom, type Random } from '../../src/util/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

const DIM = 512;

interface Dataset {
  centroids: number[][];
  queries: number[][];
  exact: Array<{ label: number; similarity: number }>;
}

/** Centroids, queries near random centroids, and the exact nearest of each (computed once, shared by the implementations). */
function dataset(make: (random: Random) => number[][], queries: number, seed: number): () => Dataset {
  let built: Dataset | undefined;
  return () => {
    if (built) return built;
    const random = seededRandom(seed);
    const centroids = make(random);
    const qs = Array.from({ length: queries }, () => near(random, centroids[Math.floor(random() * centroids.length)]!, 0.06));
    const brute = new BruteForceIndex();
    centroids.forEach((c, label) => brute.add(label, c));
    built = { centroids, queries: qs, exact: qs.map((q) => brute.nearest(q)[0]!) };
    return built;
  };
}

// Centroids in families, as topic clusters are: near neighbours exist and are close.
const families = dataset((random) => {
  const heads = Array.from({ length: 50 }, () => randomUnit(random, DIM));
  return Array.from({ length: 1000 }, (_, i) => near(random, heads[i % 50]!, 0.05));
}, 10_000, 1);
const independent = dataset((random) => Array.from({ length: 1000 }, () => randomUnit(random, DIM)), 2_000, 2);

function agreement(index: NearestIndex, data: Dataset): number {
  let agree = 0;
  data.queries.forEach((query, q) => {
    const [found] = index.nearest(query);
    const exact = data.exact[q]!;
    if (found!.label === exact.label) {
      agree++;
      expect(found!.similarity).toBeCloseTo(exact.similarity, 5);
    }
  });
  return agree / data.queries.length;
}

const implementations: Array<[string, (dim: number, capacity: number) => NearestIndex]> = [
  ['HnswIndex', (dim, capacity) => new HnswIndex(dim, capacity)],
  ['SketchIndex', (dim, capacity) => new SketchIndex(dim, { initialCapacity: capacity })],
];

describe.each(implementations)('%s', (_, create) => {
  it('agrees with brute force on ≥ 99% of 10,000 queries over 1,000 clustered centroids (512-d)', { timeout: 60_000 }, () => {
    const data = families();
    const index = create(DIM, 256); // starts small: exercises growing
    data.centroids.forEach((c, label) => index.add(label, c));
    expect(index.size).toBe(1000);
    expect(agreement(index, data)).toBeGreaterThanOrEqual(0.99);
  });

  it('agrees with brute force on ≥ 99% of queries over 1,000 independent random centroids', { timeout: 60_000 }, () => {
    const data = independent();
    const index = create(DIM, 1000);
    data.centroids.forEach((c, label) => index.add(label, c));
    expect(agreement(index, data)).toBeGreaterThanOrEqual(0.99);
  });

  it('finds vectors added while running, before and after the index grows', () => {
    const random = seededRandom(3);
    const index = create(DIM, 16);
    const added: number[][] = [];
    for (let label = 0; label < 300; label++) {
      const v = randomUnit(random, DIM);
      index.add(label, v);
      added.push(v);
      const [found] = index.nearest(near(random, v, 0.03));
      expect(found!.label).toBe(label);
    }
    // Earlier vectors are still found after several doublings.
    for (const label of [0, 15, 16, 100, 299]) {
      const [found] = index.nearest(added[label]!);
      expect(found).toEqual({ label, similarity: expect.closeTo(1, 5) });
    }
  });

  it('returns the k nearest in order, best first, with their cosine similarity', () => {
    const index = create(3, 16);
    index.add(7, [1, 0, 0]);
    index.add(8, [0, 1, 0]);
    index.add(9, [Math.SQRT1_2, Math.SQRT1_2, 0]);
    const result = index.nearest([1, 0, 0], 2);
    expect(result.map((r) => r.label)).toEqual([7, 9]);
    expect(result[0]!.similarity).toBeCloseTo(1, 6);
    expect(result[1]!.similarity).toBeCloseTo(Math.SQRT1_2, 6);
    expect(create(3, 16).nearest([1, 0, 0])).toEqual([]);
  });

  it('returns a close group in exact order among 2,000 unrelated vectors', () => {
    const random = seededRandom(4);
    const centre = randomUnit(random, DIM);
    const brute = new BruteForceIndex();
    const index = create(DIM, 2048);
    for (let label = 0; label < 2000; label++) {
      // Every 400th is one of a group of five around the centre, at different distances.
      const v = label % 400 === 0 ? near(random, centre, 0.01 + label / 40_000) : randomUnit(random, DIM);
      brute.add(label, v);
      index.add(label, v);
    }
    const query = near(random, centre, 0.01);
    const result = index.nearest(query, 5);
    expect(result.map((r) => r.label)).toEqual(brute.nearest(query, 5).map((r) => r.label));
    expect(new Set(result.map((r) => r.label))).toEqual(new Set([0, 400, 800, 1200, 1600]));
    for (let i = 1; i < result.length; i++) expect(result[i]!.similarity).toBeLessThan(result[i - 1]!.similarity);
  });
});

describe('BruteForceIndex', () => {
  it('ranks by cosine similarity, whatever the vectors’ lengths', () => {
    const index = new BruteForceIndex();
    index.add(1, [2, 0]);
    index.add(2, [3, 3]);
    index.add(3, [0, -0.5]);
    const result = index.nearest([5, 1], 3);
    expect(result.map((r) => r.label)).toEqual([1, 2, 3]);
    expect(result[0]!.similarity).toBeCloseTo(5 / Math.sqrt(26), 12);
    expect(result[1]!.similarity).toBeCloseTo(6 / Math.sqrt(52), 12);
    expect(result[2]!.similarity).toBeCloseTo(-1 / Math.sqrt(26), 12);
    expect(index.nearest([1, 0], 0)).toEqual([]);
  });

  it('rejects a vector of another dimension', () => {
    const index = new BruteForceIndex();
    index.add(1, [1, 0, 0]);
    expect(() => index.add(2, [1, 0])).toThrow(NearestIndexError);
    expect(() => index.nearest([1, 0])).toThrow(NearestIndexError);
  });
});
