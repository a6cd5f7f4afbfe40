import { describe, expect, it } from 'vitest';
import { estimateCost, HourlySpend, tokenUsage } from '../../src/facets/usage.ts';

describe('usage accounting', () => {
  it('reads the API usage object, treating null and absent counts as zero', () => {
    expect(tokenUsage({ input_tokens: 10, output_tokens: 2, cache_read_input_tokens: null })).toEqual({
      inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0,
    });
  });

  it('prices each kind of token per million', () => {
    const cost = estimateCost(
      { inputTokens: 1_000_000, outputTokens: 200_000, cacheReadTokens: 3_000_000, cacheWriteTokens: 100_000 },
      { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    );
    expect(cost).toBeCloseTo(3 + 3 + 0.9 + 0.375, 10);
  });

  it('caps spend per clock hour and resets when the hour rolls', () => {
    let now = Date.UTC(2026, 10, 27, 14, 59, 0);
    const spend = new HourlySpend(1, () => now);
    spend.add(0.6);
    expect(spend.exhausted()).toBe(false);
    spend.add(0.4);
    expect(spend.exhausted()).toBe(true);
    now += 60_000; // 15:00
    expect(spend.exhausted()).toBe(false);
    expect(spend.currentUsd).toBe(0);
  });
});
