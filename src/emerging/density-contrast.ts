import { createHash } from 'node:crypto';
import { PRIVACY_FLOOR } from '../config/schema.ts';
import { PairwiseSimilarity } from './pairwise.ts';

/**
 * Emerging groups by density contrast, as pure maths over one window of recent conversations.
 *
 * Per-conversation distance to the nearest known conversation does not separate a new pattern on
 * real traffic: a new jailbreak family is as close to old role-play prompts as ordinary prompts are
 * to each other. What does is a contrast: a recent conversation whose nearest neighbours among
 * recent traffic from *other accounts* are much closer than its nearest neighbours among *known*
 * conversations. The two neighbour counts are matched to the two sample sizes (k recent
 * neighbours against k·known/recent known ones), so that ordinary traffic — the same distribution
 * as the known sample — scores about zero whatever the window's size (a launch doubling traffic
 * does not raise it), and only a region denser now than it was scores high.
 */

/** One recent conversation as the contrast sees it: hashes, event time, its unit request-facet embedding. */
export interface RecentPoint {
  idHash: string;
  accountHash: string;
  eventTimeMs: number;
  vector: ArrayLike<number>;
  /** Words of the redacted request summary (see src/catalog/terms.ts), for naming. */
  terms: readonly string[];
  /** The catalog leaf it was assigned to, for the group's parent and contrast set. */
  nearestClusterId: string;
  /** Similarities to its nearest known conversations, most similar first (see KNOWN_DEPTH). */
  known: readonly number[];
  /** Explained by a provisional cluster already promoted: counted as traffic, never a candidate. */
  explained?: boolean;
}

export interface ContrastOptions {
  /** Recent neighbours from other accounts averaged. Default 10. */
  k?: number;
  /** Size of the known sample (the exemplar index); null when the known side is cluster centroids, which are compared 1:1. */
  knownSize: number | null;
}

export interface GroupOptions extends ContrastOptions {
  /** A conversation is a candidate when its contrast exceeds this. Default CONTRAST_MARGIN. */
  margin?: number;
  /** Candidates this similar are linked (single link); the rule's min_similarity. */
  minSimilarity: number;
  /**
   * Each candidate is also linked to this many of its nearest other candidates from other accounts
   * (when at least linkFloor alike). Default DEFAULT_LINK_NEIGHBOURS; 0 links by minSimilarity only.
   */
  linkNeighbours?: number;
  /** The least similarity of a neighbour link. Default DEFAULT_LINK_FLOOR. */
  linkFloor?: number;
  /**
   * A group's core: members under it stay only when alike to the group's centre (FRINGE_SIMILARITY),
   * and the members' mean contrast must reach it. Default GROUP_CONTRAST.
   */
  groupContrast?: number;
  minAccounts: number;
  minConversations: number;
}

/** A group of recent conversations denser now than known traffic there, from enough distinct accounts to be a candidate cluster. */
export interface EmergingGroup {
  /** Internal handle, derived from the oldest member's hash; never shown. */
  key: string;
  centroid: number[];
  conversations: number;
  accounts: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** For naming: a bounded sample, at most two per account; text = the member's terms joined by spaces. */
  members: Array<{ account: string; text: string }>;
  /** The sampled members' cosine similarity to the centroid, for calibrating a provisional cluster's threshold. */
  similarities: number[];
  /** Every member's id hash: once the group is promoted its members are its cluster's (never shown). */
  memberIds: string[];
  /** Most common first. */
  nearestClusterIds: string[];
  /** Mean contrast of the members, for logs and tests. */
  contrast: number;
}

export const DEFAULT_K = 10;
/** Known neighbours kept per conversation: the matched count is capped here (a nearly empty window asks for many). */
export const KNOWN_DEPTH = 50;
/**
 * The margin a single conversation must clear. A new family on real prompts is loose: at 0.12 only
 * its dense core clears (9 of 24 candidates are the family 3 hours in, 22 of 24 at 0.03), and on the
 * tuning weeks 0.03 with 5 neighbour links finds the jailbreak rewrites at 155 min (0.06: 205, 0.12:
 * 435). What a lower margin also lets in — ordinary traffic's fringe — GROUP_CONTRAST holds back.
 */
export const CONTRAST_MARGIN = 0.03;
/**
 * A group's members must on average be this much denser now than known traffic there. One
 * conversation's contrast is noisy; a group's mean is not. Fringe groups formed by just clearing the
 * margin average little above it: 0.04–0.055 on the generator's launch and spike, and up to 0.114
 * at margin 0.06 on a small week whose catalog knows few conversations (its known side is sparse,
 * so ordinary templated topics look denser now; such a group then took traffic from the parent
 * whose spike was due). A new family averages 0.16–0.43 on real prompts at its first detection and
 * 0.25 on the generator's.
 */
