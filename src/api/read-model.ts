/**
 * The workbench's read model: a small interface over the store (counts, distinct accounts, the
 * outbox, the detector's router state) and the live catalog, so that routes never touch the
 * monitor's internals. Everything it returns is an aggregate that has passed the read-side privacy
 * gate: a cluster or bucket under the minimums is suppressed here, never handed to a route as a
 * small number.
 */
import type { Alert, Notification } from '../alerts/alert.ts';
import type { Catalog, CatalogCluster } from '../catalog/catalog.ts';
import { areaSeriesId } from '../classify/classifier.ts';
import { closedThrough, watermarkOf } from '../detect/windows.ts';
import { readPolicyAreas, type PolicyAreaRef } from '../rules/areas.ts';
import type { Rule, RuleSet } from '../rules/rules.ts';
import { isSilenced } from '../route/silences.ts';
import { ALL_PRODUCTS } from '../ingest/segments.ts';
import { readClock } from '../store/ingest-store.ts';
import type { SqlClient } from '../store/sql.ts';
import type { WorkbenchDeps } from './deps.ts';

const HOUR_MS = 3600_000;
/** The "current window" of the cluster table: the last closed hour of event time. */
export const CURRENT_WINDOW_MS = HOUR_MS;
/** Buckets in a cluster row's sparkline. */
export const SPARKLINE_BUCKETS = 24;
/** A cluster table is reused this long (many dashboards polling cost one computation). */
const TABLE_TTL_MS = 5_000;
/** Expected levels follow the detector's trailing baseline; these are used when no spike rule says otherwise. */
const DEFAULT_BASELINE_MS = 7 * 24 * HOUR_MS;
const DEFAULT_GUARD_MS = HOUR_MS;
/** z of the band drawn around the expected share (two-sided 95%). */
const BAND_Z = 1.96;

export interface Minimums {
  conversations: number;
  accounts: number;
}

export interface TimeWindow {
  startMs: number;
  endMs: number;
}

export interface LastAlert {
  id: string;
  rule: string;
  state: AlertState;
  at: string;
}

/** One catalog cluster's figures for the current window (only built for clusters that pass the minimums). */
export interface ClusterFigures {
  cluster: CatalogCluster;
  level: 'leaf' | 'parent';
  conversations: number;
  accounts: number;
  share: number;
  expectedShare: number | null;
  ratio: number | null;
  /** Share per bucket of the last SPARKLINE_BUCKETS; null where the bucket is under the minimums. */
  sparkline: Array<number | null>;
}

export interface ClusterTable {
  catalogVersion: number;
  window: TimeWindow;
  minimums: Minimums;
  /** Traffic of the window (all conversations counted). */
  traffic: number;
  /** Clusters passing the minimums, catalog order. */
  shown: ClusterFigures[];
  /** Ids of the clusters shown: children lists name only these. */
  shownIds: ReadonlySet<string>;
  /** Clusters under the minimums (or unnamed): counted, never described. */
  other: { clusters: number; conversations: number | null };
  /** The most distinct accounts of any one series in the window: a lower bound of the traffic's. */
  maxSeriesAccounts: number;
}

export interface SeriesPoint {
  t: string;
  conversations: number | null;
  accounts: number | null;
  share: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  suppressed: boolean;
}

export type AlertState = 'firing' | 'resolved' | 'silenced';

/** One alert episode as the workbench lists it: the alert schema's aggregates, never anything else. */
export interface AlertRecord {
  id: string;
  rule: string;
  kind: 'spike' | 'emerging';
  severity: Alert['severity'];
  state: AlertState;
  startedAt: string;
  resolvedAt: string | null;
  subject: 'cluster' | 'policy_area';
  cluster: { id: string; name: string; policy_areas: string[] };
  observedShare: number;
  expectedShare: number;
  ratio: number;
  conversations: number;
  accounts: number;
}

export interface AlertFilter {
  state?: AlertState;
  kind?: 'spike' | 'emerging';
  rule?: string;
  fromMs?: number;
  toMs?: number;
}

