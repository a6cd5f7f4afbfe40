import type { Alert, AlertSubject, Notification } from '../alerts/alert.ts';
import { passesPrivacyGate, type GateLimits } from '../alerts/privacy-gate.ts';
import type { CatalogIndex } from '../assign/catalog-index.ts';
import { policyAreasOf, type Catalog, type CatalogCluster } from '../catalog/catalog.ts';
import { areaSeriesId } from '../classify/classifier.ts';
import type { Logger } from '../log.ts';
import { Router, type RouterState } from '../route/router.ts';
import { readPolicyAreas, type PolicyAreaRef } from '../rules/areas.ts';
import { ruleAreas, ruleMatches, ruleSegment, severityOf, type Rule, type RuleSet } from '../rules/rules.ts';
import { DetectionStore } from '../store/detection-store.ts';
import { ALL_PRODUCTS } from '../ingest/segments.ts';
import { OutboxStore } from '../store/outbox-store.ts';
import { EmergenceTracker } from './emergence.ts';
import { floorTo, SeriesCache, type CountSource } from './series-cache.ts';
import { coarsenSeries } from '../privacy/series-gate.ts';
import { detectSpikes, type SeriesColumns, type SeriesKind, type SpikeEvaluation, type SpikeParams } from './spike.ts';
import { closedThrough, isWindowEnd, newlyClosed, watermarkOf } from './windows.ts';
import type { DetectionMetrics } from './metrics.ts';

const WEEK_MS = 7 * 24 * 3600_000;
const DAY_MS = 24 * 3600_000;
/** The emerging window when no rule sets one (the rules default): how long a promoted group's members are kept. */
const DEFAULT_EMERGING_HORIZON_MS = 6 * 3600_000;

/** History a spike rule's expected level is taken from, before its window: baseline (two weeks with seasonality) and guard. */
function historySpanMs(rule: Rule): number {
  return Math.max(rule.baselineSeconds * 1000, rule.seasonality ? 2 * WEEK_MS : 0) + rule.guardSeconds * 1000;
}

/** Buckets one regular detection pass judges at most (a day of 5-minute buckets). */
export const MAX_BUCKETS_PER_PASS = 288;
/** Windows before the guard band whose accounts per conversation give a window's expected accounts. */
const ACCOUNT_BASELINE_WINDOWS = 3;
const STATE_NAME = 'detector';

/** Where one (rule, cluster) pair stands between windows. */
interface Episode {
  /** Consecutive windows that passed the test (the rule's `for`). */
  passing: number;
  firing: { alertId: string; startMs: number; quiet: number; last: Alert } | null;
  cooldownUntilMs: number;
}

interface DetectorState {
  version: 1;
  /** End of the last bucket judged; null before the first. */
  judgedThroughMs: number | null;
  episodes: Record<string, Episode>;
  router: RouterState | null;
  /**
   * Provisional clusters: since when they are counted, and, while they can still be in the recent
   * window, the id hashes of the conversations that formed them (EmergenceTracker.claim).
   */
  provisional?: Record<string, { sinceMs: number; members?: string[] }>;
  /** Spike episodes alerted lately: their policy areas and the start of their first window (see heldBySurge). */
  surges?: Array<{ areas: string[]; startMs: number }>;
}

/** What one spike series is about: a catalog cluster, or a policy area across clusters. */
interface Subject {
  /** The series id in the store: a cluster id, or area:<id>. */
  id: string;
  subject: AlertSubject;
  /** Only named subjects are ever alerted (an area is named by the taxonomy). */
  named: boolean;
  /** The policy areas the alert carries (its severity and its inhibition follow them). */
  areas: string[];
  ref: Alert['cluster'];
}

/** One subject a rule judges, with what judging it needs but its counts (Targets). */
interface Target {
  subject: Subject;
  /** The episode's key in the detector's state. */
  key: string;
  prior?: { share: number };
  /** A provisional cluster: counted since then. */
  sinceMs?: number;
}

/**
 * The subjects one rule judges at one level, taken once for as long as what they depend on stays
 * the same object (catalog, its cluster list and length, version, taxonomy, provisional clusters):
 * re-filtering the catalog and rebuilding every subject at every window was a fair part of a
 * backtest's time. The catalog only ever grows by appending (promoted clusters), never in place.
 */
interface Targets {
  stamp: readonly unknown[];
  established: Target[];
  provisional: Target[];
}

