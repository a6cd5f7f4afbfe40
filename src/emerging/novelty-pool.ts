import { createHash } from 'node:crypto';
import { dot, normalise } from '../catalog/vectors.ts';
import { PRIVACY_FLOOR } from '../config/schema.ts';
import { ClioError } from '../errors.ts';
import { decode, encode } from './exemplars.ts';

/** One conversation no known conversation is close to, as the pool keeps it. */
export interface NovelPoint {
  idHash: string;
  accountHash: string;
  eventTimeMs: number;
  /** Unit request-facet embedding. */
  vector: number[];
  /** Words of the redacted request summary (see src/catalog/terms.ts), for naming. */
  terms: string[];
  /** The catalog leaf it was nearest to, for the group's parent and contrast set. */
  nearestClusterId: string;
}

/** A dense group of novel conversations from enough distinct accounts to be a candidate cluster. */
export interface EmergingGroup {
  /** Internal handle (for markPromoted), stable while the group's oldest part is in the horizon; never shown. */
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
  /** Most common first. */
  nearestClusterIds: string[];
}

export interface NoveltyPoolOptions {
  dimension: number;
  /** A point joins a micro-cluster whose centroid is at least this similar; micro-clusters merge into groups likewise. */
  joinSimilarity: number;
  horizonMs: number;
  halfLifeMs: number;
  /** Default 1000; beyond it the weakest micro-cluster (by decayed weight) is dropped. */
  maxMicroClusters?: number;
}

export class UnknownGroupError extends ClioError {
  constructor() {
    super('emerging_unknown_group', 'no group with this key in the last candidates: call candidates() first');
  }
}

/**
 * The horizon is cut into this many event-time slices. A point only joins micro-clusters of its
 * own slice and the horizon moves a whole slice at a time, so what is held depends on the points of
 * the horizon's slices alone, never on points that have left it: refilled after a restart, the pool
 * reports the same groups. The price is a window up to one slice (a twelfth) longer than the horizon.
 */
const SLICES = 12;
const SAMPLE_PER_ACCOUNT = 2;
const SAMPLE_PER_MICRO_CLUSTER = 64;
const SAMPLE_PER_GROUP = 256;

interface Sampled {
  account: string;
  text: string;
  /** int8 vector: enough for the threshold calibration at a quarter of the memory. */
  code: Int8Array;
}

interface MicroCluster {
  key: string;
  slice: number;
  /** Creation order: the tie-break that keeps everything deterministic. */
  seq: number;
  sum: Float64Array;
  centroid: number[];
  conversations: number;
  /** Conversations per account: distinct accounts are counted exactly. */
  accounts: Map<string, number>;
  nearest: Map<string, number>;
  sample: Sampled[];
  firstSeenMs: number;
  lastSeenMs: number;
  /** Σ 2^((t − slice start) / half-life): the decayed weight, up to a factor common to the slice. */
  growth: number;
  promoted: boolean;
}

interface Slice {
  micro: MicroCluster[];
  /** Conversations seen in this slice, for idempotent adds. */
  ids: Set<string>;
}

/**
 * A DenStream-style pool (Cao et al., 2006) of decaying micro-clusters over novel conversations.
 * Micro-clusters summarise points (vector sum, exact account counts, a small naming sample) so
 * memory does not grow with repeats; groups are formed on demand by merging micro-clusters whose
 * centroids are close, densest first, and shown only past both privacy gates. Deterministic for the
 * same input order.
 *
 * After a restart: markKnown() the provisional clusters, evict(now), then add the store's novel
 * points from horizonStartMs(now) in the order they first arrived. Same groups, unless the pool had
 * hit maxMicroClusters (an overload guard that drops the weakest micro-clusters as they come).
 */
export class NoveltyPool {
  private readonly slices = new Map<number, Slice>();
  private readonly known: Array<{ clusterId: string; centroid: number[] }> = [];
  private readonly sliceMs: number;
  private readonly maxMicroClusters: number;
  private clockMs = -Infinity;
  private seq = 0;
  private count = 0;
  private lastGroups = new Map<string, { micro: MicroCluster[]; centroid: number[] }>();

  constructor(private readonly opts: NoveltyPoolOptions) {
    if (!(opts.horizonMs > 0 && opts.halfLifeMs > 0)) throw new RangeError('horizonMs and halfLifeMs must be positive');
    this.sliceMs = opts.horizonMs / SLICES;
    this.maxMicroClusters = Math.max(1, opts.maxMicroClusters ?? 1000);
  }

  /** Micro-clusters held. */
  get size(): number {
    return this.count;
  }

  /** The earliest event time the pool still counts at nowMs: after a restart, re-add the store's novel points from here. */
  horizonStartMs(nowMs: number): number {
    return this.firstSlice(nowMs) * this.sliceMs;
  }

