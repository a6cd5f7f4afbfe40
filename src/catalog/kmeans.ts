import type { Random } from '../util/random.ts';
import { dot, normalise, type Vector } from './vectors.ts';

export interface KMeansResult {
  /** Unit-length centroids. */
  centroids: Vector[];
  /** Index of the nearest centroid for each input vector. */
  assignment: number[];
  /** Cosine similarity of each vector to its centroid. */
  similarity: number[];
  iterations: number;
}

/**
 * Spherical k-means (cosine) with k-means++ seeding, as Clio clusters its facet embeddings.
 * Inputs are unit vectors; deterministic for a given random source. Several seedings are tried
 * and the tightest result kept, since one seeding can settle in a poor local optimum.
 */
export function kmeans(vectors: readonly Vector[], k: number, random: Random, options: { restarts?: number; maxIterations?: number } = {}): KMeansResult {
  let best: KMeansResult | undefined;
  let bestScore = -Infinity;
  for (let r = 0; r < Math.max(1, options.restarts ?? 4); r++) {
    const result = kmeansOnce(vectors, k, random, options.maxIterations ?? 50);
    const score = result.similarity.reduce((a, b) => a + b, 0);
    if (score > bestScore) {
      best = result;
      bestScore = score;
    }
  }
  return best!;
}

function kmeansOnce(vectors: readonly Vector[], k: number, random: Random, maxIterations: number): KMeansResult {
  if (vectors.length === 0) throw new RangeError('k-means needs at least one vector');
  const kk = Math.max(1, Math.min(k, vectors.length));
  let centroids = seedPlusPlus(vectors, kk, random);
  let assignment = new Array<number>(vectors.length).fill(-1);
  let similarity = new Array<number>(vectors.length).fill(0);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let changed = 0;
    for (let i = 0; i < vectors.length; i++) {
      const [best, sim] = nearest(vectors[i]!, centroids);
      if (best !== assignment[i]) changed++;
      assignment[i] = best;
      similarity[i] = sim;
    }
    if (changed === 0 && iterations > 0) break;
    centroids = recompute(vectors, assignment, centroids, random);
  }
  // Similarities against the final centroids.
  for (let i = 0; i < vectors.length; i++) similarity[i] = dot(vectors[i]!, centroids[assignment[i]!]!);
  return { centroids, assignment, similarity, iterations };
}

/** k-means++: each next seed is drawn with probability proportional to its squared distance to the nearest seed. */
function seedPlusPlus(vectors: readonly Vector[], k: number, random: Random): Vector[] {
  const seeds: Vector[] = [vectors[Math.floor(random() * vectors.length)]!];
  // For unit vectors, squared Euclidean distance = 2 - 2·cos.
  const d2 = vectors.map((v) => Math.max(0, 2 - 2 * dot(v, seeds[0]!)));
  while (seeds.length < k) {
    const total = d2.reduce((a, b) => a + b, 0);
    let pick = 0;
    if (total > 0) {
      let r = random() * total;
      for (pick = 0; pick < d2.length - 1; pick++) {
        r -= d2[pick]!;
        if (r <= 0) break;
      }
    } else {
      pick = Math.floor(random() * vectors.length);
    }
    const seed = vectors[pick]!;
    seeds.push(seed);
    for (let i = 0; i < vectors.length; i++) d2[i] = Math.min(d2[i]!, Math.max(0, 2 - 2 * dot(vectors[i]!, seed)));
  }
  return seeds.map((s) => [...s]);
}

function nearest(v: Vector, centroids: readonly Vector[]): [number, number] {
  let best = 0;
  let bestSim = -Infinity;
  for (let c = 0; c < centroids.length; c++) {
    const s = dot(v, centroids[c]!);
    if (s > bestSim) {
      bestSim = s;
      best = c;
    }
  }
  return [best, bestSim];
}

function recompute(vectors: readonly Vector[], assignment: number[], previous: Vector[], random: Random): Vector[] {
  const dim = vectors[0]!.length;
  const sums = previous.map(() => new Array<number>(dim).fill(0));
  const sizes = new Array<number>(previous.length).fill(0);
  for (let i = 0; i < vectors.length; i++) {
    const sum = sums[assignment[i]!]!;
    const v = vectors[i]!;
    for (let d = 0; d < dim; d++) sum[d]! += v[d]!;
    sizes[assignment[i]!]! += 1;
  }
  // An emptied cluster is re-seeded on a random point rather than lost.
  return sums.map((sum, c) => (sizes[c] === 0 ? [...vectors[Math.floor(random() * vectors.length)]!] : normalise(sum)));
}

/** A default k for n conversations when none is given: about √(n/2), within [2, 500]. */
export function defaultClusterCount(n: number): number {
  return Math.max(2, Math.min(500, Math.round(Math.sqrt(n / 2))));
}
