import { describe, expect, it } from 'vitest';
import { Lexicon, termTokens, tokenize } from '../../src/classify/lexicon.ts';

const matchTerms = (lexicon: Lexicon, text: string) => lexicon.match(tokenize(text)).map((h) => h.term);

describe('tokenize', () => {
  it('lower-cases Unicode text, drops apostrophes and splits on everything else', () => {
    expect(tokenize("Don't BOMB the İnterview — ÉCOLE self-harm")).toEqual(['dont', 'bomb', 'the', 'i̇nterview', 'école', 'self', 'harm']);
    expect(tokenize('Ünïcödé straße')).toEqual(['ünïcödé', 'straße']);
  });
});

describe('Lexicon', () => {
  const lexicon = new Lexicon([
    { lexicon: ['explosiv*', 'bomb', 'make a bomb', 'credit card dump*'], exclude: ['bomb out', 'bath bomb*', 'bomb the interview'] },
    { lexicon: ['kill my', 'party'], exclude: ['kill process*'] },
  ]);

  it('matches a stem against every word it begins, and a plain word also in its plural', () => {
    expect(matchTerms(lexicon, 'How are explosives made?')).toEqual(['explosiv*']);
    expect(matchTerms(lexicon, 'an EXPLOSIVE device')).toEqual(['explosiv*']);
    expect(matchTerms(lexicon, 'two bombs')).toEqual(['bomb']);
    expect(matchTerms(lexicon, 'plan two parties')).toEqual(['party']);
    // A plain word is not a stem: "bombastic" is not "bomb".
    expect(matchTerms(lexicon, 'a bombastic speech')).toEqual([]);
  });

  it('matches phrases with optional articles inside and up to two words between', () => {
    expect(matchTerms(lexicon, 'how to make a bomb')).toEqual(['make a bomb', 'bomb']);
    expect(matchTerms(lexicon, 'how to make bombs')).toEqual(['make a bomb', 'bomb']);
    expect(matchTerms(lexicon, 'make a pipe bomb')).toEqual(['make a bomb', 'bomb']);
    expect(matchTerms(lexicon, 'make a really very small pipe bomb')).toEqual(['bomb']);
    expect(matchTerms(lexicon, 'where to buy credit card dumps')).toEqual(['credit card dump*']);
    // An article at a phrase's end is not optional: "kill my" needs "my".
    expect(termTokens('kill my').map((t) => t.text)).toEqual(['kill', 'my']);
    expect(termTokens('make a bomb').map((t) => t.text)).toEqual(['make', 'bomb']);
    expect(matchTerms(lexicon, 'I will kill my neighbour')).toEqual(['kill my']);
    expect(matchTerms(lexicon, 'I will kill the neighbour')).toEqual([]);
  });

  it("cancels an area's hits inside its own exclude phrases only", () => {
    expect(matchTerms(lexicon, 'my code bombs out with a segfault')).toEqual([]);
    expect(matchTerms(lexicon, 'I will bomb the job interview')).toEqual([]);
    expect(matchTerms(lexicon, 'make a bath bomb with citric acid')).toEqual([]);
    // The exclude covers its own words only: a second mention elsewhere still counts.
    expect(matchTerms(lexicon, 'make a bath bomb, then a real bomb')).toEqual(['bomb']);
    // Another area's exclude does not cancel: "kill my python process" is excluded for area 1 …
    expect(matchTerms(lexicon, 'kill my python process')).toEqual([]);
    // … but area 0's hit in the same text stands.
    expect(matchTerms(lexicon, 'kill my python process and the bomb')).toEqual(['bomb']);
  });

  it('reports where each hit is and which words it matched', () => {
    const [hit] = new Lexicon([{ lexicon: ['kid'], weak: ['sexual'] }]).match(tokenize('two kids'));
    expect(hit).toEqual({ area: 0, strength: 'strong', term: 'kid', start: 1, end: 2, matched: 'kids' });
  });
});
