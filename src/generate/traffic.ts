import type { Random } from '../util/random.ts';

/** Shapes of traffic over time and accounts, shared by the synthetic and the realistic weeks. */

/** Activity by hour of day (UTC): lowest around 02:00, highest around 14:00; mean 1 over a day. */
export function rhythm(timeMs: number): number {
  const hour = new Date(timeMs).getUTCHours();
  return 1 + 0.6 * Math.cos((2 * Math.PI * (hour - 14)) / 24);
}

export function isWeekend(timeMs: number): boolean {
  const weekday = new Date(timeMs).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** Poisson draws: hourly counts vary the way independent arrivals do. */
export function poisson(random: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 50) {
    // Normal approximation: exact enough here, and exp(-mean) would underflow for large means.
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += w));
  return out;
}

/** An index drawn in proportion to the weights behind `cumulative`. */
export function sample(random: Random, cumulativeWeights: Float64Array): number {
  const target = random() * cumulativeWeights[cumulativeWeights.length - 1]!;
  let lo = 0;
  let hi = cumulativeWeights.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulativeWeights[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A seed for one (account, topic) pair, so a scripted text does not depend on when it is first sent. */
export function mix(seed: number, account: number, topic: string): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(account + 1, 0xc2b2ae35);
  for (let i = 0; i < topic.length; i++) h = Math.imul(h ^ topic.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