  add(points: readonly NovelPoint[]): void {
    for (const p of points) {
      if (p.vector.length !== this.opts.dimension) throw new RangeError(`a ${p.vector.length}-d point for a ${this.opts.dimension}-d pool`);
      this.clockMs = Math.max(this.clockMs, p.eventTimeMs);
      const s = this.sliceOf(p.eventTimeMs);
      if (s < this.firstSlice(this.clockMs)) continue; // arrived after its slice left the horizon
      let slice = this.slices.get(s);
      if (!slice) this.slices.set(s, (slice = { micro: [], ids: new Set() }));
      if (slice.ids.has(p.idHash)) continue;
      slice.ids.add(p.idHash);
      // Close to a promoted cluster: known now, so not novel for the pool.
      if (this.known.some((k) => dot(k.centroid, p.vector) >= this.opts.joinSimilarity)) continue;

      let best: MicroCluster | undefined;
      let bestSim = this.opts.joinSimilarity;
      for (const mc of slice.micro) {
        const sim = dot(mc.centroid, p.vector);
        if (sim >= bestSim) [best, bestSim] = [mc, sim];
      }
      if (!best) {
        best = this.create(s, p);
        slice.micro.push(best);
        this.count++;
      }
      this.join(best, p);
      if (this.count > this.maxMicroClusters) this.pruneWeakest();
    }
  }

  /**
   * Groups of the horizon that pass both gates (never below the privacy floor), most accounts
   * first. Promoted groups and anything close to a known cluster are left out.
   */
  candidates(nowMs: number, gate: { minAccounts: number; minConversations: number }): EmergingGroup[] {
    const minAccounts = Math.max(gate.minAccounts, PRIVACY_FLOOR.minAccounts);
    const minConversations = Math.max(gate.minConversations, PRIVACY_FLOOR.minConversations);
    const first = this.firstSlice(nowMs);
    const live = [...this.slices].filter(([s]) => s >= first).flatMap(([, slice]) => slice.micro.filter((mc) => !mc.promoted));
    // Densest first, so groups form around where the mass is.
    const weight = new Map(live.map((mc) => [mc, this.weight(mc, nowMs)]));
    live.sort((a, b) => weight.get(b)! - weight.get(a)! || a.seq - b.seq);

    const groups: Array<{ micro: MicroCluster[]; sum: Float64Array; centroid: number[] }> = [];
    for (const mc of live) {
      let best: (typeof groups)[number] | undefined;
      let bestSim = this.opts.joinSimilarity;
      for (const g of groups) {
        const sim = dot(g.centroid, mc.centroid);
        if (sim >= bestSim) [best, bestSim] = [g, sim];
      }
      if (!best) groups.push((best = { micro: [], sum: new Float64Array(this.opts.dimension), centroid: [] }));
      best.micro.push(mc);
      for (let d = 0; d < best.sum.length; d++) best.sum[d]! += mc.sum[d]!;
      best.centroid = normalise(Array.from(best.sum));
    }

    this.lastGroups = new Map();
    const out: EmergingGroup[] = [];
    for (const g of groups) {
      const accounts = new Set(g.micro.flatMap((mc) => [...mc.accounts.keys()]));
      const conversations = g.micro.reduce((n, mc) => n + mc.conversations, 0);
      if (accounts.size < minAccounts || conversations < minConversations) continue;
      const micro = [...g.micro].sort((a, b) => a.slice - b.slice || a.seq - b.seq);
      const key = micro[0]!.key;
      this.lastGroups.set(key, { micro, centroid: g.centroid });
      const sample = sampleOf(micro);
      out.push({
        key,
        centroid: g.centroid,
        conversations,
        accounts: accounts.size,
        firstSeenMs: Math.min(...micro.map((mc) => mc.firstSeenMs)),
        lastSeenMs: Math.max(...micro.map((mc) => mc.lastSeenMs)),
        members: sample.map(({ account, text }) => ({ account, text })),
        similarities: sample.map((m) => dot(decode(m.code, 0, this.opts.dimension), g.centroid)),
        nearestClusterIds: mostCommonFirst(micro.map((mc) => mc.nearest)),
      });
    }
    return out.sort((a, b) => b.accounts - a.accounts || b.conversations - a.conversations || (a.key < b.key ? -1 : 1));
  }

  /** The group (from the last candidates) became a provisional cluster: its members stop counting, and points close to it stop being novel. */
  markPromoted(key: string, clusterId: string): void {
    const group = this.lastGroups.get(key);
    if (!group) throw new UnknownGroupError();
    for (const mc of group.micro) mc.promoted = true;
    this.markKnown(clusterId, group.centroid);
    this.lastGroups.delete(key);
  }

