/**
 * Tail probabilities and multiple-testing corrections for spike detection, pure and dependency-free.
 *
 * Spike p-values are often far below 1e-20 and counts reach the millions, so every tail is taken
 * from a regularised incomplete gamma or beta function evaluated in log space: summing
 * probability masses would underflow, lose precision or take time proportional to the count.
 */
import { ClioError } from '../errors.ts';

/** A statistics function was called outside its domain, or a series failed to converge. */
export class StatsError extends ClioError {
  constructor(message: string) {
    super('stats_invalid', message);
  }
}

/** Relative precision at which series and continued fractions stop. */
const EPSILON = 1e-15;
/** Stands in for zero in Lentz's continued fractions, where an exact zero would divide. */
const TINY = 1e-300;
/** Below this dispersion a negative binomial is a Poisson to double precision (and its beta function loses accuracy). */
const POISSON_DISPERSION = 1e-10;

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, ~15 digits): factorials of large counts overflow, their logs do not. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new StatsError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** Iterations allowed before a series is declared divergent: both converge in O(√size) steps. */
function iterationBudget(size: number): number {
  return 1000 + Math.ceil(50 * Math.sqrt(size));
}

/** Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 0;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate where it is tiny. */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 1;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

function checkGammaArgs(a: number, x: number): void {
  if (!(a > 0) || !(x >= 0) || !Number.isFinite(x)) throw new StatsError(`incomplete gamma needs a > 0 and finite x ≥ 0, got a=${a}, x=${x}`);
}

/** The series for P(a, x); converges fast where x < a + 1, which is where P is the small side. */
function gammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  const budget = iterationBudget(a);
  for (let n = 1; n < budget; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < sum * EPSILON) return sum * Math.exp(a * Math.log(x) - x - logGamma(a));
  }
  throw new StatsError(`incomplete gamma series did not converge (a=${a}, x=${x})`);
}

/** Lentz's continued fraction for Q(a, x); converges fast where x ≥ a + 1, where Q is the small side. */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  const budget = iterationBudget(x);
  for (let i = 1; i < budget; i++) {
    const an = -i * (i - a);
    b += 2;
    d = nonZero(an * d + b);
    c = nonZero(b + an / c);
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return h * Math.exp(a * Math.log(x) - x - logGamma(a));
  }
  throw new StatsError(`incomplete gamma fraction did not converge (a=${a}, x=${x})`);
}

/** Regularised incomplete beta I_x(a, b), the CDF of Beta(a, b) at x. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) throw new StatsError(`incomplete beta needs a, b > 0 and 0 ≤ x ≤ 1, got x=${x}, a=${a}, b=${b}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  // The fraction converges fast on the side of the mode where its value is the small tail.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Lentz's evaluation of the continued fraction of I_x(a, b). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 / nonZero(1 - ((a + b) * x) / (a + 1));
  let h = d;
  const budget = iterationBudget(Math.max(a, b));
  for (let m = 1; m < budget; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / nonZero(1 + even * d);
    c = nonZero(1 + even / c);
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / nonZero(1 + odd * d);
    c = nonZero(1 + odd / c);
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return h;
  }
  throw new StatsError(`incomplete beta fraction did not converge (x=${x}, a=${a}, b=${b})`);
}

function nonZero(v: number): number {
  return Math.abs(v) < TINY ? TINY : v;
}

/** Counts are integers: P(X ≥ 2.5) is P(X ≥ 3). */
function countAtLeast(k: number): number {
  if (Number.isNaN(k)) throw new StatsError('count is NaN');
  return Math.ceil(k);
}

/** P(X ≥ k) for X ~ Poisson(mean). */
export function poissonUpperTail(k: number, mean: number): number {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new StatsError(`Poisson mean must be finite and ≥ 0, got ${mean}`);
  const atLeast = countAtLeast(k);
  if (atLeast <= 0) return 1;
  if (mean === 0) return 0;
  // P(X ≥ k) = P(X ≤ k − 1)ᶜ = P(k, mean): the Poisson–gamma identity.
  return regularizedGammaP(atLeast, mean);
}

/**
 * P(X ≥ k) for a negative binomial with the given mean and dispersion φ (variance mean + φ·mean²,
 * size 1/φ). It is the Poisson–gamma mixture: counts whose rate itself wanders, as bursty clusters do.
 * As φ → 0 it becomes the Poisson tail.
 */