/** One rule's spike judgement at one window end: the segment, the span and its traffic. */
interface SpikeContext {
  rule: Rule;
  endMs: number;
  product: string;
  fromMs: number;
  stepMs: number;
  params: SpikeParams;
  traffic: Float64Array;
  /** trafficSums[k] = traffic of the first k buckets from fromMs. */
  trafficSums: Float64Array;
}

/** What the detector reads and writes in the store (a backtest gives it stored counts and discards its writes). */
export type DetectorStore = Pick<DetectionStore, 'transaction' | 'firstBucket' | 'distinctAccounts' | 'loadState'> &
  CountSource &
  Partial<Pick<DetectionStore, 'languageMix'>>;

export interface DetectorDeps {
  store: DetectorStore;
  /** The live catalog: provisional clusters are added to it as they are promoted. */
  index: Pick<CatalogIndex, 'catalog' | 'cluster'>;
  rules: () => RuleSet;
  bucketMs: number;
  allowedLatenessMs: number;
  privacy: GateLimits;
  emergence: Pick<EmergenceTracker, 'restore' | 'pull' | 'promote' | 'claim'>;
  metrics: DetectionMetrics;
  logger: Logger;
  /**
   * The policy areas (id, name, description) area-level rules judge, when the rules directory has
   * no taxonomy of its own (RuleSet.areas wins); default: the shipped alerts/policies.yaml.
   */
  policyAreas?: readonly PolicyAreaRef[];
}

/**
 * Detection on bucket close. Each time the event clock moves, every newly closed bucket is judged
 * in order: spike rules at the end of each of their windows — policy areas first, then leaf and
 * parent clusters, each level corrected for multiple testing on its own — and emerging clusters at
 * every close. While an area's alert fires, the router holds back alerts about clusters carrying
 * that area (route/inhibit.ts): one diffuse incident, one notification. Firing and
 * resolution go through the privacy gate and the router; the notifications it releases are written
 * to the outbox in the same transaction as the detector's state, so a crash repeats nothing and
 * loses nothing.
 */
export class Detector {
  private readonly cache: SeriesCache;
  private readonly router: Router;
  private defaultAreas: readonly PolicyAreaRef[] | null = null;
  /** Per rule (its object: a reloaded rule set is new) and level. */
  private readonly targets = new WeakMap<Rule, Map<string, Targets>>();

  private constructor(private readonly deps: DetectorDeps, private state: DetectorState) {
    this.cache = new SeriesCache(deps.store, deps.bucketMs);
    this.router = new Router(state.router ?? undefined);
  }

  static async open(deps: DetectorDeps): Promise<Detector> {
    const state = (await deps.store.loadState<DetectorState>(STATE_NAME)) ?? { version: 1, judgedThroughMs: null, episodes: {}, router: null };
    await deps.emergence.restore();
    deps.emergence.claim(Object.values(state.provisional ?? {}).flatMap((p) => p.members ?? []));
    return new Detector(deps, state);
  }

  /**
   * Judges every bucket the watermark has closed since the last call. `final` closes everything
   * up to the last event (end of a replay: no more late data can come).
   */
  async advance(maxEventTimeMs: number | null, options: { final?: boolean } = {}): Promise<Notification[]> {
    const { bucketMs } = this.deps;
    const closed = options.final && maxEventTimeMs !== null
      ? floorTo(maxEventTimeMs, bucketMs) + bucketMs
      : closedThrough(watermarkOf(maxEventTimeMs, this.deps.allowedLatenessMs), bucketMs);
    // A regular pass judges a bounded stretch, so a clock that leapt ahead (a long gap in the traffic)
    // cannot hold the pipeline for the whole leap; the next passes catch up. The last pass of a replay judges all.
    const judged = this.state.judgedThroughMs;
    const through = options.final || judged === null ? closed : Math.min(closed, judged + MAX_BUCKETS_PER_PASS * bucketMs);
    const released: Notification[] = [];
    await this.deps.emergence.pull();
    for (const endMs of newlyClosed(this.state.judgedThroughMs, through, bucketMs)) {
      released.push(...(await this.judge(endMs)));
    }
    if (options.final && this.router.activeAlerts > 0) {
      // Nothing more will arrive: let the groups still waiting out group_wait go.
      released.push(...(await this.commit(through, this.flush(through + 10 * bucketMs, this.deps.rules().silences), null)));
    }
    return released;
  }

