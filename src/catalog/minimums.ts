import { UNNAMED } from './assemble.ts';
import type { Catalog, CatalogCluster } from './catalog.ts';
import { dot, normalise, quantile, type Vector } from './vectors.ts';

/** One conversation of the sample as the merge sees it: its embedding and keyed account hash. */
export interface MemberVector {
  vector: Vector;
  account: string;
}

export interface MinimumsOptions {
  minAccounts: number;
  minConversations: number;
  /** Members' similarity quantile that becomes a merged cluster's novelty threshold, as in the build. */
  thresholdQuantile: number;
}

export interface MinimumsOutcome {
  catalog: Catalog;
  /** Leaves under the minimums that were folded into another leaf. */
  merged: number;
  /** Parents left without leaves (all their leaves were under the minimums), dropped. */
  droppedParents: number;
}

interface Leaf {
  cluster: CatalogCluster;
  members: number[];
  size: number;
  accounts: number;
  passing: boolean;
  /** Took in a small leaf's members. */
  changed: boolean;
}

/**
 * catalog.json holds only clusters that meet the privacy minimums: a small cluster's centroid is the
 * mean of a handful of people's embeddings (one member's centroid is that person's embedding, from
 * which short texts can be reconstructed), and its size and account count are small numbers about
 * them. So each leaf under the minimums, smallest first, is folded into its nearest leaf that meets
 * them (by centroid; while none does, into its nearest leaf at all): the merged leaf's centroid,
 * size, distinct accounts and novelty threshold are recomputed from the members, and it keeps the
 * audited name of the passing leaf it joined (that leaf's members still use every word of it) or,
 * merged from small leaves only, stays unnamed. The stream then counts those conversations under
 * the merged leaf, which is what the nearest-centroid assignment did with them anyway, less the
 * small leaf no one could be shown. Parents are recomputed from the leaves they keep.
 *
 * Members are the items nearest each leaf's centroid: the final assignment of k-means, which stops
 * when no item changes its nearest centroid.
 */
export function enforceMinimums(catalog: Catalog, items: readonly MemberVector[], o: MinimumsOptions): MinimumsOutcome {
  const meets = (size: number, accounts: number) => accounts >= o.minAccounts && size >= o.minConversations;
  const leafClusters = catalog.clusters.filter((c) => c.level === 0);
  const leaves: Leaf[] = leafClusters.map((cluster) => ({
    cluster, members: [], size: cluster.size, accounts: cluster.unique_accounts, passing: meets(cluster.size, cluster.unique_accounts), changed: false,
  }));
  if (leaves.every((l) => l.passing)) return { catalog, merged: 0, droppedParents: 0 };
  items.forEach((item, i) => {
    let best = 0;
    let bestSim = -Infinity;
    leaves.forEach((l, j) => {
      const s = dot(item.vector, l.cluster.centroid);
      if (s > bestSim) [best, bestSim] = [j, s];
    });
    leaves[best]?.members.push(i);
  });

  const alive = new Set(leaves);
  let merged = 0;
  for (;;) {
    const failing = [...alive].filter((l) => !l.passing).sort((a, b) => a.size - b.size);
    const small = failing[0];
    if (!small) break;
    const others = [...alive].filter((l) => l !== small);
    if (others.length === 0) {
      alive.delete(small); // the whole sample is under the minimums: nothing may be kept
      break;
    }
    const passing = others.filter((l) => l.passing);
    const pool = passing.length > 0 ? passing : others;
    const target = pool.reduce((a, b) => (dot(small.cluster.centroid, b.cluster.centroid) > dot(small.cluster.centroid, a.cluster.centroid) ? b : a));
    const wasPassing = target.passing;
    target.members.push(...small.members);
    const accounts = new Set(target.members.map((i) => items[i]!.account)).size;
    const centroid = normalise(sumOf(target.members.map((i) => items[i]!.vector), catalog.embedding.dimension));
    target.size = target.members.length;
    target.accounts = accounts;
    target.passing = meets(target.size, accounts);
    target.changed = true;
    target.cluster = {
      ...target.cluster,
      ...(wasPassing ? {} : { ...UNNAMED, named: false }),
      centroid,
      size: target.size,
      unique_accounts: accounts,
      similarity_threshold: thresholdOf(target.members.map((i) => dot(items[i]!.vector, centroid)), o.thresholdQuantile),
    };
    alive.delete(small);
    merged++;
  }

  const kept = leaves.filter((l) => alive.has(l));
  const clusters: CatalogCluster[] = kept.map((l) => l.cluster);
  let droppedParents = 0;
  for (const parent of catalog.clusters.filter((c) => c.level > 0)) {
    const children = kept.filter((l) => l.cluster.parent === parent.id);
    if (children.length === 0) {
      droppedParents++;
      continue;
    }
    const before = leaves.filter((l) => l.cluster.parent === parent.id).length;
    if (children.length === before && children.every((l) => !l.changed)) {
      clusters.push(parent); // none of its leaves moved
      continue;
    }
    const members = children.flatMap((l) => l.members);
    const accounts = new Set(members.map((i) => items[i]!.account)).size;
    clusters.push({
      ...parent,
      centroid: normalise(sumOf(members.map((i) => items[i]!.vector), catalog.embedding.dimension)),
      size: members.length,
      unique_accounts: accounts,
      similarity_threshold: Math.min(...children.map((l) => l.cluster.similarity_threshold)),
    });
  }
  return { catalog: { ...catalog, clusters }, merged, droppedParents };
}

function sumOf(vectors: readonly Vector[], dimension: number): Vector {
  const sum = new Array<number>(dimension).fill(0);
  for (const v of vectors) for (let d = 0; d < dimension; d++) sum[d]! += v[d]!;
  return sum;
}

/** As the build calibrates it: the quantile of members' cosine to the centroid, clamped to a cosine; 0.5 without spread. */
function thresholdOf(similarities: readonly number[], q: number): number {
  if (similarities.length < 2) return 0.5;
  return Math.max(-1, Math.min(1, quantile(similarities, q)));
}
