import type { CatalogIndex } from '../assign/catalog-index.ts';
import type { NameAuditor } from '../catalog/audit.ts';
import type { CatalogCluster } from '../catalog/catalog.ts';
import type { ClusterNamer, Member } from '../catalog/naming.ts';
import { NoveltyPool, type NovelPoint } from '../emerging/novelty-pool.ts';
import { describeEmerging } from '../emerging/promote.ts';
import type { Logger } from '../log.ts';
import type { Rule } from '../rules/rules.ts';
import { DetectionStore } from '../store/detection-store.ts';
import { ALL_PRODUCTS, type NovelConversation } from '../store/ingest-store.ts';
import type { DetectionMetrics } from './metrics.ts';

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
  /** The emerging rule whose horizon and similarity shape the pool (the first one of the rules at start). */
  settings: { horizonMs: number; joinSimilarity: number } | null;
  /** Keyword policy areas for a new cluster's summaries (offline), when the nearest cluster gives none. */
  classify?: (texts: readonly string[]) => string[];
  metrics: DetectionMetrics;
  logger: Logger;
}

/**
 * Emerging-cluster discovery at the edge of the store: novel conversations feed a decaying pool;
 * at each bucket close, dense groups with enough distinct accounts are named, audited and added to
 * the live catalog as provisional clusters. The pool itself is memory only; after a restart it is
 * rebuilt from the stored novel conversations of the horizon.
 */
export class EmergenceTracker {
  private readonly pool: NoveltyPool | null;
  private promotedCount = 0;
  /** Novel conversations not yet in the pool: a chunk can run ahead of the bucket being judged, and the pool must not see the future. */
  private waiting: NovelConversation[] = [];
  /** Arrival number of the last novel conversation read from the store. */
  private lastSeq = 0;

  constructor(private readonly deps: EmergenceDeps) {
    const s = deps.settings;
    this.pool = s
      ? new NoveltyPool({ dimension: deps.index.catalog.embedding.dimension, joinSimilarity: s.joinSimilarity, horizonMs: s.horizonMs, halfLifeMs: s.horizonMs / 2 })
      : null;
  }

  /** Restores provisional clusters from the latest stored catalog version and refills the pool. */
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
    if (!this.pool) return;
    // The pool is rebuilt exactly as it was: promotions first, then the horizon's points in order.
    for (const c of catalog.clusters.filter((c) => c.provisional)) this.pool.markKnown(c.id, c.centroid);
    this.lastSeq = await this.deps.store.lastNovelSeq();
    const now = await this.deps.store.maxEventTime();
    if (now === null) return;
    this.observe(await this.deps.store.novelSince(this.pool.horizonStartMs(now)));
  }

  /** Reads what every instance stored in the novel pool since the last call. */
  async pull(): Promise<void> {
    if (!this.pool) return;
    const fresh = await this.deps.store.novelAfter(this.lastSeq);
    if (fresh.length === 0) return;
    this.lastSeq = fresh.at(-1)!.seq;
    this.observe(fresh);
  }

  private observe(novel: readonly NovelConversation[]): void {
    if (this.pool && novel.length > 0) this.waiting.push(...novel);
  }

  /** Moves the waiting conversations before `endMs` into the pool, in event-time order. */
  private admit(endMs: number): void {
    if (!this.pool || this.waiting.length === 0) return;
    const due = this.waiting.filter((n) => n.eventTimeMs < endMs).sort((a, b) => a.eventTimeMs - b.eventTimeMs);
    this.waiting = this.waiting.filter((n) => n.eventTimeMs >= endMs);
    this.pool.add(due.map(toPoint));
  }

  /** Promotes the groups that pass the rule's gate at this bucket close; returns the new clusters. */
  async promote(rule: Rule, endMs: number): Promise<Array<{ cluster: CatalogCluster; figures: EmergingFigures }>> {
    if (!this.pool) return [];
    this.admit(endMs);
    this.pool.evict(endMs);
    const promoted: Array<{ cluster: CatalogCluster; figures: EmergingFigures }> = [];
    for (const group of this.pool.candidates(endMs, { minAccounts: rule.minAccounts, minConversations: rule.minConversations })) {
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
      this.pool.markPromoted(group.key, id);
      this.deps.index.addLeaf(described.cluster);
      this.deps.metrics.emerging.inc({ outcome: 'promoted' });
      const traffic = [...(await this.deps.store.trafficSeries(ALL_PRODUCTS, group.firstSeenMs, endMs)).values()].reduce((a, b) => a + b, 0);
      promoted.push({
        cluster: described.cluster,
        figures: { conversations: group.conversations, accounts: group.accounts, share: traffic > 0 ? group.conversations / traffic : 0, startMs: group.firstSeenMs },
      });
    }
    await this.deps.store.pruneNovel(this.pool.horizonStartMs(endMs));
    return promoted;
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

function toPoint(n: NovelConversation): NovelPoint {
  return {
    idHash: n.idHash,
    accountHash: n.accountHash,
    eventTimeMs: n.eventTimeMs,
    vector: [...n.record.embedding],
    terms: n.record.summaryWords.split(' ').filter(Boolean),
    nearestClusterId: n.record.nearestClusterId,
  };
}
