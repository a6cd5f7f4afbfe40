import type { Random } from '../util/random.ts';
import type { NameAuditor } from './audit.ts';
import { checkCatalog, type Catalog, type CatalogCluster } from './catalog.ts';
import { KMeansGrouper, type ParentGrouper } from './hierarchy.ts';
import { defaultClusterCount, kmeans } from './kmeans.ts';
import { clusterVocabularies, TermNamer, type ClusterNamer, type Member } from './naming.ts';
import { areasByShare, areaShares } from '../classify/member-share.ts';
import { compilePolicyMatcher, type PolicyTaxonomy } from './policies.ts';
import { dot, normalise, quantile, type Vector } from './vectors.ts';

/** One conversation as the catalog build sees it: its request facet, keyed account hash and embedding. */
export interface CatalogItem {
  request: string;
  account: string;
  vector: Vector;
  /** The conversation's own policy areas (src/classify); a cluster's areas follow from their share among its members. */
  areas?: readonly string[];
}

export interface AssembleOptions {
  clusters?: number;
  random: Random;
  minAccounts: number;
  minConversations: number;
  vocabularyK: number;
  /** Members' similarity quantile that becomes the cluster's novelty threshold. */
  thresholdQuantile: number;
  policies: PolicyTaxonomy;
  auditor: NameAuditor;
  /** Default: the offline TermNamer. */
  namer?: ClusterNamer;
  /** How leaves are grouped under parents. Default: k-means over their centroids. */
  groupParents?: ParentGrouper;
  /**
   * Policy areas of a cluster from its members (Claude's judgement). Default: the areas carried by
   * at least policies.min_share of the members (items' `areas`), else the lexicon over their summaries.
   */
  classifyPolicies?: (members: readonly Member[]) => Promise<string[]>;
  embedding: { model_id: string; dimension: number };
  facetExtractor: string;
  now: Date;
  /** Called per finished step, for progress output. */
  onStep?: (step: string) => void;
}

export const UNNAMED = { name: 'Unnamed cluster', description: 'Not described: too small to name, or no name passed the privacy audit.' };

/**
 * Clio's batch steps after embedding, as pure computation: k-means leaves, calibrated novelty
 * thresholds, names from k-anonymous vocabulary passed through the auditor, policy areas, and one
 * level of parents (k-means over the leaf centroids, named from their members).
 */
