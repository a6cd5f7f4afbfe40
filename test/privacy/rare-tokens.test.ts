import { describe, expect, it } from 'vitest';
import { commonWords, rareTokens } from '../../src/privacy/rare-tokens.ts';

const NONE = new Set<string>();

describe('rareTokens', () => {
  it('lets common language through: everyday words, inflections, hyphenated and apostrophed forms', () => {
    expect(rareTokens('Write persuasive complaint letters to landlords. Users asked for step-by-step help; people\'s recipes.', NONE)).toEqual([]);
    expect(rareTokens('Debug memory leaks in web servers', NONE)).toEqual([]);
  });

  it('flags proper nouns, handles, ids and numbers with digits that the cluster did not share', () => {
    // The list spells names with a capital, so they are not common language, however they are written here.
    expect(rareTokens('Letters to Sarah in Paris', NONE).sort()).toEqual(['paris', 'sarah']);
    expect(rareTokens('Help jsmith1987 reset order 4471-A', NONE).sort()).toEqual(['4471-a', 'jsmith1987']);
    expect(rareTokens('Stories about Velloria', NONE)).toEqual(['velloria']);
  });

  it('accepts any token that k accounts of the cluster used, as a word or inside a phrase', () => {
    const kAnonymous = new Set(['captcha', 'solve captcha puzzles', 'gpt-4o prompts']);
    expect(rareTokens('Solve CAPTCHA puzzles with GPT-4o prompts', kAnonymous)).toEqual([]);
    expect(rareTokens('Solve CAPTCHA puzzles for Velloria', kAnonymous)).toEqual(['velloria']);
  });

  it('takes the extra allowed words (template words) as given', () => {
    expect(rareTokens('Requests mentioning zorblat', NONE, new Set(['zorblat']))).toEqual([]);
  });

  it('loads the maintained frequency list: tens of thousands of lower-case words, and no names', () => {
    const words = commonWords();
    expect(words.size).toBeGreaterThan(50_000);
    for (const w of ['recipe', 'persuasive', 'landlord', 'debug']) expect(words.has(w), w).toBe(true);
    for (const w of ['john', 'sarah', 'paris', 'london']) expect(words.has(w), w).toBe(false);
  });
});
