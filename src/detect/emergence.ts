import type { CatalogIndex } from '../assign/catalog-index.ts';
import type { NameAuditor } from '../catalog/audit.ts';
import type { CatalogCluster } from '../catalog/catalog.ts';
import type { ClusterNamer, Member } from '../catalog/naming.ts';
import { dot } from '../catalog/vectors.ts';
import { CONTRAST_MARGIN, DEFAULT_K, DEFAULT_LINK_FLOOR, DEFAULT_LINK_NEIGHBOURS, GROUP_CONTRAST, KNOWN_DEPTH, selectWindow, unselectable, windowStartMs, type RecentPoint } from '../emerging/density-contrast.ts';
import { sharedEmergenceScorer, type EmergenceScorer } from '../emerging/emergence-scorer.ts';
import { describeEmerging } from '../emerging/promote.ts';
import type { Logger } from '../log.ts';
import type { Rule } from '../rules/rules.ts';
import { DetectionStore } from '../store/detection-store.ts';
import type { RecentConversation } from '../store/ingest-store.ts';
import type { DetectionMetrics } from './metrics.ts';

/** A promoted group: its provisional cluster, its figures, and its members' id hashes (claimed by the cluster). */
export interface PromotedGroup {
  cluster: CatalogCluster;
  figures: EmergingFigures;
  memberIds: string[];
}

export interface EmergingFigures {
  conversations: number;
  accounts: number;
  share: number;
  startMs: number;
}

export interface EmergenceDeps {
  store: DetectionStore;
  index: CatalogIndex;
  namer: ClusterNamer;
  auditor: NameAuditor;
  vocabularyK: number;
  /**
   * The first emerging rule's horizon and similarity (at start): how much recent traffic is kept.
   * Null when no rule looks for emerging groups: nothing is held then.
   */
  settings: { horizonMs: number; joinSimilarity: number } | null;
  /** Keyword policy areas for a new cluster's summaries (offline), when the nearest cluster gives none. */
  classify?: (texts: readonly string[]) => string[];
  /** Most conversations one check scores (a deterministic sample by id hash beyond it). Default MAX_WINDOW. */
  maxWindow?: number;
  /** Where the contrast is scored: the monitor's emergence worker thread; by default a process-wide one (emergence-scorer.ts). */
  scorer?: Pick<EmergenceScorer, 'groups'>;
  metrics: DetectionMetrics;
  logger: Logger;
}

/**
 * Most conversations one check scores: the all-pairs contrast over 6,000 512-d points takes
 * a few seconds of CPU (in the emergence worker, off the event loop), once per bucket; 6 h at
 * 1,000 conversations an hour fits whole.
 */
export const MAX_WINDOW = 6000;
/**
 * What one check saw, for `clio-stream eval`'s instrumentation (figures are derived from it there;
 * nothing here is logged). Set by the eval only; null in production.
 */
export interface EmergenceCheck {
  endMs: number;
  window: readonly RecentPoint[];
  scores: Float64Array;
  margin: number;
  neighbours: number;
  minSimilarity: number;
  linkNeighbours: number;
  linkFloor: number;
  groupContrast: number;
  groups: number;
}
export const emergenceProbe: { onCheck: ((check: EmergenceCheck) => void) | null } = { onCheck: null };

/**
 * A group whose centre is this close to a provisional cluster's is more of that cluster's family. On
 * the real-prompt weeks the later groups of a family that had already been alerted came at 0.86–0.89
 * of an earlier one's centre and were noise (its tail, mixed with ordinary traffic), while every
 * group that was the first of its family, or a distinct part of one, stayed below 0.84.
 */
export const FAMILY_SIMILARITY = 0.85;

/** The horizon is cut into this many event-time slices; each keeps at most MAX_WINDOW / SLICES conversations. */
const SLICES = 24;
/**
 * Recent conversations looked up in the exemplar index between two turns of the event loop: with
 * the embedded store every query resolves without the loop turning, so a long read would otherwise
 * hold /healthz and the Kafka heartbeats for its whole length.
 */
const OBSERVE_BATCH = 256;

/**
 * Emerging-group discovery at the edge of the store. Every conversation's request facet is stored
 * for the horizon; at each bucket close the whole recent window is re-scored by density contrast
 * (src/emerging/density-contrast.ts), groups of positive contrast from enough distinct accounts are
 * named, audited and added to the live catalog as provisional clusters, after which they count as
 * known. State is the store's window plus the catalog's provisional clusters: after a restart the
 * same window is read back and the same groups come out.
 */
export class EmergenceTracker {
  private promotedCount = 0;
  /** The recent window read so far, by conversation id hash (may run ahead of the bucket being judged). */
  private readonly recent = new Map<string, RecentPoint>();
  /** Arrival number of the last recent conversation read from the store. */
  private lastSeq = 0;
  /**
   * Conversations of promoted groups, by id hash: their provisional cluster's, so explained. A loose
   * group's members lie partly outside its cluster's threshold, and without this they re-formed the
   * same group at the next check (the same family alerted every five minutes on real prompts).
   */
  private readonly claimed = new Set<string>();

