import { describe, expect, it } from 'vitest';
import { addTypos, expand, GrammarError, tidy } from '../../src/generate/grammar.ts';
import { seededRandom } from '../../src/util/random.ts';

const draws = (template: string, slots = {}, n = 400) => {
  const random = seededRandom(3);
  return new Set(Array.from({ length: n }, () => expand(random, template, slots)));
};

describe('the template grammar', () => {
  it('picks one alternative, nested ones included, and sometimes keeps an optional part', () => {
    expect(draws('{a|b|c}')).toEqual(new Set(['a', 'b', 'c']));
    expect(draws('x{|y}')).toEqual(new Set(['x', 'xy']));
    expect(draws('{p {q|r}|s}')).toEqual(new Set(['p q', 'p r', 's']));
    expect(draws('go[ now[ please]]')).toEqual(new Set(['go', 'go now', 'go now please']));
  });

  it('fills slots from the table, expanding what they contain, and reuses a one-value slot', () => {
    expect(draws('I {verb} it', { verb: ['{like|love}', 'fix'] })).toEqual(new Set(['I like it', 'I love it', 'I fix it']));
    expect(draws('{n} and {n}', { n: ['Ann'] })).toEqual(new Set(['Ann and Ann']));
  });

  it('throws on an unknown slot or unbalanced brackets, so a broken phrase table fails its tests', () => {
    expect(() => expand(seededRandom(1), 'a {nope} b')).toThrow(GrammarError);
    expect(() => expand(seededRandom(1), 'a {b|c')).toThrow(GrammarError);
    expect(() => expand(seededRandom(1), 'a [b} c]')).toThrow(GrammarError);
  });

  it('tidies spacing around punctuation and capitalises the first letter', () => {
    expect(tidy('  how do i  do it ?  ')).toBe('How do i do it?');
    expect(tidy('¿ cómo  puedo , hacerlo ?')).toBe('¿cómo puedo, hacerlo?');
    expect(tidy('say "hi" to me')).toBe('Say "hi" to me');
  });

  it('adds at most two small typos, at the given rate, deterministically', () => {
    const text = 'Please explain how photosynthesis works in simple terms.';
    const random = seededRandom(9);
    const out = Array.from({ length: 2000 }, () => addTypos(random, text, 0.3));
    const changed = out.filter((t) => t !== text);
    expect(changed.length / out.length).toBeGreaterThan(0.2);
    expect(changed.length / out.length).toBeLessThan(0.32);
    for (const t of changed) expect(Math.abs(t.length - text.length)).toBeLessThanOrEqual(2);
    expect(new Set(changed).size).toBeGreaterThan(100);
    const again = seededRandom(9);
    expect(Array.from({ length: 2000 }, () => addTypos(again, text, 0.3))).toEqual(out);
    expect(addTypos(seededRandom(1), text, 0)).toBe(text);
  });
});