export const GROUP_CONTRAST = 0.15;
/**
 * A member this similar to a known conversation repeats a known text (int8 exemplars are within
 * ~0.005). A group made mostly of such repeats is a surge of something known — a spike, for the
 * spike rules — not a new pattern: on real prompts these were the only false groups (a popular text
 * sent 10–12 times in the window against 1–5 times in the baseline).
 */
export const KNOWN_TEXT_SIMILARITY = 0.98;
/**
 * A new family on real traffic is rarely a set of paraphrases: human jailbreak rewrites frame many
 * different asks alike, so two of them are hardly more similar (median cosine 0.24) than one is to
 * ordinary traffic, and single link at a paraphrase threshold splits them into groups of 5–10.
 * What they share is that they are each other's nearest candidates: among the few conversations
 * the contrast lets through, a member's nearest others are members. So candidates are also linked
 * to their nearest few candidates (mutual density, in the spirit of shared-nearest-neighbour
 * clustering), above a floor that keeps unrelated stragglers apart.
 */
export const DEFAULT_LINK_NEIGHBOURS = 5;
export const DEFAULT_LINK_FLOOR = 0.25;
const MAX_KNOWN_TEXT_SHARE = 0.5;
const SAMPLE_PER_ACCOUNT = 2;
/**
 * A group's conversations count at most this many per account towards the rule's minimum: a trend
 * is many accounts, and a few accounts flooding one text (a decoy) would otherwise fill the minimum
 * and pull ordinary stragglers into a group through neighbour links. Stricter than the privacy
 * minimum, which still sees the true count.
 */
export const COUNTED_PER_ACCOUNT = 2;
const SAMPLE_PER_GROUP = 256;

/** Known neighbours matched to k recent ones: the same expected count inside the same radius. */
export function knownCount(k: number, knownSize: number | null, recentSize: number): number {
  if (knownSize === null) return 1;
  return Math.max(1, Math.min(KNOWN_DEPTH, Math.round((k * knownSize) / Math.max(1, recentSize))));
}

/**
 * contrast(r) = mean similarity of r's k nearest recent neighbours from other accounts − mean
 * similarity of its matched number of nearest known conversations. Missing recent neighbours (a
 * small window) count as similarity 0, so a conversation with few others near it cannot score high.
 * All pairs once, on the SIMD kernel: O(n²·d), about 1.5 s for 6,000 512-d points.
 */
export function contrastScores(points: readonly RecentPoint[], opts: ContrastOptions): Float64Array {
  const n = points.length;
  const scores = new Float64Array(n);
  if (n === 0) return scores;
  const k = Math.max(1, opts.k ?? DEFAULT_K);
  const top = nearestOtherAccounts(points, k);
  const kKnown = knownCount(k, opts.knownSize, n);
  for (let i = 0; i < n; i++) {
    let recent = 0;
    for (let r = 0; r < k; r++) recent += Math.max(0, top[i * k + r]!);
    const known = points[i]!.known;
    let knownSum = 0;
    const m = Math.min(kKnown, known.length);
    for (let r = 0; r < m; r++) knownSum += known[r]!;
    scores[i] = recent / k - (m > 0 ? knownSum / m : -1);
  }
  return scores;
}

/** For each point, its k highest similarities to points of other accounts (descending; −Infinity where fewer exist). */
function nearestOtherAccounts(points: readonly RecentPoint[], k: number): Float64Array {
  const n = points.length;
  const top = new Float64Array(n * k).fill(-Infinity);
  if (n < 2) return top;
  const accountOf = accountNumbers(points);
  const pairs = new PairwiseSimilarity(points.map((p) => p.vector), points[0]!.vector.length);
  const insert = (i: number, s: number) => {
    const base = i * k;
    if (s <= top[base + k - 1]!) return;
    let r = k - 1;
    while (r > 0 && top[base + r - 1]! < s) {
      top[base + r] = top[base + r - 1]!;
      r--;
    }
    top[base + r] = s;
  };
  // Every pair (i < j) once, a block of PAIR_BLOCK columns j at a time: the block's rows stay in the
  // core's cache while all rows i stream past them. Row by row over the whole matrix instead re-reads
  // it from memory for every row once it outgrows the cache (12 MB at 6,000 512-d points): 3 s
  // instead of 1.5 on an idle core here, 6–11 s instead of 3–4 on a busy machine. Each top list
  // holds values only, so the order pairs come in changes nothing in the result.
  for (let from = 1; from < n; from += PAIR_BLOCK) {
    const to = Math.min(n, from + PAIR_BLOCK);
    for (let i = 0; i < to - 1; i++) {
      const first = Math.max(i + 1, from);
      const sims = pairs.range(i, first, to);
      const a = accountOf[i]!;
      const floorI = () => top[i * k + k - 1]!;
      let minI = floorI();
      for (let t = 0; t < sims.length; t++) {
        const j = first + t;
        if (accountOf[j] === a) continue;
        const s = sims[t]!;
        if (s > minI) {
          insert(i, s);
          minI = floorI();
        }
        if (s > top[j * k + k - 1]!) insert(j, s);
      }
    }
  }
  return top;
}

