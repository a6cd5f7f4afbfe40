import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/embed/retry-delay.ts';

const backoff = { baseMs: 100, maxMs: 5_000 };
const now = Date.parse('2026-11-27T14:00:00Z');

describe('retryDelayMs', () => {
  it('obeys retry-after in seconds, as an HTTP date, and retry-after-ms first', () => {
    expect(retryDelayMs(1, { retryAfter: '2' }, backoff, now)).toBe(2_000);
    expect(retryDelayMs(1, { retryAfter: 'Fri, 27 Nov 2026 14:00:03 GMT' }, backoff, now)).toBe(3_000);
    expect(retryDelayMs(1, { retryAfterMs: '250', retryAfter: '2' }, backoff, now)).toBe(250);
  });

  it('caps what a server asks for', () => {
    expect(retryDelayMs(1, { retryAfter: '3600' }, backoff, now)).toBe(5_000);
  });

  it('backs off exponentially with full jitter when the server says nothing', () => {
    expect(retryDelayMs(1, {}, backoff, now, () => 1)).toBe(100);
    expect(retryDelayMs(4, {}, backoff, now, () => 1)).toBe(800);
    expect(retryDelayMs(4, {}, backoff, now, () => 0.5)).toBe(400);
    expect(retryDelayMs(20, { retryAfter: 'soon' }, backoff, now, () => 1)).toBe(5_000);
  });
});
