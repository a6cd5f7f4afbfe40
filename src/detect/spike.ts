/**
 * Spike detection maths, pure: is a cluster's share of traffic in the current window higher than
 * its history allows, and which clusters fire once every cluster a rule watches has been tested?
 *
 * - A cluster's expected count follows the *rest* of the traffic (its rate per conversation of
 *   other traffic), so a launch that lifts everything lifts the expectation too: only a change in
 *   share is a spike.
 * - The rest of the traffic is a robust reference: the clusters that moved most are trimmed out
 *   of it, so that one surging pattern neither hides itself nor others.
 * - The expectation comes from the trailing baseline (window and guard band excluded), or from the
 *   same hours of earlier weeks once two weeks of history exist.
 * - The window is tested with an exact share test, widened to a negative binomial by as much
 *   burstiness as the baseline admits; a Poisson CUSUM over the guard band and window adds up a
 *   modest rise sustained for hours. Without enough history, the catalog share is the expectation.
 * - p-values are corrected across the clusters tested together, then the ratio and size gates apply.
 * - Policy areas overlap and cover part of the traffic: they are tested together against the whole
 *   traffic, untrimmed (SeriesKind 'overlapping').
 */
import { ClioError } from '../errors.ts';
import {
  benjaminiHochberg,
  binomialUpperTail,
  bonferroni,
  cusumPValueBound,
  negativeBinomialUpperTail,
  poissonCusumStep,
} from './stats.ts';

/** One bucket of one cluster: its conversations, and all conversations of the bucket in the same segment. */
export interface BucketCounts {
  conversations: number;
  traffic: number;
}

export interface SpikeParams {
  /** Length of the current window, in buckets. */
  windowBuckets: number;
  /** Length of the trailing baseline, in buckets. */
  baselineBuckets: number;
  /** Buckets left out between baseline and window, so that a rise does not inflate its own baseline. */
  guardBuckets: number;
  /** Buckets in a week: compare with the same hours of earlier weeks once the series holds two of them. */
  bucketsPerWeek?: number;
  /** Smallest observed/expected ratio worth an alert. */
  minRatio: number;
  /** Significance level after correction across the clusters tested together. */
  alpha: number;
  correction: 'bh' | 'bonferroni';
  /** Fewest conversations in the window before a cluster can fire. */
  minConversations: number;
}

/**
 * A series as two columns, oldest → newest: the same figures as BucketCounts[] without an object
 * per bucket (the detector passes hundreds of clusters × weeks of buckets per window).
 */
export interface SeriesColumns {
  conversations: ArrayLike<number>;
  /** Same length as conversations. */
  traffic: ArrayLike<number>;
  /**
   * Running sums of both columns, when the caller keeps them (the detector's cache does): sums over
   * any span in O(1) instead of a loop over weeks of buckets at every window. Only for whole
   * counts (they are), so that a sum taken either way is the same number to the last bit.
   */
  sums?: ColumnSums;
}

export interface ColumnSums {
  /** conversations[k] = conversations of buckets 0 … k−1; one longer than the series. */
  conversations: ArrayLike<number>;
  /** traffic[k] = traffic of buckets 0 … k−1; one longer than the series. */
  traffic: ArrayLike<number>;
  /** At least the largest count of the series (decides whether other traffic can be summed as a difference). */
  maxConversations: number;
}

export interface ClusterSeries {
  id: string;
  /** Oldest → newest; the last windowBuckets are the current window. Start it when the cluster started to exist. */
  series: readonly BucketCounts[];
  /**
   * Share of *all* traffic in the catalog's baseline: the expectation while the series has too
   * little history. detectSpikes turns it into the share expected of the reference it tests
   * against (the trimmed reference leaves other series out, so the same series holds more of it).
   */
  prior?: { share: number };
}

/** A ClusterSeries given as columns (what the detector passes). */
export interface ColumnSeries extends Omit<ClusterSeries, 'series'> {
  series: SeriesColumns;
}

/** A series either way: objects per bucket (simple to write) or columns (cheap to pass by the hundred). */
export type AnySeries = ClusterSeries | ColumnSeries;

/**
 * The test that bound the decision. binomial-share: the window's share against the baseline's
 * (exact). negative-binomial: the same, allowing for the burstiness the baseline admits.
 * poisson-cusum: a sustained rise over the guard band and window. prior-share: the window's share
 * against the catalog share, for a cluster without enough history.
 */
export type SpikeMethod = 'binomial-share' | 'negative-binomial' | 'poisson-cusum' | 'prior-share';

export interface SpikeEvaluation {
  /** In the current window; share of the robust reference traffic. */
  observed: { conversations: number; share: number };
  /** Expected for the current window (its conversations follow the window's reference traffic). */
  baseline: { conversations: number; share: number };
  /** observed / expected conversations, capped at RATIO_CAP. */
  ratio: number;
  /** The p-value the decision uses (already adjusted when two tests were combined). */
  pValue: number;
  /** The test that carried the decision: −log10 of its p-value, or the CUSUM statistic. */
  score: { method: SpikeMethod; value: number };
  /** False while the cluster is judged against its prior share (or not at all). */
  enoughHistory: boolean;
}

