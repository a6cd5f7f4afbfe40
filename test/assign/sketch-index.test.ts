import { describe, expect, it } from 'vitest';
import { BruteForceIndex, NearestIndexError } from '../../src/assign/nearest-index.ts';
import { SketchIndex } from '../../src/assign/sketch-index.ts';
import { seededRandom } from '../../src/util/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

describe('SketchIndex', () => {
  it('keeps every vector exact when it grows (dimension not a multiple of 16)', () => {
    const random = seededRandom(1);
    const dim = 100; // padded to 112 floats a row and 128 for the transform
    const index = new SketchIndex(dim, { initialCapacity: 16 });
    const brute = new BruteForceIndex();
    const vectors = Array.from({ length: 500 }, () => randomUnit(random, dim));
    vectors.forEach((v, label) => {
      index.add(label, v);
      brute.add(label, v);
    });
    for (const label of [0, 16, 17, 255, 256, 499]) {
      expect(index.nearest(vectors[label]!)).toEqual([{ label, similarity: expect.closeTo(1, 6) }]);
    }
    for (let q = 0; q < 50; q++) {
      const query = near(random, vectors[q * 10]!, 0.05);
      const [found] = index.nearest(query);
      expect(found!.label).toBe(q * 10);
      expect(found!.similarity).toBeCloseTo(brute.nearest(query)[0]!.similarity, 6);
    }
  });

  it('is cosine: the length of a vector does not matter, and a zero vector is dissimilar to all', () => {
    const index = new SketchIndex(4);
    index.add(1, [10, 0, 0, 0]);
    index.add(2, [0, 0.1, 0.1, 0]);
    index.add(3, [0, 0, 0, 0]);
    expect(index.nearest([0, 3, 3, 0], 3)).toEqual([
      { label: 2, similarity: expect.closeTo(1, 6) },
      { label: 1, similarity: 0 },
      { label: 3, similarity: 0 },
    ]);
    expect(index.nearest([0, 0, 0, 0])).toEqual([{ label: 1, similarity: 0 }]);
  });

  it('re-ranks every row whose sketch ties at the shortlist bound', () => {
    // 100 copies of one vector share a sketch; the best match is a slight variant among them.
    const random = seededRandom(2);
    const base = randomUnit(random, 64);
    const index = new SketchIndex(64, { shortlist: 4 });
    for (let label = 0; label < 100; label++) index.add(label, base);
    const variant = near(random, base, 0.001);
    index.add(100, variant);
    for (let label = 101; label < 200; label++) index.add(label, randomUnit(random, 64));
    expect(index.nearest(variant)[0]).toEqual({ label: 100, similarity: expect.closeTo(1, 6) });
  });

  it('answers many near-miss queries like brute force in small dimensions too', () => {
    const random = seededRandom(3);
    const index = new SketchIndex(3);
    const brute = new BruteForceIndex();
    for (let label = 0; label < 300; label++) {
      const v = randomUnit(random, 3);
      index.add(label, v);
      brute.add(label, v);
    }
    let agree = 0;
    for (let q = 0; q < 500; q++) {
      const query = randomUnit(random, 3);
      if (index.nearest(query)[0]!.label === brute.nearest(query)[0]!.label) agree++;
    }
    expect(agree / 500).toBeGreaterThanOrEqual(0.99);
  });

  it('gives the same answers for the same seed', () => {
    const random = seededRandom(4);
    const vectors = Array.from({ length: 200 }, () => randomUnit(random, 32));
    const [a, b] = [new SketchIndex(32, { seed: 9, shortlist: 2 }), new SketchIndex(32, { seed: 9, shortlist: 2 })];
    vectors.forEach((v, label) => {
      a.add(label, v);
      b.add(label, v);
    });
    const queries = Array.from({ length: 50 }, () => randomUnit(random, 32));
    expect(queries.map((q) => a.nearest(q, 3))).toEqual(queries.map((q) => b.nearest(q, 3)));
  });

  it('rejects bad options and vectors of another dimension', () => {
    expect(() => new SketchIndex(0)).toThrow(NearestIndexError);
    expect(() => new SketchIndex(8, { shortlist: 0 })).toThrow(NearestIndexError);
    const index = new SketchIndex(8);
    expect(() => index.add(1, [1, 0])).toThrow(NearestIndexError);
    expect(() => index.nearest([1, 0])).toThrow(/a 2-d vector given to a 8-d index/);
    expect(index.size).toBe(0);
  });
});
