/** Where the cache reads counts: the store (DetectionStore), or a backtest's snapshot of it. */
export interface CountSource {
  countsBetween(product: string, fromMs: number, toMs: number): Promise<Iterable<{ clusterId: string | null; bucketStartMs: number; conversations: number }>>;
  /**
   * The same counts as dense columns, when the source holds them so (a backtest's snapshot): the
   * cache copies a stretch with one typed-array copy per series instead of an object per bucket.
   * Null when it does not cover [fromMs, toMs): the rows are read instead.
   */
  columnsBetween?(product: string, fromMs: number, toMs: number): CountColumns | null;
}

/** Counts per series as dense columns: columns.get(id ('' = traffic))[k] = conversations of bucket originMs + k·bucketMs. Read-only. */
export interface CountColumns {
  originMs: number;
  bucketMs: number;
  columns: ReadonlyMap<string, Float64Array>;
}

/** Buckets copied one by one rather than through a view (copyColumns). */
const SHORT_COPY = 64;

/** One product segment's counts: a dense column per cluster, indexed by bucket from `originMs`. */
interface Segment {
  originMs: number;
  capacity: number;
  /** cluster id ('' = total traffic) → conversations per bucket (0 = none stored) */
  columns: Map<string, Float64Array>;
  /** Running sums of columns, kept as far as they were asked for (dropped when columns move). */
  sums: Map<string, Running>;
}

/** running[k] = Σ column[0 … k−1] and most[k] = max(0, column[0 … k−1]), valid for k ≤ validTo. */
interface Running {
  running: Float64Array;
  most: Float64Array;
  validTo: number;
}

/**
 * Recent counts per (product segment, cluster, bucket) held in memory, so that judging a window
 * does not re-read weeks of history. Each refresh re-reads only the recent stretch where late
 * conversations can still land; older buckets are dropped past the longest horizon a rule needs.
 * Counts are dense columns per cluster: reading a cluster's weeks of buckets is a tight loop over
 * one array, not a map lookup per bucket (a backtest reads hundreds of clusters per window).
 */
export class SeriesCache {
  private readonly segments = new Map<string, Segment>();
  private readonly loadedFrom = new Map<string, number>();

  constructor(private readonly store: CountSource, private readonly bucketMs: number) {}

  /** Loads [fromMs, toMs) of a segment: everything new to the cache, or just the recent stretch that may have changed. */
  async refresh(product: string, fromMs: number, toMs: number, recentMs: number): Promise<void> {
    const loaded = this.loadedFrom.get(product);
    const start = loaded === undefined || loaded > fromMs ? fromMs : Math.max(fromMs, toMs - recentMs);
    const segment = this.segment(product, floorTo(start, this.bucketMs), toMs);
    const first = this.indexOf(segment, floorTo(start, this.bucketMs));
    const end = Math.max(first, Math.ceil((toMs - segment.originMs) / this.bucketMs));
    for (const column of segment.columns.values()) column.fill(0, first, Math.min(end, segment.capacity));
    // Sums from the first re-read bucket on are taken again when next asked for.
    for (const sums of segment.sums.values()) sums.validTo = Math.min(sums.validTo, first);
    const dense = this.store.columnsBetween?.(product, start, toMs);
    if (dense && this.copyColumns(segment, dense, start, toMs)) {
      this.loadedFrom.set(product, Math.min(loaded ?? fromMs, fromMs));
      return;
    }
    for (const row of await this.store.countsBetween(product, start, toMs)) {
      const offset = row.bucketStartMs - segment.originMs;
      if (offset < 0 || offset % this.bucketMs !== 0) continue;
      const i = offset / this.bucketMs;
      const id = row.clusterId ?? '';
      // The store may hold rows past toMs's bucket only when asked for them; grow for safety.
      if (i >= segment.capacity) this.grow(segment, i + 1);
      let column = segment.columns.get(id);
      if (!column) segment.columns.set(id, (column = new Float64Array(segment.capacity)));
      column[i] = row.conversations;
    }
    this.loadedFrom.set(product, Math.min(loaded ?? fromMs, fromMs));
  }