/**
 * What the series passed together are. `disjoint` (the default): one level of the hierarchy, each
 * conversation in at most one of them, so the clusters that moved most can be trimmed out of the
 * reference. `overlapping`: policy areas — a conversation can carry several and most carry none, so
 * subtracting several of them from the traffic would count overlaps twice; their reference is the
 * segment's whole traffic (a launch still scales both sides of the share).
 */
export type SeriesKind = 'disjoint' | 'overlapping';

export interface SpikeVerdict {
  id: string;
  evaluation: SpikeEvaluation;
  fire: boolean;
}

/** A spike input that cannot be judged: bad parameters or a reference that does not line up. */
export class SpikeInputError extends ClioError {
  constructor(message: string) {
    super('spike_input_invalid', message);
  }
}

/** Ratios stay finite (a cluster seen for the first time would divide by zero) and serialisable. */
export const RATIO_CAP = 1e6;
/** Share of clusters trimmed from each end of the reference: those whose window moved most from expectation. */
const TRIM_FRACTION = 0.1;
/** The trailing baseline must cover this share of its length before it is trusted over the prior. */
const MIN_HISTORY_FRACTION = 0.25;
/** The CUSUM is tuned to at least this rise, so that a minRatio near 1 still gives it a direction. */
const CUSUM_MIN_RISE = 1.5;
/** One-sided z of the baseline's Pearson dispersion above which a cluster counts as bursty (≈ 5%). */
const BURSTY_Z = 1.645;
/** z of the upper confidence bound taken for a cluster's dispersion (one-sided 95%). */
const DISPERSION_BOUND_Z = 1.645;
/** Window-sized blocks the baseline needs before burstiness can be judged. */
const MIN_DISPERSION_BLOCKS = 4;
/** −log10 p is reported up to here: tails beyond double precision are all "certain". */
const MAX_SCORE = 300;

interface Span {
  start: number;
  end: number;
}

/** Where the window and the baselines lie in a series of `length` buckets. */
interface Plan {
  window: Span;
  /** Trailing baseline: just before the guard band. */
  trailing: Span;
  /** Spans the expectation comes from: same hours of earlier weeks, or the trailing baseline. */
  expectation: Span[];
  seasonal: boolean;
  enoughHistory: boolean;
}

/** The last plan made, for the next series of the same length and spans (a group's series mostly share one). */
let lastPlan: { length: number; window: number; baseline: number; guard: number; week: number | undefined; plan: Plan } | null = null;

/** planOf's plan, shared by the series that ask for the same one (plans are never modified). */
function planFor(length: number, p: SpikeParams): Plan {
  const last = lastPlan;
  if (last && last.length === length && last.window === p.windowBuckets && last.baseline === p.baselineBuckets && last.guard === p.guardBuckets && last.week === p.bucketsPerWeek) {
    return last.plan;
  }
  const plan = planOf(length, p);
  lastPlan = { length, window: p.windowBuckets, baseline: p.baselineBuckets, guard: p.guardBuckets, week: p.bucketsPerWeek, plan };
  return plan;
}

function planOf(length: number, p: SpikeParams): Plan {
  const window = { start: Math.max(0, length - p.windowBuckets), end: length };
  const trailingEnd = Math.max(0, window.start - p.guardBuckets);
  const trailing = { start: Math.max(0, trailingEnd - p.baselineBuckets), end: trailingEnd };
  const weeks = sameHoursOfEarlierWeeks(window.start, p);
  if (weeks.length >= 2) return { window, trailing, expectation: weeks, seasonal: true, enoughHistory: true };
  const enoughHistory = trailing.end - trailing.start >= Math.max(1, Math.ceil(MIN_HISTORY_FRACTION * p.baselineBuckets));
  return { window, trailing, expectation: [trailing], seasonal: false, enoughHistory };
}

/** The current window's hours in every earlier week the series holds (clear of the guard band). */
function sameHoursOfEarlierWeeks(windowStart: number, p: SpikeParams): Span[] {
  const spans: Span[] = [];
  if (!p.bucketsPerWeek) return spans;
  for (let start = windowStart - p.bucketsPerWeek; start >= 0; start -= p.bucketsPerWeek) {
    if (start + p.windowBuckets <= windowStart - p.guardBuckets) spans.push({ start, end: start + p.windowBuckets });
  }
  return spans;
}

/** Conversations of the cluster, and of everything else in its reference, over some spans. */
interface Totals {
  conversations: number;
  others: number;
}

/** The columns of a series given either way (objects per bucket are converted once). */
export function columnsOf(series: AnySeries['series']): SeriesColumns {
  if (!Array.isArray(series)) return series as SeriesColumns;
  const rows = series as readonly BucketCounts[];
  return { conversations: rows.map((b) => b.conversations), traffic: rows.map((b) => b.traffic) };
}

/**
 * The traffic a cluster's share is taken of. `reference` includes the cluster's own conversations.
 * With `sums`, the other traffic over a span is a difference of running sums — exact when no bucket's
 * reference is below the cluster's own count (checked by the caller), as the loop clamps at 0.
 */
