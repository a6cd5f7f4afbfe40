/**
 * Backtest: the alerts a rule set would have raised over the counts already stored, computed by the
 * live detector itself (Detector, spike.ts, the privacy gate and the router), not by a copy of it.
 * The detector is opened over a read-only view of the store — counts preloaded once into memory,
 * distinct accounts read on demand, its state and outbox writes discarded — and driven bucket by
 * bucket through the period, as a replay of the same history would drive it.
 *
 * Emerging rules are not backtested: they score the recent conversations' embeddings, which are
 * kept for the emergence horizon only, never for the period a backtest looks at.
 */
import { Registry } from 'prom-client';
import type { Notification } from '../alerts/alert.ts';
import type { GateLimits } from '../alerts/privacy-gate.ts';
import type { Catalog, CatalogCluster } from '../catalog/catalog.ts';
import { ClioError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PolicyAreaRef } from '../rules/areas.ts';
import { ruleSegment, type Rule, type RuleSet } from '../rules/rules.ts';
import { DetectionStore } from '../store/detection-store.ts';
import { ALL_PRODUCTS } from '../ingest/segments.ts';
import type { SqlClient, SqlExecutor } from '../store/sql.ts';
import { Detector, type DetectorStore } from './detector.ts';
import { DetectionMetrics } from './metrics.ts';
import { floorTo, type CountColumns } from './series-cache.ts';
import { countBoundaries, type RetentionPolicy } from '../store/janitor.ts';

const WEEK_MS = 7 * 24 * 3600_000;
/** Event time judged between two yields to the event loop (well under a detector pass's bound, MAX_BUCKETS_PER_PASS). */
const YIELD_EVERY_MS = 6 * 3600_000;

/** One alert episode a backtest found: as notified (first firing) and, if it ended in the period, resolved. */
export interface BacktestAlert {
  rule: string;
  kind: 'spike';
  cluster_id: string;
  cluster_name: string;
  subject: 'cluster' | 'policy_area';
  started_at: string;
  resolved_at: string | null;
  /** The highest observed/expected ratio the episode reported. */
  ratio: number;
}

export interface BacktestOptions {
  db: SqlClient;
  catalog: Catalog;
  rules: RuleSet;
  /** Window ends in (fromMs, toMs] are judged; the baselines reach back before fromMs. */
  fromMs: number;
  toMs: number;
  bucketMs: number;
  privacy: GateLimits;
  /** The taxonomy area rules judge when the rule set carries none (as DetectorDeps.policyAreas). */
  policyAreas?: readonly PolicyAreaRef[];
  logger: Logger;
  /** Counts already read (snapshotFor) for several backtests over the same period. */
  snapshot?: CountsSnapshot;
  /**
   * Counts kept between backtests (backtestSets): a backtest reads only what the kept snapshot
   * cannot answer. `closedThroughMs` is the store's watermark now (buckets before it are closed).
   */
  counts?: { cache: CountsCache; closedThroughMs: number };
}

export interface BacktestResult {
  alerts: BacktestAlert[];
  /** What the router released, in order: what a replay would have written to the outbox. */
  notifications: Notification[];
}

/** A backtest that cannot run: a period that is empty, reversed or not on bucket boundaries. */
export class BacktestError extends ClioError {
  constructor(message: string) {
    super('backtest_invalid', message);
  }
}

/** The rules a backtest can judge: spike rules (see the module comment). */
export function backtestableRules(rules: readonly Rule[]): Rule[] {
  return rules.filter((r) => r.kind === 'spike');
}

export async function backtest(o: BacktestOptions): Promise<BacktestResult> {
  const plan = await planBacktest(o, o.rules);
  if (!plan) return { alerts: [], notifications: [] };
  const real = new DetectionStore(o.db);
  return runBacktest(plan.plan, plan.snapshot, { distinctAccounts: (...args) => real.distinctAccounts(...args) }, o.logger);
}

/**
 * Several rule sets over the same period at once (the candidate and the rules in force), each
 * judged in a worker thread of its own while this thread reads the store for them (counts once,
 * distinct accounts as they ask): the detector's judgement is most of a backtest's time, and the
 * sets are independent. Results in the order of the sets; the same as backtest() on each (a worker
 * runs the same runBacktest). Falls back to judging them here, one after the other, when a worker
 * cannot start.
 */