  private async judge(endMs: number): Promise<Notification[]> {
    const rules = this.deps.rules();
    this.deps.metrics.bucketsClosed.inc();
    const due: SpikeContext[] = [];
    for (const rule of rules.rules) {
      if (rule.kind !== 'spike' || !isWindowEnd(endMs, rule.windowSeconds * 1000)) continue;
      const context = await this.spikeContext(rule, endMs);
      if (context) due.push(context);
    }
    // Areas first, so that an area's alert is with the router when its clusters' alerts arrive.
    for (const context of due) if (context.rule.match.levels.includes('area')) await this.judgeAreas(context, rules);
    for (const context of due) {
      for (const level of ['leaf', 'parent'] as const) if (context.rule.match.levels.includes(level)) await this.judgeClusters(context, level, rules);
    }
    const promoted: CatalogCluster[] = [];
    for (const rule of rules.rules.filter((r) => r.kind === 'emerging')) {
      for (const found of await this.deps.emergence.promote(rule, endMs)) {
        promoted.push(found.cluster);
        this.state.provisional = { ...this.state.provisional, [found.cluster.id]: { sinceMs: endMs, members: found.memberIds } };
        const alert = this.emergingAlert(rule, found.cluster, found.figures, endMs);
        const surge = this.heldBySurge(found.cluster, found.figures.startMs, emergingHorizonMs(rule));
        if (surge) {
          this.deps.metrics.inhibited.inc({ kind: 'emerging' });
          this.deps.logger.info({ cluster: found.cluster.id, area: surge }, 'emerging group held back: it began within a surge already alerted in its policy area');
        } else if (passesPrivacyGate(alert, found.cluster, this.gateFor(rule))) this.fire(rule, alert, []);
        else this.deps.metrics.gated.inc({ kind: 'emerging' });
      }
    }
    this.forgetOldEmergingState(endMs, longestEmergingHorizonMs(rules));
    const notifications = this.flush(endMs, rules.silences);
    if (endMs % DAY_MS === 0) this.cache.prune(endMs - this.longestSpanMs(rules) - this.deps.bucketMs);
    return this.commit(endMs, notifications, promoted.length ? this.deps.index.catalog : null);
  }

  /**
   * The policy area of a spike alerted in the emerging rule's horizon before the group's first
   * conversation, if the new cluster carries it: the group is that surge seen again (its traffic
   * gathered in the window as the surge went on), one incident that was already notified. Such
   * groups came up to eleven hours after a surge's onset on the real-prompt weeks. The cluster is
   * still promoted (counted, shown, judged); only its notification is held back. A new pattern that
   * itself lifts its area starts before that spike's window, so it is never held back by it.
   */
  private heldBySurge(cluster: CatalogCluster, firstMs: number, horizonMs: number): string | null {
    const areas = policyAreasOf(cluster);
    for (const surge of this.state.surges ?? []) {
      if (surge.startMs > firstMs || surge.startMs < firstMs - horizonMs) continue;
      const area = surge.areas.find((a) => areas.includes(a));
      if (area) return area;
    }
    return null;
  }

  /**
   * What no emerging window can reach any more leaves the state: members of provisional clusters
   * promoted more than a horizon (and a slice) ago, and surges older than a group's first
   * conversation can be (a horizon before a window that itself reaches a horizon back).
   */
  private forgetOldEmergingState(endMs: number, horizonMs: number): void {
    const provisional = this.state.provisional ?? {};
    const membersBefore = endMs - 1.25 * horizonMs;
    if (Object.values(provisional).some((p) => p.members && p.sinceMs < membersBefore)) {
      this.state.provisional = Object.fromEntries(Object.entries(provisional).map(([id, p]) => [id, p.members && p.sinceMs < membersBefore ? { sinceMs: p.sinceMs } : p]));
    }
    const surgesBefore = endMs - 2.5 * horizonMs;
    if (this.state.surges?.some((s) => s.startMs < surgesBefore)) this.state.surges = this.state.surges.filter((s) => s.startMs >= surgesBefore);
  }

  /** The oldest counts this detector holds in memory for a segment (null: none yet). */
  countsHeldFromMs(product = ALL_PRODUCTS): number | null {
    return this.cache.heldFromMs(product);
  }

