import type { Catalog, CatalogCluster } from '../catalog/catalog.ts';
import type { Assignment } from './assigner.ts';
import { HnswIndex, type NearestIndex } from './nearest-index.ts';
import { SketchIndex } from './sketch-index.ts';

/**
 * Up to this many leaves the sign-sketch scan answers faster than HNSW and exactly enough (recall@1
 * 1.0 against brute force at 10,000 centroids, ~6× HNSW's speed, see bench/assign.ts); beyond it
 * the scan's linear cost loses to HNSW's graph.
 */
export const SKETCH_MAX_LEAVES = 50_000;

/** The catalog's known conversations (the exemplar sample), when the build wrote one. */
export interface NoveltyTest {
  /** The cheap per-conversation hint: no known conversation is close (first-story detection). */
  isNovel(vector: readonly number[]): boolean;
  /** Similarities to the k nearest known conversations, most similar first (the density contrast's known side). */
  nearestSimilarities?(vector: readonly number[], k: number): number[];
  /** Known conversations the sample stands for (repeats included): the density contrast's sample size. */
  readonly conversations?: number;
}

/**
 * The catalog's leaf centroids in a nearest-neighbour index (sign sketches, or HNSW for very large
 * catalogs). A vector is assigned to its nearest leaf. It is
 * `novel` when no known conversation is close (the exemplar test), or, without exemplars, when it
 * falls below the leaf's calibrated similarity threshold; conversations close to a provisional
 * cluster are never novel again. `novel` is a cheap per-message hint for --assignments-out only:
 * emerging groups are found at bucket close by density contrast over all recent traffic
 * (src/detect/emergence.ts), against knownSimilarities().
 */
export class CatalogIndex {
  private readonly index: NearestIndex;
  private readonly leaves: CatalogCluster[] = [];
  private readonly byId = new Map<string, CatalogCluster>();

  constructor(readonly catalog: Catalog, private readonly novelty?: NoveltyTest) {
    for (const c of catalog.clusters) this.byId.set(c.id, c);
    const leaves = catalog.clusters.filter((c) => c.level === 0);
    const capacity = Math.max(64, leaves.length * 2);
    this.index = leaves.length <= SKETCH_MAX_LEAVES
      ? new SketchIndex(catalog.embedding.dimension, { initialCapacity: capacity })
      : new HnswIndex(catalog.embedding.dimension, capacity);
    for (const leaf of leaves) this.addToIndex(leaf);
  }

  get size(): number {
    return this.leaves.length;
  }

  cluster(id: string): CatalogCluster | undefined {
    return this.byId.get(id);
  }

  /** Adds a cluster while running (a provisional cluster found by emergence detection). */
  addLeaf(cluster: CatalogCluster): void {
    this.catalog.clusters.push(cluster);
    this.byId.set(cluster.id, cluster);
    this.addToIndex(cluster);
  }

  /**
   * Size of the known sample the contrast compares recent traffic with; null when there is no
   * exemplar sample and the known side is the leaf centroids.
   */
  get knownSize(): number | null {
    return this.novelty?.nearestSimilarities && this.novelty.conversations ? this.novelty.conversations : null;
  }

  /**
   * Similarities to the k nearest known conversations, most similar first: the exemplar sample, or
   * without one the nearest built leaf centroids (not provisional ones).
   */
  knownSimilarities(vector: readonly number[], k: number): number[] {
    if (this.knownSize !== null) return this.novelty!.nearestSimilarities!(vector, k);
    // Catalog leaves only: the caller adds provisional ones itself, so the answer does not depend on when it asked.
    const provisional = this.leaves.filter((l) => l.provisional).length;
    return this.index.nearest(vector, Math.min(k + provisional, this.leaves.length))
      .filter((n) => !this.leaves[n.label]!.provisional)
      .slice(0, k)
      .map((n) => n.similarity);
  }

  assign(vector: readonly number[]): Assignment {
    const [best] = this.index.nearest(vector, 1);
    if (!best) return { clusterId: NOVEL_CLUSTER_ID, similarity: 0, novel: true };
    const leaf = this.leaves[best.label]!;
    const close = best.similarity >= leaf.similarity_threshold;
    const novel = leaf.provisional && close ? false : this.novelty ? this.novelty.isNovel(vector) : !close;
    return { clusterId: leaf.id, similarity: best.similarity, novel, ancestorIds: this.ancestorsOf(leaf) };
  }

  private addToIndex(leaf: CatalogCluster): void {
    this.index.add(this.leaves.length, leaf.centroid);
    this.leaves.push(leaf);
  }

  private ancestorsOf(leaf: CatalogCluster): string[] {
    const ids: string[] = [];
    for (let p = leaf.parent; p !== null && !ids.includes(p); p = this.byId.get(p)?.parent ?? null) ids.push(p);
    return ids;
  }
}

/** Counted under this id when the catalog is empty. */
export const NOVEL_CLUSTER_ID = 'novel';
