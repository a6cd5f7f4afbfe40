import { describe, expect, it } from 'vitest';
import { coarsenSeries } from '../../src/privacy/series-gate.ts';

describe('coarsenSeries', () => {
  it('keeps a series whose every bucket meets the minimum (or is empty) as it is', () => {
    expect(coarsenSeries([20, 0, 35, 12], 10)).toEqual([20, 0, 35, 12]);
  });

  it('sums buckets from the newest back until each point reaches the minimum', () => {
    expect(coarsenSeries([3, 4, 2, 5, 4, 3, 9, 30, 80, 120], 10)).toEqual([18, 12, 30, 80, 120]);
    expect(coarsenSeries([5, 5, 5, 5, 5, 5], 10)).toEqual([10, 10, 10]);
    expect(coarsenSeries([1, 2, 1, 2, 1, 2, 1, 2, 40, 60], 10)).toEqual([12, 40, 60]);
    // What is left at the oldest end joins the oldest point with conversations, past any zeros.
    expect(coarsenSeries([4, 6, 6, 6, 6], 10)).toEqual([16, 12]);
    expect(coarsenSeries([3, 0, 0, 12], 10)).toEqual([15]);
    for (const series of [[4, 6, 6, 6, 6], [1, 1, 1, 1, 1, 1, 1, 1, 1, 50], [9, 0, 0, 11, 2, 2, 2, 2, 2]]) {
      const out = coarsenSeries(series, 10);
      expect(out.every((v) => v === 0 || v >= 10), JSON.stringify(out)).toBe(true);
      expect(out.reduce((a, b) => a + b, 0)).toBe(series.reduce((a, b) => a + b, 0));
    }
  });

  it('shows nothing when the whole window is under the minimum, or empty', () => {
    expect(coarsenSeries([1, 2, 3], 10)).toEqual([]);
    expect(coarsenSeries([0, 0], 10)).toEqual([]);
    expect(coarsenSeries([], 10)).toEqual([]);
  });
});