interface Reference {
  /** Buckets it spans: the series' length. */
  length: number;
  /** Per bucket; read only without `sums` (which then answer everything). */
  reference?: ArrayLike<number>;
  /** Running sums of the reference *without* the cluster's conversations clamped in: see detectSpikes. */
  sums?: { reference: RunningSums; conversations: ArrayLike<number>; ownIncluded: boolean };
}

/** Running sums of reference traffic: at(t) − at(s) is its traffic over buckets [s, t). */
interface RunningSums {
  at(t: number): number;
}

function totalsOver(series: SeriesColumns, ref: Reference, span: Span): Totals {
  const fast = ref.sums;
  if (fast) {
    const conversations = fast.conversations[span.end]! - fast.conversations[span.start]!;
    const reference = fast.reference.at(span.end) - fast.reference.at(span.start);
    // ownIncluded: the reference holds the cluster's conversations; otherwise it is the other traffic itself.
    return { conversations, others: fast.ownIncluded ? reference - conversations : reference };
  }
  return totalsLoop(series, ref.reference!, span);
}

/** Other traffic at one bucket. */
function othersAt(series: SeriesColumns, ref: Reference, t: number): number {
  const fast = ref.sums;
  if (fast) {
    const reference = fast.reference.at(t + 1) - fast.reference.at(t);
    // A trimmed cluster's reference is the robust one without it: the other traffic itself (never
    // below 0); with its own included, it is never below its own count (see detectSpikes).
    return fast.ownIncluded ? reference - series.conversations[t]! : reference;
  }
  return Math.max(0, ref.reference![t]! - series.conversations[t]!);
}

function totalsLoop(series: SeriesColumns, reference: ArrayLike<number>, { start, end }: Span): Totals {
  // Columns held in locals: this loop runs over weeks of buckets for every cluster at every window.
  const counts = series.conversations;
  let conversations = 0;
  let others = 0;
  for (let t = start; t < end; t++) {
    const c = counts[t]!;
    conversations += c;
    const o = reference[t]! - c;
    if (o > 0) others += o;
  }
  return { conversations, others };
}

function added(a: Totals, b: Totals): Totals {
  return { conversations: a.conversations + b.conversations, others: a.others + b.others };
}

/** The trailing baseline cut into window-sized blocks, newest first (the scatter burstiness is read from), and its totals. */
interface TrailingBlocks {
  /** counts[0 … blocks−1] */
  counts: Float64Array;
  exposures: Float64Array;
  blocks: number;
  total: Totals;
  /** The blocks' part of the total (the rest is the head: buckets older than the oldest whole block). */
  inBlocks: Totals;
}

/**
 * Scratch for the blocks of the cluster being judged: read by burstinessOf right after, before the
 * next cluster's blocks are cut (allocating two arrays per cluster per window was a fair part of a backtest).
 */
let blockCounts = new Float64Array(0);
let blockExposures = new Float64Array(0);

/** The last reference blocks taken, for the next series over the same running sums and blocks. */
let lastBlocks: { running: RunningSums; end: number; blocks: number; size: number; sums: Float64Array } | null = null;

/**
 * The reference's traffic per trailing block (newest first), from its running sums: the same for
 * every series of a group that spans the whole reference (they share its running sums), so taken once.
 */
function referenceBlocks(running: RunningSums, end: number, blocks: number, size: number): Float64Array {
  const last = lastBlocks;
  if (last && last.running === running && last.end === end && last.blocks === blocks && last.size === size) return last.sums;
  const sums = new Float64Array(blocks);
  for (let j = 0; j < blocks; j++) sums[j] = running.at(end - j * size) - running.at(end - j * size - size);
  lastBlocks = { running, end, blocks, size, sums };
  return sums;
}

function trailingBlocksOf(series: SeriesColumns, ref: Reference, trailing: Span, windowBuckets: number): TrailingBlocks {
  const n = Math.floor((trailing.end - trailing.start) / windowBuckets);
  if (blockCounts.length < n) {
    blockCounts = new Float64Array(n);
    blockExposures = new Float64Array(n);
  }
  const counts = blockCounts;
  const exposures = blockExposures;
  const head = totalsOver(series, ref, { start: trailing.start, end: trailing.end - n * windowBuckets });
  const fast = ref.sums;
  if (fast) {
    // As totalsOver with running sums, block by block, without an object per block.
    const own = fast.conversations;
    const all = referenceBlocks(fast.reference, trailing.end, n, windowBuckets);
    const ownIncluded = fast.ownIncluded;
    let conversations = head.conversations;
    let others = head.others;
    for (let j = 0; j < n; j++) {
      const end = trailing.end - j * windowBuckets;
      const c = own[end]! - own[end - windowBuckets]!;
      const r = all[j]!;
      const o = ownIncluded ? r - c : r;
      counts[j] = c;
      exposures[j] = o;
      conversations += c;
      others += o;
    }
    return { counts, exposures, blocks: n, total: { conversations, others }, inBlocks: { conversations: conversations - head.conversations, others: others - head.others } };
  }
  const reference = ref.reference!;
  let totalConversations = head.conversations;
  let totalOthers = head.others;
  const column = series.conversations;
  // One pass, no object per block; each block summed in bucket order, then added to the total in
  // block order (newest first), as before: the same figures to the last bit.
  for (let j = 0; j < n; j++) {
    const end = trailing.end - j * windowBuckets;
    let conversations = 0;
    let others = 0;
    for (let t = end - windowBuckets; t < end; t++) {
      const c = column[t]!;
      conversations += c;
      const o = reference[t]! - c;
      if (o > 0) others += o;
    }
    counts[j] = conversations;
    exposures[j] = others;
    totalConversations += conversations;
    totalOthers += others;
  }
  const inBlocks = { conversations: totalConversations - head.conversations, others: totalOthers - head.others };
  return { counts, exposures, blocks: n, total: { conversations: totalConversations, others: totalOthers }, inBlocks };
}