  /**
   * The most history any spike rule reads back from a window's end: a running detector forgets
   * counts older than this once a day, so its memory stays bounded however long it runs. A rule
   * changed to read further back reloads what it needs.
   */
  private longestSpanMs(rules: RuleSet): number {
    let longest = 0;
    for (const rule of rules.rules) if (rule.kind === 'spike') longest = Math.max(longest, historySpanMs(rule) + rule.windowSeconds * 1000);
    return longest;
  }

  private flush(nowMs: number, silences: RuleSet['silences']): Notification[] {
    const notifications = this.router.flush(nowMs, silences);
    const inhibited = this.router.drainInhibited();
    if (inhibited > 0) this.deps.metrics.inhibited.inc({ kind: 'spike' }, inhibited);
    return notifications;
  }

  /** Writes what the router released, the detector's state and any new catalog version in one transaction. */
  private async commit(endMs: number, all: Notification[], catalog: Catalog | null): Promise<Notification[]> {
    this.state = { ...this.state, judgedThroughMs: Math.max(endMs, this.state.judgedThroughMs ?? -Infinity), router: this.router.snapshot() };
    // The live catalog takes its new version number only once that version is stored.
    const version = catalog ? { ...catalog, version: catalog.version + 1 } : null;
    await this.deps.store.transaction(async (tx) => {
      if (all.length) await OutboxStore.enqueue(tx, all);
      if (version) await DetectionStore.saveCatalog(tx, version);
      await DetectionStore.saveState(tx, STATE_NAME, this.state);
    });
    if (catalog && version) catalog.version = version.version;
    for (const n of all) this.deps.metrics.notifications.inc({ kind: n.alert.kind });
    return all;
  }

  /** The segment and span a rule's windows are judged over, its counts loaded; null before enough traffic. */
  private async spikeContext(rule: Rule, endMs: number): Promise<SpikeContext | null> {
    // The rule's segment: all traffic, one product, or one language.
    const product = ruleSegment(rule.match);
    const first = await this.deps.store.firstBucket(product);
    if (first === null) return null;
    const stepMs = rule.bucketSeconds * 1000;
    const windowMs = rule.windowSeconds * 1000;
    const historyMs = historySpanMs(rule);
    const fromMs = Math.max(endMs - historyMs - windowMs, floorTo(first, stepMs));
    if (endMs - fromMs < windowMs) return null;
    await this.cache.refresh(product, fromMs, endMs, windowMs + this.deps.allowedLatenessMs + this.deps.bucketMs);
    const params: SpikeParams = {
      windowBuckets: windowMs / stepMs,
      baselineBuckets: (rule.baselineSeconds * 1000) / stepMs,
      guardBuckets: (rule.guardSeconds * 1000) / stepMs,
      bucketsPerWeek: rule.seasonality ? WEEK_MS / stepMs : undefined,
      minRatio: rule.minRatio,
      alpha: rule.significance,
      correction: rule.correction,
      minConversations: rule.minConversations,
    };
    const traffic = this.cache.series(product, '', fromMs, endMs, stepMs);
    const trafficSums = new Float64Array(traffic.length + 1);
    for (let k = 0; k < traffic.length; k++) trafficSums[k + 1] = trafficSums[k]! + traffic[k]!;
    return { rule, endMs, product, fromMs, stepMs, params, traffic, trafficSums };
  }

  /** The series of one store id over [from, end) beside its segment's traffic. */
  private seriesOf(ctx: SpikeContext, seriesId: string, from: number): SeriesColumns {
    // A view of the cache: read within this window's judgement, before the next refresh.
    const counts = this.cache.view(ctx.product, seriesId, from, ctx.endMs, ctx.stepMs);
    const offset = (from - ctx.fromMs) / ctx.stepMs;
    // The whole span (every established series): the context's own columns, no view of them per series.
    const whole = offset === 0 && counts.length === ctx.traffic.length;
    const traffic = whole ? ctx.traffic : ctx.traffic.subarray(offset, offset + counts.length);
    // Running sums let each window's spans be summed in O(1) rather than re-read (weeks of buckets).
    const own = this.cache.sumsOf(ctx.product, seriesId, from, ctx.endMs, ctx.stepMs);
    if (!own || own.running.length !== counts.length + 1) return { conversations: counts, traffic };
    const sums = { conversations: own.running, traffic: whole ? ctx.trafficSums : ctx.trafficSums.subarray(offset, offset + counts.length + 1), maxConversations: own.most };
    return { conversations: counts, traffic, sums };
  }