/** What routes read. */
export interface ReadModel {
  readonly minimums: Minimums;
  readonly bucketMs: number;
  catalog(): Catalog | null;
  clusterTable(): Promise<ClusterTable | null>;
  /** A series the workbench may plot: a named catalog cluster, or a policy area (area:<id>); null when unknown. */
  seriesSubject(id: string): { id: string; name: string; level: 'leaf' | 'parent' | 'area' } | null;
  series(id: string, fromMs: number, toMs: number, stepMs: number): Promise<SeriesPoint[]>;
  alerts(filter?: AlertFilter): Promise<AlertRecord[]>;
  /** The end of the last closed bucket (event time), or null before any traffic. */
  closedThrough(): Promise<number | null>;
}

export interface StoreReadModelOptions {
  db: SqlClient;
  catalog: () => Catalog | null;
  rules: () => RuleSet;
  bucketMs: number;
  allowedLatenessMs: number;
  minimums: Minimums;
  /** Wall clock (silences expire on it); a test may pin it. */
  now?: () => number;
}

type CountRow = { cluster_id: string; bucket_start: Date | string; conversations: string | number; unique_accounts: string | number };

export class StoreReadModel implements ReadModel {
  readonly minimums: Minimums;
  readonly bucketMs: number;
  private table: { key: string; atMs: number; value: Promise<ClusterTable | null> } | null = null;
  private baseline: BaselineSums | null = null;
  private alertCache: { key: string; value: AlertRecord[] } | null = null;
  private areas: readonly PolicyAreaRef[] | null = null;
  private traffic: { key: string; atMs: number; value: Promise<ReadonlyArray<[number, number]>> } | null = null;

  constructor(private readonly o: StoreReadModelOptions) {
    this.minimums = o.minimums;
    this.bucketMs = o.bucketMs;
  }