/** What one test concluded about the window. */
interface Judgement {
  method: SpikeMethod;
  pValue: number;
  /** −log10 p, or the CUSUM statistic. */
  score: number;
  /** Conversations expected in the window; null when there is nothing to compare with. */
  expected: number | null;
  baselineShare: number;
}

/**
 * Judges one cluster's current window. `reference` is the traffic per bucket its share is taken
 * of — total traffic, or the robust reference — and must include the cluster's own conversations
 * (detectSpikes adds them back when the cluster was trimmed out of the robust reference).
 */
export function evaluateSpike(cluster: AnySeries, reference: ArrayLike<number>, params: SpikeParams): SpikeEvaluation {
  checkParams(params);
  return evaluate(cluster.id, columnsOf(cluster.series), cluster.prior, { length: reference.length, reference }, params);
}

function evaluate(id: string, series: SeriesColumns, prior: ClusterSeries['prior'], ref: Reference, params: SpikeParams): SpikeEvaluation {
  const length = series.conversations.length;
  if (ref.length !== length) {
    throw new SpikeInputError(`reference has ${ref.length} buckets, series of ${id} has ${length}`);
  }
  const plan = planFor(length, params);
  const window = totalsOver(series, ref, plan.window);
  const judgement = plan.enoughHistory ? judgeAgainstHistory(series, ref, plan, window, params) : judgeAgainstPrior(prior, window);
  return {
    observed: { conversations: window.conversations, share: shareOf(window) },
    baseline: { conversations: judgement.expected ?? 0, share: judgement.baselineShare },
    // Without an expectation there is no evidence of change: ratio 1, not a division by zero.
    ratio: judgement.expected === null ? 1 : ratioOf(window.conversations, judgement.expected),
    pValue: judgement.pValue,
    score: { method: judgement.method, value: judgement.score },
    enoughHistory: plan.enoughHistory,
  };
}

function judgeAgainstHistory(series: SeriesColumns, ref: Reference, plan: Plan, window: Totals, params: SpikeParams): Judgement {
  const trailing = trailingBlocksOf(series, ref, plan.trailing, params.windowBuckets);
  const base = plan.seasonal ? plan.expectation.map((span) => totalsOver(series, ref, span)).reduce(added) : trailing.total;
  // With no other traffic the share cannot move (the cluster is all there is): nothing to test.
  if (base.others <= 0 || window.others <= 0) return unjudged('binomial-share', shareOf(base));
  const expected = (base.conversations / base.others) * window.others;
  const { bursty, dispersion } = burstinessOf(trailing);
  const windows = plan.expectation.reduce((n, span) => n + span.end - span.start, 0) / params.windowBuckets;
  const share = shareTest(window, base, expected);
  // A bursty window must be beyond both: the baseline's sampling noise (exact, which matters for
  // a small baseline) and the bursts the history admits. The larger p-value binds.
  const windowTest = dispersion > 0 ? weaker(share, negativeBinomialTest(window, base, windows, expected, dispersion)) : share;
  // The CUSUM's likelihood ratio assumes Poisson counts around a steady share: plainly bursty or
  // hour-of-week-shaped clusters (both show as overdispersion) are judged per window only.
  // Its in-control mean comes from the trailing baseline even in seasonal mode: a steady share
  // needs no hour-of-week correction, and two weeks' same hours would make a noisy mean.
  const { conversations, others } = trailing.total;
  if (bursty || conversations === 0 || others === 0) return windowTest;
  const rise = Math.max(params.minRatio, CUSUM_MIN_RISE);
  const cusum = cusumTest(series, ref, plan.trailing.end, conversations / others, rise, expected, shareOf(base));
  return either(windowTest, cusum);
}

/**
 * The exact conditional test for two Poisson rates: given the cluster's conversations in window and
 * baseline together, the window's part is Binomial(n, π), π = the window's part of the other
 * traffic. It is a share test — a launch scales both sides — and it counts the baseline's own
 * noise, which matters when the baseline is only the same hours of two earlier weeks.
 */