/** Columns per block of the all-pairs pass: 128 rows of 512 floats are 256 KB, within a core's L2 cache. */
const PAIR_BLOCK = 128;

function accountNumbers(points: readonly RecentPoint[]): Int32Array {
  const ids = new Map<string, number>();
  return Int32Array.from(points, (p) => {
    let id = ids.get(p.accountHash);
    if (id === undefined) ids.set(p.accountHash, (id = ids.size));
    return id;
  });
}

/**
 * The groups of one check: candidates (contrast above the margin, not explained by a promoted
 * cluster) linked when at least minSimilarity alike, kept when they pass both gates (never below the
 * privacy floor), are not mostly repeats of known texts and are, on average, clearly denser than
 * known traffic (groupContrast). Most accounts first. Deterministic: the result depends on the set of points, not
 * their order.
 */
export function emergingGroups(points: readonly RecentPoint[], opts: GroupOptions): { scores: Float64Array; groups: EmergingGroup[] } {
  const ordered = [...points].sort(byTimeThenId);
  const scores = contrastScores(ordered, opts);
  const margin = opts.margin ?? CONTRAST_MARGIN;
  const groupContrast = opts.groupContrast ?? GROUP_CONTRAST;
  const candidates = ordered.map((_, i) => i).filter((i) => scores[i]! > margin && !ordered[i]!.explained);
  const minAccounts = Math.max(opts.minAccounts, PRIVACY_FLOOR.minAccounts);
  const minConversations = Math.max(opts.minConversations, PRIVACY_FLOOR.minConversations);
  if (candidates.length < minConversations) return { scores: reorder(scores, ordered, points), groups: [] };

  const linked = linkCandidates(candidates.map((i) => ordered[i]!), opts).map((component) => component.map((c) => candidates[c]!));

  const groups: EmergingGroup[] = [];
  for (const component of linked) {
    const members = trimFringe(component, ordered, scores, groupContrast);
    const accounts = new Set(members.map((i) => ordered[i]!.accountHash));
    const counted = cappedCount(members.map((i) => ordered[i]!.accountHash));
    // Most of a trend's conversations count: a group made mostly of a few accounts' floods is theirs.
    if (accounts.size < minAccounts || counted < minConversations || counted < members.length / 2) continue;
    const repeats = members.filter((i) => (ordered[i]!.known[0] ?? -1) >= KNOWN_TEXT_SIMILARITY).length;
    if (repeats > MAX_KNOWN_TEXT_SHARE * members.length) continue;
    if (members.reduce((sum, i) => sum + scores[i]!, 0) / members.length < groupContrast) continue;
    groups.push(describe(members.map((i) => ordered[i]!), members.map((i) => scores[i]!)));
  }
  groups.sort((a, b) => b.accounts - a.accounts || b.conversations - a.conversations || (a.key < b.key ? -1 : 1));
  return { scores: reorder(scores, ordered, points), groups };
}

/**
 * The candidates' groups: connected components of two kinds of link — single link at
 * minSimilarity (near-paraphrases), and each candidate to its linkNeighbours most similar
 * candidates from other accounts at least linkFloor alike. Components as indices into `candidates`,
 * each ascending, in order of their first member.
 */