export async function backtestSets(o: Omit<BacktestOptions, 'rules'>, sets: readonly RuleSet[]): Promise<BacktestResult[]> {
  const judgedSets = sets.filter((set) => backtestableRules(set.rules).length > 0).length;
  // Started first: the workers load their modules while this thread reads the store.
  const pool = judgedSets > 1 ? await startPool(judgedSets, o.logger) : null;
  try {
    // One read of the stored counts serves every set; with a cache, only what it does not hold yet.
    const wanted = snapshotSpan(sets.map((set) => set.rules), o.fromMs, o.bucketMs);
    const lease = o.snapshot || !o.counts ? null : o.counts.cache.take(wanted.products, wanted.fromMs, o.toMs, o.bucketMs, { closedThroughMs: o.counts.closedThroughMs, catalogVersion: o.catalog.version });
    const snapshot = o.snapshot ?? lease?.snapshot ?? CountsSnapshot.empty(wanted.products, wanted.fromMs, o.toMs, o.bucketMs);
    const plans: Array<PlannedBacktest | null> = [];
    for (const set of sets) plans.push(await planBacktest({ ...o, snapshot }, set));
    const real = new DetectionStore(o.db);
    const access: AccountSource = { distinctAccounts: (...args) => real.distinctAccounts(...args) };
    const judged = plans.filter((p): p is PlannedBacktest => p !== null);
    const filling = snapshot.loadedThroughMs < snapshot.toMs;
    if (pool) {
      // The workers judge each day as soon as it is read.
      const running = pool.run(judged, access);
      const read = filling ? snapshot.fill(o.db, (through, added) => pool.progress(snapshot, through, added)) : Promise.resolve();
      let results: BacktestResult[] | null;
      try {
        results = await running;
      } finally {
        await read;
      }
      // Read in full (a failed read threw above): the next backtest may start from it.
      lease?.keep();
      if (results) {
        let next = 0;
        return plans.map((p) => (p ? results[next++]! : { alerts: [], notifications: [] }));
      }
    } else if (filling) {
      await snapshot.fill(o.db);
    }
    lease?.keep();
    const out: BacktestResult[] = [];
    for (const p of plans) out.push(p ? await runBacktest(p.plan, p.snapshot, access, o.logger) : { alerts: [], notifications: [] });
    return out;
  } finally {
    await pool?.release();
  }
}

/**
 * Reads into the counts cache what a backtest of these rule sets over the period would read, ahead
 * of a backtest that is likely soon (an analyst opened the rule editor): the backtest after starts
 * from these counts and reads again only what may have changed since (see CountsCache). The
 * candidate is not known yet; one over the same segments and history (an edit of a rule in force)
 * reads nothing more.
 */
export async function prefetchCounts(o: Pick<BacktestOptions, 'db' | 'catalog' | 'fromMs' | 'toMs' | 'bucketMs'> & { counts: NonNullable<BacktestOptions['counts']> }, sets: readonly RuleSet[]): Promise<void> {
  const wanted = snapshotSpan(sets.map((set) => set.rules), o.fromMs, o.bucketMs);
  const lease = o.counts.cache.take(wanted.products, wanted.fromMs, o.toMs, o.bucketMs, { closedThroughMs: o.counts.closedThroughMs, catalogVersion: o.catalog.version });
  if (lease.snapshot.loadedThroughMs < lease.snapshot.toMs) await lease.snapshot.fill(o.db);
  lease.keep();
}

/**
 * Starts the worker threads of backtestSets ahead of a backtest that is likely soon (an analyst
 * opened the rule editor), so that it does not wait for them to load. Never throws: without
 * workers, backtests judge here.
 */
export async function prepareBacktestWorkers(logger: Logger): Promise<void> {
  try {
    const { warmBacktestWorkers } = await import('./backtest-pool.ts');
    warmBacktestWorkers();
  } catch (error) {
    logger.warn({ err: error }, 'backtest workers unavailable: judging the rule sets one after the other');
  }
}

/** Worker threads for backtestSets; null (judged here instead) when they cannot start. */
async function startPool(size: number, logger: Logger) {
  try {
    const { BacktestPool } = await import('./backtest-pool.ts');
    return BacktestPool.start(size, logger);
  } catch (error) {
    logger.warn({ err: error }, 'backtest workers unavailable: judging the rule sets one after the other');
    return null;
  }
}

/** What a backtest judges, read from the store beforehand: plain data, so that a worker thread can take it. */
export interface BacktestPlan {
  catalog: Catalog;
  ruleSet: RuleSet;
  fromMs: number;
  toMs: number;
  bucketMs: number;
  privacy: GateLimits;
  policyAreas?: readonly PolicyAreaRef[];
  /** The detector's state to start from (the live provisional clusters, nothing judged). */
  initialState: unknown;
  /** The first stored bucket of every segment the rules read (null: none). */
  firsts: Record<string, number | null>;
}

export interface PlannedBacktest {
  plan: BacktestPlan;
  snapshot: CountsSnapshot;
}

/** Where a backtest reads distinct accounts (the store, or the thread that holds it). */
export type AccountSource = Pick<DetectorStore, 'distinctAccounts'>;

