import { describe, expect, it } from 'vitest';
import { newClusterId } from '../../scripts/kafka.mjs';

describe('scripts/kafka.mjs', () => {
  it('never hands kafka-storage a cluster id that starts with "-" (it would be read as an option)', () => {
    // 0xF8 = 111110.. : its first base64url character is '-' (62).
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x41)];
    const seen: string[] = [];
    const id = newClusterId(() => {
      const next = draws.shift()!;
      seen.push(next.toString('base64url'));
      return next;
    });
    expect(seen[0]!.startsWith('-')).toBe(true);
    expect(id).toBe(seen[1]);
    expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