export function linkCandidates(
  candidates: ReadonlyArray<{ vector: ArrayLike<number>; accountHash: string }>,
  opts: Pick<GroupOptions, 'minSimilarity' | 'linkNeighbours' | 'linkFloor'>,
): number[][] {
  const n = candidates.length;
  if (n === 0) return [];
  const pairs = new PairwiseSimilarity(candidates.map((p) => p.vector), candidates[0]!.vector.length);
  const parent = candidates.map((_, c) => c);
  const find = (c: number): number => {
    while (parent[c] !== c) c = parent[c] = parent[parent[c]!]!;
    return c;
  };
  const union = (x: number, y: number) => {
    const [a, b] = [find(x), find(y)];
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  };
  const linkNeighbours = Math.max(0, opts.linkNeighbours ?? DEFAULT_LINK_NEIGHBOURS);
  const linkFloor = opts.linkFloor ?? DEFAULT_LINK_FLOOR;
  // Per candidate, its linkNeighbours most similar other-account candidates as [similarity, index].
  const nearest = candidates.map(() => [] as Array<[number, number]>);
  const offer = (c: number, s: number, other: number) => {
    const list = nearest[c]!;
    if (list.length === linkNeighbours && s <= list[linkNeighbours - 1]![0]) return;
    list.push([s, other]);
    list.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
    if (list.length > linkNeighbours) list.pop();
  };
  for (let c = 0; c < n - 1; c++) {
    const sims = pairs.after(c);
    const account = candidates[c]!.accountHash;
    for (let t = 0; t < sims.length; t++) {
      const other = c + 1 + t;
      const s = sims[t]!;
      if (s >= opts.minSimilarity) union(c, other);
      if (linkNeighbours > 0 && s >= linkFloor && candidates[other]!.accountHash !== account) {
        offer(c, s, other);
        offer(other, s, c);
      }
    }
  }
  nearest.forEach((list, c) => list.forEach(([, other]) => union(c, other)));
  const byRoot = new Map<number, number[]>();
  for (let c = 0; c < n; c++) {
    const root = find(c);
    let list = byRoot.get(root);
    if (!list) byRoot.set(root, (list = []));
    list.push(c);
  }
  return [...byRoot.values()];
}

/**
 * Links chain: single link and neighbour links also take in ordinary conversations at the edge of a
 * dense region that just clear the margin. In a group they would lend it accounts (a decoy of three
 * accounts would pass the minimums on borrowed ones) and hide what it is made of (a surge of one
 * known text diluted below the repeat check). A member under GROUP_CONTRAST stays only when it
 * resembles the group's centre this much and does not come before the group's denser core. A
 * pattern's own loose members resemble its centre: on the tuning weeks' real families, trimming at
 * 0.4 delayed no first detection (at 0.5 it delayed two of six by 15–30 minutes).
 */
const FRINGE_SIMILARITY = 0.4;

/** The component without its fringe: members under groupContrast that are not alike to its centre or come before its core. */
function trimFringe(members: readonly number[], ordered: readonly RecentPoint[], scores: Float64Array, groupContrast: number): number[] {
  if (members.every((i) => scores[i]! >= groupContrast)) return [...members];
  const dimension = ordered[members[0]!]!.vector.length;
  const sum = new Float64Array(dimension);
  for (const i of members) {
    const v = ordered[i]!.vector;
    for (let d = 0; d < dimension; d++) sum[d]! += v[d]!;
  }
  const norm = Math.hypot(...sum) || 1;
  // Members are in time order: the fringe widens a group, it does not date it.
  const firstCore = members.find((i) => scores[i]! >= groupContrast);
  return members.filter((i) => {
    if (scores[i]! >= groupContrast) return true;
    if (firstCore === undefined || i < firstCore) return false;
    const v = ordered[i]!.vector;
    let s = 0;
    for (let d = 0; d < dimension; d++) s += sum[d]! * v[d]!;
    return s / norm >= FRINGE_SIMILARITY;
  });
}

/** Conversations counted at most COUNTED_PER_ACCOUNT per account. */
export function cappedCount(accountHashes: readonly string[]): number {
  const per = new Map<string, number>();
  for (const a of accountHashes) per.set(a, (per.get(a) ?? 0) + 1);
  let total = 0;
  for (const n of per.values()) total += Math.min(n, COUNTED_PER_ACCOUNT);
  return total;
}

/** Scores in the caller's order. */
function reorder(scores: Float64Array, ordered: readonly RecentPoint[], points: readonly RecentPoint[]): Float64Array {
  const at = new Map(ordered.map((p, i) => [p, i]));
  return Float64Array.from(points, (p) => scores[at.get(p)!]!);
}