  /**
   * Copies [fromMs, toMs) of dense columns into the segment (whose stretch was just cleared): the
   * same figures the rows would set — only buckets on the grid, none past toMs. False (nothing
   * copied) when the columns' buckets are not the cache's.
   */
  private copyColumns(segment: Segment, dense: CountColumns, fromMs: number, toMs: number): boolean {
    const shift = dense.originMs - segment.originMs;
    if (dense.bucketMs !== this.bucketMs || shift % this.bucketMs !== 0) return false;
    const base = shift / this.bucketMs;
    // Source buckets k with originMs + k·bucket in [fromMs, toMs), inside the source and the segment.
    const from = Math.max(0, Math.ceil((fromMs - dense.originMs) / this.bucketMs), -base);
    const to = Math.min(Math.ceil((toMs - dense.originMs) / this.bucketMs), segment.capacity - base);
    if (to <= from) return true;
    for (const [id, source] of dense.columns) {
      const end = Math.min(to, source.length);
      if (end <= from) continue;
      let column = segment.columns.get(id);
      if (!column) segment.columns.set(id, (column = new Float64Array(segment.capacity)));
      // A refresh copies the recent stretch only (a dozen buckets, for every series at every window):
      // element by element is cheaper than making a view to copy from.
      if (end - from <= SHORT_COPY) for (let k = from; k < end; k++) column[base + k] = source[k]!;
      else column.set(source.subarray(from, end), base + from);
    }
    return true;
  }

  /** The oldest bucket held for a product segment (null: none), for memory checks. */
  heldFromMs(product: string): number | null {
    return this.segments.get(product)?.originMs ?? null;
  }

  /** Forgets buckets before this time. */
  prune(beforeMs: number): void {
    for (const [product, segment] of this.segments) {
      const drop = Math.min(segment.capacity, Math.max(0, Math.ceil((beforeMs - segment.originMs) / this.bucketMs)));
      if (drop > 0) {
        segment.sums.clear();
        for (const column of segment.columns.values()) {
          column.copyWithin(0, drop);
          column.fill(0, segment.capacity - drop);
        }
        segment.originMs += drop * this.bucketMs;
      }
      this.loadedFrom.set(product, Math.max(this.loadedFrom.get(product) ?? beforeMs, beforeMs));
    }
  }

  /**
   * Conversations per step of `stepMs` over [fromMs, toMs) for a cluster ('' = total traffic). A
   * typed array: a pass reads weeks of buckets for hundreds of clusters, kept off the collected heap.
   */
  series(product: string, clusterId: string, fromMs: number, toMs: number, stepMs: number): Float64Array {
    const out = new Float64Array(Math.max(0, Math.round((toMs - fromMs) / stepMs)));
    const segment = this.segments.get(product);
    const column = segment?.columns.get(clusterId);
    if (!segment || !column) return out;
    const offset = fromMs - segment.originMs;
    // Only bucket starts are stored: a span off the bucket grid holds nothing.
    if (offset % this.bucketMs !== 0) return out;
    const bucketsPerStep = stepMs / this.bucketMs;
    const buckets = Math.ceil((toMs - fromMs) / this.bucketMs);
    const base = offset / this.bucketMs;
    const from = Math.max(0, -base);
    const to = Math.min(buckets, segment.capacity - base);
    if (bucketsPerStep === 1) {
      for (let k = from; k < to; k++) {
        const n = column[base + k]!;
        if (n) out[k]! += n;
      }
    } else {
      for (let k = from; k < to; k++) {
        const n = column[base + k]!;
        if (n) out[Math.floor((k * this.bucketMs) / stepMs)]! += n;
      }
    }
    return out;
  }

