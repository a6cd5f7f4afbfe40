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
import { ALL_PRODUCTS } from '../store/ingest-store.ts';
import type { SqlClient, SqlExecutor } from '../store/sql.ts';
import { Detector, type DetectorStore } from './detector.ts';
import { DetectionMetrics } from './metrics.ts';
import { floorTo } from './series-cache.ts';

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
  const { bucketMs } = o;
  if (!(o.toMs > o.fromMs) || o.fromMs % bucketMs !== 0 || o.toMs % bucketMs !== 0) {
    throw new BacktestError('the period must be non-empty and start and end on bucket boundaries');
  }
  const spikeRules = backtestableRules(o.rules.rules);
  // No silences: a backtest shows what the rules would have raised, not what was muted at the time.
  const ruleSet: RuleSet = { rules: spikeRules, silences: [], files: o.rules.files, ...(o.rules.areas ? { areas: o.rules.areas } : {}) };
  if (spikeRules.length === 0) return { alerts: [], notifications: [] };

  const real = new DetectionStore(o.db);
  const live = await real.loadState<{ provisional?: Record<string, { sinceMs: number }> }>('detector');
  const snapshot = o.snapshot?.covers(ALL_PRODUCTS, o.fromMs, o.toMs) ? o.snapshot : await snapshotFor(o.db, [spikeRules], o.fromMs, o.toMs, bucketMs);
  const store = new StoredCounts(real, snapshot, {
    version: 1,
    judgedThroughMs: o.fromMs,
    episodes: {},
    router: null,
    ...(live?.provisional ? { provisional: live.provisional } : {}),
  });

  const byId = new Map<string, CatalogCluster>(o.catalog.clusters.map((c) => [c.id, c]));
  const detector = await Detector.open({
    store,
    index: { catalog: o.catalog, cluster: (id: string) => byId.get(id) },
    rules: () => ruleSet,
    bucketMs,
    allowedLatenessMs: 0,
    privacy: o.privacy,
    emergence: { restore: async () => {}, pull: async () => {}, promote: async () => [] },
    metrics: new DetectionMetrics(new Registry()),
    logger: o.logger,
    policyAreas: o.policyAreas,
  });
  // Judged in stretches of event time, yielding between them so that a long backtest does not hold
  // the process (ingest, other requests) for its whole run; then a final pass judges the rest and
  // lets the router's last groups go, as at the end of a replay.
  const notifications: Notification[] = [];
  for (let clock = o.fromMs + YIELD_EVERY_MS; clock < o.toMs; clock += YIELD_EVERY_MS) {
    notifications.push(...(await detector.advance(clock)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  notifications.push(...(await detector.advance(o.toMs - 1, { final: true })));
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
  const rules = ruleSets.flatMap((set) => backtestableRules(set));
  const products = [ALL_PRODUCTS, ...rules.map((r) => ruleSegment(r.match))];
  return CountsSnapshot.load(db, products, floorTo(fromHorizon(rules, fromMs), bucketMs), toMs, bucketMs);
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

/**
 * Every series' conversations per bucket over a span, read once for a backtest (candidate and
 * rules in force share it): one dense column per series, fetched as one aggregated row per series
 * rather than a row per bucket (weeks × hundreds of clusters would be millions of rows).
 */
export class CountsSnapshot {
  private constructor(
    readonly fromMs: number,
    readonly toMs: number,
    readonly bucketMs: number,
    /** product → series id ('' = the segment's traffic) → conversations per bucket from fromMs */
    private readonly columns: Map<string, Map<string, Float64Array>>,
  ) {}

  static async load(db: SqlClient, products: readonly string[], fromMs: number, toMs: number, bucketMs: number): Promise<CountsSnapshot> {
    const length = Math.max(0, Math.ceil((toMs - fromMs) / bucketMs));
    const columns = new Map<string, Map<string, Float64Array>>();
    const bucketSeconds = bucketMs / 1000;
    for (const product of new Set(products)) {
      const rows = await db.query<{ cluster_id: string | null; counts: string | null }>(
        `SELECT cluster_id, string_agg(((extract(epoch FROM bucket_start)::bigint - $4::bigint) / $5::bigint)::text || ':' || conversations::text, ',') AS counts
         FROM cluster_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3 GROUP BY cluster_id
         UNION ALL
         SELECT NULL, string_agg(((extract(epoch FROM bucket_start)::bigint - $4::bigint) / $5::bigint)::text || ':' || conversations::text, ',')
         FROM traffic_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3`,
        [product, new Date(fromMs).toISOString(), new Date(toMs).toISOString(), Math.floor(fromMs / 1000), bucketSeconds],
      );
      const byId = new Map<string, Float64Array>();
      for (const row of rows) {
        if (!row.counts) continue;
        const column = new Float64Array(length);
        for (const pair of row.counts.split(',')) {
          const colon = pair.indexOf(':');
          const i = Number(pair.slice(0, colon));
          if (i >= 0 && i < length) column[i] = Number(pair.slice(colon + 1));
        }
        byId.set(row.cluster_id ?? '', column);
      }
      columns.set(product, byId);
    }
    return new CountsSnapshot(fromMs, toMs, bucketMs, columns);
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
}

/**
 * The store as the detector sees it during a backtest: counts served from the snapshot, distinct
 * accounts read from the store when a window passes, and writes — detector state, outbox — discarded.
 */
class StoredCounts implements DetectorStore {
  private readonly firsts = new Map<string, Promise<number | null>>();

  constructor(
    private readonly real: DetectionStore,
    private readonly snapshot: CountsSnapshot,
    private readonly initialState: unknown,
  ) {}

  async countsBetween(product: string, fromMs: number, toMs: number): Promise<Iterable<CountRow>> {
    if (!this.snapshot.covers(product, fromMs, toMs)) return this.real.countsBetween(product, fromMs, toMs);
    return this.snapshot.rows(product, fromMs, toMs);
  }

  /** Stored counts do not move during a backtest: the first bucket is read once per segment. */
  firstBucket(product: string): Promise<number | null> {
    let first = this.firsts.get(product);
    if (!first) this.firsts.set(product, (first = this.real.firstBucket(product)));
    return first;
  }

  distinctAccounts(clusterId: string, product: string, fromMs: number, toMs: number): Promise<number> {
    return this.real.distinctAccounts(clusterId, product, fromMs, toMs);
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