  /**
   * Every policy area the rule watches, as one series each (all traffic, or the rule's product),
   * corrected for multiple testing together.
   */
  private async judgeAreas(ctx: SpikeContext, rules: RuleSet): Promise<void> {
    const { established } = this.targetsOf(ctx.rule, 'area', rules);
    const group = established.map((t) => ({ subject: t.subject, key: t.key, input: { id: t.subject.id, series: this.seriesOf(ctx, t.subject.id, ctx.fromMs), prior: t.prior } }));
    await this.judgeGroup(ctx, group, 'overlapping');
  }

  /** The subjects a rule judges at a level (cached: see Targets). */
  private targetsOf(rule: Rule, level: 'area' | 'leaf' | 'parent', rules: RuleSet): Targets {
    const catalog = this.deps.index.catalog;
    const taxonomy = level === 'area' ? this.taxonomy(rules) : null;
    const stamp = [catalog, catalog.clusters, catalog.clusters.length, catalog.version, this.state.provisional, taxonomy];
    let byLevel = this.targets.get(rule);
    if (!byLevel) this.targets.set(rule, (byLevel = new Map()));
    const cached = byLevel.get(level);
    if (cached && cached.stamp.every((x, i) => x === stamp[i])) return cached;
    const made = taxonomy ? this.areaTargets(rule, taxonomy) : this.clusterTargets(rule, level as 'leaf' | 'parent');
    const targets = { stamp, ...made };
    byLevel.set(level, targets);
    return targets;
  }

  /**
   * Every policy area the rule watches. Before enough history, an area's expectation is its share
   * of the catalog's baseline traffic — for all traffic only: the catalog does not know an area's
   * share within one product, which can be far from its overall share.
   */
  private areaTargets(rule: Rule, taxonomy: readonly PolicyAreaRef[]): Pick<Targets, 'established' | 'provisional'> {
    const byId = new Map(taxonomy.map((area) => [area.id, area]));
    const shares = ruleSegment(rule.match) === ALL_PRODUCTS ? areaSharesOf(this.deps.index.catalog) : {};
    const established = ruleAreas(rule, taxonomy.map((area) => area.id)).map((id): Target => {
      const subject = areaSubject(byId.get(id)!);
      const share = shares[id];
      return { subject, key: episodeKey(rule, subject.id), prior: share !== undefined && share > 0 ? { share } : undefined };
    });
    return { established, provisional: [] };
  }

  /**
   * Every named leaf (or parent) the rule matches. Before enough history, a cluster's expectation
   * is its share of the catalog's baseline traffic (its size over all leaves'), for all traffic
   * only, as for areas.
   */
  private clusterTargets(rule: Rule, level: 'leaf' | 'parent'): Pick<Targets, 'established' | 'provisional'> {
    const provisional = this.state.provisional ?? {};
    const catalog = this.deps.index.catalog;
    const clusters = catalog.clusters.filter(
      (c) => (c.level === 0) === (level === 'leaf') && c.named && ruleMatches(rule, { id: c.id, level, policyAreas: policyAreasOf(c) }, rule.match.product),
    );
    // Every baseline conversation is in exactly one leaf: their sizes add up to the baseline.
    const baseline = ruleSegment(rule.match) === ALL_PRODUCTS ? catalog.clusters.reduce((s, c) => s + (c.level === 0 && !c.provisional && !provisional[c.id] ? c.size : 0), 0) : 0;
    const target = (c: CatalogCluster): Target => ({ subject: this.clusterSubject(c), key: episodeKey(rule, c.id) });
    return {
      established: clusters.filter((c) => !provisional[c.id]).map((c) => ({ ...target(c), prior: baseline > 0 && c.size > 0 ? { share: c.size / baseline } : undefined })),
      provisional: clusters.filter((c) => provisional[c.id]).map((c) => ({ ...target(c), sinceMs: provisional[c.id]!.sinceMs })),
    };
  }

