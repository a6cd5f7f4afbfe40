import hnswlib from 'hnswlib-node';
import { ClioError } from '../errors.ts';
import { TopK } from './top-k.ts';

const { HierarchicalNSW } = hnswlib;

export interface Neighbour {
  label: number;
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

/**
 * Nearest neighbours by cosine similarity over labelled vectors. Which one (bench/assign.ts
 * measures them): SketchIndex for catalogs and exemplar samples, up to some 100,000 vectors (its
 * scan is linear), at 5–10× the queries per second of HnswIndex for 10,000; HnswIndex beyond;
 * BruteForceIndex as the exact reference in tests and benchmarks.
 */
export interface NearestIndex {
  readonly size: number;
  add(label: number, vector: readonly number[]): void;
  /** The k nearest, best first. */
  nearest(vector: readonly number[], k?: number): Neighbour[];
}

export class NearestIndexError extends ClioError {
  constructor(message: string) {
    super('nearest_index_invalid', message);
  }
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

/** Exact search (cosine): the reference the approximate indexes are measured against. */
export class BruteForceIndex implements NearestIndex {
  private readonly labels: number[] = [];
  /** Unit vectors, one row each, doubling as they arrive. */
  private rows = new Float64Array(0);
  private dimension = 0;

  get size(): number {
    return this.labels.length;
  }

  add(label: number, vector: readonly number[]): void {
    if (this.size === 0) this.dimension = vector.length;
    this.checkDimension(vector);
    if ((this.size + 1) * this.dimension > this.rows.length) {
      const grown = new Float64Array(Math.max(64, this.size * 2) * this.dimension);
      grown.set(this.rows);
      this.rows = grown;
    }
    this.rows.set(unit(vector), this.size * this.dimension);
    this.labels.push(label);
  }

  nearest(vector: readonly number[], k = 1): Neighbour[] {
    if (this.size === 0 || k < 1) return [];
    this.checkDimension(vector);
    const query = unit(vector);
    const best = new TopK(k);
    const { rows, dimension } = this;
    for (let row = 0, at = 0; row < this.size; row++, at += dimension) {
      let similarity = 0;
      for (let i = 0; i < dimension; i++) similarity += query[i]! * rows[at + i]!;
      best.offer(row, similarity);
    }
    return best.ids.map((row, i) => ({ label: this.labels[row]!, similarity: best.scores[i]! }));
  }

  private checkDimension(vector: readonly number[]): void {
    if (vector.length !== this.dimension) throw new NearestIndexError(`a ${vector.length}-d vector given to a ${this.dimension}-d index`);
  }
}

function unit(vector: readonly number[]): Float64Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return Float64Array.from(vector, (x) => x * scale);
}