/** Validates the period and reads what the rule set's judgement needs; null when it has no rule to backtest. */
async function planBacktest(o: Omit<BacktestOptions, 'rules'>, rules: RuleSet): Promise<PlannedBacktest | null> {
  const { bucketMs } = o;
  if (!(o.toMs > o.fromMs) || o.fromMs % bucketMs !== 0 || o.toMs % bucketMs !== 0) {
    throw new BacktestError('the period must be non-empty and start and end on bucket boundaries');
  }
  const spikeRules = backtestableRules(rules.rules);
  if (spikeRules.length === 0) return null;
  // No silences: a backtest shows what the rules would have raised, not what was muted at the time.
  const ruleSet: RuleSet = { rules: spikeRules, silences: [], files: rules.files, ...(rules.areas ? { areas: rules.areas } : {}) };
  const real = new DetectionStore(o.db);
  const live = await real.loadState<{ provisional?: Record<string, { sinceMs: number }> }>('detector');
  const products = [...new Set([ALL_PRODUCTS, ...spikeRules.map((r) => ruleSegment(r.match))])];
  // A snapshot given (shared by several sets) serves if it holds every segment back to the rules' horizon.
  const horizon = floorTo(fromHorizon(spikeRules, o.fromMs), bucketMs);
  const given = o.snapshot;
  const snapshot = given && products.every((p) => given.covers(p, horizon, o.toMs)) ? given : await snapshotFor(o.db, [spikeRules], o.fromMs, o.toMs, bucketMs);
  const firsts: Record<string, number | null> = {};
  for (const product of products) firsts[product] = await real.firstBucket(product);
  return {
    snapshot,
    plan: {
      // Without centroids: the detector never reads them, and the plan may be copied to a worker thread.
      catalog: { ...o.catalog, clusters: o.catalog.clusters.map((c) => ({ ...c, centroid: [] })) },
      ruleSet, fromMs: o.fromMs, toMs: o.toMs, bucketMs, privacy: o.privacy, policyAreas: o.policyAreas, firsts,
      initialState: { version: 1, judgedThroughMs: o.fromMs, episodes: {}, router: null, ...(live?.provisional ? { provisional: live.provisional } : {}) },
    },
  };
}

