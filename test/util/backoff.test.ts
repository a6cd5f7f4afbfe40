import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryAfterFromHeaders, retryDelayMs, type BackoffPolicy } from '../../src/util/backoff.ts';

describe('retryDelayMs', () => {
  const policy: BackoffPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000 };

  it('doubles per retry with equal jitter (between half and all of the step), up to the ceiling', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, policy, undefined, () => 0))).toEqual([500, 1000, 2000]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, policy, undefined, () => 0.999999))).toEqual([1000, 2000, 4000]);
    expect(retryDelayMs(4, policy, undefined, () => 0.5)).toBe(6000);
    expect(retryDelayMs(30, policy, undefined, () => 1)).toBe(60_000);
    expect(retryDelayMs(30, policy, undefined, () => 0)).toBe(30_000);
  });

  it("never retries sooner than a server's Retry-After, even above the ceiling", () => {
    expect(retryDelayMs(1, policy, 30_000, () => 1)).toBe(30_000);
    expect(retryDelayMs(1, policy, 120_000, () => 1)).toBe(120_000);
    expect(retryDelayMs(10, policy, 100, () => 0)).toBe(30_000);
  });

  it('gives up when retries run out or a Retry-After is longer than the policy waits for', () => {
    const limited: BackoffPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };
    expect(retryDelayMs(1, limited, 7_000, () => 0.5)).toBe(7_000);
    expect(retryDelayMs(1, limited, 30_000, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(1, limited, 30_001, () => 0.5)).toBeUndefined();
    expect(retryDelayMs(3, limited, undefined, () => 0.5)).toBe(300);
    expect(retryDelayMs(4, limited, undefined, () => 0.5)).toBeUndefined();
    expect(retryDelayMs(9, { ...limited, maxRetries: 10 }, undefined, () => 0.999999)).toBe(1_000);
  });

  it('shortens a Retry-After to the cap when the caller would rather retry than give up', () => {
    const capped: BackoffPolicy = { baseDelayMs: 100, maxDelayMs: 5_000, retryAfterCapMs: 5_000 };
    expect(retryDelayMs(1, capped, 3_600_000, () => 1)).toBe(5_000);
    expect(retryDelayMs(1, capped, 2_000, () => 1)).toBe(2_000);
    expect(retryDelayMs(1, capped, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(4, capped, undefined, () => 1)).toBe(800);
    expect(retryDelayMs(20, capped, undefined, () => 1)).toBe(5_000);
  });

  it('spreads retries out: no two clients in step, none at zero', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const waits = Array.from({ length: 200 }, () => retryDelayMs(5, policy, undefined, random)!);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(8_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(16_000);
    expect(new Set(waits).size).toBeGreaterThan(150);
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
    ['-3', undefined],
    ['', undefined],
    [null, undefined],
  ])('%s → %s ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe('retryAfterFromHeaders', () => {
  const now = Date.parse('2026-11-27T14:00:00Z');

  it('reads retry-after in seconds, as an HTTP date, and retry-after-ms first', () => {
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': '2' }), now)).toBe(2_000);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'Fri, 27 Nov 2026 14:00:03 GMT' }), now)).toBe(3_000);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after-ms': '250', 'retry-after': '2' }), now)).toBe(250);
  });

  it('ignores what it cannot read', () => {
    expect(retryAfterFromHeaders(new Headers({ 'retry-after-ms': 'x', 'retry-after': '2' }), now)).toBe(2_000);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after-ms': '-1' }), now)).toBeUndefined();
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterFromHeaders(new Headers(), now)).toBeUndefined();
    expect(retryAfterFromHeaders(undefined, now)).toBeUndefined();
  });
});
