import { describe, expect, it } from 'vitest';
import { defaultClusterCount, kmeans } from '../../src/catalog/kmeans.ts';
import { quantile } from '../../src/catalog/vectors.ts';
import { seededRandom } from '../../src/util/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

describe('kmeans', () => {
  it('recovers well-separated clusters (purity 1) and is deterministic for a seed', () => {
    const random = seededRandom(3);
    const centres = Array.from({ length: 8 }, () => randomUnit(random, 64));
    const labels: number[] = [];
    const points = Array.from({ length: 800 }, (_, i) => {
      labels.push(i % 8);
      return near(random, centres[i % 8]!, 0.08);
    });
    const a = kmeans(points, 8, seededRandom(9));
    const b = kmeans(points, 8, seededRandom(9));
    expect(a.assignment).toEqual(b.assignment);
    // Each found cluster holds one label only.
    const labelsOf = new Map<number, Set<number>>();
    a.assignment.forEach((c, i) => labelsOf.set(c, (labelsOf.get(c) ?? new Set()).add(labels[i]!)));
    expect(labelsOf.size).toBe(8);
    for (const set of labelsOf.values()) expect(set.size).toBe(1);
    expect(Math.min(...a.similarity)).toBeGreaterThan(0.5);
    for (const c of a.centroids) expect(Math.hypot(...c)).toBeCloseTo(1, 6);
  });

  it('handles k larger than the data and a single point', () => {
    const r = kmeans([[1, 0], [0, 1]], 5, seededRandom(1));
    expect(r.centroids).toHaveLength(2);
    expect(new Set(r.assignment).size).toBe(2);
    expect(kmeans([[1, 0]], 1, seededRandom(1)).assignment).toEqual([0]);
    expect(() => kmeans([], 3, seededRandom(1))).toThrow(RangeError);
  });

  it('picks a default k from the data size', () => {
    expect(defaultClusterCount(10)).toBe(2);
    expect(defaultClusterCount(2_000)).toBe(32);
    expect(defaultClusterCount(10_000_000)).toBe(500);
  });

  it('quantile interpolates', () => {
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
  });
});
