import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  binomialUpperTail,
  bonferroni,
  cusumPValueBound,
  logGamma,
  negativeBinomialUpperTail,
  poissonCusum,
  poissonCusumStep,
  poissonUpperTail,
  regularizedBeta,
  regularizedGammaQ,
  StatsError,
} from '../../src/detect/stats.ts';

// Exact references by direct summation of probability masses (log-space recurrences, no special functions).

function logFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

function poissonTailBySum(k: number, mean: number): number {
  let tail = 0;
  for (let i = k; i < k + 2000; i++) tail += Math.exp(i * Math.log(mean) - mean - logFactorial(i));
  return tail;
}

function binomialTailBySum(k: number, n: number, p: number): number {
  // pmf(i + 1) = pmf(i)·(n − i)/(i + 1)·p/(1 − p), from pmf(0) = (1 − p)^n, in logs.
  let logPmf = n * Math.log1p(-p);
  let tail = 0;
  for (let i = 0; i <= n; i++) {
    if (i >= k) tail += Math.exp(logPmf);
    logPmf += Math.log((n - i) / (i + 1)) + Math.log(p / (1 - p));
  }
  return tail;
}

function negativeBinomialTailBySum(k: number, mean: number, dispersion: number): number {
  // pmf(0) = q^size, pmf(i) = pmf(i − 1)·(i − 1 + size)/i·(1 − q), q = size/(size + mean).
  const size = 1 / dispersion;
  const q = size / (size + mean);
  let pmf = Math.pow(q, size);
  let tail = 0;
  for (let i = 0; i < k + 5000; i++) {
    if (i >= k) tail += pmf;
    pmf *= ((i + size) / (i + 1)) * (1 - q);
  }
  return tail;
}

function closeTo(actual: number, expected: number, relative = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected) + 1e-300);
}

describe('special functions', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    for (const n of [1, 2, 5, 10, 20, 100, 170]) closeTo(logGamma(n + 1), logFactorial(n), 1e-12);
    closeTo(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12);
    closeTo(logGamma(0.1), Math.log(9.513507698668732), 1e-12);
    expect(() => logGamma(0)).toThrow(StatsError);
  });

  it('regularised gamma and beta meet their closed forms', () => {
    // Q(1, x) = e^−x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b.
    closeTo(regularizedGammaQ(1, 3), Math.exp(-3), 1e-12);
    closeTo(regularizedGammaQ(1, 700), Math.exp(-700), 1e-10);
    closeTo(regularizedBeta(0.3, 4, 1), 0.3 ** 4, 1e-12);
    closeTo(regularizedBeta(0.3, 1, 7), 1 - 0.7 ** 7, 1e-12);
    closeTo(regularizedBeta(0.5, 3, 3), 0.5, 1e-12);
    expect(() => regularizedBeta(1.5, 1, 1)).toThrow(StatsError);
  });
});

describe('poissonUpperTail', () => {
  it('meets exact sums, including far tails', () => {
    closeTo(poissonUpperTail(1, 2.5), 1 - Math.exp(-2.5), 1e-12);
    closeTo(poissonUpperTail(2, 0.7), 1 - Math.exp(-0.7) * 1.7, 1e-12);
    for (const [k, mean] of [[10, 2], [5, 5], [3, 10], [40, 20], [60, 20], [25, 24.5]] as const) {
      closeTo(poissonUpperTail(k, mean), poissonTailBySum(k, mean), 1e-9);
    }
    // Far beyond double underflow of 1 − CDF: about e^−1/100!.
    closeTo(poissonUpperTail(100, 1), poissonTailBySum(100, 1), 1e-9);
    expect(poissonUpperTail(100, 1)).toBeGreaterThan(0);
    expect(poissonUpperTail(100, 1)).toBeLessThan(1e-150);
  });

  it('handles edges: k ≤ 0, mean 0, fractional k, large counts', () => {
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(-2, 3)).toBe(1);
    expect(poissonUpperTail(1, 0)).toBe(0);
    expect(poissonUpperTail(2.5, 1.3)).toBe(poissonUpperTail(3, 1.3));
    // Normal limit at a million: P(X ≥ mean + 3σ) ≈ 0.00135.
    expect(poissonUpperTail(1_003_000, 1_000_000)).toBeCloseTo(0.00135, 4);
    expect(() => poissonUpperTail(3, -1)).toThrow(StatsError);
  });
});

describe('binomialUpperTail', () => {
  it('meets exact sums', () => {
    expect(binomialUpperTail(8, 10, 0.5)).toBeCloseTo(56 / 1024, 14);
    for (const [k, n, p] of [[3, 20, 0.05], [15, 40, 0.2], [1, 60, 0.01], [30, 60, 0.5], [55, 60, 0.9]] as const) {
      closeTo(binomialUpperTail(k, n, p), binomialTailBySum(k, n, p), 1e-9);
    }
    // A large n with a small p: a share test over a window of a million conversations.
    closeTo(binomialUpperTail(150, 1_000_000, 1e-4), binomialTailBySum(150, 1_000_000, 1e-4), 1e-8);
  });

  it('handles edges', () => {
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
    expect(binomialUpperTail(1, 10, 0)).toBe(0);
    expect(binomialUpperTail(10, 10, 1)).toBe(1);
    expect(() => binomialUpperTail(1, 10, 1.2)).toThrow(StatsError);
  });
});