/** Drives the live detector through the period over the snapshot: what backtest() and a worker run. */
export async function runBacktest(
  plan: BacktestPlan,
  snapshot: CountsSnapshot,
  accounts: AccountSource,
  logger: Logger,
  /** Resolves once the snapshot holds the counts before this time (a worker's snapshot is read as it judges). */
  readThrough: (ms: number) => Promise<void> = async () => {},
): Promise<BacktestResult> {
  const store = new StoredCounts(snapshot, accounts, plan.firsts, plan.initialState);
  const byId = new Map<string, CatalogCluster>(plan.catalog.clusters.map((c) => [c.id, c]));
  const detector = await Detector.open({
    store,
    index: { catalog: plan.catalog, cluster: (id: string) => byId.get(id) },
    rules: () => plan.ruleSet,
    bucketMs: plan.bucketMs,
    allowedLatenessMs: 0,
    privacy: plan.privacy,
    emergence: { restore: async () => {}, pull: async () => {}, promote: async () => [], claim: () => {} },
    metrics: new DetectionMetrics(new Registry()),
    logger,
    policyAreas: plan.policyAreas,
  });
  // Judged in stretches of event time, yielding between them so that a long backtest does not hold
  // the process (ingest, other requests) for its whole run; then a final pass judges the rest and
  // lets the router's last groups go, as at the end of a replay.
  const notifications: Notification[] = [];
  for (let clock = plan.fromMs + YIELD_EVERY_MS; clock < plan.toMs; clock += YIELD_EVERY_MS) {
    // A pass at `clock` reads counts of buckets before it only.
    await readThrough(clock);
    notifications.push(...(await detector.advance(clock)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await readThrough(plan.toMs);
  notifications.push(...(await detector.advance(plan.toMs - 1, { final: true })));
  return { alerts: episodesOf(notifications), notifications };
}

/** Episodes from the router's notifications: started at its first firing notice, resolved at its resolution notice. */
export function episodesOf(notifications: readonly Notification[]): BacktestAlert[] {
  const episodes = new Map<string, BacktestAlert>();
  for (const { alert } of notifications) {
    if (alert.kind === 'emerging') continue;
    let episode = episodes.get(alert.alert_id);
    if (!episode) {
      if (alert.kind === 'resolved') continue;
      episode = {
        rule: alert.rule, kind: 'spike', cluster_id: alert.cluster.id, cluster_name: alert.cluster.name, subject: alert.subject ?? 'cluster',
        started_at: alert.window.start, resolved_at: null, ratio: alert.ratio,
      };
      episodes.set(alert.alert_id, episode);
    }
    if (alert.kind === 'resolved') episode.resolved_at = alert.fired_at;
    else episode.ratio = Math.max(episode.ratio, alert.ratio);
  }
  return [...episodes.values()].sort((a, b) => a.started_at.localeCompare(b.started_at) || a.rule.localeCompare(b.rule) || a.cluster_id.localeCompare(b.cluster_id));
}

/** The counts every rule of these sets reads when judging (fromMs, toMs]: their segments, back to their longest history. */
export function snapshotFor(db: SqlClient, ruleSets: ReadonlyArray<readonly Rule[]>, fromMs: number, toMs: number, bucketMs: number): Promise<CountsSnapshot> {
  const snapshot = emptySnapshotFor(ruleSets, fromMs, toMs, bucketMs);
  return snapshot.fill(db).then(() => snapshot);
}

/** snapshotFor's snapshot before its counts are read (fill). */
function emptySnapshotFor(ruleSets: ReadonlyArray<readonly Rule[]>, fromMs: number, toMs: number, bucketMs: number): CountsSnapshot {
  const span = snapshotSpan(ruleSets, fromMs, bucketMs);
  return CountsSnapshot.empty(span.products, span.fromMs, toMs, bucketMs);
}

/** The segments these rule sets read, and the first bucket their judgement at fromMs reads. */
function snapshotSpan(ruleSets: ReadonlyArray<readonly Rule[]>, fromMs: number, bucketMs: number): { products: string[]; fromMs: number } {
  const rules = ruleSets.flatMap((set) => backtestableRules(set));
  return { products: [...new Set([ALL_PRODUCTS, ...rules.map((r) => ruleSegment(r.match))])], fromMs: floorTo(fromHorizon(rules, fromMs), bucketMs) };
}

/** The earliest bucket any rule's judgement at fromMs reads (the detector's own span: history, guard and window). */
function fromHorizon(rules: readonly Rule[], fromMs: number): number {
  let earliest = fromMs;
  for (const rule of rules) {
    const historyMs = Math.max(rule.baselineSeconds * 1000, rule.seasonality ? 2 * WEEK_MS : 0) + rule.guardSeconds * 1000;
    earliest = Math.min(earliest, floorTo(fromMs - historyMs - rule.windowSeconds * 1000, rule.bucketSeconds * 1000));
  }
  return earliest;
}

type CountRow = { clusterId: string | null; bucketStartMs: number; conversations: number };

export interface SnapshotData {
  fromMs: number;
  toMs: number;
  bucketMs: number;
  loadedThroughMs: number;
  columns: Map<string, Map<string, Float64Array>>;
}

/** Columns a chunk of the snapshot's reading created: [product, series id, column]. */
export type NewColumns = Array<[string, string, Float64Array]>;

/** Event time one snapshot query reads (a UTC day, the grain of settled_counts): bounded text per query, however long the period. */
const SNAPSHOT_CHUNK_MS = 24 * 3600_000;

/**
 * Every series' conversations per bucket over a span, read once for a backtest (candidate and
 * rules in force share it): one dense column per series. A closed day the janitor packed
 * (settled_counts: one row per series and day) is read from there — 14 days × 500 clusters are
 * ~7,000 rows instead of ~2 million, 0.1 s instead of ~4 s in PGlite. Other days come from the
 * count rows as one text per day of `bucket:conversations:series` records rather than an object
 * per row, and ungrouped: grouping them per series in the database took longer than reading them.
 * Days are read in order, so that judging can start on the first ones while the later ones are
 * read (backtestSets).
 */
export class CountsSnapshot {
  private constructor(
    readonly fromMs: number,
    readonly toMs: number,
    readonly bucketMs: number,
    /** Counts are read for buckets before this (toMs once filled). */
    public loadedThroughMs: number,
    /** product → series id ('' = the segment's traffic) → conversations per bucket from fromMs */
    private readonly columns: Map<string, Map<string, Float64Array>>,
  ) {}

  /** Per product, the span [from, to) whose counts were taken from another snapshot (copyFrom): fill skips it. */
  private readonly copied = new Map<string, readonly [number, number]>();

  private get length(): number {
    return Math.max(0, Math.ceil((this.toMs - this.fromMs) / this.bucketMs));
  }

  /** A column of the snapshot's length in shared memory: the worker threads judging the sets (backtestSets) read it without a copy. */
  private newColumn(): Float64Array {
    return new Float64Array(new SharedArrayBuffer(this.length * Float64Array.BYTES_PER_ELEMENT));
  }

  static empty(products: readonly string[], fromMs: number, toMs: number, bucketMs: number): CountsSnapshot {
    return new CountsSnapshot(fromMs, toMs, bucketMs, fromMs, new Map([...new Set(products)].map((p) => [p, new Map<string, Float64Array>()])));
  }

  static async load(db: SqlClient, products: readonly string[], fromMs: number, toMs: number, bucketMs: number): Promise<CountsSnapshot> {
    const snapshot = CountsSnapshot.empty(products, fromMs, toMs, bucketMs);
    await snapshot.fill(db);
    return snapshot;
  }

  /** Reads the counts, a day at a time in event-time order; `onChunk` hears of each day read and the columns it added. */
  async fill(db: SqlClient, onChunk?: (loadedThroughMs: number, added: NewColumns) => void): Promise<void> {
    const { fromMs, toMs, bucketMs, length } = this;
    let added: NewColumns = [];
    const columnsOf = (product: string, byId: Map<string, Float64Array>) => (id: string): Float64Array => {
      let column = byId.get(id);
      if (!column) {
        byId.set(id, (column = this.newColumn()));
        added.push([product, id, column]);
      }
      return column;
    };
    // Bucket index from fromMs: floor, as bucket starts are on the grid (and an off-grid one lands in its bucket).
    const index = `floor((date_part('epoch', bucket_start) - $4) / $5)::bigint::text`;
    // On UTC days, as settled_counts packs them.
    for (let start = fromMs, end: number; start < toMs; start = end) {
      const day = Math.floor(start / SNAPSHOT_CHUNK_MS);
      end = Math.min(toMs, (day + 1) * SNAPSHOT_CHUNK_MS);
      for (const [product, byId] of this.columns) {
        const columnOf = columnsOf(product, byId);
        for (const [a, b] of this.unread(product, start, end)) {
          // A day is packed for every product at once (all traffic's row says it is): a product
          // without rows in a packed day had no conversations that day.
          const [packed] = await db.query<{ counts: string | null; whole: boolean }>(
            `SELECT (SELECT string_agg(series || E'\t' || counts, E'\n') FROM settled_counts WHERE day = $1 AND product = $2) AS counts,
                    EXISTS (SELECT 1 FROM settled_counts WHERE day = $1 AND product = '' AND series = '') AS whole`,
            [day, product],
          );
          if (packed?.whole) {
            if (packed.counts) parsePackedDay(packed.counts, { dayStartMs: day * SNAPSHOT_CHUNK_MS, originMs: fromMs, bucketMs, length, fromMs: a, toMs: b }, columnOf);
            continue;
          }
          const params = [product, new Date(a).toISOString(), new Date(b).toISOString(), fromMs / 1000, bucketMs / 1000];
          const [clusters] = await db.query<{ counts: string | null }>(
            `SELECT string_agg(${index} || ':' || conversations::text || ':' || cluster_id, ',') AS counts
             FROM cluster_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3`,
            params,
          );
          if (clusters?.counts) parseRecords(clusters.counts, length, columnOf);
          const [traffic] = await db.query<{ counts: string | null }>(
            `SELECT string_agg(${index} || ':' || conversations::text || ':', ',') AS counts
             FROM traffic_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3`,
            params,
          );
          if (traffic?.counts) parseRecords(traffic.counts, length, columnOf);
        }
      }
      this.loadedThroughMs = end;
      onChunk?.(end, added);
      added = [];
      // Reading is a run of synchronous work (PGlite): let the event loop hear the workers between days.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.loadedThroughMs = toMs;
  }

  /** The parts of [start, end) of a product that fill must read: all of it but what copyFrom took. */
  private unread(product: string, start: number, end: number): Array<[number, number]> {
    const copied = this.copied.get(product);
    if (!copied) return [[start, end]];
    const [from, to] = copied;
    const parts: Array<[number, number]> = [];
    if (start < Math.min(end, from)) parts.push([start, Math.min(end, from)]);
    if (Math.max(start, to) < end) parts.push([Math.max(start, to), end]);
    return parts;
  }

  /**
   * Takes a product's counts of [fromMs, toMs) from another snapshot read over the same bucket grid
   * (CountsCache) instead of reading them: fill reads the rest. Before fill only; once per product.
   */
  copyFrom(source: CountsSnapshot, product: string, fromMs: number, toMs: number): void {
    const from = Math.max(fromMs, this.fromMs, source.fromMs);
    const to = Math.min(toMs, this.toMs, source.toMs, source.loadedThroughMs);
    const byId = this.columns.get(product);
    const sourceById = source.columns.get(product);
    if (to <= from || !byId || !sourceById || this.copied.has(product) || this.loadedThroughMs > this.fromMs) return;
    const { bucketMs } = this;
    if (source.bucketMs !== bucketMs || (from - this.fromMs) % bucketMs !== 0 || (from - source.fromMs) % bucketMs !== 0) return;
    const first = (from - source.fromMs) / bucketMs;
    const at = (from - this.fromMs) / bucketMs;
    const last = Math.min(Math.ceil((to - source.fromMs) / bucketMs), first + this.length - at);
    for (const [id, column] of sourceById) {
      let mine = byId.get(id);
      if (!mine) byId.set(id, (mine = this.newColumn()));
      mine.set(column.subarray(first, last), at);
    }
    this.copied.set(product, [from, source.fromMs + last * bucketMs]);
  }

  products(): string[] {
    return [...this.columns.keys()];
  }

  /** Columns another thread's reading added (its onChunk), and how far it has read. */
  extend(loadedThroughMs: number, added: NewColumns): void {
    for (const [product, id, column] of added) this.columns.get(product)?.set(id, column);
    this.loadedThroughMs = Math.max(this.loadedThroughMs, loadedThroughMs);
  }

  /** The snapshot as plain data for a worker thread (the columns are shared, not copied). */
  data(): SnapshotData {
    return { fromMs: this.fromMs, toMs: this.toMs, bucketMs: this.bucketMs, loadedThroughMs: this.loadedThroughMs, columns: this.columns };
  }

  static of(data: SnapshotData): CountsSnapshot {
    return new CountsSnapshot(data.fromMs, data.toMs, data.bucketMs, data.loadedThroughMs, data.columns);
  }

  covers(product: string, fromMs: number, toMs: number): boolean {
    return this.columns.has(product) && fromMs >= this.fromMs && toMs <= this.toMs;
  }

  /**
   * The rows the store would answer for [fromMs, toMs) (buckets with conversations only), made one
   * at a time: a first read of weeks × hundreds of clusters never sits in the heap as objects.
   */
  *rows(product: string, fromMs: number, toMs: number): Generator<CountRow> {
    const byId = this.columns.get(product);
    if (!byId) return;
    const first = Math.max(0, Math.ceil((fromMs - this.fromMs) / this.bucketMs));
    const last = Math.min(Math.ceil((toMs - this.fromMs) / this.bucketMs), Math.ceil((this.toMs - this.fromMs) / this.bucketMs));
    for (const [id, column] of byId) {
      for (let i = first; i < last; i++) {
        const n = column[i]!;
        if (n) yield { clusterId: id === '' ? null : id, bucketStartMs: this.fromMs + i * this.bucketMs, conversations: n };
      }
    }
  }

  /** The same counts as rows(), as the columns themselves (read-only): what SeriesCache copies a stretch from. */
  columnsOf(product: string): CountColumns | null {
    const byId = this.columns.get(product);
    return byId ? { originMs: this.fromMs, bucketMs: this.bucketMs, columns: byId } : null;
  }
}

/** A backtest reads again the counts of buckets this close to the watermark when it read them: where late conversations land. */
const RECENT_REREAD_MS = 6 * 3600_000;
/** How long counts read are reused at most: after this, a backtest reads everything again (late conversations older than RECENT_REREAD_MS). */
const CACHE_TTL_MS = 10 * 60_000;

export interface CountsCacheOptions {
  allowedLatenessMs: number;
  /** Null when no janitor runs (retention disabled). */
  retention: Pick<RetentionPolicy, 'bucketDays' | 'hourlyDays' | 'aggregateMonths'> | null;
  ttlMs?: number;
  now?: () => number;
}

/** What a backtest knows of the store when it asks for counts. */
export interface CountsContext {
  /** Buckets before this are closed (the watermark), as the store says now. */
  closedThroughMs: number;
  /** Counts are kept for one catalog version: a new one starts afresh. */
  catalogVersion: number;
}

interface KeptCounts {
  snapshot: CountsSnapshot;
  catalogVersion: number;
  /** Counts before this were closed well before they were read (RECENT_REREAD_MS): reused as they are. */
  settledBeforeMs: number;
  /** When the oldest of its counts was read from the store (wall clock). */
  readAtMs: number;
}

/**
 * The counts of the last backtest, kept so that the next one (an analyst tuning a threshold runs
 * several in a row) reads only what may have changed since: the buckets after those it read and the
 * recent ones late conversations may still land in (RECENT_REREAD_MS before the watermark of the
 * time), and those the janitor folds into hours or days or deletes by now. The rest is copied from
 * the kept snapshot into the new one (never written in place: a backtest still judging over it is
 * not disturbed). One snapshot is kept — the newest, as long as the longest period asked — for
 * CACHE_TTL_MS at most after its oldest counts were read, and for one catalog version.
 */
export class CountsCache {
  private kept: KeptCounts | null = null;
  private expiry: NodeJS.Timeout | null = null;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly o: CountsCacheOptions) {
    this.ttlMs = o.ttlMs ?? CACHE_TTL_MS;
    this.now = o.now ?? Date.now;
  }

  /**
   * The snapshot a backtest reading [fromMs, toMs) of these products fills: the kept one itself when
   * it answers all of it as it is (nothing to read), else a new one holding the kept counts that are
   * still right. `keep()` once it is filled offers it as the next backtest's start.
   */
  take(products: readonly string[], fromMs: number, toMs: number, bucketMs: number, ctx: CountsContext): { snapshot: CountsSnapshot; keep(): void } {
    const kept = this.current(bucketMs, ctx);
    const still = kept ? this.stillRight(kept, ctx, bucketMs) : null;
    const keptProducts = new Set(kept?.snapshot.products() ?? []);
    const all = products.every((p) => keptProducts.has(p));
    if (kept && still && all && fromMs >= still.fromMs && toMs <= still.toMs) return { snapshot: kept.snapshot, keep: () => {} };
    // A newer period than the kept one's keeps as much history as the kept one held (the longest period asked).
    const keptSpan = kept ? kept.snapshot.toMs - kept.snapshot.fromMs : 0;
    const from = kept && all && toMs >= kept.snapshot.toMs ? Math.min(fromMs, toMs - keptSpan) : fromMs;
    const snapshot = CountsSnapshot.empty(products, from, toMs, bucketMs);
    let readAtMs = this.now();
    if (kept && still) {
      for (const product of keptProducts) snapshot.copyFrom(kept.snapshot, product, still.fromMs, still.toMs);
      readAtMs = kept.readAtMs;
    }
    const settledBeforeMs = Math.min(toMs, floorTo(ctx.closedThroughMs - RECENT_REREAD_MS, bucketMs));
    return {
      snapshot,
      keep: () => {
        if (this.kept && this.kept.snapshot.toMs > toMs) return;
        this.hold({ snapshot, catalogVersion: ctx.catalogVersion, settledBeforeMs, readAtMs });
      },
    };
  }

  /** Forgets the kept counts (their memory goes with the last backtest judging over them). */
  clear(): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    this.kept = null;
  }

  private hold(kept: KeptCounts): void {
    this.clear();
    this.kept = kept;
    // Dropped once too old to be reused, rather than held until the next backtest.
    this.expiry = setTimeout(() => this.clear(), Math.max(0, kept.readAtMs + this.ttlMs - this.now())).unref();
  }

  /** The kept counts if a backtest of this catalog version over this bucket grid may start from them. */
  private current(bucketMs: number, ctx: CountsContext): KeptCounts | null {
    const kept = this.kept;
    if (kept && (kept.catalogVersion !== ctx.catalogVersion || kept.snapshot.bucketMs !== bucketMs || this.now() - kept.readAtMs >= this.ttlMs)) this.clear();
    return this.kept;
  }

  /** The span of the kept counts that still is what the store holds: settled when read, and not folded by the janitor since. */
  private stillRight(kept: KeptCounts, ctx: CountsContext, bucketMs: number): { fromMs: number; toMs: number } | null {
    const fromMs = Math.max(kept.snapshot.fromMs, this.foldedBefore(ctx.closedThroughMs, bucketMs));
    const toMs = Math.min(kept.settledBeforeMs, kept.snapshot.loadedThroughMs);
    return toMs > fromMs ? { fromMs, toMs } : null;
  }

  /**
   * Counts before this may have been folded into hours or days, or deleted, by the janitor
   * (store/janitor.ts: its boundaries measured from the event clock, which is at most the watermark
   * plus the allowed lateness and a bucket), rounded up to a bucket.
   */
  private foldedBefore(closedThroughMs: number, bucketMs: number): number {
    const r = this.o.retention;
    if (!r) return -Infinity;
    const { toHours, toDays, aggregate } = countBoundaries(closedThroughMs + this.o.allowedLatenessMs + bucketMs, r);
    const boundary = Math.max(toHours, toDays, aggregate);
    return Math.ceil(boundary / bucketMs) * bucketMs;
  }
}

const COLON = 58;
const COMMA = 44;
/** Where the last readNumber stopped: a module variable, not a returned object, in loops over millions of records. */
let numberEnd = 0;

/** The decimal number starting at `pos` of `text`, NaN when no digit does; sets numberEnd to the position after it. */
function readNumber(text: string, pos: number): number {
  let value = 0;
  const start = pos;
  for (let c = text.charCodeAt(pos); c >= 48 && c <= 57; c = text.charCodeAt(++pos)) value = value * 10 + (c - 48);
  numberEnd = pos;
  return pos === start ? Number.NaN : value;
}

/**
 * Parses `bucket:conversations:series` records separated by commas (series last: an area's id holds
 * a colon; no series id holds a comma — catalog and area ids are [a-z0-9-]). The traffic's records
 * have an empty series id. A record that does not parse stops the backtest rather than being dropped.
 */
export function parseRecords(text: string, length: number, columnOf: (id: string) => Float64Array): void {
  let lastId: string | null = null;
  let lastColumn: Float64Array | null = null;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    const record = pos;
    const bucket = readNumber(text, pos);
    if (Number.isNaN(bucket) || text.charCodeAt(numberEnd) !== COLON) throw new BacktestError(`unreadable count record at ${record}`);
    const conversations = readNumber(text, numberEnd + 1);
    if (Number.isNaN(conversations) || text.charCodeAt(numberEnd) !== COLON) throw new BacktestError(`unreadable count record at ${record}`);
    const idStart = numberEnd + 1;
    let comma = text.indexOf(',', idStart);
    if (comma < 0) comma = n;
    // Records of one series often follow each other: compare in place before cutting a new string.
    const idLength = comma - idStart;
    if (lastId === null || idLength !== lastId.length || !text.startsWith(lastId, idStart)) {
      lastId = text.slice(idStart, comma);
      lastColumn = columnOf(lastId);
    }
    if (bucket < length) lastColumn![bucket] = conversations;
    pos = comma + 1;
  }
}

/** Where a packed day's buckets go: its start, the snapshot's grid, and the span [fromMs, toMs) wanted from it. */
export interface PackedDayGrid {
  dayStartMs: number;
  originMs: number;
  bucketMs: number;
  length: number;
  fromMs: number;
  toMs: number;
}

/**
 * Parses one day of settled_counts: lines of `series<TAB>seconds:conversations,…` (seconds into
 * the day; '' for the traffic's series). Buckets outside [fromMs, toMs) are skipped. A record that
 * does not parse stops the backtest rather than being dropped.
 */
export function parsePackedDay(text: string, grid: PackedDayGrid, columnOf: (id: string) => Float64Array): void {
  const { dayStartMs, originMs, bucketMs, length, fromMs, toMs } = grid;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    const tab = text.indexOf('\t', pos);
    if (tab < 0) throw new BacktestError(`unreadable packed counts at ${pos}`);
    const column = columnOf(text.slice(pos, tab));
    let end = text.indexOf('\n', tab);
    if (end < 0) end = n;
    pos = tab + 1;
    while (pos < end) {
      const record = pos;
      const seconds = readNumber(text, pos);
      if (Number.isNaN(seconds) || text.charCodeAt(numberEnd) !== COLON) throw new BacktestError(`unreadable packed counts at ${record}`);
      const conversations = readNumber(text, numberEnd + 1);
      if (Number.isNaN(conversations) || (numberEnd < end && text.charCodeAt(numberEnd) !== COMMA)) throw new BacktestError(`unreadable packed counts at ${record}`);
      const at = dayStartMs + seconds * 1000;
      const bucket = Math.floor((at - originMs) / bucketMs);
      if (at >= fromMs && at < toMs && bucket >= 0 && bucket < length) column[bucket] = conversations;
      pos = numberEnd + 1;
    }
    pos = end + 1;
  }
}