  /**
   * The same figures as series(), without a copy when the span lies on the cache's own buckets:
   * a view of the cached column, valid until the next refresh (a backtest reads ~500 clusters ×
   * two weeks of buckets at every window; copying them was most of its time and garbage).
   */
  view(product: string, clusterId: string, fromMs: number, toMs: number, stepMs: number): Float64Array {
    const segment = this.segments.get(product);
    const column = segment?.columns.get(clusterId);
    if (segment && column && stepMs === this.bucketMs) {
      const offset = fromMs - segment.originMs;
      const buckets = Math.max(0, Math.round((toMs - fromMs) / stepMs));
      if (offset >= 0 && offset % this.bucketMs === 0 && offset / this.bucketMs + buckets <= segment.capacity) {
        const base = offset / this.bucketMs;
        return column.subarray(base, base + buckets);
      }
    }
    return this.series(product, clusterId, fromMs, toMs, stepMs);
  }

  /**
   * Running sums over the span view() returns: `running[k]` = conversations of its first k buckets
   * (one longer than the span), and `most` ≥ its largest count. Null off the cache's own buckets.
   * Counts are whole numbers, so a difference of running sums equals the sum taken in a loop.
   */
  sumsOf(product: string, clusterId: string, fromMs: number, toMs: number, stepMs: number): { running: Float64Array; most: number } | null {
    const segment = this.segments.get(product);
    if (!segment || stepMs !== this.bucketMs) return null;
    const offset = fromMs - segment.originMs;
    const buckets = Math.max(0, Math.round((toMs - fromMs) / stepMs));
    if (offset < 0 || offset % this.bucketMs !== 0 || offset / this.bucketMs + buckets > segment.capacity) return null;
    const base = offset / this.bucketMs;
    const column = segment.columns.get(clusterId);
    if (!column) return { running: new Float64Array(buckets + 1), most: 0 };
    let sums = segment.sums.get(clusterId);
    if (!sums) {
      sums = { running: new Float64Array(segment.capacity + 1), most: new Float64Array(segment.capacity + 1), validTo: 0 };
      segment.sums.set(clusterId, sums);
    }
    const { running, most } = sums;
    for (let k = sums.validTo; k < base + buckets; k++) {
      running[k + 1] = running[k]! + column[k]!;
      most[k + 1] = Math.max(most[k]!, column[k]!);
    }
    sums.validTo = Math.max(sums.validTo, base + buckets);
    return { running: running.subarray(base, base + buckets + 1), most: most[base + buckets]! };
  }

  /** The segment of a product, its columns covering [fromMs, toMs) (grown or re-based as needed). */
  private segment(product: string, fromMs: number, toMs: number): Segment {
    let segment = this.segments.get(product);
    const needed = (origin: number) => Math.max(1, Math.ceil((toMs - origin) / this.bucketMs));
    if (!segment) {
      segment = { originMs: fromMs, capacity: needed(fromMs), columns: new Map(), sums: new Map() };
      this.segments.set(product, segment);
      return segment;
    }
    if (fromMs < segment.originMs) {
      const shift = (segment.originMs - fromMs) / this.bucketMs;
      const capacity = Math.max(segment.capacity + shift, needed(fromMs));
      for (const [id, column] of segment.columns) {
        const moved = new Float64Array(capacity);
        moved.set(column, shift);
        segment.columns.set(id, moved);
      }
      segment.originMs = fromMs;
      segment.capacity = capacity;
      segment.sums.clear();
    }
    if (needed(segment.originMs) > segment.capacity) this.grow(segment, needed(segment.originMs));
    return segment;
  }

  /** Room for at least `length` buckets, doubling so that a live detector's steady growth stays amortised. */
  private grow(segment: Segment, length: number): void {
    const capacity = Math.max(length, segment.capacity * 2);
    for (const [id, column] of segment.columns) {
      const grown = new Float64Array(capacity);
      grown.set(column);
      segment.columns.set(id, grown);
    }
    segment.capacity = capacity;
    segment.sums.clear();
  }

  private indexOf(segment: Segment, ms: number): number {
    return Math.max(0, Math.floor((ms - segment.originMs) / this.bucketMs));
  }
}

export function floorTo(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}