function shareTest(window: Totals, base: Totals, expected: number): Judgement {
  const n = window.conversations + base.conversations;
  const pValue = binomialUpperTail(window.conversations, n, window.others / (window.others + base.others));
  return { method: 'binomial-share', pValue, score: minusLog10(pValue), expected, baselineShare: shareOf(base) };
}

/**
 * The window count against a negative binomial around the expected count, with as much
 * burstiness as the baseline admits. The expectation's own uncertainty — relative variance
 * 1/conversations from sampling plus φ/windows from bursts in the baseline — widens it further,
 * as the conditional share test accounts for its baseline's noise.
 */
function negativeBinomialTest(window: Totals, base: Totals, windows: number, expected: number, dispersion: number): Judgement {
  const baselineNoise = 1 / Math.max(1, base.conversations) + dispersion / Math.max(1, windows);
  const pValue = negativeBinomialUpperTail(window.conversations, expected, dispersion + baselineNoise);
  return { method: 'negative-binomial', pValue, score: minusLog10(pValue), expected, baselineShare: shareOf(base) };
}

/**
 * A Poisson CUSUM over the guard band and the window — the stretch the baseline leaves out — tuned
 * to a rise of `rise`×, with the in-control mean of each bucket following its reference traffic.
 * It catches a modest rise sustained since before the window, which no single window shows.
 */
function cusumTest(series: SeriesColumns, ref: Reference, from: number, rate: number, rise: number, expected: number, baselineShare: number): Judgement {
  // poissonCusum's path, step by step, keeping only its last value (no arrays per series per window).
  let statistic = 0;
  let steps = 0;
  for (let t = from; t < series.conversations.length; t++) {
    const mean = rate * othersAt(series, ref, t);
    // A bucket without other traffic has no expectation to compare with.
    if (mean > 0) {
      // mean > 0 and rise ≥ CUSUM_MIN_RISE: both means are > 0, as poissonCusum requires.
      const risen = mean * rise;
      statistic = poissonCusumStep(statistic, series.conversations[t]!, mean, risen);
      steps++;
    }
  }
  return { method: 'poisson-cusum', pValue: cusumPValueBound(statistic, steps), score: statistic, expected, baselineShare };
}

/** Both tests must reject (intersection–union): the larger p-value is a valid p-value for that. */
function weaker(a: Judgement, b: Judgement): Judgement {
  return b.pValue > a.pValue ? b : a;
}

/** Either test may reject: the smaller p-value decides, doubled (Bonferroni) to stay valid. */
function either(a: Judgement, b: Judgement): Judgement {
  const best = b.pValue < a.pValue ? b : a;
  return { ...best, pValue: Math.min(1, 2 * best.pValue) };
}

/**
 * How bursty the cluster's window-sized counts in the trailing baseline are around its steady
 * share. `dispersion` is φ (variance = mean + φ·mean²) by moments, raised to its upper confidence
 * bound: a few days of blocks estimate φ loosely, small clusters hide it in their Poisson noise,
 * and the tail a test reads is very sensitive to it — an underestimate turns ordinary bursts into
 * alerts. `bursty` says whether Pearson's statistic shows the excess variance plainly.
 */
function burstinessOf({ counts, exposures, blocks, inBlocks }: TrailingBlocks): Burstiness {
  const steady = { bursty: false, dispersion: 0 };
  if (blocks < MIN_DISPERSION_BLOCKS) return steady;
  // Whole counts: the blocks' sums taken while cutting them are the sums of the blocks, exactly.
  const rate = inBlocks.conversations / inBlocks.others;
  if (!(rate > 0 && Number.isFinite(rate))) return steady;
  // Per block: excess variance a = (c − e)² − e, whose expectation is φ·e².
  let pearson = 0;
  let excess = 0;
  let weight = 0;
  for (let j = 0; j < blocks; j++) {
    const expected = rate * exposures[j]!;
    if (expected <= 0) continue;
    const squared = (counts[j]! - expected) ** 2;
    pearson += squared / expected;
    excess += squared - expected;
    weight += expected * expected;
  }
  if (weight === 0) return steady;
  const phi = excess / weight;
  let scatter = 0;
  for (let j = 0; j < blocks; j++) {
    const expected = rate * exposures[j]!;
    if (expected > 0) scatter += ((counts[j]! - expected) ** 2 - expected - phi * expected * expected) ** 2;
  }
  const df = blocks - 1;
  return {
    bursty: phi > 0 && (pearson / df - 1) / Math.sqrt(2 / df) > BURSTY_Z,
    dispersion: Math.max(0, phi + (DISPERSION_BOUND_Z * Math.sqrt(scatter)) / weight),
  };
}

interface Burstiness {
  /** The baseline plainly scatters more than Poisson (Pearson's test). */
  bursty: boolean;
  /** Upper bound of φ; 0 when the baseline is too short or plainly steady. */
  dispersion: number;
}

/**
 * A cluster without enough history (new, or the stream just started) against its catalog share:
 * its window count out of the window's reference traffic, Binomial(traffic, prior share).
 */