/**
 * The store as the detector sees it during a backtest: counts served from the snapshot, distinct
 * accounts read from the store when a window passes, and writes — detector state, outbox — discarded.
 */
class StoredCounts implements DetectorStore {
  constructor(
    private readonly snapshot: CountsSnapshot,
    private readonly accounts: AccountSource,
    /** Stored counts do not move during a backtest: each segment's first bucket is read once, beforehand. */
    private readonly firsts: Record<string, number | null>,
    private readonly initialState: unknown,
  ) {}

  async countsBetween(product: string, fromMs: number, toMs: number): Promise<Iterable<CountRow>> {
    // The snapshot reaches back as far as any rule's judgement reads (snapshotFor).
    if (!this.snapshot.covers(product, fromMs, toMs)) throw new BacktestError(`no stored counts of segment '${product}' were read for this backtest`);
    return this.snapshot.rows(product, fromMs, toMs);
  }

  /** The snapshot's columns when it covers the stretch: the cache copies them instead of a row per bucket. */
  columnsBetween(product: string, fromMs: number, toMs: number): CountColumns | null {
    return this.snapshot.covers(product, fromMs, toMs) ? this.snapshot.columnsOf(product) : null;
  }

  async firstBucket(product: string): Promise<number | null> {
    return this.firsts[product] ?? null;
  }

  distinctAccounts(clusterId: string, product: string, fromMs: number, toMs: number): Promise<number> {
    return this.accounts.distinctAccounts(clusterId, product, fromMs, toMs);
  }

  async loadState<T>(name: string): Promise<T | null> {
    return name === 'detector' ? (structuredClone(this.initialState) as T) : null;
  }

  /** Runs the detector's commit against nothing: a backtest writes no state and sends nothing. */
  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return work(DISCARD);
  }
}

const DISCARD: SqlExecutor = {
  query: async <Row>() => [] as Row[],
  exec: async () => {},
};