  catalog(): Catalog | null {
    return this.o.catalog();
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  async closedThrough(): Promise<number | null> {
    const clock = await readClock(this.o.db);
    return clock === null ? null : closedThrough(watermarkOf(clock, this.o.allowedLatenessMs), this.bucketMs);
  }

  /** Whether a series with these figures may be shown: at least the minimum accounts and conversations. */
  passes(conversations: number, accounts: number): boolean {
    return conversations >= this.minimums.conversations && accounts >= this.minimums.accounts;
  }

  async clusterTable(): Promise<ClusterTable | null> {
    const catalog = this.o.catalog();
    if (!catalog) return null;
    const end = await this.closedThrough();
    if (end === null) return null;
    const key = `${catalog.version}/${catalog.clusters.length}/${end}`;
    const now = this.now();
    if (!this.table || this.table.key !== key || now - this.table.atMs > TABLE_TTL_MS) {
      const value = this.buildTable(catalog, end);
      this.table = { key, atMs: now, value };
      value.catch(() => {
        if (this.table?.value === value) this.table = null;
      });
    }
    return this.table.value;
  }

  private async buildTable(catalog: Catalog, endMs: number): Promise<ClusterTable> {
    const { db } = this.o;
    const window = { startMs: endMs - CURRENT_WINDOW_MS, endMs };
    const sparkFrom = endMs - SPARKLINE_BUCKETS * this.bucketMs;
    const ids = catalog.clusters.map((c) => c.id);
    const spanFrom = Math.min(window.startMs, sparkFrom);
    const { baselineMs, guardMs } = this.baselineSpan('leaf');
    const baseFrom = window.startMs - guardMs - baselineMs;
    const baseTo = window.startMs - guardMs;
    this.baseline ??= new BaselineSums(db);
    const [counts, traffic, accounts, baseline] = await Promise.all([
      db.query<CountRow>(
        `SELECT cluster_id, bucket_start, conversations, unique_accounts FROM cluster_counts
         WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3 AND cluster_id = ANY($4::text[])`,
        [ALL_PRODUCTS, iso(spanFrom), iso(endMs), ids],
      ),
      db.query<{ bucket_start: Date | string; conversations: string | number }>(
        'SELECT bucket_start, conversations FROM traffic_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3',
        [ALL_PRODUCTS, iso(spanFrom), iso(endMs)],
      ),
      // Distinct accounts over the window (per-bucket counts cannot be added: an account recurs).
      db.query<{ cluster_id: string; n: string | number }>(
        `SELECT cluster_id, count(DISTINCT account_hash) AS n FROM cluster_accounts
         WHERE cluster_id = ANY($1::text[]) AND product = $2 AND bucket_start >= $3 AND bucket_start < $4 GROUP BY cluster_id`,
        [ids, ALL_PRODUCTS, iso(window.startMs), iso(endMs)],
      ),
      this.baseline.over(baseFrom, baseTo),
    ]);
    const trafficAt = new Map(traffic.map((r) => [ms(r.bucket_start), Number(r.conversations)]));
    let windowTraffic = 0;
    for (const [b, n] of trafficAt) if (b >= window.startMs) windowTraffic += n;
    const accountsOf = new Map(accounts.map((r) => [r.cluster_id, Number(r.n)]));
    const perCluster = new Map<string, { conversations: number; spark: Array<{ c: number; a: number } | undefined> }>();
    for (const r of counts) {
      let e = perCluster.get(r.cluster_id);
      if (!e) perCluster.set(r.cluster_id, (e = { conversations: 0, spark: new Array(SPARKLINE_BUCKETS) }));
      const b = ms(r.bucket_start);
      const c = Number(r.conversations);
      if (b >= window.startMs) e.conversations += c;
      const i = Math.floor((b - sparkFrom) / this.bucketMs);
      if (i >= 0 && i < SPARKLINE_BUCKETS) e.spark[i] = { c, a: Number(r.unique_accounts) };
    }

    const shown: ClusterFigures[] = [];
    const shownIds = new Set<string>();
    let hidden = 0;
    let hiddenConversations = 0;
    let hiddenAccounts = 0;
    let maxSeriesAccounts = 0;
    for (const a of accountsOf.values()) maxSeriesAccounts = Math.max(maxSeriesAccounts, a);
    for (const cluster of catalog.clusters) {
      const e = perCluster.get(cluster.id);
      const conversations = e?.conversations ?? 0;
      const accountsInWindow = accountsOf.get(cluster.id) ?? 0;
      if (!cluster.named || !this.passes(conversations, accountsInWindow)) {
        hidden += 1;
        if (cluster.level === 0) {
          hiddenConversations += conversations;
          hiddenAccounts = Math.max(hiddenAccounts, accountsInWindow);
        }
        continue;
      }
      const share = windowTraffic > 0 ? conversations / windowTraffic : 0;
      const expectedShare = baseline.shareOf(cluster.id);
      const sparkline = Array.from({ length: SPARKLINE_BUCKETS }, (_, i) => {
        const point = e?.spark[i];
        const t = trafficAt.get(sparkFrom + i * this.bucketMs) ?? 0;
        if (!point || !this.passes(point.c, point.a) || t <= 0) return null;
        return round6(point.c / t);
      });
      shown.push({
        cluster, level: cluster.level === 0 ? 'leaf' : 'parent', conversations, accounts: accountsInWindow, share: round6(share),
        expectedShare: expectedShare === null ? null : round6(expectedShare),
        ratio: expectedShare !== null && expectedShare > 0 ? round3(share / expectedShare) : null,
        sparkline,
      });
      shownIds.add(cluster.id);
    }
    return {
      catalogVersion: catalog.version, window, minimums: this.minimums, traffic: windowTraffic, shown, shownIds,
      // The hidden leaves' total is itself a group: given only when it passes the minimums too (its
      // distinct accounts are at least those of its largest member), so one small cluster alone never shows through.
      other: { clusters: hidden, conversations: this.passes(hiddenConversations, hiddenAccounts) ? hiddenConversations : null },
      maxSeriesAccounts,
    };
  }

  /** The trailing baseline and guard band the rules in force use for this level (the first spike rule watching it). */
  private baselineSpan(level: 'leaf' | 'parent' | 'area'): { baselineMs: number; guardMs: number } {
    let rule: Rule | undefined;
    try {
      rule = this.o.rules().rules.find((r) => r.kind === 'spike' && r.match.product === null && r.match.levels.includes(level));
    } catch {
      rule = undefined;
    }
    return rule ? { baselineMs: rule.baselineSeconds * 1000, guardMs: rule.guardSeconds * 1000 } : { baselineMs: DEFAULT_BASELINE_MS, guardMs: DEFAULT_GUARD_MS };
  }

  private taxonomy(): readonly PolicyAreaRef[] {
    const fromRules = (() => {
      try {
        return this.o.rules().areas;
      } catch {
        return undefined;
      }
    })();
    if (fromRules) return fromRules;
    if (this.areas === null) {
      try {
        this.areas = readPolicyAreas();
      } catch {
        this.areas = [];
      }
    }
    return this.areas;
  }

  seriesSubject(id: string): { id: string; name: string; level: 'leaf' | 'parent' | 'area' } | null {
    if (id.startsWith('area:')) {
      const area = this.taxonomy().find((a) => areaSeriesId(a.id) === id);
      return area ? { id, name: area.name, level: 'area' } : null;
    }
    const cluster = this.o.catalog()?.clusters.find((c) => c.id === id);
    // Unnamed clusters are under the minimums by construction: never described, never plotted.
    if (!cluster || !cluster.named) return null;
    return { id, name: cluster.name, level: cluster.level === 0 ? 'leaf' : 'parent' };
  }

  /**
   * Per step of [fromMs, toMs): conversations, distinct accounts, share of traffic, and the
   * expected share with a 95% band — the share over the trailing baseline (guard band left out)
   * before each point, as the detector's non-seasonal expectation. A step under the minimums is
   * suppressed: null figures, flagged, never a small number; so is an expectation resting on fewer
   * conversations than the minimum.
   */
  async series(id: string, fromMs: number, toMs: number, stepMs: number): Promise<SeriesPoint[]> {
    const subject = this.seriesSubject(id);
    if (!subject) return [];
    const { db } = this.o;
    const bucketMs = this.bucketMs;
    const { baselineMs, guardMs } = this.baselineSpan(subject.level);
    const loadFrom = Math.floor((fromMs - guardMs - baselineMs) / bucketMs) * bucketMs;
    const [counts, traffic, accounts] = await Promise.all([
      db.query<CountRow>(
        `SELECT cluster_id, bucket_start, conversations, unique_accounts FROM cluster_counts
         WHERE cluster_id = $1 AND product = $2 AND bucket_start >= $3 AND bucket_start < $4`,
        [id, ALL_PRODUCTS, iso(loadFrom), iso(toMs)],
      ),
      this.trafficBetween(loadFrom, toMs),
      stepMs === bucketMs
        ? Promise.resolve(null)
        : db.query<{ step: string | number; n: string | number }>(
            `SELECT floor((extract(epoch FROM bucket_start) * 1000 - $5::numeric) / $6::numeric) AS step, count(DISTINCT account_hash) AS n
             FROM cluster_accounts WHERE cluster_id = $1 AND product = $2 AND bucket_start >= $3 AND bucket_start < $4 GROUP BY 1`,
            [id, ALL_PRODUCTS, iso(fromMs), iso(toMs), fromMs, stepMs],
          ),
    ]);
    // Bucket-level arrays from loadFrom: prefix sums give any span's totals in O(1).
    const n = Math.max(0, Math.ceil((toMs - loadFrom) / bucketMs));
    const own = new Float64Array(n);
    const perBucketAccounts = new Float64Array(n);
    const all = new Float64Array(n);
    for (const r of counts) {
      const i = (ms(r.bucket_start) - loadFrom) / bucketMs;
      own[i] = Number(r.conversations);
      perBucketAccounts[i] = Number(r.unique_accounts);
    }
    for (const [b, n] of traffic) all[(b - loadFrom) / bucketMs] = n;
    const ownSum = prefix(own);
    const allSum = prefix(all);
    const span = (sums: Float64Array, a: number, b: number) => {
      const i = Math.max(0, Math.min(n, Math.round((a - loadFrom) / bucketMs)));
      const j = Math.max(0, Math.min(n, Math.round((b - loadFrom) / bucketMs)));
      return sums[j]! - sums[i]!;
    };
    const stepAccounts = new Map((accounts ?? []).map((r) => [Number(r.step), Number(r.n)]));

    const points: SeriesPoint[] = [];
    for (let t = fromMs, k = 0; t < toMs; t += stepMs, k++) {
      const end = Math.min(t + stepMs, toMs);
      const conversations = span(ownSum, t, end);
      const trafficHere = span(allSum, t, end);
      const accountsHere = accounts === null ? perBucketAccounts[(t - loadFrom) / bucketMs] ?? 0 : stepAccounts.get(k) ?? 0;
      const baseOwn = span(ownSum, t - guardMs - baselineMs, t - guardMs);
      const baseAll = span(allSum, t - guardMs - baselineMs, t - guardMs);
      if (!this.passes(conversations, accountsHere)) {
        points.push({ t: iso(t), conversations: null, accounts: null, share: null, expected: null, lower: null, upper: null, suppressed: true });
        continue;
      }
      const share = trafficHere > 0 ? conversations / trafficHere : 0;
      let expected: number | null = null;
      let lower: number | null = null;
      let upper: number | null = null;
      if (baseAll > 0 && baseOwn >= this.minimums.conversations) {
        const p = baseOwn / baseAll;
        expected = round6(p);
        if (trafficHere > 0) {
          const half = BAND_Z * Math.sqrt((p * (1 - p)) / trafficHere);
          lower = round6(Math.max(0, p - half));
          upper = round6(Math.min(1, p + half));
        }
      }
      points.push({ t: iso(t), conversations, accounts: accountsHere, share: round6(share), expected, lower, upper, suppressed: false });
    }
    return points;
  }

  /** All traffic per bucket over a span; one span is reused for TABLE_TTL_MS (every series of a page reads the same). */
  private async trafficBetween(fromMs: number, toMs: number): Promise<ReadonlyArray<[number, number]>> {
    const key = `${fromMs}/${toMs}`;
    const now = this.now();
    if (this.traffic?.key !== key || now - this.traffic.atMs > TABLE_TTL_MS) {
      const value = this.o.db
        .query<{ bucket_start: Date | string; conversations: string | number }>(
          'SELECT bucket_start, conversations FROM traffic_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3',
          [ALL_PRODUCTS, iso(fromMs), iso(toMs)],
        )
        .then((rows) => rows.map((r): [number, number] => [ms(r.bucket_start), Number(r.conversations)]));
      this.traffic = { key, atMs: now, value };
      value.catch(() => {
        if (this.traffic?.value === value) this.traffic = null;
      });
    }
    return this.traffic.value;
  }

  /**
   * Every alert episode the detector raised: what the outbox holds (notified) and what the router
   * still holds (firing, silenced or held back), newest first. Figures are those that passed the
   * privacy gate when the alert was raised.
   */
  async alerts(filter: AlertFilter = {}): Promise<AlertRecord[]> {
    const all = await this.allAlerts();
    return all.filter((a) => {
      if (filter.state && a.state !== filter.state) return false;
      if (filter.kind && a.kind !== filter.kind) return false;
      if (filter.rule && a.rule !== filter.rule) return false;
      const start = Date.parse(a.startedAt);
      const end = a.resolvedAt ? Date.parse(a.resolvedAt) : Infinity;
      if (filter.toMs !== undefined && start >= filter.toMs) return false;
      if (filter.fromMs !== undefined && end < filter.fromMs) return false;
      return true;
    });
  }

  private async allAlerts(): Promise<AlertRecord[]> {
    const { db } = this.o;
    const [mark] = await db.query<{ seq: string | number | null; updated: Date | string | null }>(
      `SELECT (SELECT max(seq) FROM alert_outbox) AS seq, (SELECT updated_at FROM detector_state WHERE name = 'detector') AS updated`,
    );
    let silences: RuleSet['silences'] = [];
    try {
      silences = this.o.rules().silences;
    } catch {
      silences = [];
    }
    const now = this.now();
    // Silences expire: the states are re-derived at least once a second.
    const key = `${mark?.seq ?? 0}/${mark?.updated ? ms(mark.updated) : 0}/${Math.floor(now / 1000)}/${silences.length}`;
    if (this.alertCache?.key === key) return this.alertCache.value;

    const rows = await db.query<{ payload: unknown }>('SELECT payload FROM alert_outbox ORDER BY seq');
    const stateRows = await db.query<{ state: unknown }>(`SELECT state FROM detector_state WHERE name = 'detector'`);
    const held = new Map<string, { status: string; alert: Alert }>();
    const router = (parseJson(stateRows[0]?.state) as { router?: { groups?: Array<{ alerts?: Array<{ alertId: string; status: string; alert: Alert }> }> } } | null)?.router;
    for (const group of router?.groups ?? []) for (const h of group.alerts ?? []) held.set(h.alertId, { status: h.status, alert: h.alert });

    type Episode = { first: Alert; last: Alert; resolvedAt: string | null };
    const episodes = new Map<string, Episode>();
    for (const row of rows) {
      const n = parseJson(row.payload) as Notification | null;
      const alert = n?.alert;
      if (!alert?.alert_id) continue;
      const e = episodes.get(alert.alert_id);
      if (alert.kind === 'resolved') {
        if (e) e.resolvedAt = alert.fired_at;
        else episodes.set(alert.alert_id, { first: alert, last: alert, resolvedAt: alert.fired_at });
      } else if (e) e.last = alert;
      else episodes.set(alert.alert_id, { first: alert, last: alert, resolvedAt: null });
    }
    for (const [id, h] of held) {
      const e = episodes.get(id);
      if (!e) episodes.set(id, { first: h.alert, last: h.alert, resolvedAt: h.status === 'resolved' ? h.alert.fired_at : null });
      else if (h.alert.kind !== 'resolved') e.last = h.alert;
    }

    const records: AlertRecord[] = [];
    for (const [id, e] of episodes) {
      const h = held.get(id);
      const figures = e.last.kind === 'resolved' && e.first.kind !== 'resolved' ? e.first : e.last;
      const kind: 'spike' | 'emerging' = figures.kind === 'emerging' || e.first.kind === 'emerging' ? 'emerging' : 'spike';
      // Firing while the router holds it firing; otherwise over: resolved (with the time its
      // resolution was notified), or an emerging alert, a one-off notice, once sent.
      const state: AlertState = h?.status === 'firing' ? (isSilenced(h.alert, silences, now) ? 'silenced' : 'firing') : 'resolved';
      records.push({
        id, rule: figures.rule, kind, severity: figures.severity, state,
        startedAt: startOf(id) ?? e.first.window.start, resolvedAt: state === 'resolved' ? endedAt(e, h) : null,
        subject: figures.subject ?? 'cluster',
        cluster: { id: figures.cluster.id, name: figures.cluster.name, policy_areas: [...figures.cluster.policy_areas] },
        observedShare: figures.observed.share, expectedShare: figures.baseline.share, ratio: figures.ratio,
        conversations: figures.observed.conversations, accounts: figures.observed.unique_accounts,
      });
    }
    records.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id));
    this.alertCache = { key, value: records };
    return records;
  }
}

