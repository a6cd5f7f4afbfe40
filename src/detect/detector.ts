import type { Alert, Notification } from '../alerts/alert.ts';
import { passesPrivacyGate, type GateLimits } from '../alerts/privacy-gate.ts';
import type { CatalogIndex } from '../assign/catalog-index.ts';
import { policyAreasOf, type Catalog, type CatalogCluster } from '../catalog/catalog.ts';
import type { Logger } from '../log.ts';
import { Router, type RouterState } from '../route/router.ts';
import { ruleMatches, type Rule, type RuleSet } from '../rules/rules.ts';
import { DetectionStore } from '../store/detection-store.ts';
import { ALL_PRODUCTS } from '../store/ingest-store.ts';
import { OutboxStore } from '../store/outbox-store.ts';
import { EmergenceTracker } from './emergence.ts';
import { floorTo, SeriesCache } from './series-cache.ts';
import { detectSpikes, type ClusterSeries, type SpikeEvaluation, type SpikeParams } from './spike.ts';
import { closedThrough, isWindowEnd, newlyClosed, watermarkOf } from './windows.ts';
import type { DetectionMetrics } from './metrics.ts';

const WEEK_MS = 7 * 24 * 3600_000;
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
  /** Provisional clusters: since when they are counted. */
  provisional?: Record<string, { sinceMs: number }>;
}

export interface DetectorDeps {
  store: DetectionStore;
  /** The live catalog: provisional clusters are added to it as they are promoted. */
  index: CatalogIndex;
  rules: () => RuleSet;
  bucketMs: number;
  allowedLatenessMs: number;
  privacy: GateLimits;
  emergence: EmergenceTracker;
  metrics: DetectionMetrics;
  logger: Logger;
}

/**
 * Detection on bucket close. Each time the event clock moves, every newly closed bucket is judged
 * in order: spike rules at the end of each of their windows (leaf and parent clusters, each level
 * corrected for multiple testing on its own), emerging clusters at every close. Firing and
 * resolution go through the privacy gate and the router; the notifications it releases are written
 * to the outbox in the same transaction as the detector's state, so a crash repeats nothing and
 * loses nothing.
 */
export class Detector {
  private readonly cache: SeriesCache;
  private readonly router: Router;

  private constructor(private readonly deps: DetectorDeps, private state: DetectorState) {
    this.cache = new SeriesCache(deps.store, deps.bucketMs);
    this.router = new Router(state.router ?? undefined);
  }

  static async open(deps: DetectorDeps): Promise<Detector> {
    const state = (await deps.store.loadState<DetectorState>(STATE_NAME)) ?? { version: 1, judgedThroughMs: null, episodes: {}, router: null };
    await deps.emergence.restore();
    return new Detector(deps, state);
  }

  /**
   * Judges every bucket the watermark has closed since the last call. `final` closes everything
   * up to the last event (end of a replay: no more late data can come).
   */
  async advance(maxEventTimeMs: number | null, options: { final?: boolean } = {}): Promise<Notification[]> {
    const { bucketMs } = this.deps;
    const through = options.final && maxEventTimeMs !== null
      ? floorTo(maxEventTimeMs, bucketMs) + bucketMs
      : closedThrough(watermarkOf(maxEventTimeMs, this.deps.allowedLatenessMs), bucketMs);
    const released: Notification[] = [];
    await this.deps.emergence.pull();
    for (const endMs of newlyClosed(this.state.judgedThroughMs, through, bucketMs)) {
      released.push(...(await this.judge(endMs)));
    }
    if (options.final && this.router.activeAlerts > 0) {
      // Nothing more will arrive: let the groups still waiting out group_wait go.
      released.push(...(await this.commit(through, this.router.flush(through + 10 * bucketMs, this.deps.rules().silences), null)));
    }
    return released;
  }