  /**
   * Every named leaf (or parent) the rule matches — all of them unless it names policy areas or
   * clusters — corrected for multiple testing together; provisional clusters each on their own.
   */
  private async judgeClusters(ctx: SpikeContext, level: 'leaf' | 'parent', rules: RuleSet): Promise<void> {
    const { rule, endMs } = ctx;
    const windowMs = rule.windowSeconds * 1000;
    const { established, provisional } = this.targetsOf(rule, level, rules);
    await this.judgeGroup(ctx, established.map((t) => ({ subject: t.subject, key: t.key, input: { id: t.subject.id, series: this.seriesOf(ctx, t.subject.id, ctx.fromMs), prior: t.prior } })));
    // A provisional cluster has no history before it was found, and its emerging alert already
    // told the team about it: its series starts when it was found, and it is judged for spikes
    // once it has a baseline of its own (without a prior, a short history is not judged).
    for (const t of provisional) {
      const since = Math.max(ctx.fromMs, floorTo(t.sinceMs!, ctx.stepMs) + ctx.stepMs);
      if (endMs - since < windowMs) continue;
      await this.judgeGroup(ctx, [{ subject: t.subject, key: t.key, input: { id: t.subject.id, series: this.seriesOf(ctx, t.subject.id, since) } }]);
    }
  }

  private async judgeGroup(ctx: SpikeContext, group: Array<{ subject: Subject; key: string; input: { id: string; series: SeriesColumns; prior?: { share: number } } }>, kind: SeriesKind = 'disjoint'): Promise<void> {
    if (group.length === 0) return;
    const verdicts = detectSpikes(group.map((g) => g.input), ctx.params, kind);
    // Only a window that passed, or a series with an episode open, moves anything (step): the
    // others — nearly all — are passed over here, unless each judged window is traced.
    const tracing = this.deps.logger.isLevelEnabled('trace');
    const moving: number[] = [];
    for (const [i, verdict] of verdicts.entries()) if (tracing || verdict.fire || this.state.episodes[group[i]!.key] !== undefined) moving.push(i);
    // Copied now: the series are views of the cache, and the steps below wait on the store.
    const windows = moving.map((i) => lastOf(group[i]!.input.series.conversations, ctx.params.windowBuckets));
    for (const [j, i] of moving.entries()) {
      const verdict = verdicts[i]!;
      const { subject, key } = group[i]!;
      const accountsExpected = verdict.fire && verdict.evaluation.enoughHistory ? () => this.expectedAccounts(ctx, subject.id, verdict.evaluation.baseline.conversations) : null;
      await this.step(ctx.rule, subject, key, verdict.fire, verdict.evaluation, windows[j]!, ctx.endMs, ctx.product, accountsExpected);
    }
  }

  /**
   * Distinct accounts the window would hold without a spike: accounts per conversation in the
   * windows just before the guard band, times the conversations expected. Null without history.
   */
  private async expectedAccounts(ctx: SpikeContext, seriesId: string, expectedConversations: number): Promise<number | null> {
    const windowMs = ctx.rule.windowSeconds * 1000;
    const end = ctx.endMs - windowMs - ctx.rule.guardSeconds * 1000;
    let accounts = 0;
    let conversations = 0;
    for (let j = 0; j < ACCOUNT_BASELINE_WINDOWS; j++) {
      const e = end - j * windowMs;
      const s = e - windowMs;
      if (s < ctx.fromMs) break;
      const c = this.cache.series(ctx.product, seriesId, s, e, windowMs)[0] ?? 0;
      if (c === 0) continue;
      accounts += await this.deps.store.distinctAccounts(seriesId, ctx.product, s, e);
      conversations += c;
    }
    return conversations > 0 ? (accounts / conversations) * expectedConversations : null;
  }