/**
 * When an episode that is over ended, so that a resolved record always says when: its resolution
 * notice; else the router's resolved copy; else its last notice — for an emerging alert (a
 * one-off notice, over once sent) that is when it was sent, and for a spike episode whose
 * resolution was never notified (the router dropped it) the last time it was known to fire.
 */
function endedAt(e: { last: Alert; resolvedAt: string | null }, held: { status: string; alert: Alert } | undefined): string {
  if (e.resolvedAt) return e.resolvedAt;
  if (held?.status === 'resolved') return held.alert.fired_at;
  return e.last.fired_at;
}

/**
 * Sums of every series over a trailing baseline span, kept in memory and moved bucket by bucket:
 * the span slides one bucket per close, so each refresh reads the buckets entering and leaving it
 * rather than a week of counts.
 */
class BaselineSums {
  private fromMs = 0;
  private toMs = 0;
  private sums = new Map<string, number>();
  private traffic = 0;
  private loaded = false;

  constructor(private readonly db: SqlClient) {}

  async over(fromMs: number, toMs: number): Promise<{ shareOf(id: string): number | null }> {
    const overlaps = this.loaded && fromMs < this.toMs && toMs > this.fromMs && fromMs >= this.fromMs && toMs >= this.toMs;
    if (!overlaps) {
      this.sums = new Map();
      this.traffic = 0;
      await this.add(fromMs, toMs, 1);
    } else {
      await this.add(this.fromMs, fromMs, -1);
      await this.add(this.toMs, toMs, 1);
    }
    this.fromMs = fromMs;
    this.toMs = toMs;
    this.loaded = true;
    const sums = this.sums;
    const traffic = this.traffic;
    return { shareOf: (id) => (traffic > 0 && (sums.get(id) ?? 0) > 0 ? sums.get(id)! / traffic : null) };
  }

