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

/** Novelty judged by the nearest known conversation (first-story detection), when the catalog has exemplars. */
export interface NoveltyTest {
  isNovel(vector: readonly number[]): boolean;
}

/**
 * The catalog's leaf centroids in a nearest-neighbour index (sign sketches, or HNSW for very large
 * catalogs). A vector is assigned to its nearest leaf. It is
 * `novel` (kept for emerging-cluster discovery) when no known conversation is close — the exemplar
 * test, which real data needs because a new pattern mostly lands inside known clusters' centroid
 * range — or, without exemplars, when it falls below the leaf's calibrated similarity threshold.
 * Conversations close to a provisional cluster are never novel again: that pattern is known now.
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
