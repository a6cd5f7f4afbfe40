import type { Catalog, CatalogCluster } from '../catalog/catalog.ts';
import type { Assignment } from './assigner.ts';
import { HnswIndex } from './nearest-index.ts';

/**
 * The catalog's leaf centroids in an HNSW index. A vector is assigned to its nearest leaf; below
 * that leaf's calibrated similarity threshold it is `novel` (kept for emerging-cluster discovery).
 */
export class CatalogIndex {
  private readonly index: HnswIndex;
  private readonly leaves: CatalogCluster[] = [];

  constructor(readonly catalog: Catalog) {
    const leaves = catalog.clusters.filter((c) => c.level === 0);
    this.index = new HnswIndex(catalog.embedding.dimension, Math.max(64, leaves.length * 2));
    for (const leaf of leaves) this.addLeaf(leaf);
  }

  get size(): number {
    return this.leaves.length;
  }

  /** Adds a cluster while running (a provisional cluster found by emergence detection). */
  addLeaf(cluster: CatalogCluster): void {
    this.index.add(this.leaves.length, cluster.centroid);
    this.leaves.push(cluster);
  }

  assign(vector: readonly number[]): Assignment {
    const [best] = this.index.nearest(vector, 1);
    if (!best) return { clusterId: NOVEL_CLUSTER_ID, similarity: 0, novel: true };
    const leaf = this.leaves[best.label]!;
    return { clusterId: leaf.id, similarity: best.similarity, novel: best.similarity < leaf.similarity_threshold };
  }
}

/** Counted under this id when the catalog is empty. */
export const NOVEL_CLUSTER_ID = 'novel';
