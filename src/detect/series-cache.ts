import type { DetectionStore } from '../store/detection-store.ts';

/**
 * Recent counts per (product segment, cluster, bucket) held in memory, so that judging a window
 * does not re-read weeks of history. Each refresh re-reads only the recent stretch where late
 * conversations can still land; older buckets are dropped past the longest horizon a rule needs.
 */
export class SeriesCache {
  /** product → bucket start → cluster id ('' = total traffic) → conversations */
  private readonly counts = new Map<string, Map<number, Map<string, number>>>();
  private readonly loadedFrom = new Map<string, number>();

  constructor(private readonly store: DetectionStore, private readonly bucketMs: number) {}

  /** Loads [fromMs, toMs) of a segment: everything new to the cache, or just the recent stretch that may have changed. */
  async refresh(product: string, fromMs: number, toMs: number, recentMs: number): Promise<void> {
    const loaded = this.loadedFrom.get(product);
    const start = loaded === undefined || loaded > fromMs ? fromMs : Math.max(fromMs, toMs - recentMs);
    const byBucket = this.counts.get(product) ?? new Map<number, Map<string, number>>();
    this.counts.set(product, byBucket);
    for (let b = floorTo(start, this.bucketMs); b < toMs; b += this.bucketMs) byBucket.delete(b);
    for (const row of await this.store.countsBetween(product, start, toMs)) {
      let clusters = byBucket.get(row.bucketStartMs);
      if (!clusters) byBucket.set(row.bucketStartMs, (clusters = new Map()));
      clusters.set(row.clusterId ?? '', row.conversations);
    }
    this.loadedFrom.set(product, Math.min(loaded ?? fromMs, fromMs));
  }

  /** Forgets buckets before this time. */
  prune(beforeMs: number): void {
    for (const [product, byBucket] of this.counts) {
      for (const bucket of byBucket.keys()) if (bucket < beforeMs) byBucket.delete(bucket);
      this.loadedFrom.set(product, Math.max(this.loadedFrom.get(product) ?? beforeMs, beforeMs));
    }
  }

  /** Conversations per step of `stepMs` over [fromMs, toMs) for a cluster ('' = total traffic). */
  series(product: string, clusterId: string, fromMs: number, toMs: number, stepMs: number): number[] {
    const byBucket = this.counts.get(product);
    const out = new Array<number>(Math.max(0, Math.round((toMs - fromMs) / stepMs))).fill(0);
    if (!byBucket) return out;
    for (let b = fromMs; b < toMs; b += this.bucketMs) {
      const n = byBucket.get(b)?.get(clusterId);
      if (n) out[Math.floor((b - fromMs) / stepMs)]! += n;
    }
    return out;
  }
}

export function floorTo(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}