function judgeAgainstPrior(prior: ClusterSeries['prior'], window: Totals): Judgement {
  const share = prior?.share;
  // Shares of 0 or 1 carry no usable expectation (every count would be impossible or certain).
  if (share === undefined || !(share > 0 && share < 1) || window.others <= 0) return unjudged('prior-share', share ?? 0);
  const n = window.conversations + Math.round(window.others);
  const pValue = binomialUpperTail(window.conversations, n, share);
  // Expected conversations follow the other traffic (odds), so that a big cluster's own surge does not lift them.
  const expected = (share / (1 - share)) * window.others;
  return { method: 'prior-share', pValue, score: minusLog10(pValue), expected, baselineShare: share };
}

function unjudged(method: SpikeMethod, baselineShare: number): Judgement {
  return { method, pValue: 1, score: 0, expected: null, baselineShare };
}

function shareOf(t: Totals): number {
  const total = t.conversations + t.others;
  return total > 0 ? t.conversations / total : 0;
}

function ratioOf(observed: number, expected: number): number {
  if (expected > 0) return Math.min(RATIO_CAP, observed / expected);
  // Seen for the first time in its history: as large as a ratio gets.
  return observed > 0 ? RATIO_CAP : 1;
}

function minusLog10(p: number): number {
  return Math.min(MAX_SCORE, -Math.log10(Math.max(p, 10 ** -MAX_SCORE)));
}

/**
 * Traffic per bucket without the clusters whose window moved most from expectation: a trimmed
 * reference. The top TRIM_FRACTION (the surges, which would inflate the total and hide themselves
 * and others) and as many from the bottom are left out. Trimming both ends keeps the reference
 * unbiased under plain noise: dropping only the highest would bias every expectation down.
 * The same clusters leave every bucket, so baseline and window stay comparable. Clusters passed
 * together must be disjoint (one level of the hierarchy); series of different lengths are aligned
 * on their newest bucket.
 */
export function robustReference(clusters: readonly AnySeries[], params: SpikeParams): number[] {
  checkParams(params);
  return Array.from(referenceWithout(clusters.map((c) => columnsOf(c.series)), trimmedClusters(clusters, params)));
}

/** Indices of the clusters to trim, ranked by standardised excess over a raw-traffic expectation. */
function trimmedClusters(clusters: readonly AnySeries[], params: SpikeParams): Set<number> {
  const z = clusters.map((c) => standardisedExcess(columnsOf(c.series), params));
  const order = z.map((_, i) => i).sort((a, b) => z[b]! - z[a]!);
  const top = Math.ceil(TRIM_FRACTION * clusters.length);
  // With very few clusters keep at least one untrimmed where possible.
  const bottom = clusters.length > 2 * top ? top : 0;
  return new Set([...order.slice(0, top), ...order.slice(order.length - bottom)]);
}

/** (window − expected) / √expected, the expectation scaled by raw traffic: how far a cluster moved. */
function standardisedExcess(series: SeriesColumns, params: SpikeParams): number {
  const { window, trailing } = planFor(series.conversations.length, params);
  const [inWindow, windowTraffic] = sums(series, window);
  const [inBaseline, baselineTraffic] = sums(series, trailing);
  const expected = baselineTraffic > 0 ? (inBaseline * windowTraffic) / baselineTraffic : 0;
  return (inWindow - expected) / Math.sqrt(Math.max(1, expected));
}

function sums(series: SeriesColumns, { start, end }: Span): [number, number] {
  const running = series.sums;
  if (running) return [running.conversations[end]! - running.conversations[start]!, running.traffic[end]! - running.traffic[start]!];
  const counts = series.conversations;
  const totals = series.traffic;
  let conversations = 0;
  let traffic = 0;
  for (let t = start; t < end; t++) {
    conversations += counts[t]!;
    traffic += totals[t]!;
  }
  return [conversations, traffic];
}

/** Traffic per bucket (taken from the longest series: all carry the same totals) minus the trimmed clusters, clamped at 0. */
function referenceWithout(columns: readonly SeriesColumns[], trimmed: ReadonlySet<number>): Float64Array {
  const longest = longestOf(columns);
  // Typed arrays: weeks of buckets × hundreds of clusters per window stay off the collected heap
  // (a typed column is copied at once, not element by element through an iterator).
  const reference = longest.traffic instanceof Float64Array ? longest.traffic.slice() : Float64Array.from(longest.traffic);
  for (const i of trimmed) {
    const series = columns[i]!.conversations;
    const offset = reference.length - series.length;
    for (let t = 0; t < series.length; t++) reference[offset + t]! -= series[t]!;
  }
  for (let t = 0; t < reference.length; t++) if (!(reference[t]! > 0)) reference[t] = 0;
  return reference;
}

function longestOf(columns: readonly SeriesColumns[]): SeriesColumns {
  return columns.reduce<SeriesColumns>((a, c) => (c.conversations.length > a.conversations.length ? c : a), { conversations: [], traffic: [] });
}

