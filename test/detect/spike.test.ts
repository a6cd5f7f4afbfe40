import { describe, expect, it } from 'vitest';
import {
  detectSpikes,
  evaluateSpike,
  RATIO_CAP,
  robustReference,
  SpikeInputError,
  type BucketCounts,
  type ClusterSeries,
  type SeriesColumns,
  type SpikeParams,
  type SpikeVerdict,
} from '../../src/detect/spike.ts';
import { binomialUpperTail, poissonUpperTail } from '../../src/detect/stats.ts';

// ── A tiny seeded sampler: every simulated day replays exactly. ──────────────────────────────────

type Uniform = () => number;

/** mulberry32. */
function seeded(seed: number): Uniform {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(u: Uniform): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Poisson by inversion (exact); a normal draw past 500, where only background traffic goes. */
function poisson(u: Uniform, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 500) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(u)));
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  const x = u();
  while (x > cdf && k < 10_000) cdf += p *= mean / ++k;
  return k;
}

/** Gamma(shape, 1) (Marsaglia–Tsang), shape ≥ 1. */
function gamma(u: Uniform, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = gaussian(u);
    const v = (1 + c * x) ** 3;
    if (v > 0 && Math.log(u()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

// ── Simulated traffic: clusters counted per 5-minute bucket, plus traffic no cluster holds. ─────────

const HOUR = 12;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

interface World {
  /** Per cluster, oldest → newest. */
  buckets: BucketCounts[][];
  perWindow: readonly number[];
}

interface WorldSpec {
  seed: number;
  /** Expected conversations per window (hour) of each cluster. */
  perWindow: readonly number[];
  length: number;
  /** Expected unclustered conversations per bucket. */
  unclustered?: number;
  /** Multiplies every mean at bucket t (a launch). */
  scale?: (t: number) => number;
  /** Multiplies one cluster's mean at bucket t (a surge, a weekly routine). */
  lift?: (cluster: number, t: number) => number;
  /** Hour-long bursts: each cluster's rate is multiplied by a Gamma(shape)/shape draw per hour. */
  burstShape?: number;
}

function simulate(spec: WorldSpec): World {
  const u = seeded(spec.seed);
  const conversations = spec.perWindow.map(() => new Array<number>(spec.length).fill(0));
  const traffic = new Array<number>(spec.length).fill(0);
  const burst = spec.perWindow.map(() => 1);
  for (let t = 0; t < spec.length; t++) {
    const scale = spec.scale?.(t) ?? 1;
    if (spec.burstShape && t % HOUR === 0) burst.forEach((_, c) => (burst[c] = gamma(u, spec.burstShape!) / spec.burstShape!));
    for (let c = 0; c < spec.perWindow.length; c++) {
      const n = poisson(u, (spec.perWindow[c]! / HOUR) * scale * burst[c]! * (spec.lift?.(c, t) ?? 1));
      conversations[c]![t] = n;
      traffic[t]! += n;
    }
    traffic[t]! += poisson(u, (spec.unclustered ?? 100) * scale);
  }
  return { buckets: conversations.map((counts) => counts.map((n, t) => ({ conversations: n, traffic: traffic[t]! }))), perWindow: spec.perWindow };
}

/** The same world with one cluster multiplied by `factor` from bucket `from` on (the extra conversations join the traffic). */
function withSurge(world: World, cluster: number, from: number, factor: number, seed: number): World {
  const u = seeded(seed);
  const length = world.buckets[0]!.length;
  const extra = Array.from({ length: length - from }, () => poisson(u, ((factor - 1) * world.perWindow[cluster]!) / HOUR));
  const buckets = world.buckets.map((b, c) =>
    b.slice(0, from).concat(b.slice(from).map((x, i) => ({ conversations: x.conversations + (c === cluster ? extra[i]! : 0), traffic: x.traffic + extra[i]! }))),
  );
  return { buckets, perWindow: world.perWindow };
}

/** The clusters as the detector would hand them over at the close of bucket `end` (exclusive). */
function clustersAt(world: World, end: number, length: number): ClusterSeries[] {
  return world.buckets.map((b, c) => ({ id: `c${c}`, series: b.slice(end - length, end) }));
}

/** 200 clusters from 2 to 200 conversations an hour (log-spaced); the first ten at exactly 20. */
const CLUSTERS_200 = Array.from({ length: 200 }, (_, i) => (i < 10 ? 20 : 2 * 100 ** ((i - 10) / 189)));

/** The shipped defaults: 1 h window of 5 min buckets, 7 d baseline, 1 h guard, ×2, 1%, BH, 20 conversations. */
const DEFAULTS: SpikeParams = {
  windowBuckets: HOUR,
  baselineBuckets: WEEK,
  guardBuckets: HOUR,
  minRatio: 2,
  alpha: 0.01,
  correction: 'bh',
  minConversations: 20,
};

const fired = (verdicts: readonly SpikeVerdict[]): string[] => verdicts.filter((v) => v.fire).map((v) => v.id);

// ── Deterministic series, for exact scenarios. ────────────────────────────────────────────────────

/** A steady cluster: `perBucket` conversations out of `traffic` in every bucket, then a window of its own. */
function steady(id: string, length: number, perBucket: number, traffic: number, window?: readonly number[]): ClusterSeries {
  const series = Array.from({ length }, () => ({ conversations: perBucket, traffic }));
  window?.forEach((n, i) => (series[length - window.length + i] = { conversations: n, traffic }));
  return { id, series };
}

/** Spreads `total` conversations over `buckets` buckets as evenly as counts allow. */
function spread(total: number, buckets: number): number[] {
  return Array.from({ length: buckets }, (_, i) => Math.floor(((i + 1) * total) / buckets) - Math.floor((i * total) / buckets));
}

describe('detectSpikes on simulated traffic', () => {
  it.each([
    { mode: 'trailing 7-day baseline', params: DEFAULTS, history: WEEK + 2 * HOUR },
    { mode: 'hour-of-week seasonality (2 weeks)', params: { ...DEFAULTS, bucketsPerWeek: WEEK }, history: 2 * WEEK + 2 * HOUR },
  ])('detects a 3× rise at 20 conversations an hour within two windows of its onset ($mode)', ({ params, history }) => {
    const quiet = simulate({ seed: 100, perWindow: CLUSTERS_200, length: history + 3 * HOUR });
    const delays: number[] = [];
    let others = 0;
    for (let trial = 0; trial < 6; trial++) {
      // Each trial: another of the clusters at 20 an hour, an onset anywhere in the hour after the history.
      const target = trial;
      const onset = history + ((trial * 5) % HOUR) + 1;
      const world = withSurge(quiet, target, onset, 3, 200 + trial);
      const firstClose = Math.ceil((onset + 1) / HOUR) * HOUR;
      let delay = Infinity;
      for (const [i, end] of [firstClose, firstClose + HOUR].entries()) {
        const verdicts = detectSpikes(clustersAt(world, end, history), params);
        others += fired(verdicts).filter((id) => id !== `c${target}`).length;
        if (verdicts[target]!.fire && delay === Infinity) delay = i + 1;
      }
      delays.push(delay);
    }
    console.log(`3× rise detected at window close no. ${delays.join(', ')} after onset`);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2);
    expect(others).toBe(0);
  });

  it('raises no alert for a launch that doubles all traffic evenly', () => {
    const launch = WEEK + 2 * HOUR;
    const world = simulate({ seed: 7, perWindow: CLUSTERS_200, length: launch + 12 * HOUR, scale: (t) => (t >= launch ? 2 : 1) });
    let alerts = 0;
    let countTestAlarms = 0;
    for (let end = launch + HOUR; end <= launch + 12 * HOUR; end += HOUR) {
      const clusters = clustersAt(world, end, WEEK + 2 * HOUR);
      alerts += fired(detectSpikes(clusters, DEFAULTS)).length;
      // What a plain count test (window against the baseline's hourly mean) would have said.
      for (const { series } of clusters) {
        const mean = series.slice(0, WEEK).reduce((s, b) => s + b.conversations, 0) / (WEEK / HOUR);
        const inWindow = series.slice(-HOUR).reduce((s, b) => s + b.conversations, 0);
        if (poissonUpperTail(inWindow, mean) < 1e-6) countTestAlarms++;
      }
    }
    expect(countTestAlarms).toBeGreaterThan(500);
    expect(alerts).toBe(0);
  });

  it('keeps false alerts on 30 days of stationary Poisson noise across 200 clusters to at most one a day', () => {
    const history = DAY + 2 * HOUR;
    const rounds = 30 * 24;
    const world = simulate({ seed: 2024, perWindow: CLUSTERS_200, length: history + (rounds - 1) * HOUR });
    // The statistics alone, with no ratio or size gate to hide behind; the shipped gates are then
    // applied to the same verdicts (gating comes after the correction, so this is what they would fire).
    const ungated = { ...DEFAULTS, baselineBuckets: DAY, minRatio: 0, minConversations: 0 };
    let significant = 0;
    let alerts = 0;
    let belowOnePercent = 0;
    for (let r = 0; r < rounds; r++) {
      for (const { fire, evaluation: e } of detectSpikes(clustersAt(world, history + r * HOUR, history), ungated)) {
        if (e.pValue <= 0.01) belowOnePercent++;
        if (!fire) continue;
        significant++;
        if (e.ratio >= DEFAULTS.minRatio && e.observed.conversations >= DEFAULTS.minConversations) alerts++;
      }
    }
    const tests = rounds * CLUSTERS_200.length;
    console.log(
      `stationary noise, 30 days × 24 windows × 200 clusters: ${alerts} false alerts with the shipped gates, ${significant} with none; ` +
        `${((100 * belowOnePercent) / tests).toFixed(2)}% of p-values ≤ 0.01`,
    );
    expect(significant).toBeLessThanOrEqual(30);
    expect(belowOnePercent / tests).toBeLessThanOrEqual(0.01);
    expect(alerts).toBeLessThanOrEqual(significant);
  });

  it('does not flood on bursty (negative-binomial) clusters', () => {
    const history = WEEK + 2 * HOUR;
    const rounds = 2 * 24;
    // Hour-long bursts: each cluster's rate varies by a Gamma(4)/4 factor per hour (window dispersion 0.25).
    const world = simulate({ seed: 99, perWindow: CLUSTERS_200, length: history + (rounds - 1) * HOUR, burstShape: 4 });
    const ungated = { ...DEFAULTS, minRatio: 0, minConversations: 0 };
    let alerts = 0;
    let poissonAlarms = 0;
    let belowOnePercent = 0;
    let tests = 0;
    for (let r = 0; r < rounds; r++) {
      const verdicts = detectSpikes(clustersAt(world, history + r * HOUR, history), ungated);
      alerts += fired(verdicts).length;
      for (const { evaluation: e } of verdicts) {
        tests++;
        if (e.pValue <= 0.01) belowOnePercent++;
        if (poissonUpperTail(e.observed.conversations, e.baseline.conversations) < 1e-5) poissonAlarms++;
      }
    }
    console.log(
      `bursty noise, 2 days × 24 windows × 200 clusters: ${alerts} alerts with no gates; ` +
        `${((100 * belowOnePercent) / tests).toFixed(2)}% of p-values ≤ 0.01; a Poisson test at 1e-5 would have raised ${poissonAlarms}`,
    );
    expect(poissonAlarms).toBeGreaterThan(500);
    expect(alerts).toBeLessThanOrEqual(2);
    // Calibrated before correction too: no more small p-values than chance allows.
    expect(belowOnePercent / tests).toBeLessThanOrEqual(0.01);
  });

  it('detects a surge of one big cluster without it hiding a smaller rise or making others fire', () => {
    // Cluster 0 holds about a third of the traffic; cluster 1 has 20 conversations an hour.
    const perWindow = [6000, 20, ...Array.from({ length: 48 }, (_, i) => 20 + 5 * i)];
    const history = WEEK + 2 * HOUR;
    const world = simulate({ seed: 5, perWindow, length: history, unclustered: 300, lift: (c, t) => (c <= 1 && t >= history - HOUR ? 3 : 1) });
    const clusters = clustersAt(world, history, history);
    const verdicts = detectSpikes(clusters, DEFAULTS);
    expect(fired(verdicts)).toEqual(['c0', 'c1']);
    // Against raw traffic — inflated by cluster 0 — the small rise looks like less than ×2.
    const raw = clusters[1]!.series.map((b) => b.traffic);
    expect(evaluateSpike(clusters[1]!, raw, DEFAULTS).ratio).toBeLessThan(2);
    expect(verdicts[1]!.evaluation.ratio).toBeGreaterThan(2.5);
    // The big cluster is trimmed out of the robust reference, but not out of its own denominator.
    const reference = robustReference(clusters, DEFAULTS);
    const last = history - 1;
    expect(reference[last]).toBeLessThanOrEqual(clusters[0]!.series[last]!.traffic - clusters[0]!.series[last]!.conversations);
    const inWindow = clusters[0]!.series.slice(-HOUR);
    const rawShare = inWindow.reduce((s, b) => s + b.conversations, 0) / inWindow.reduce((s, b) => s + b.traffic, 0);
    const big = verdicts[0]!.evaluation;
    expect(big.observed.share).toBeGreaterThanOrEqual(rawShare);
    expect(big.observed.share).toBeLessThan(1);
    expect(big.ratio).toBeGreaterThan(2.5);
  });

  it('follows hour-of-week seasonality once two weeks of history exist', () => {
    // Cluster 0 triples every week in the same hour; cluster 1 triples once, in that same hour of week 3.
    const perWindow = [40, 40, ...Array.from({ length: 18 }, (_, i) => 20 + 10 * i)];
    const length = 2 * WEEK + 2 * HOUR;
    const routine = (t: number): boolean => t % WEEK >= HOUR && t % WEEK < 2 * HOUR;
    const world = simulate({ seed: 11, perWindow, length, lift: (c, t) => (c === 0 && routine(t)) || (c === 1 && t >= length - HOUR) ? 3 : 1 });
    const clusters = clustersAt(world, length, length);
    const seasonal = detectSpikes(clusters, { ...DEFAULTS, bucketsPerWeek: WEEK });
    expect(fired(seasonal)).toEqual(['c1']);
    expect(seasonal[0]!.evaluation.ratio).toBeLessThan(1.5);
    // Against the plain trailing mean the weekly routine looks like a spike.
    expect(fired(detectSpikes(clusters, DEFAULTS))).toEqual(['c0', 'c1']);
    // With less than two weeks of history, seasonality falls back to the trailing mean.
    const short = clustersAt(world, length, WEEK + 2 * HOUR);
    expect(fired(detectSpikes(short, { ...DEFAULTS, bucketsPerWeek: WEEK }))).toEqual(['c0', 'c1']);
  });

  it('catches a modest rise sustained over the guard band with the CUSUM', () => {
    // ×1.8 for the last 10 hours: no single window is conclusive; a 12-hour guard keeps the rise out of the baseline.
    const perWindow = Array.from({ length: 100 }, () => 20);
    const length = WEEK + 13 * HOUR;
    const params = { ...DEFAULTS, guardBuckets: 12 * HOUR, minRatio: 1.2 };
    let caught = 0;
    for (const seed of [4, 5, 6, 7]) {
      const world = simulate({ seed, perWindow, length, lift: (c, t) => (c === 0 && t >= length - 10 * HOUR ? 1.8 : 1) });
      const clusters = clustersAt(world, length, length);
      const verdicts = detectSpikes(clusters, params);
      expect(fired(verdicts).filter((id) => id !== 'c0')).toEqual([]);
      if (verdicts[0]!.fire && verdicts[0]!.evaluation.score.method === 'poisson-cusum') caught++;
      // With a one-hour guard the rise leaks into the baseline and only the window is left: nothing fires.
      expect(detectSpikes(clusters, { ...params, guardBuckets: HOUR })[0]!.fire).toBe(false);
    }
    expect(caught).toBeGreaterThanOrEqual(3);
  });
});

describe('detectSpikes on exact counts', () => {
  const length = DAY + 2 * HOUR;
  const params: SpikeParams = { ...DEFAULTS, baselineBuckets: DAY, minConversations: 10 };

  it('judges a new cluster without history against its prior share', () => {
    const known = Array.from({ length: 20 }, (_, i) => steady(`k${i}`, length, 2, 1000));
    // 0.1% of 12 000 conversations an hour: about 12 expected.
    const fresh = (window: number[], prior?: { share: number }): ClusterSeries => ({
      id: 'new',
      series: window.map((n) => ({ conversations: n, traffic: 1000 })),
      prior,
    });
    const [surging] = detectSpikes([fresh(spread(48, HOUR), { share: 0.001 }), ...known], params);
    expect(surging!.fire).toBe(true);
    expect(surging!.evaluation.enoughHistory).toBe(false);
    expect(surging!.evaluation.score.method).toBe('prior-share');
    expect(surging!.evaluation.ratio).toBeCloseTo(4, 0);
    const [usual] = detectSpikes([fresh(spread(14, HOUR), { share: 0.001 }), ...known], params);
    expect(usual!.fire).toBe(false);
    expect(usual!.evaluation.pValue).toBeGreaterThan(0.1);
    // Without a prior there is nothing to compare with: never fires.
    const [unknown] = detectSpikes([fresh(spread(48, HOUR)), ...known], params);
    expect(unknown!.fire).toBe(false);
    expect(unknown!.evaluation.pValue).toBe(1);
  });

  it('fires only at or above minConversations', () => {
    // One conversation an hour, then eight in one hour: highly significant, tiny.
    const rare: ClusterSeries = {
      id: 'rare',
      series: Array.from({ length }, (_, t) => ({ conversations: t % HOUR === 0 ? 1 : 0, traffic: 1000 })),
    };
    spread(8, HOUR).forEach((n, i) => ((rare.series as BucketCounts[])[length - HOUR + i] = { conversations: n, traffic: 1000 }));
    const clusters = [rare, ...Array.from({ length: 20 }, (_, i) => steady(`k${i}`, length, 2, 1000))];
    const [small] = detectSpikes(clusters, { ...params, minConversations: 10 });
    // Significant even under Bonferroni, and eight times its usual level.
    expect(small!.evaluation.pValue).toBeLessThan(params.alpha / clusters.length);
    expect(small!.evaluation.ratio).toBeCloseTo(8, 1);
    expect(small!.fire).toBe(false);
    expect(detectSpikes(clusters, { ...params, minConversations: 8 })[0]!.fire).toBe(true);
  });

  it('Benjamini–Hochberg fires on a group of moderate rises that Bonferroni misses', () => {
    // 100 clusters at 24 an hour; ten of them reach 45 in the window.
    const clusters = Array.from({ length: 100 }, (_, i) => steady(`k${i}`, length, 2, 1000, i < 10 ? spread(45, HOUR) : undefined));
    const loose = { ...params, minRatio: 1.5 };
    const bh = detectSpikes(clusters, loose);
    const p = bh[0]!.evaluation.pValue;
    // The premise: each p-value lies between the Bonferroni line (α/m) and BH's line for ten (10·α/m).
    expect(p).toBeGreaterThan(loose.alpha / 100);
    expect(p).toBeLessThan((10 * loose.alpha) / 100);
    expect(fired(bh)).toEqual(clusters.slice(0, 10).map((c) => c.id));
    expect(fired(detectSpikes(clusters, { ...loose, correction: 'bonferroni' }))).toEqual([]);
  });

  it('does not take an empty seasonal baseline as certainty for a bursty cluster', () => {
    // Twelve an hour in even hours, none in odd ones: plainly bursty. The window is an odd hour,
    // as are its same hours in the two earlier weeks, so the seasonal expectation is zero.
    const long = 2 * WEEK + 2 * HOUR;
    const series = Array.from({ length: long }, (_, t) => ({ conversations: Math.floor(t / HOUR) % 2 === 0 ? 1 : 0, traffic: 1000 }));
    spread(3, HOUR).forEach((n, i) => (series[long - HOUR + i] = { conversations: n, traffic: 1000 }));
    const clusters = [{ id: 'odd', series }, ...Array.from({ length: 20 }, (_, i) => steady(`k${i}`, long, 2, 1000))];
    const [odd] = detectSpikes(clusters, { ...params, bucketsPerWeek: WEEK, minConversations: 1 });
    expect(odd!.evaluation.baseline.conversations).toBe(0);
    // Three conversations where two weeks held none is (1/3)³ likely, not impossible.
    expect(odd!.evaluation.pValue).toBeGreaterThan(0.01);
    expect(odd!.fire).toBe(false);
  });

  it('reports finite figures for a cluster seen for the first time in its history', () => {
    const clusters = [steady('zero', length, 0, 1000, spread(30, HOUR)), ...Array.from({ length: 20 }, (_, i) => steady(`k${i}`, length, 2, 1000))];
    const [verdict] = detectSpikes(clusters, params);
    expect(verdict!.evaluation.ratio).toBe(RATIO_CAP);
    expect(Number.isFinite(verdict!.evaluation.score.value)).toBe(true);
    expect(verdict!.fire).toBe(true);
  });

  it('refuses parameters and references that do not fit', () => {
    const cluster = steady('a', length, 2, 1000);
    expect(() => evaluateSpike(cluster, [1, 2, 3], params)).toThrow(SpikeInputError);
    expect(() => detectSpikes([cluster], { ...params, windowBuckets: 0 })).toThrow(SpikeInputError);
    expect(() => detectSpikes([cluster], { ...params, alpha: 1.5 })).toThrow(SpikeInputError);
    expect(() => detectSpikes([cluster], { ...params, correction: 'holm' as 'bh' })).toThrow(SpikeInputError);
    expect(detectSpikes([], params)).toEqual([]);
  });
});

describe('detectSpikes before enough history (catalog priors)', () => {
  // Five parents at their catalog shares of all traffic, 1000 conversations an hour, no spike.
  const shares = [0.4, 0.3, 0.15, 0.1, 0.05];
  const perWindow = shares.map((share) => 1000 * share);

  it('does not flap: parents at their catalog share raise nothing over the first two days', () => {
    const world = simulate({ seed: 31, perWindow, length: 2 * DAY, unclustered: 0 });
    let alerts = 0;
    let priorJudged = 0;
    let flaps = 0;
    for (let end = HOUR; end <= 2 * DAY; end += HOUR) {
      const clusters = world.buckets.map((b, c) => ({ id: `p${c}`, series: b.slice(0, end), prior: { share: shares[c]! } }));
      const verdicts = detectSpikes(clusters, DEFAULTS);
      alerts += fired(verdicts).length;
      priorJudged += verdicts.filter((v) => v.evaluation.score.method === 'prior-share').length;
      // What the prior used to be compared with: the share of the trimmed reference, which lacks the
      // other trimmed parents. The same observation against the unscaled prior:
      const flapped = verdicts.some(({ evaluation: e }, c) => {
        if (e.enoughHistory) return false;
        const raw = shares[c]!;
        const n = Math.round(e.observed.conversations / e.observed.share);
        const expected = (raw / (1 - raw)) * (n - e.observed.conversations);
        return e.observed.conversations / expected >= DEFAULTS.minRatio && binomialUpperTail(e.observed.conversations, n, raw) < DEFAULTS.alpha / shares.length;
      });
      if (flapped) flaps++;
    }
    console.log(`parents at catalog share, 2 days: ${alerts} alerts; ${flaps} of 48 windows would have fired against the unscaled prior`);
    // The premise: the first two days are judged against the prior, and the old comparison fired in many of them.
    expect(priorJudged).toBeGreaterThan(30 * shares.length);
    expect(flaps).toBeGreaterThan(5);
    expect(alerts).toBe(0);
  });

  it('still fires on a real surge of a parent against its prior', () => {
    const world = simulate({ seed: 32, perWindow, length: DAY, unclustered: 0, lift: (c, t) => (c === 3 && t >= DAY - HOUR ? 3 : 1) });
    const clusters = world.buckets.map((b, c) => ({ id: `p${c}`, series: b, prior: { share: shares[c]! } }));
    const verdicts = detectSpikes(clusters, DEFAULTS);
    expect(verdicts[3]!.evaluation.score.method).toBe('prior-share');
    expect(fired(verdicts)).toEqual(['p3']);
  });
});

describe('the shipped topic-spike bar (every leaf: ×3 at 0.1%, ≥ 30 conversations)', () => {
  it('raises at most half a false alert a day on a week of bursty traffic over 200 clusters', () => {
    const topics: SpikeParams = { ...DEFAULTS, minRatio: 3, alpha: 0.001, minConversations: 30 };
    const history = WEEK + 2 * HOUR;
    const days = 7;
    // Bursts twice as strong as in the flood test above (Gamma(2)/2 per hour: window dispersion 0.5).
    const world = simulate({ seed: 77, perWindow: CLUSTERS_200, length: history + days * DAY, burstShape: 2 });
    let alerts = 0;
    for (let end = history + HOUR; end <= history + days * DAY; end += HOUR) alerts += fired(detectSpikes(clustersAt(world, end, history), topics)).length;
    console.log(`topic-spike bar, ${days} days × 24 windows × 200 bursty clusters: ${alerts} false alerts`);
    expect(alerts / days).toBeLessThanOrEqual(0.5);
  });
});

describe('detectSpikes on overlapping series (policy areas)', () => {
  // Areas overlap (a conversation can carry two) and cover a fraction of traffic: judged against all of it.
  const areas = [60, 40, 30, 20, 20, 10];

  it('raises nothing for a launch that doubles all traffic', () => {
    const launch = WEEK + 2 * HOUR;
    const world = simulate({ seed: 41, perWindow: areas, length: launch + 12 * HOUR, unclustered: 150, scale: (t) => (t >= launch ? 2 : 1) });
    let alerts = 0;
    for (let end = launch + HOUR; end <= launch + 12 * HOUR; end += HOUR) alerts += fired(detectSpikes(clustersAt(world, end, WEEK + 2 * HOUR), DEFAULTS, 'overlapping')).length;
    expect(alerts).toBe(0);
  });

  it('fires on the area that doubled, with its share of the whole traffic', () => {
    const length = WEEK + 2 * HOUR;
    const world = simulate({ seed: 42, perWindow: areas, length, unclustered: 150, lift: (c, t) => (c === 2 && t >= length - HOUR ? 2.5 : 1) });
    const verdicts = detectSpikes(clustersAt(world, length, length), DEFAULTS, 'overlapping');
    expect(fired(verdicts)).toEqual(['c2']);
    // Nothing trimmed: the share is of all traffic in the window.
    const window = world.buckets[2]!.slice(-HOUR);
    const share = window.reduce((s, b) => s + b.conversations, 0) / window.reduce((s, b) => s + b.traffic, 0);
    expect(verdicts[2]!.evaluation.observed.share).toBeCloseTo(share, 10);
  });
});

describe('detectSpikes with running sums (as the detector passes its series)', () => {
  /**
   * The detector's columns: views into longer cached columns, so their running sums start wherever
   * the cache's did (not at 0), and series that started later are shorter.
   */
  function asColumns(clusters: readonly ClusterSeries[], lead: number): Array<{ id: string; series: SeriesColumns; prior?: { share: number } }> {
    const length = Math.max(...clusters.map((c) => c.series.length));
    const traffic = new Float64Array(lead + length);
    for (const c of clusters) c.series.forEach((b, t) => (traffic[lead + length - c.series.length + t] = b.traffic));
    const trafficRunning = new Float64Array(lead + length + 1);
    for (let t = 0; t < lead + length; t++) trafficRunning[t + 1] = trafficRunning[t]! + (t < lead ? 7 : traffic[t]!);
    return clusters.map((c) => {
      const offset = lead + length - c.series.length;
      const counts = new Float64Array(lead + length);
      c.series.forEach((b, t) => (counts[offset + t] = b.conversations));
      for (let t = 0; t < lead; t++) counts[t] = 3;
      const running = new Float64Array(lead + length + 1);
      for (let t = 0; t < lead + length; t++) running[t + 1] = running[t]! + counts[t]!;
      const conversations = counts.subarray(offset);
      return {
        id: c.id,
        ...(c.prior ? { prior: c.prior } : {}),
        series: {
          conversations,
          traffic: traffic.subarray(offset),
          sums: { conversations: running.subarray(offset), traffic: trafficRunning.subarray(offset), maxConversations: Math.max(0, ...conversations) },
        },
      };
    });
  }

  it.each([
    // The least traffic covers every trimmed count: the reference is summed lazily.
    { name: 'busy traffic', unclustered: 400, surge: 3 },
    // Traffic no cluster holds is nil and a leaf surges: buckets where the trimmed series hold all
    // traffic, the reference built per bucket (and clamped).
    { name: 'tight traffic', unclustered: 0, surge: 8 },
  ])('gives the same verdicts, to the last bit, as the same counts without sums ($name)', ({ unclustered, surge }) => {
    const length = 2 * WEEK + 3 * HOUR;
    const perWindow = Array.from({ length: 40 }, (_, i) => 2 + (i % 9) * 3);
    const world = simulate({ seed: 77, perWindow, length, unclustered, lift: (c, t) => (c === 5 && t >= length - 2 * HOUR ? surge : 1) });
    const full = clustersAt(world, length, length);
    // Some series start later (new clusters), some carry priors.
    const clusters = full.map((c, i) => ({ ...c, series: i % 7 === 3 ? c.series.slice(WEEK + i) : c.series, ...(i % 5 === 0 ? { prior: { share: 0.01 } } : {}) }));
    for (const params of [DEFAULTS, { ...DEFAULTS, bucketsPerWeek: WEEK }]) {
      const plain = detectSpikes(clusters, params);
      for (const lead of [0, 50]) expect(detectSpikes(asColumns(clusters, lead), params)).toEqual(plain);
    }
    expect(fired(detectSpikes(clusters, DEFAULTS))).toContain('c5');
  });
});