  /** The taxonomy next to the rules, else the one given, else the shipped one (read once). */
  private taxonomy(rules: RuleSet): readonly PolicyAreaRef[] {
    if (rules.areas) return rules.areas;
    if (this.deps.policyAreas) return this.deps.policyAreas;
    if (this.defaultAreas === null) {
      try {
        this.defaultAreas = readPolicyAreas();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'policy taxonomy unreadable: no policy area is judged');
        this.defaultAreas = [];
      }
    }
    return this.defaultAreas;
  }

  /** Moves one (rule, series) episode on by one window. */
  private async step(
    rule: Rule,
    subject: Subject,
    key: string,
    passed: boolean,
    evaluation: SpikeEvaluation,
    series: number[],
    endMs: number,
    product: string,
    accountsExpected: (() => Promise<number | null>) | null = null,
  ): Promise<void> {
    // Checked first: this runs for every series at every window (hundreds of thousands in a backtest).
    const tracing = this.deps.logger.isLevelEnabled('trace');
    // A window that passes is traced only after the privacy gate: a withheld group leaves no id in the log.
    if (tracing && !passed) this.deps.logger.trace({ rule: rule.name, series: subject.id, windowEnd: iso(endMs), passed, ratio: evaluation.ratio, method: evaluation.score.method, score: evaluation.score.value }, 'window judged');
    const episode = this.state.episodes[key] ?? { passing: 0, firing: null, cooldownUntilMs: 0 }; // 0, not -Infinity: the state is JSON
    const windowStart = endMs - rule.windowSeconds * 1000;
    let alert: Alert | null = null;
    if (passed) {
      const accounts = await this.deps.store.distinctAccounts(subject.id, product, windowStart, endMs);
      alert = this.spikeAlert(rule, subject, evaluation, accounts, windowStart, endMs, episode.firing?.alertId);
      const gate = this.gateFor(rule);
      if (!passesPrivacyGate(alert, subject, gate)) {
        this.deps.metrics.gated.inc({ kind: 'spike' });
        if (tracing) this.deps.logger.trace({ rule: rule.name, windowEnd: iso(endMs), passed, withheld: true }, 'window judged');
        alert = null;
      } else if (accountsExpected) {
        // A rise that is not carried by more accounts than usual is a few people repeating
        // themselves (DESIGN.md: distinct accounts carry the signal), not a trend to alert on.
        const expected = await accountsExpected();
        if (expected !== null && accounts - expected < gate.minAccounts) {
          this.deps.metrics.narrow.inc({ kind: 'spike' });
          alert = null;
        }
      }
      // Over all traffic, which languages carry the series (each above the privacy minimums on its own).
      if (alert && product === ALL_PRODUCTS && this.deps.store.languageMix) {
        const languages = await this.deps.store.languageMix(subject.id, windowStart, endMs, gate);
        if (languages.length > 0) alert = { ...alert, languages };
      }
      if (tracing && alert) this.deps.logger.trace({ rule: rule.name, series: subject.id, windowEnd: iso(endMs), passed, ratio: evaluation.ratio, method: evaluation.score.method, score: evaluation.score.value }, 'window judged');
    }
    if (alert) {
      episode.passing += 1;
      if (episode.firing) {
        episode.firing = { ...episode.firing, quiet: 0, last: alert };
        this.fire(rule, alert, series);
      } else if (episode.passing >= rule.forWindows && endMs >= episode.cooldownUntilMs) {
        episode.firing = { alertId: alert.alert_id, startMs: windowStart, quiet: 0, last: alert };
        this.fire(rule, alert, series);
        if (alert.cluster.policy_areas.length > 0) this.state.surges = [...(this.state.surges ?? []), { areas: [...alert.cluster.policy_areas], startMs: windowStart }];
        this.deps.logger.info({ rule: rule.name, series: subject.id, ratio: alert.ratio }, 'alert firing');
      }
    } else {
      episode.passing = 0;
      if (episode.firing) {
        episode.firing.quiet += 1;
        // keep_firing_for: a dip of a window or two does not end the episode (and re-open a new one).
        if (episode.firing.quiet > rule.keepFiringForWindows) {
          const last = episode.firing.last;
          // The resolved notice repeats the last figures that passed the gate: never smaller groups.
          this.router.resolved(last.alert_id, { ...last, kind: 'resolved', fired_at: iso(endMs) }, endMs);
          episode.firing = null;
          episode.cooldownUntilMs = endMs + rule.cooldownSeconds * 1000;
        }
      }
    }
    if (episode.passing === 0 && !episode.firing && episode.cooldownUntilMs <= endMs) delete this.state.episodes[key];
    else this.state.episodes[key] = episode;
  }

  private fire(rule: Rule, alert: Alert, series: number[]): void {
    this.deps.metrics.firing.inc({ kind: alert.kind, rule: rule.name });
    // The series leaves the process (Slack, the alert payload): no point under the privacy minimums.
    this.router.firing({ alert, channel: rule.channel, series: coarsenSeries(series, this.gateFor(rule).minConversations), routing: rule.routing }, Date.parse(alert.fired_at));
  }

  private gateFor(rule: Rule): GateLimits {
    return {
      minAccounts: Math.max(rule.minAccounts, this.deps.privacy.minAccounts),
      minConversations: Math.max(rule.minConversations, this.deps.privacy.minConversations),
    };
  }

  private clusterSubject(cluster: CatalogCluster): Subject {
    return { id: cluster.id, subject: 'cluster', named: cluster.named, areas: policyAreasOf(cluster), ref: this.clusterRef(cluster) };
  }

  private clusterRef(cluster: CatalogCluster): Alert['cluster'] {
    const parent = cluster.parent ? this.deps.index.cluster(cluster.parent) : undefined;
    return {
      id: cluster.id,
      name: cluster.name,
      description: cluster.description,
      policy_areas: policyAreasOf(cluster),
      parent: parent ? { id: parent.id, name: parent.name } : null,
    };
  }

  private spikeAlert(rule: Rule, subject: Subject, e: SpikeEvaluation, accounts: number, startMs: number, endMs: number, alertId?: string): Alert {
    return {
      alert_id: alertId ?? alertIdOf(rule.name, subject.id, startMs),
      kind: 'spike',
      rule: rule.name,
      severity: severityOf(rule, subject.areas),
      subject: subject.subject,
      cluster: subject.ref,
      window: { start: iso(startMs), end: iso(endMs) },
      observed: { conversations: e.observed.conversations, unique_accounts: accounts, share: clamp01(e.observed.share) },
      baseline: { conversations: round(e.baseline.conversations), share: clamp01(e.baseline.share) },
      ratio: round(e.ratio),
      score: { method: e.score.method, value: round(e.score.value) },
      fired_at: iso(endMs),
    };
  }

  private emergingAlert(rule: Rule, cluster: CatalogCluster, f: { conversations: number; accounts: number; share: number; startMs: number }, endMs: number): Alert {
    return {
      alert_id: alertIdOf(rule.name, cluster.id, f.startMs),
      kind: 'emerging',
      rule: rule.name,
      severity: severityOf(rule, policyAreasOf(cluster)),
      subject: 'cluster',
      cluster: this.clusterRef(cluster),
      window: { start: iso(f.startMs), end: iso(endMs) },
      observed: { conversations: f.conversations, unique_accounts: f.accounts, share: clamp01(f.share) },
      // A new cluster has no history: the baseline is nothing, and the score is its distinct accounts.
      baseline: { conversations: 0, share: 0 },
      ratio: 0,
      score: { method: 'emerging-accounts', value: f.accounts },
      fired_at: iso(endMs),
    };
  }
}

