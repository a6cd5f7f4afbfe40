import { describe, expect, it } from 'vitest';
import { closedThrough, isWindowEnd, newlyClosed, watermarkOf } from '../../src/detect/windows.ts';

const MIN = 60_000;
const BUCKET = 5 * MIN;

describe('event-time windows', () => {
  it('closes a bucket only once the watermark passes its end', () => {
    const t = Date.parse('2026-11-27T10:00:00Z');
    expect(closedThrough(watermarkOf(t + 4 * MIN, 0), BUCKET)).toBe(t);
    expect(closedThrough(watermarkOf(t + 5 * MIN, 0), BUCKET)).toBe(t + BUCKET);
    // With lateness allowed, the same event time closes less.
    expect(closedThrough(watermarkOf(t + 9 * MIN, 5 * MIN), BUCKET)).toBe(t);
    expect(watermarkOf(null, 0)).toBe(-Infinity);
  });

  it('lists every bucket end between two clock readings, and only the latest on a fresh start', () => {
    const t = Date.parse('2026-11-27T10:00:00Z');
    expect(newlyClosed(t, t + 3 * BUCKET, BUCKET)).toEqual([t + BUCKET, t + 2 * BUCKET, t + 3 * BUCKET]);
    expect(newlyClosed(t, t, BUCKET)).toEqual([]);
    expect(newlyClosed(null, t, BUCKET)).toEqual([t]);
    expect(newlyClosed(null, -Infinity, BUCKET)).toEqual([]);
  });

  it('aligns windows to the epoch', () => {
    expect(isWindowEnd(Date.parse('2026-11-27T10:00:00Z'), 60 * MIN)).toBe(true);
    expect(isWindowEnd(Date.parse('2026-11-27T10:05:00Z'), 60 * MIN)).toBe(false);
  });
});