/**
 * The trimmed reference of one group (referenceWithout) as its running sums, read at the points a
 * window asks for. Building its column means subtracting a hundred-odd trimmed series over weeks of
 * buckets at every window — the largest part of a backtest — while a window reads the sums at a few
 * hundred points (its spans and baseline blocks). So when no bucket can fall below 0 (the least
 * traffic covers the sum of the trimmed series' largest counts, so the clamp never acts), a sum at a
 * point is taken from the series' own running sums when first asked; otherwise the column is built
 * in full. Counts are whole numbers: both ways give the same figures to the last bit.
 */
class TrimmedReference {
  /** Running sums from bucket 0 (memo[t]: buckets 0 … t−1); NaN until asked. */
  private readonly memo: Float64Array;
  /** One view per offset: referenceBlocks recognises sums it has cut into blocks by identity. */
  private readonly views = new Map<number, RunningSums>();
  private column: Float64Array | null = null;
  /** Least reference from each bucket on (or a lower bound of it, when summed lazily). */
  private least: Float64Array | null = null;

  private constructor(
    readonly length: number,
    private readonly columns: readonly SeriesColumns[],
    private readonly trimmed: ReadonlySet<number>,
    /** Set when the sums are taken lazily: traffic's running sums, the trimmed series' own, and their largest counts summed. */
    private readonly lazy: { traffic: ArrayLike<number>; trafficColumn: ArrayLike<number>; trimmed: Array<{ running: ArrayLike<number>; offset: number }>; bound: number } | null,
  ) {
    this.memo = new Float64Array(length + 1).fill(Number.NaN);
    if (!lazy) this.build();
  }

  static of(columns: readonly SeriesColumns[], trimmed: ReadonlySet<number>): TrimmedReference {
    const longest = longestOf(columns);
    const length = longest.conversations.length;
    return new TrimmedReference(length, columns, trimmed, TrimmedReference.lazily(longest, columns, trimmed, length));
  }

  /** What lazy sums need, or null when some bucket might be clamped (or a series has no running sums). */
  private static lazily(longest: SeriesColumns, columns: readonly SeriesColumns[], trimmed: ReadonlySet<number>, length: number): TrimmedReference['lazy'] {
    if (!longest.sums) return null;
    const parts: Array<{ running: ArrayLike<number>; offset: number }> = [];
    let bound = 0;
    for (const i of trimmed) {
      const series = columns[i]!;
      if (!series.sums) return null;
      parts.push({ running: series.sums.conversations, offset: length - series.conversations.length });
      bound += series.sums.maxConversations;
    }
    const traffic = longest.traffic;
    let least = Infinity;
    for (let t = 0; t < length; t++) if (traffic[t]! < least) least = traffic[t]!;
    if (!(least - bound >= 0)) return null;
    return { traffic: longest.sums.traffic, trafficColumn: traffic, trimmed: parts, bound };
  }

  /** The reference per bucket (built once). */
  perBucket(): Float64Array {
    this.column ??= referenceWithout(this.columns, this.trimmed);
    return this.column;
  }

  /** Its running sums seen from bucket `offset` on (a series that starts there). */
  sumsFrom(offset: number): RunningSums {
    let view = this.views.get(offset);
    if (!view) {
      view = { at: (t: number) => this.at(offset + t) };
      this.views.set(offset, view);
    }
    return view;
  }

  /** The least reference over buckets offset … length−1 (a lower bound when summed lazily); Infinity past the end. */
  leastFrom(offset: number): number {
    if (!this.least) {
      const least = new Float64Array(this.length + 1);
      least[this.length] = Infinity;
      const lazy = this.lazy;
      const values = lazy ? lazy.trafficColumn : this.perBucket();
      for (let t = this.length - 1; t >= 0; t--) least[t] = Math.min(least[t + 1]!, values[t]!);
      // Lazily, the trimmed series are not subtracted per bucket: at most their largest counts are.
      if (lazy) for (let t = 0; t < this.length; t++) least[t]! -= lazy.bound;
      this.least = least;
    }
    return this.least[offset]!;
  }

  private at(t: number): number {
    const known = this.memo[t]!;
    if (known === known) return known;
    const lazy = this.lazy!;
    // Every running sum is taken from its own start: a view's first sum need not be 0.
    let sum = lazy.traffic[t]! - lazy.traffic[0]!;
    for (const { running, offset } of lazy.trimmed) {
      const k = t - offset;
      if (k > 0) sum -= running[k]! - running[0]!;
    }
    this.memo[t] = sum;
    return sum;
  }

  private build(): void {
    const column = this.perBucket();
    const memo = this.memo;
    memo[0] = 0;
    for (let t = 0; t < column.length; t++) memo[t + 1] = memo[t]! + column[t]!;
  }
}

/** A cluster's share is always of traffic that includes itself, even when it was trimmed from the reference. */
function ownReference(series: SeriesColumns, reference: Float64Array, trimmed: boolean): ArrayLike<number> {
  const length = series.conversations.length;
  if (!trimmed && length === reference.length) return reference;
  const own = reference.slice(reference.length - length);
  if (trimmed) for (let t = 0; t < own.length; t++) own[t]! += series.conversations[t]!;
  return own;
}

/**
 * Evaluates every cluster against the robust reference, corrects the p-values across them (BH or
 * Bonferroni at alpha), and fires those that are significant, at least minRatio above expectation
 * and at least minConversations in the window: significance alone would alert on tiny or
 * negligible rises in big clusters.
 */