/** An emerging rule's horizon, ms (the rules default when it sets none). */
function emergingHorizonMs(rule: Rule): number {
  return rule.emerging ? rule.emerging.horizonSeconds * 1000 : DEFAULT_EMERGING_HORIZON_MS;
}

/** The longest horizon of the emerging rules (the default without any). */
function longestEmergingHorizonMs(rules: RuleSet): number {
  return Math.max(DEFAULT_EMERGING_HORIZON_MS, ...rules.rules.filter((r) => r.kind === 'emerging').map(emergingHorizonMs));
}

/** A (rule, series) episode's key in the state: jsonb keys cannot hold NUL; neither name contains a slash (an area's id is area:<id>). */
function episodeKey(rule: Rule, seriesId: string): string {
  return `${rule.name}/${seriesId}`;
}

/** The last `n` values (the current window's buckets), as a plain array. */
function lastOf(values: ArrayLike<number>, n: number): number[] {
  const out: number[] = [];
  for (let i = Math.max(0, values.length - n); i < values.length; i++) out.push(values[i]!);
  return out;
}

/** A policy area as the subject of a spike series: named by the taxonomy, never by conversations. */
function areaSubject(area: PolicyAreaRef): Subject {
  const id = areaSeriesId(area.id);
  return {
    id,
    subject: 'policy_area',
    named: true,
    areas: [area.id],
    ref: { id, name: area.name.slice(0, 120), description: area.description.slice(0, 600), policy_areas: [area.id], parent: null },
  };
}

/** The catalog's share of baseline traffic per policy area (optional: catalogs built before it have none). */
function areaSharesOf(catalog: Catalog): Readonly<Record<string, number>> {
  return catalog.policy_area_shares ?? {};
}

/** The dedupe key of an episode: rule, cluster and the start of its first window. */
export function alertIdOf(rule: string, clusterId: string, startMs: number): string {
  return `${rule}/${clusterId}/${new Date(startMs).toISOString().replace(/\.000Z$/, 'Z')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, round(x))) : 0;
}