  constructor(private readonly deps: EmergenceDeps) {}

  private get maxWindow(): number {
    return Math.max(1, this.deps.maxWindow ?? MAX_WINDOW);
  }

  /** Restores provisional clusters from the latest stored catalog version and reads the window back. */
  async restore(): Promise<void> {
    const latestVersion = await this.deps.store.latestCatalog();
    const catalog = this.deps.index.catalog;
    if (latestVersion) {
      for (const c of latestVersion.clusters) if (c.provisional && !this.deps.index.cluster(c.id)) this.deps.index.addLeaf(c);
      catalog.version = Math.max(catalog.version, latestVersion.version);
    } else {
      await this.deps.store.transaction((tx) => DetectionStore.saveCatalog(tx, catalog));
    }
    this.promotedCount = catalog.clusters.filter((c) => c.provisional).length;
    if (!this.deps.settings) return;
    this.recent.clear();
    // Everything the store still holds is at most a horizon (and a slice) old: pruning keeps it so.
    const rows = await this.deps.store.recentSince(0);
    await this.observe(rows);
    this.lastSeq = rows.at(-1)?.seq ?? (await this.deps.store.lastRecentSeq());
  }

  /** Marks conversations (id hashes) as a provisional cluster's: the detector's saved state, after a restart. */
  claim(idHashes: Iterable<string>): void {
    for (const idHash of idHashes) this.claimed.add(idHash);
  }

  /** Reads what every instance stored in the recent window since the last call. */
  async pull(): Promise<void> {
    if (!this.deps.settings) return;
    const fresh = await this.deps.store.recentAfter(this.lastSeq);
    if (fresh.length === 0) return;
    this.lastSeq = fresh.at(-1)!.seq;
    await this.observe(fresh);
  }

  private async observe(rows: readonly RecentConversation[]): Promise<void> {
    for (const [n, r] of rows.entries()) {
      if (n > 0 && n % OBSERVE_BATCH === 0) await turnOfTheLoop();
      if (this.recent.has(r.idHash)) continue;
      const vector = Float32Array.from(r.record.embedding);
      this.recent.set(r.idHash, {
        idHash: r.idHash,
        accountHash: r.accountHash,
        eventTimeMs: r.eventTimeMs,
        vector,
        terms: r.record.summaryWords.split(' ').filter(Boolean),
        nearestClusterId: r.record.nearestClusterId,
        // The exemplar sample does not change while running: its neighbours are looked up once.
        known: this.deps.index.knownSimilarities(r.record.embedding, KNOWN_DEPTH),
      });
    }
  }

  /** Promotes the groups that pass the rule's gate at this bucket close; returns the new clusters. */
  async promote(rule: Rule, endMs: number): Promise<PromotedGroup[]> {
    const settings = this.deps.settings;
    if (!settings) return [];
    const horizonMs = rule.emerging ? rule.emerging.horizonSeconds * 1000 : settings.horizonMs;
    const minSimilarity = rule.emerging?.minSimilarity ?? settings.joinSimilarity;
    const sliceMs = settings.horizonMs / SLICES;
    const perSliceCap = Math.max(1, Math.floor(this.maxWindow / SLICES));
    const window = selectWindow(this.recent.values(), { endMs, horizonMs, sliceMs, perSliceCap }).map((p) => this.withPromoted(p, minSimilarity));

    // The rule's contrast settings (rules files, or the API); the tuned defaults otherwise.
    const margin = rule.emerging?.contrastMargin ?? CONTRAST_MARGIN;
    const neighbours = rule.emerging?.contrastNeighbours ?? DEFAULT_K;
    const linkNeighbours = rule.emerging?.linkNeighbours ?? DEFAULT_LINK_NEIGHBOURS;
    const linkFloor = rule.emerging?.linkFloor ?? DEFAULT_LINK_FLOOR;
    const groupContrast = rule.emerging?.groupContrast ?? GROUP_CONTRAST;
    // All pairs of the window: in the worker thread, while this one goes on serving and consuming.
    const { groups, scores } = await (this.deps.scorer ?? sharedEmergenceScorer).groups(window, {
      knownSize: this.deps.index.knownSize,
      k: neighbours,
      margin,
      minSimilarity,
      linkNeighbours,
      linkFloor,
      groupContrast,
      minAccounts: rule.minAccounts,
      minConversations: rule.minConversations,
    }, this.deps.logger);
    emergenceProbe.onCheck?.({ endMs, window, scores, margin, neighbours, minSimilarity, linkNeighbours, linkFloor, groupContrast, groups: groups.length });
    const promoted: PromotedGroup[] = [];
    for (const group of groups) {
      // More of a family already promoted (its centre all but the same): that cluster's, not news.
      const family = this.familyOf(group.centroid);
      if (family) {
        this.deps.metrics.emerging.inc({ outcome: 'continued' });
        this.deps.logger.info({ cluster: family, accounts: group.accounts }, 'emerging group continues a provisional cluster: not promoted again');
        continue;
      }
      const nearest = group.nearestClusterIds.map((id) => this.deps.index.cluster(id)).find((c): c is CatalogCluster => c !== undefined) ?? null;
      const id = `emerging-${(this.promotedCount + 1).toString().padStart(3, '0')}`;
      const described = await describeEmerging(group, {
        namer: this.deps.namer,
        auditor: this.deps.auditor,
        vocabularyK: this.deps.vocabularyK,
        contrast: this.contrastFor(group.nearestClusterIds),
        id,
        nearest,
        nowMs: endMs,
        classify: this.deps.classify,
      });
      if (!described.ok) {
        this.deps.metrics.emerging.inc({ outcome: 'not_promoted' });
        this.deps.logger.info({ reason: described.reason, accounts: group.accounts }, 'emerging group not promoted');
        continue;
      }
      this.promotedCount += 1;
      this.deps.index.addLeaf(described.cluster);
      this.claim(group.memberIds);
      this.deps.metrics.emerging.inc({ outcome: 'promoted' });
      // Share of the scored window since the group began: both sides come from the same sample.
      const since = window.filter((p) => p.eventTimeMs >= group.firstSeenMs).length;
      promoted.push({
        cluster: described.cluster,
        figures: { conversations: group.conversations, accounts: group.accounts, share: since > 0 ? group.conversations / since : 0, startMs: group.firstSeenMs },
        memberIds: group.memberIds,
      });
    }
    this.prune(endMs, sliceMs, perSliceCap);
    await this.deps.store.pruneRecent({ beforeMs: windowStartMs(endMs, settings.horizonMs, sliceMs), sliceMs, perSliceCap, closedBeforeMs: endMs });
    return promoted;
  }