export function negativeBinomialUpperTail(k: number, mean: number, dispersion: number): number {
  if (!(dispersion >= 0) || !Number.isFinite(dispersion)) throw new StatsError(`dispersion must be finite and ≥ 0, got ${dispersion}`);
  if (dispersion < POISSON_DISPERSION) return poissonUpperTail(k, mean);
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new StatsError(`negative binomial mean must be finite and ≥ 0, got ${mean}`);
  const atLeast = countAtLeast(k);
  if (atLeast <= 0) return 1;
  if (mean === 0) return 0;
  const size = 1 / dispersion;
  // P(X ≤ k − 1) = I_p(size, k) with p = size / (size + mean); its complement is I_{1−p}(k, size).
  return regularizedBeta(mean / (size + mean), atLeast, size);
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (!(n >= 0) || !Number.isFinite(n)) throw new StatsError(`binomial n must be finite and ≥ 0, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new StatsError(`binomial p must be in [0, 1], got ${p}`);
  const atLeast = countAtLeast(k);
  if (atLeast <= 0) return 1;
  if (atLeast > n || p === 0) return 0;
  if (p === 1) return 1;
  // P(X ≥ k) = I_p(k, n − k + 1): the order-statistic identity.
  return regularizedBeta(p, atLeast, n - atLeast + 1);
}

/**
 * The Poisson CUSUM path S_t = max(0, S_{t−1} + x_t·ln(m1/m0) − (m1 − m0)): the log-likelihood ratio
 * of the best-placed rise from mean m0 to m1 that is still going on at t. It adds up small excesses
 * that no single window would call significant. Means may be one number or one per step (so that
 * they can follow the traffic); both must be > 0.
 */
export function poissonCusum(counts: readonly number[], mean0: number | readonly number[], mean1: number | readonly number[]): number[] {
  const path = new Array<number>(counts.length);
  let s = 0;
  for (let t = 0; t < counts.length; t++) {
    const m0 = typeof mean0 === 'number' ? mean0 : mean0[t]!;
    const m1 = typeof mean1 === 'number' ? mean1 : mean1[t]!;
    if (!(m0 > 0) || !(m1 > 0)) throw new StatsError(`CUSUM means must be > 0, got m0=${m0}, m1=${m1} at step ${t}`);
    s = poissonCusumStep(s, counts[t]!, m0, m1);
    path[t] = s;
  }
  return path;
}

/**
 * One step of the Poisson CUSUM (means already checked > 0): for callers that need only the last
 * value of the path and would otherwise build three arrays per series per window.
 */
export function poissonCusumStep(s: number, count: number, mean0: number, mean1: number): number {
  return Math.max(0, s + count * Math.log(mean1 / mean0) - (mean1 - mean0));
}

/**
 * A valid (conservative) p-value for a Poisson CUSUM statistic after `steps` steps under the
 * in-control mean: each candidate start's likelihood ratio has expectation 1, so by Markov's
 * inequality and a union over the starts, P(S ≥ s) ≤ steps·e^(−s).
 */
export function cusumPValueBound(statistic: number, steps: number): number {
  if (!(statistic >= 0) || !(steps >= 0)) throw new StatsError(`CUSUM bound needs statistic ≥ 0 and steps ≥ 0, got ${statistic}, ${steps}`);
  return Math.min(1, steps * Math.exp(-statistic));
}

/**
 * Benjamini–Hochberg step-up: rejects the k smallest p-values for the largest k with
 * p_(k) ≤ k·q/m, which keeps the expected share of false alarms among alarms at q while testing
 * many clusters at once. NaN counts as 1.
 */
export function benjaminiHochberg(pValues: readonly number[], q: number): boolean[] {
  checkLevel(q);
  const p = pValues.map(orOne);
  const ascending = [...p].sort((x, y) => x - y);
  let cutoff = -1;
  for (let rank = ascending.length; rank >= 1; rank--) {
    if (ascending[rank - 1]! <= (rank * q) / ascending.length) {
      cutoff = ascending[rank - 1]!;
      break;
    }
  }
  return p.map((v) => v <= cutoff);
}

/** Bonferroni: rejects p ≤ α/m, bounding the chance of any false alarm among m tests by α. NaN counts as 1. */
export function bonferroni(pValues: readonly number[], alpha: number): boolean[] {
  checkLevel(alpha);
  return pValues.map((v) => orOne(v) <= alpha / pValues.length);
}

function checkLevel(level: number): void {
  if (!(level > 0 && level <= 1)) throw new StatsError(`significance level must be in (0, 1], got ${level}`);
}

function orOne(p: number): number {
  return Number.isNaN(p) ? 1 : p;
}