describe('negativeBinomialUpperTail', () => {
  it('meets exact sums, and the geometric closed form at size 1', () => {
    for (const [k, mean, dispersion] of [[10, 5, 0.5], [40, 20, 0.2], [3, 1, 2], [100, 20, 0.05]] as const) {
      closeTo(negativeBinomialUpperTail(k, mean, dispersion), negativeBinomialTailBySum(k, mean, dispersion), 1e-8);
    }
    // Size 1 is geometric: P(X ≥ k) = (mean / (1 + mean))^k.
    closeTo(negativeBinomialUpperTail(7, 3, 1), (3 / 4) ** 7, 1e-12);
  });

  it('is heavier-tailed than Poisson and falls back to it as dispersion → 0', () => {
    expect(negativeBinomialUpperTail(40, 20, 0.3)).toBeGreaterThan(100 * poissonUpperTail(40, 20));
    expect(negativeBinomialUpperTail(40, 20, 0)).toBe(poissonUpperTail(40, 20));
    closeTo(negativeBinomialUpperTail(40, 20, 1e-7), poissonUpperTail(40, 20), 1e-4);
    expect(() => negativeBinomialUpperTail(4, 2, -1)).toThrow(StatsError);
  });
});

describe('poissonCusum', () => {
  it('follows S_t = max(0, S_{t−1} + x·ln(m1/m0) − (m1 − m0))', () => {
    const l = Math.log(2);
    const path = poissonCusum([0, 3, 5, 1], 1, 2);
    const s2 = 3 * l - 1;
    const s3 = s2 + 5 * l - 1;
    expect(path[0]).toBe(0);
    expect(path[1]).toBeCloseTo(s2, 12);
    expect(path[2]).toBeCloseTo(s3, 12);
    expect(path[3]).toBeCloseTo(s3 + l - 1, 12);
  });

  it('takes per-step means (expectations that follow traffic) and refuses a zero mean', () => {
    // Doubling counts and means together doubles every increment (same log ratio): the path doubles.
    const a = poissonCusum([2, 4, 6], [1, 2, 3], [2, 4, 6]);
    const b = poissonCusum([4, 8, 12], [2, 4, 6], [4, 8, 12]);
    b.forEach((v, i) => expect(v).toBeCloseTo(2 * a[i]!, 12));
    expect(() => poissonCusum([1], 0, 1)).toThrow(StatsError);
  });

  it('its p-value bound holds under the in-control mean', () => {
    // 4000 in-control paths of 24 steps at mean 1.7: the share with bound ≤ 0.05 must stay ≤ 0.05.
    let state = 12345;
    const uniform = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
    const poisson = (mean: number): number => {
      let k = 0;
      let p = Math.exp(-mean);
      let cdf = p;
      const u = uniform();
      while (u > cdf) cdf += p *= mean / ++k;
      return k;
    };
    let rejected = 0;
    for (let run = 0; run < 4000; run++) {
      const path = poissonCusum(Array.from({ length: 24 }, () => poisson(1.7)), 1.7, 1.7 * 1.5);
      if (cusumPValueBound(path[23]!, 24) <= 0.05) rejected++;
    }
    expect(rejected / 4000).toBeLessThanOrEqual(0.05);
    expect(cusumPValueBound(0, 24)).toBe(1);
    expect(cusumPValueBound(10, 24)).toBeCloseTo(24 * Math.exp(-10), 15);
  });
});

describe('multiple-testing corrections', () => {
  const p = [0.01, 0.04, 0.03, 0.005];

  it('Benjamini–Hochberg steps up to the largest rank under its line', () => {
    // Sorted 0.005, 0.01, 0.03, 0.04 against 0.0125, 0.025, 0.0375, 0.05: all four are under.
    expect(benjaminiHochberg(p, 0.05)).toEqual([true, true, true, true]);
    // At q = 0.035: lines 0.00875, 0.0175, 0.02625, 0.035 → only the two smallest.
    expect(benjaminiHochberg(p, 0.035)).toEqual([true, false, false, true]);
    // Step-up, not step-down: the largest p under its line carries the smaller ones with it.
    expect(benjaminiHochberg([0.04, 0.045, 0.049], 0.05)).toEqual([true, true, true]);
    expect(benjaminiHochberg([0.5, 0.9], 0.05)).toEqual([false, false]);
    expect(benjaminiHochberg([], 0.05)).toEqual([]);
  });

  it('Bonferroni rejects p ≤ α/m only', () => {
    expect(bonferroni(p, 0.05)).toEqual([true, false, false, true]);
    expect(bonferroni([0.04, 0.045, 0.049], 0.05)).toEqual([false, false, false]);
  });

  it('treat NaN as 1 and refuse a level outside (0, 1]', () => {
    expect(benjaminiHochberg([Number.NaN, 0.001], 0.05)).toEqual([false, true]);
    expect(bonferroni([Number.NaN, 0.001], 0.05)).toEqual([false, true]);
    expect(() => benjaminiHochberg(p, 0)).toThrow(StatsError);
    expect(() => bonferroni(p, 1.5)).toThrow(StatsError);
  });
});

describe('poissonCusumStep', () => {
  it('folded over a series, ends where the whole poissonCusum path ends', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(50), fc.double({ min: 0.01, max: 40, noNaN: true }), fc.double({ min: 1, max: 8, noNaN: true })), { maxLength: 60 }),
        (steps) => {
          const counts = steps.map(([c]) => c);
          const means = steps.map(([, m]) => m);
          const risen = steps.map(([, m, rise]) => m * rise);
          const path = poissonCusum(counts, means, risen);
          let s = 0;
          for (let t = 0; t < steps.length; t++) s = poissonCusumStep(s, counts[t]!, means[t]!, risen[t]!);
          expect(s).toBe(path.length ? path[path.length - 1] : 0);
        },
      ),
    );
  });
});