export async function assembleCatalog(items: readonly CatalogItem[], o: AssembleOptions): Promise<Catalog> {
  const k = o.clusters ?? defaultClusterCount(items.length);
  const result = kmeans(items.map((i) => i.vector), k, o.random);
  o.onStep?.(`k-means: ${result.centroids.length} clusters in ${result.iterations} iterations`);

  // Leaves ordered by size, so ids read from the largest cluster down.
  const groups = result.centroids.map((centroid, c) => ({ centroid, members: [] as number[] }));
  result.assignment.forEach((c, i) => groups[c]!.members.push(i));
  const leaves = groups.filter((g) => g.members.length > 0).sort((a, b) => b.members.length - a.members.length);
  const matchPolicies = compilePolicyMatcher(o.policies);
  const classified = items.length > 0 && items.every((i) => i.areas !== undefined);
  const policyAreasOf = async (idx: readonly number[], m: readonly Member[]): Promise<string[]> => {
    if (o.classifyPolicies) return o.classifyPolicies(m);
    return classified ? areasByShare(idx.map((i) => items[i]!.areas!), o.policies.min_share) : matchPolicies(m.map((x) => x.text));
  };

  const namer = o.namer ?? new TermNamer();
  const describe = async (memberIdx: readonly number[][], centroids: readonly Vector[]) => {
    const members: Member[][] = memberIdx.map((idx) => idx.map((i) => ({ text: items[i]!.request, account: items[i]!.account })));
    const vocabularies = clusterVocabularies(members, o.vocabularyK);
    return Promise.all(
      members.map(async (m, j) => {
        const accounts = new Set(m.map((x) => x.account)).size;
        const base = { size: m.length, unique_accounts: accounts, policy_areas: await policyAreasOf(memberIdx[j]!, m) };
        if (accounts < o.minAccounts || m.length < o.minConversations) return { ...base, ...UNNAMED, named: false };
        const candidate = await namer.nameCluster({ members: sample(m, 40), contrast: contrastSet(j, members, centroids), ranked: vocabularies[j]!.ranked });
        if (!candidate) {
          o.onStep?.(`a cluster of ${m.length} has no term used by ${o.vocabularyK}+ accounts: left unnamed`);
          return { ...base, ...UNNAMED, named: false };
        }
        const verdict = await o.auditor.audit(candidate, vocabularies[j]!.allowed);
        if (verdict.pass) return { ...base, ...candidate, named: true };
        // The reasons name kinds and counts, never the candidate's words.
        o.onStep?.(`a cluster of ${m.length} failed the ${o.auditor.name} privacy audit (${verdict.reasons.join('; ')}): left unnamed`);
        return { ...base, ...UNNAMED, named: false };
      }),
    );
  };

  // Thresholds before naming: a bad one must fail before any (paid) namer or auditor call.
  const thresholds = leaves.map((leaf) => calibratedThreshold(leaf.members.map((i) => result.similarity[i]!), o.thresholdQuantile));
  const leafInfo = await describe(leaves.map((l) => l.members), leaves.map((l) => l.centroid));
  o.onStep?.(`named ${leafInfo.filter((l) => l.named).length} of ${leaves.length} clusters`);
  const clusters: CatalogCluster[] = leaves.map((leaf, j) => ({
    id: `c-${String(j + 1).padStart(3, '0')}`,
    ...leafInfo[j]!,
    parent: null,
    level: 0,
    centroid: leaf.centroid,
    provisional: false,
    similarity_threshold: thresholds[j]!,
  }));

  if (leaves.length >= 4) {
    const grouper = o.groupParents ?? new KMeansGrouper(o.random);
    const groups = await grouper.group(clusters.map((c) => ({ name: c.name, description: c.description, centroid: c.centroid, named: c.named })));
    // The parent's centroid weighs its children by size, as if clustered from their members.
    const parents = groups.map((children) => {
      const sum = new Array<number>(o.embedding.dimension).fill(0);
      for (const j of children) leaves[j]!.centroid.forEach((x, d) => (sum[d]! += x * leaves[j]!.members.length));
      return { children, centroid: normalise(sum) };
    });
    const parentInfo = await describe(parents.map((p) => p.children.flatMap((j) => leaves[j]!.members)), parents.map((p) => p.centroid));
    parents.forEach(({ children, centroid }, p) => {
      const id = `p-${String(p + 1).padStart(2, '0')}`;
      for (const j of children) clusters[j]!.parent = id;
      clusters.push({
        id,
        ...parentInfo[p]!,
        policy_areas: [...new Set([...parentInfo[p]!.policy_areas, ...children.flatMap((j) => clusters[j]!.policy_areas)])],
        parent: null,
        level: 1,
        centroid,
        provisional: false,
        similarity_threshold: Math.min(...children.map((j) => clusters[j]!.similarity_threshold)),
      });
    });
    o.onStep?.(`hierarchy (${grouper.name}): ${parents.length} parent clusters`);
  }

  // Validated here, where it is computed: a build must not learn at the very end, after writing its
  // sidecar, that what it made cannot be stored.
  return checkCatalog({
    version: 1,
    created_at: o.now.toISOString(),
    embedding: o.embedding,
    facet_extractor: o.facetExtractor,
    privacy: { min_accounts: o.minAccounts, min_conversations: o.minConversations, vocabulary_k: o.vocabularyK },
    clusters,
    // The baseline's share per area (aggregates only): the prior of each area series.
    ...(classified ? { policy_area_shares: areaSharesOf(items, o.policies) } : {}),
  }, 'the assembled catalog');
}

/**
 * A cluster's novelty threshold: the `q` quantile of its members' cosine similarity to the
 * centroid. A cosine lies in [-1, 1], but float rounding puts identical texts (a cluster of one
 * repeated prompt: scripted accounts) a few ulps above 1, so each similarity is clamped where it is
 * used. One member gives no spread to calibrate from: 0.5.
 */
export function calibratedThreshold(similarities: readonly number[], q: number): number {
  if (similarities.length < 2) return 0.5;
  const value = quantile(similarities.map(clampCosine), q);
  if (!Number.isFinite(value)) throw new RangeError(`a cluster's similarity quantile is ${value}: the embeddings hold non-finite values`);
  return value;
}

function clampCosine(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/** Every taxonomy area's share of the items (0 when none carries it). */
function areaSharesOf(items: readonly CatalogItem[], policies: PolicyTaxonomy): Record<string, number> {
  const shares = areaShares(items.map((i) => i.areas ?? []));
  return Object.fromEntries(policies.areas.map((a) => [a.id, shares[a.id] ?? 0]));
}

/** An evenly spaced sample, so a namer sees the cluster's spread, not its first rows. */
function sample<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

/** A few members of the two nearest other clusters, for the namer's contrast. */
function contrastSet(j: number, members: readonly Member[][], centroids: readonly Vector[]): Member[] {
  const others = centroids
    .map((c, q) => ({ q, sim: q === j ? -Infinity : dot(c, centroids[j]!) }))
    .sort((a, b) => b.sim - a.sim)
    .slice(0, 2);
  return others.flatMap(({ q }) => (members[q] ? sample(members[q]!, 10) : []));
}