  private async judge(endMs: number): Promise<Notification[]> {
    const rules = this.deps.rules();
    this.deps.metrics.bucketsClosed.inc();
    for (const rule of rules.rules) {
      if (rule.kind === 'spike' && isWindowEnd(endMs, rule.windowSeconds * 1000)) await this.judgeSpikes(rule, endMs);
    }
    const promoted: CatalogCluster[] = [];
    for (const rule of rules.rules.filter((r) => r.kind === 'emerging')) {
      for (const found of await this.deps.emergence.promote(rule, endMs)) {
        promoted.push(found.cluster);
        this.state.provisional = { ...this.state.provisional, [found.cluster.id]: { sinceMs: endMs } };
        const alert = this.emergingAlert(rule, found.cluster, found.figures, endMs);
        if (passesPrivacyGate(alert, found.cluster, this.gateFor(rule))) this.fire(rule, alert, []);
        else this.deps.metrics.gated.inc({ kind: 'emerging' });
      }
    }
    const notifications = this.router.flush(endMs, rules.silences);
    return this.commit(endMs, notifications, promoted.length ? this.deps.index.catalog : null);
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

  private async judgeSpikes(rule: Rule, endMs: number): Promise<void> {
    const product = rule.match.product ?? ALL_PRODUCTS;
    const first = await this.deps.store.firstBucket(product);
    if (first === null) return;
    const stepMs = rule.bucketSeconds * 1000;
    const windowMs = rule.windowSeconds * 1000;
    const historyMs = Math.max(rule.baselineSeconds * 1000, rule.seasonality ? 2 * WEEK_MS : 0) + rule.guardSeconds * 1000;
    const fromMs = Math.max(endMs - historyMs - windowMs, floorTo(first, stepMs));
    if (endMs - fromMs < windowMs) return;
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
    const provisional = this.state.provisional ?? {};
    for (const level of ['leaf', 'parent'] as const) {
      const clusters = this.deps.index.catalog.clusters.filter(
        (c) => (c.level === 0) === (level === 'leaf') && c.named && ruleMatches(rule, { id: c.id, level, policyAreas: policyAreasOf(c) }, rule.match.product),
      );
      const established = clusters.filter((c) => !provisional[c.id]);
      const totalSize = established.reduce((s, c) => s + c.size, 0);
      const seriesOf = (c: CatalogCluster, from: number) => {
        const counts = this.cache.series(product, c.id, from, endMs, stepMs);
        const offset = (from - fromMs) / stepMs;
        return counts.map((conversations, i) => ({ conversations, traffic: traffic[offset + i]! }));
      };
      await this.judgeGroup(rule, params, endMs, product, established.map((c) => ({ cluster: c, input: { id: c.id, series: seriesOf(c, fromMs), prior: totalSize > 0 ? { share: c.size / totalSize } : undefined } })));
      // A provisional cluster has no history before it was found, and its emerging alert already
      // told the team about it: its series starts when it was found, and it is judged for spikes
      // once it has a baseline of its own (without a prior, a short history is not judged).
      for (const c of clusters.filter((c) => provisional[c.id])) {
        const since = Math.max(fromMs, floorTo(provisional[c.id]!.sinceMs, stepMs) + stepMs);
        if (endMs - since < windowMs) continue;
        await this.judgeGroup(rule, params, endMs, product, [{ cluster: c, input: { id: c.id, series: seriesOf(c, since) } }]);
      }
    }
  }

  private async judgeGroup(rule: Rule, params: SpikeParams, endMs: number, product: string, group: Array<{ cluster: CatalogCluster; input: ClusterSeries }>): Promise<void> {
    if (group.length === 0) return;
    const verdicts = detectSpikes(group.map((g) => g.input), params);
    for (const [i, verdict] of verdicts.entries()) {
      const { cluster, input } = group[i]!;
      await this.step(rule, cluster, verdict.fire, verdict.evaluation, input.series.slice(-params.windowBuckets).map((b) => b.conversations), endMs, product);
    }
  }

  /** Moves one (rule, cluster) episode on by one window. */
  private async step(rule: Rule, cluster: CatalogCluster, passed: boolean, evaluation: SpikeEvaluation, series: number[], endMs: number, product: string): Promise<void> {
    this.deps.logger.trace({ rule: rule.name, cluster: cluster.id, windowEnd: iso(endMs), passed, ratio: evaluation.ratio, method: evaluation.score.method, score: evaluation.score.value }, 'window judged');
    const key = `${rule.name}/${cluster.id}`; // jsonb keys cannot hold NUL; neither name contains a slash
    const episode = this.state.episodes[key] ?? { passing: 0, firing: null, cooldownUntilMs: 0 }; // 0, not -Infinity: the state is JSON
    const windowStart = endMs - rule.windowSeconds * 1000;
    let alert: Alert | null = null;
    if (passed) {
      const accounts = await this.deps.store.distinctAccounts(cluster.id, product, windowStart, endMs);
      alert = this.spikeAlert(rule, cluster, evaluation, accounts, windowStart, endMs, episode.firing?.alertId);
      if (!passesPrivacyGate(alert, cluster, this.gateFor(rule))) {
        this.deps.metrics.gated.inc({ kind: 'spike' });
        alert = null;
      }
    }
    if (alert) {
      episode.passing += 1;
      if (episode.firing) {
        episode.firing = { ...episode.firing, quiet: 0, last: alert };
        this.fire(rule, alert, series);
      } else if (episode.passing >= rule.forWindows && endMs >= episode.cooldownUntilMs) {
        episode.firing = { alertId: alert.alert_id, startMs: windowStart, quiet: 0, last: alert };
        this.fire(rule, alert, series);
        this.deps.logger.info({ rule: rule.name, cluster: cluster.id, ratio: alert.ratio }, 'alert firing');
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
    this.router.firing({ alert, channel: rule.channel, series, routing: rule.routing }, Date.parse(alert.fired_at));
  }

  private gateFor(rule: Rule): GateLimits {
    return {
      minAccounts: Math.max(rule.minAccounts, this.deps.privacy.minAccounts),
      minConversations: Math.max(rule.minConversations, this.deps.privacy.minConversations),
    };
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

  private spikeAlert(rule: Rule, cluster: CatalogCluster, e: SpikeEvaluation, accounts: number, startMs: number, endMs: number, alertId?: string): Alert {
    return {
      alert_id: alertId ?? alertIdOf(rule.name, cluster.id, startMs),
      kind: 'spike',
      rule: rule.name,
      severity: rule.severity,
      cluster: this.clusterRef(cluster),
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
      severity: rule.severity,
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