  private async add(fromMs: number, toMs: number, sign: 1 | -1): Promise<void> {
    if (toMs <= fromMs) return;
    const [rows, traffic] = await Promise.all([
      this.db.query<{ cluster_id: string; n: string | number }>(
        'SELECT cluster_id, sum(conversations) AS n FROM cluster_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3 GROUP BY cluster_id',
        [ALL_PRODUCTS, iso(fromMs), iso(toMs)],
      ),
      this.db.query<{ n: string | number | null }>('SELECT sum(conversations) AS n FROM traffic_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3', [
        ALL_PRODUCTS, iso(fromMs), iso(toMs),
      ]),
    ]);
    for (const r of rows) this.sums.set(r.cluster_id, (this.sums.get(r.cluster_id) ?? 0) + sign * Number(r.n));
    this.traffic += sign * Number(traffic[0]?.n ?? 0);
  }
}

/** The start of an episode, from its id (rule/cluster/start: detector.alertIdOf). */
function startOf(alertId: string): string | null {
  const last = alertId.slice(alertId.lastIndexOf('/') + 1);
  const t = Date.parse(last);
  return Number.isFinite(t) && /^\d{4}-\d{2}-\d{2}T/.test(last) ? new Date(t).toISOString() : null;
}

function prefix(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) out[i + 1] = out[i]! + values[i]!;
  return out;
}

function ms(value: Date | string): number {
  return new Date(value).getTime();
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function round3(x: number): number {
  return Math.round(x * 1e3) / 1e3;
}

/** node-postgres parses jsonb; PGlite may hand back a string. */
function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}


const models = new WeakMap<WorkbenchDeps, ReadModel>();

/** The read model of a process's workbench: the one given in its deps, else one over its store, shared by every route. */
export function readModelOf(deps: WorkbenchDeps): ReadModel {
  if (deps.readModel) return deps.readModel;
  let model = models.get(deps);
  if (!model) {
    model = new StoreReadModel({
      db: deps.db,
      catalog: deps.catalog,
      rules: deps.rules,
      bucketMs: deps.config.windows.bucketSeconds * 1000,
      allowedLatenessMs: deps.config.windows.allowedLatenessSeconds * 1000,
      minimums: { conversations: deps.config.privacy.minConversations, accounts: deps.config.privacy.minAccounts },
    });
    models.set(deps, model);
  }
  return model;
}