export function detectSpikes(clusters: readonly AnySeries[], params: SpikeParams, kind: SeriesKind = 'disjoint'): SpikeVerdict[] {
  checkParams(params);
  const trimmed = kind === 'disjoint' ? trimmedClusters(clusters, params) : new Set<number>();
  const columns = clusters.map((c) => columnsOf(c.series));
  const reference = TrimmedReference.of(columns, trimmed);
  const untrimmed: { elsewhere?: number } = {};
  const evaluations = clusters.map((c, i) => {
    const prior = priorInReference(clusters, trimmed, i, untrimmed);
    const series = columns[i]!;
    const isTrimmed = trimmed.has(i);
    const offset = reference.length - series.conversations.length;
    const own = series.sums;
    // With running sums whose counts never exceed the reference anywhere, the other traffic over a
    // span is a difference of sums (a trimmed series' reference is the other traffic itself).
    if (own && offset >= 0 && (isTrimmed || own.maxConversations <= reference.leastFrom(offset))) {
      const sums = { reference: reference.sumsFrom(offset), conversations: own.conversations, ownIncluded: !isTrimmed };
      return evaluate(c.id, series, prior, { length: series.conversations.length, sums }, params);
    }
    const bucketed = ownReference(series, reference.perBucket(), isTrimmed);
    return evaluate(c.id, series, prior, { length: bucketed.length, reference: bucketed }, params);
  });
  const correct = params.correction === 'bh' ? benjaminiHochberg : bonferroni;
  const significant = correct(evaluations.map((e) => e.pValue), params.alpha);
  return clusters.map((c, i) => {
    const evaluation = evaluations[i]!;
    const fire = significant[i]! && evaluation.ratio >= params.minRatio && evaluation.observed.conversations >= params.minConversations;
    return { id: c.id, evaluation, fire };
  });
}

/**
 * A prior is a share of all traffic; the test takes the share of the trimmed reference, which
 * lacks the other trimmed clusters. At catalog shares, cluster i holds p_i / (1 − Σ p_j) of it (j
 * the other trimmed clusters). Comparing p_i itself with that share made every untrimmed cluster
 * look ×1/(1 − Σ p_j) too big — ×2 and more when a big parent was trimmed — and which clusters were
 * trimmed changed with the noise of each window, so parents flapped until history took over.
 * A trimmed cluster without a prior counts with its share of the traffic over its whole series.
 */
function priorInReference(clusters: readonly AnySeries[], trimmed: ReadonlySet<number>, i: number, untrimmed: { elsewhere?: number }): ClusterSeries['prior'] {
  const own = clusters[i]!.prior;
  if (own === undefined) return undefined;
  // Every untrimmed cluster sums the same trimmed clusters in the same order: taken once per call.
  const elsewhere = trimmed.has(i) ? trimmedShares(clusters, trimmed, i) : (untrimmed.elsewhere ??= trimmedShares(clusters, trimmed, i));
  return elsewhere < 1 ? { share: own.share / (1 - elsewhere) } : own;
}

/** Σ of the trimmed clusters' shares but cluster i's, in the trimmed set's order. */
function trimmedShares(clusters: readonly AnySeries[], trimmed: ReadonlySet<number>, i: number): number {
  let elsewhere = 0;
  for (const j of trimmed) {
    if (j === i) continue;
    const c = clusters[j]!;
    if (c.prior !== undefined) elsewhere += c.prior.share;
    else {
      const columns = columnsOf(c.series);
      const [conversations, traffic] = sums(columns, { start: 0, end: columns.conversations.length });
      elsewhere += traffic > 0 ? conversations / traffic : 0;
    }
  }
  return elsewhere;
}

function checkParams(p: SpikeParams): void {
  const count = (key: keyof SpikeParams, value: number | undefined, min: number): void => {
    if (value === undefined || !Number.isInteger(value) || value < min) throw new SpikeInputError(`${key} must be an integer ≥ ${min}, got ${value}`);
  };
  count('windowBuckets', p.windowBuckets, 1);
  count('baselineBuckets', p.baselineBuckets, 1);
  count('guardBuckets', p.guardBuckets, 0);
  if (p.bucketsPerWeek !== undefined) count('bucketsPerWeek', p.bucketsPerWeek, p.windowBuckets + p.guardBuckets + 1);
  if (!(p.minRatio >= 0) || !Number.isFinite(p.minRatio)) throw new SpikeInputError(`minRatio must be a finite number ≥ 0, got ${p.minRatio}`);
  if (!(p.alpha > 0 && p.alpha < 1)) throw new SpikeInputError(`alpha must be in (0, 1), got ${p.alpha}`);
  if (p.correction !== 'bh' && p.correction !== 'bonferroni') throw new SpikeInputError(`correction must be 'bh' or 'bonferroni', got ${String(p.correction)}`);
  if (!(p.minConversations >= 0)) throw new SpikeInputError(`minConversations must be ≥ 0, got ${p.minConversations}`);
}
