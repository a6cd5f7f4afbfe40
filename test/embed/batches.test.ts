import { describe, expect, it } from 'vitest';
import { batches, textBatches } from '../../src/embed/batches.ts';
import { clipText } from '../../src/embed/clip-text.ts';

describe('batches', () => {
  it('cuts by count, keeping order', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([], 3)).toEqual([]);
    expect(() => batches([1], 0)).toThrow(RangeError);
  });

  it('also cuts by total weight, and lets an overweight item go alone', () => {
    const texts = ['aaaa', 'bb', 'cc', 'dddddddddd', 'e', 'f'];
    expect(textBatches(texts, 3, 6, (t) => t.length)).toEqual([['aaaa', 'bb'], ['cc'], ['dddddddddd'], ['e', 'f']]);
  });
});

describe('clipText', () => {
  it('keeps short texts and clips long ones', () => {
    expect(clipText('short', 10)).toBe('short');
    expect(clipText('0123456789abc', 10)).toBe('0123456789');
  });

  it('never splits a surrogate pair', () => {
    const text = `${'a'.repeat(9)}🚀tail`; // the rocket takes UTF-16 units 9 and 10
    expect(clipText(text, 10)).toBe('a'.repeat(9));
    expect(clipText(text, 11)).toBe(`${'a'.repeat(9)}🚀`);
  });
});