  /** The provisional cluster whose centre is at least FAMILY_SIMILARITY to this one, if any. */
  private familyOf(centroid: readonly number[]): string | null {
    return this.deps.index.catalog.clusters.find((c) => c.provisional && c.level === 0 && dot(c.centroid, centroid) >= FAMILY_SIMILARITY)?.id ?? null;
  }

  /**
   * The conversation as the check sees it with the provisional clusters promoted so far: each is a
   * known neighbour (its centroid), and a conversation that would link to one (as similar as the
   * rule's min_similarity, or inside its calibrated threshold) is explained by it, so neither a
   * promoted group nor its later, looser members fire again; so is a member of a promoted group.
   */
  private withPromoted(p: RecentPoint, minSimilarity: number): RecentPoint {
    const provisional = this.deps.index.catalog.clusters.filter((c) => c.provisional && c.level === 0);
    if (provisional.length === 0) return p;
    let explained = this.claimed.has(p.idHash);
    const extra: number[] = [];
    for (const c of provisional) {
      let s = 0;
      for (let d = 0; d < c.centroid.length; d++) s += c.centroid[d]! * p.vector[d]!;
      extra.push(s);
      if (s >= Math.min(c.similarity_threshold, minSimilarity)) explained = true;
    }
    const known = [...p.known, ...extra].sort((a, b) => b - a).slice(0, KNOWN_DEPTH);
    return { ...p, known, explained };
  }

  /**
   * The store's bound and more: conversations out of the horizon go, closed slices keep their lowest
   * hashes, and slices still filling (or read ahead) drop what no check can select any more, so the
   * window held here stays near its cap however fast traffic comes (see `unselectable`).
   */
  private prune(endMs: number, sliceMs: number, perSliceCap: number): void {
    const startMs = windowStartMs(endMs, this.deps.settings!.horizonMs, sliceMs);
    const closedSlice = Math.floor(endMs / sliceMs);
    const bySlice = new Map<number, RecentPoint[]>();
    for (const p of this.recent.values()) {
      if (p.eventTimeMs < startMs) {
        this.recent.delete(p.idHash);
        continue;
      }
      const s = Math.floor(p.eventTimeMs / sliceMs);
      let list = bySlice.get(s);
      if (!list) bySlice.set(s, (list = []));
      list.push(p);
    }
    for (const [s, list] of bySlice) {
      if (list.length <= perSliceCap) continue;
      if (s >= closedSlice) {
        for (const p of unselectable(list, perSliceCap)) this.recent.delete(p.idHash);
        continue;
      }
      list.sort((a, b) => (a.idHash < b.idHash ? -1 : a.idHash > b.idHash ? 1 : 0));
      for (const p of list.slice(perSliceCap)) this.recent.delete(p.idHash);
    }
    // A claim lasts as long as its conversation can be in a window.
    for (const idHash of this.claimed) if (!this.recent.has(idHash)) this.claimed.delete(idHash);
  }

  /** The nearest existing clusters as the namer's contrast set: their audited names and descriptions. */
  private contrastFor(ids: readonly string[]): Member[] {
    return ids
      .map((id) => this.deps.index.cluster(id))
      .filter((c): c is CatalogCluster => c !== undefined && c.named)
      .slice(0, 5)
      .map((c) => ({ text: `${c.name}. ${c.description}`, account: c.id }));
  }
}

/** Lets timers and I/O (the API, Kafka heartbeats) run before going on. */
function turnOfTheLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