  /**
   * A cluster promoted earlier (e.g. before a restart): points close to its centroid are not novel
   * for the pool. Marking the same cluster again replaces its centroid.
   */
  markKnown(clusterId: string, centroid: readonly number[]): void {
    const unit = normalise(centroid);
    const at = this.known.findIndex((k) => k.clusterId === clusterId);
    if (at >= 0) this.known.splice(at, 1);
    this.known.push({ clusterId, centroid: unit });
    for (const slice of this.slices.values()) {
      for (const mc of slice.micro) if (dot(mc.centroid, unit) >= this.opts.joinSimilarity) mc.promoted = true;
    }
  }

  /** Drops the slices that left the horizon, with their micro-clusters and seen ids. */
  evict(nowMs: number): void {
    this.clockMs = Math.max(this.clockMs, nowMs);
    const first = this.firstSlice(this.clockMs);
    for (const [s, slice] of this.slices) {
      if (s >= first) continue;
      this.count -= slice.micro.length;
      this.slices.delete(s);
    }
    this.lastGroups = new Map();
  }

  private sliceOf(timeMs: number): number {
    return Math.floor(timeMs / this.sliceMs);
  }

  private firstSlice(nowMs: number): number {
    return this.sliceOf(nowMs - this.opts.horizonMs);
  }

  private weight(mc: MicroCluster, nowMs: number): number {
    return mc.growth * 2 ** (-(nowMs - mc.slice * this.sliceMs) / this.opts.halfLifeMs);
  }

  private create(slice: number, founder: NovelPoint): MicroCluster {
    // Named after its slice and first conversation, so a refilled pool names it alike; hashed, so the key carries no id.
    const key = `n-${createHash('sha256').update(`${slice}:${founder.idHash}`).digest('hex').slice(0, 16)}`;
    return {
      key, slice, seq: this.seq++, sum: new Float64Array(this.opts.dimension), centroid: [], conversations: 0, accounts: new Map(), nearest: new Map(),
      sample: [], firstSeenMs: founder.eventTimeMs, lastSeenMs: founder.eventTimeMs, growth: 0, promoted: false,
    };
  }

  private join(mc: MicroCluster, p: NovelPoint): void {
    for (let d = 0; d < mc.sum.length; d++) mc.sum[d]! += p.vector[d]!;
    mc.centroid = normalise(Array.from(mc.sum));
    mc.conversations++;
    const seen = (mc.accounts.get(p.accountHash) ?? 0) + 1;
    mc.accounts.set(p.accountHash, seen);
    mc.nearest.set(p.nearestClusterId, (mc.nearest.get(p.nearestClusterId) ?? 0) + 1);
    mc.firstSeenMs = Math.min(mc.firstSeenMs, p.eventTimeMs);
    mc.lastSeenMs = Math.max(mc.lastSeenMs, p.eventTimeMs);
    mc.growth += 2 ** ((p.eventTimeMs - mc.slice * this.sliceMs) / this.opts.halfLifeMs);
    if (seen <= SAMPLE_PER_ACCOUNT && mc.sample.length < SAMPLE_PER_MICRO_CLUSTER) {
      mc.sample.push({ account: p.accountHash, text: p.terms.join(' '), code: encode(p.vector) });
    }
  }

  /** DenStream's outlier pruning: promoted micro-clusters go first (they no longer count), then the lightest. */
  private pruneWeakest(): void {
    let weakest: { slice: Slice; mc: MicroCluster; rank: [number, number, number] } | undefined;
    for (const slice of this.slices.values()) {
      for (const mc of slice.micro) {
        const rank: [number, number, number] = [mc.promoted ? 0 : 1, this.weight(mc, this.clockMs), mc.seq];
        if (!weakest || lessThan(rank, weakest.rank)) weakest = { slice, mc, rank };
      }
    }
    if (!weakest) return;
    weakest.slice.micro.splice(weakest.slice.micro.indexOf(weakest.mc), 1);
    this.count--;
  }
}

/** Lexicographic order of rank tuples. */
function lessThan(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** Oldest micro-clusters first, at most two members per account. */
function sampleOf(micro: readonly MicroCluster[]): Sampled[] {
  const perAccount = new Map<string, number>();
  const out: Sampled[] = [];
  for (const mc of micro) {
    for (const m of mc.sample) {
      const n = perAccount.get(m.account) ?? 0;
      if (n >= SAMPLE_PER_ACCOUNT) continue;
      perAccount.set(m.account, n + 1);
      out.push(m);
      if (out.length === SAMPLE_PER_GROUP) return out;
    }
  }
  return out;
}

function mostCommonFirst(counts: readonly Map<string, number>[]): string[] {
  const total = new Map<string, number>();
  for (const c of counts) for (const [id, n] of c) total.set(id, (total.get(id) ?? 0) + n);
  return [...total].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
}
