import type { Random } from '../util/random.ts';
import { kmeans } from './kmeans.ts';
import { dot, normalise, type Vector } from './vectors.ts';

/** What the hierarchy step sees of a leaf: its (audited) name and description, and its centroid. */
export interface LeafSummary {
  name: string;
  description: string;
  centroid: Vector;
  /** False for leaves under the privacy thresholds: their name is generic. */
  named: boolean;
}

/** Groups leaves under parents: each group is a list of leaf indices; every leaf is in exactly one. */
export interface ParentGrouper {
  readonly name: string;
  group(leaves: readonly LeafSummary[]): Promise<number[][]>;
}

/** About √n parents for n leaves, at least two. */
export function parentCount(leaves: number): number {
  return Math.max(2, Math.round(Math.sqrt(leaves)));
}

/** The offline grouping: k-means over the leaf centroids. */
export class KMeansGrouper implements ParentGrouper {
  readonly name = 'k-means';
  constructor(private readonly random: Random) {}

  async group(leaves: readonly LeafSummary[]): Promise<number[][]> {
    const top = kmeans(leaves.map((l) => l.centroid), parentCount(leaves.length), this.random);
    return top.centroids.map((_, p) => top.assignment.flatMap((a, j) => (a === p ? [j] : []))).filter((g) => g.length > 0);
  }
}

/** Puts each leaf not yet placed under the group whose centroid is nearest to it. */
export function placeByCentroid(leaves: readonly LeafSummary[], groups: number[][], unplaced: readonly number[]): number[][] {
  const centres = groups.map((g) => normalise(g.reduce((sum, j) => sum.map((x, d) => x + leaves[j]!.centroid[d]!), new Array<number>(leaves[0]!.centroid.length).fill(0))));
  const out = groups.map((g) => [...g]);
  for (const j of unplaced) {
    let best = 0;
    centres.forEach((c, p) => {
      if (dot(c, leaves[j]!.centroid) > dot(centres[best]!, leaves[j]!.centroid)) best = p;
    });
    out[best]!.push(j);
  }
  return out;
}
