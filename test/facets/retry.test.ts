import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelay, type RetryPolicy } from '../../src/facets/retry.ts';

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };

describe('retryDelay', () => {
  it('backs off exponentially with jitter between half and all of the ceiling', () => {
    expect([0, 1, 2].map((n) => retryDelay(policy, n, undefined, () => 0))).toEqual([50, 100, 200]);
    expect([0, 1, 2].map((n) => retryDelay(policy, n, undefined, () => 0.999999))).toEqual([100, 200, 400]);
    expect(retryDelay({ ...policy, maxRetries: 10 }, 8, undefined, () => 0.999999)).toBe(1_000);
  });

  it('never waits less than retry-after, and gives up on an over-long one or when retries run out', () => {
    expect(retryDelay(policy, 0, 7_000, () => 0.5)).toBe(7_000);
    expect(retryDelay(policy, 0, 30_001, () => 0.5)).toBeUndefined();
    expect(retryDelay(policy, 3, undefined, () => 0.5)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 10, 27, 14, 0, 0);
  it.each([
    ['7', 7_000],
    ['0.5', 500],
    [' 12 ', 12_000],
    [new Date(now + 9_000).toUTCString(), 9_000],
    [new Date(now - 9_000).toUTCString(), 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%s → %s ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