function describe(members: readonly RecentPoint[], scores: readonly number[]): EmergingGroup {
  const dimension = members[0]!.vector.length;
  const sum = new Float64Array(dimension);
  for (const m of members) for (let d = 0; d < dimension; d++) sum[d]! += m.vector[d]!;
  const norm = Math.hypot(...sum) || 1;
  const centroid = Array.from(sum, (x) => x / norm);
  const perAccount = new Map<string, number>();
  const sample: RecentPoint[] = [];
  for (const m of members) {
    const seen = perAccount.get(m.accountHash) ?? 0;
    if (seen >= SAMPLE_PER_ACCOUNT || sample.length >= SAMPLE_PER_GROUP) continue;
    perAccount.set(m.accountHash, seen + 1);
    sample.push(m);
  }
  const nearest = new Map<string, number>();
  for (const m of members) nearest.set(m.nearestClusterId, (nearest.get(m.nearestClusterId) ?? 0) + 1);
  return {
    key: `g-${createHash('sha256').update(members[0]!.idHash).digest('hex').slice(0, 16)}`,
    centroid,
    conversations: members.length,
    accounts: new Set(members.map((m) => m.accountHash)).size,
    firstSeenMs: members[0]!.eventTimeMs,
    lastSeenMs: members.at(-1)!.eventTimeMs,
    members: sample.map((m) => ({ account: m.accountHash, text: m.terms.join(' ') })),
    similarities: sample.map((m) => dotWith(centroid, m.vector)),
    memberIds: members.map((m) => m.idHash),
    nearestClusterIds: [...nearest].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id),
    contrast: scores.reduce((a, b) => a + b, 0) / scores.length,
  };
}

function dotWith(a: readonly number[], b: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
}

function byTimeThenId(a: RecentPoint, b: RecentPoint): number {
  return a.eventTimeMs - b.eventTimeMs || (a.idHash < b.idHash ? -1 : a.idHash > b.idHash ? 1 : 0);
}

/**
 * The window one check scores: conversations from the start of the slice holding endMs − horizonMs
 * (so whole slices: up to one slice longer than the horizon) to endMs, at most perSliceCap per
 * event-time slice of sliceMs, those with the lowest id hashes (a keyed hash: a uniform,
 * deterministic sample). Which conversations a slice keeps depends only on the slice's own
 * conversations, so the store can drop the rest of a closed slice and a restart selects the same.
 */
export function selectWindow<T extends { idHash: string; eventTimeMs: number }>(
  points: Iterable<T>,
  opts: { endMs: number; horizonMs: number; sliceMs: number; perSliceCap: number },
): T[] {
  const bySlice = new Map<number, T[]>();
  const startMs = windowStartMs(opts.endMs, opts.horizonMs, opts.sliceMs);
  for (const p of points) {
    if (p.eventTimeMs < startMs || p.eventTimeMs >= opts.endMs) continue;
    const s = Math.floor(p.eventTimeMs / opts.sliceMs);
    let list = bySlice.get(s);
    if (!list) bySlice.set(s, (list = []));
    list.push(p);
  }
  const out: T[] = [];
  for (const list of bySlice.values()) {
    list.sort((a, b) => (a.idHash < b.idHash ? -1 : a.idHash > b.idHash ? 1 : 0));
    out.push(...list.slice(0, opts.perSliceCap));
  }
  return out;
}

/**
 * The conversations of one slice that no check can select any more, whether the slice is closed or
 * still filling. A check keeps a slice's perSliceCap lowest hashes among its conversations before
 * the check's end; once perSliceCap conversations of the slice with lower hashes are no later than
 * a conversation, they are in every check that sees it, so it is never selected. Dropping these
 * keeps a slice still filling near perSliceCap·(1 + ln(n / perSliceCap)) conversations instead of
 * all n, so memory does not grow with the traffic rate; what every check selects is unchanged.
 */
export function unselectable<T extends { idHash: string; eventTimeMs: number }>(slice: readonly T[], perSliceCap: number): T[] {
  if (slice.length <= perSliceCap) return [];
  const byTime = [...slice].sort((a, b) => a.eventTimeMs - b.eventTimeMs || (a.idHash < b.idHash ? -1 : a.idHash > b.idHash ? 1 : 0));
  // The lowest hashes so far, ascending; a conversation above all perSliceCap of them is out for good.
  const lowest: string[] = [];
  const out: T[] = [];
  for (const p of byTime) {
    if (lowest.length === perSliceCap && p.idHash > lowest[perSliceCap - 1]!) {
      out.push(p);
      continue;
    }
    let lo = 0;
    let hi = lowest.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (lowest[mid]! < p.idHash) lo = mid + 1;
      else hi = mid;
    }
    lowest.splice(lo, 0, p.idHash);
    if (lowest.length > perSliceCap) lowest.pop();
  }
  return out;
}

/** The first event time a check at endMs scores: the start of the slice holding endMs − horizonMs. */
export function windowStartMs(endMs: number, horizonMs: number, sliceMs: number): number {
  return Math.floor((endMs - horizonMs) / sliceMs) * sliceMs;
}
