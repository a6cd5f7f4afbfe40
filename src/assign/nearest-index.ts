import hnswlib from 'hnswlib-node';
import { dot } from '../catalog/vectors.ts';

const { HierarchicalNSW } = hnswlib;

export interface Neighbour {
  label: number;
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

/** Nearest neighbours by cosine similarity over labelled unit vectors. */
export interface NearestIndex {
  readonly size: number;
  add(label: number, vector: readonly number[]): void;
  nearest(vector: readonly number[], k?: number): Neighbour[];
}

/**
 * HNSW (hnswlib-node) over cosine distance. `ef` ≥ 50 is needed for good recall with this
 * library; the index grows as points are added (provisional clusters arrive while running).
 */
export class HnswIndex implements NearestIndex {
  private readonly index: InstanceType<typeof HierarchicalNSW>;
  private capacity: number;

  constructor(readonly dimension: number, initialCapacity = 1024, ef = 64, m = 16) {
    this.index = new HierarchicalNSW('cosine', dimension);
    this.capacity = Math.max(16, initialCapacity);
    this.index.initIndex({ maxElements: this.capacity, m, efConstruction: 200, randomSeed: 100 });
    this.index.setEf(Math.max(50, ef));
  }

  get size(): number {
    return this.index.getCurrentCount();
  }

  add(label: number, vector: readonly number[]): void {
    if (this.size >= this.capacity) {
      this.capacity *= 2;
      this.index.resizeIndex(this.capacity);
    }
    this.index.addPoint(vector as number[], label);
  }

  nearest(vector: readonly number[], k = 1): Neighbour[] {
    const n = Math.min(k, this.size);
    if (n === 0) return [];
    const { neighbors, distances } = this.index.searchKnn(vector as number[], n);
    return neighbors.map((label, i) => ({ label, similarity: 1 - distances[i]! }));
  }
}

/** Exact search: the reference HNSW is measured against, and fine for small sets. */
export class BruteForceIndex implements NearestIndex {
  private readonly labels: number[] = [];
  private readonly vectors: (readonly number[])[] = [];

  get size(): number {
    return this.labels.length;
  }

  add(label: number, vector: readonly number[]): void {
    this.labels.push(label);
    this.vectors.push(vector);
  }

  nearest(vector: readonly number[], k = 1): Neighbour[] {
    const scored = this.vectors.map((v, i) => ({ label: this.labels[i]!, similarity: dot(vector, v) }));
    scored.sort((a, b) => b.similarity - a.similarity);
    return scored.slice(0, k);
  }
}
