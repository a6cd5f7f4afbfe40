import { describe, expect, it } from 'vitest';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { clusterVocabularies, nameFromTerms, TermNamer, type Member } from '../../src/catalog/naming.ts';
import { clauses, termsOf, words } from '../../src/catalog/terms.ts';

const K = 5;

/** `accounts` accounts, each sending `perAccount` requests made by `text(account, n)`. */
function cluster(accounts: number, text: (account: number, n: number) => string, perAccount = 2): Member[] {
  return Array.from({ length: accounts * perAccount }, (_, i) => ({ account: `acct-${i % accounts}`, text: text(i % accounts, Math.floor(i / accounts)) }));
}

const OPENERS = ['Please', 'Can you', 'I need you to', 'Quickly', 'Hey,'];
const FILLERS = ['for my project', 'for a class', 'for testing', 'that I can use', 'right now'];

const phoneNumbers = cluster(20, (a, n) => `${OPENERS[a % 5]} generate a list of fake phone numbers, ${FILLERS[(a + n) % 5]}, about ${10 * (a + 1)} of them.`);
const stories = cluster(20, (a, n) => `${OPENERS[(a + n) % 5]} write an explicit erotic story about two adults ${FILLERS[a % 5]}.`);
const trips = cluster(20, (a) => `Plan a weekend trip to the mountains with a budget for ${a + 2} people.`);

async function nameOf(target: Member[], others: Member[][] = [trips]) {
  const [vocabulary] = clusterVocabularies([target, ...others], K);
  const named = await new TermNamer().nameCluster({ members: target, contrast: [], ranked: vocabulary!.ranked });
  return { named, vocabulary: vocabulary! };
}

describe('readable offline names', () => {
  it('names a cluster with a phrase in the members’ word order, not a comma-separated word list', async () => {
    const { named, vocabulary } = await nameOf(phoneNumbers, [stories, trips]);
    expect(named!.name).toBe('Generate a list of fake phone numbers');
    expect(named!.name).not.toContain(',');
    expect(named!.description).toMatch(/^Requests like "generate a list of fake phone numbers"/);
    expect(await new OfflineAuditor().audit(named!, vocabulary.allowed)).toMatchObject({ pass: true });

    const story = await nameOf(stories, [phoneNumbers, trips]);
    expect(story.named!.name).toMatch(/^Write an explicit erotic story/);
  });

  it('joins two phrases with the stopwords the members put between them, and never with other words', async () => {
    // The middle word differs by account, so no phrase spans it; the name keeps "about" and skips it.
    const adjectives = ['funny', 'sad', 'long', 'short', 'scary', 'gentle', 'weird', 'tiny', 'huge', 'calm'];
    const poems = cluster(20, (a, n) => `Compose poems about ${adjectives[(a + n) % 10]} winter mornings.`);
    const { named, vocabulary } = await nameOf(poems);
    expect(named!.name).toMatch(/^Compose poems/);
    for (const adjective of adjectives) expect(named!.name).not.toContain(adjective);
    expect(await new OfflineAuditor().audit(named!, vocabulary.allowed)).toMatchObject({ pass: true });
    // Without a member that writes the two phrases close together, they are not joined.
    const apart = cluster(20, (a, n) => (n % 2 === 0 ? `Compose poems ${FILLERS[a % 5]}.` : `Winter mornings feel ${adjectives[a % 10]}.`));
    const separate = await nameOf(apart);
    expect(separate.named!.name).not.toMatch(/poems.*mornings|mornings.*poems/i);
  });

  it('uses only words that at least k distinct accounts wrote, whatever one account repeats', async () => {
    const members = [
      ...phoneNumbers,
      // One account, many conversations, its own words.
      ...Array.from({ length: 30 }, () => ({ account: 'acct-heavy', text: 'Generate fake phone numbers zorblatt quintessa' })),
    ];
    const { named, vocabulary } = await nameOf(members, [stories, trips]);
    for (const word of words(`${named!.name} ${named!.description}`.toLowerCase())) {
      expect(['zorblatt', 'quintessa']).not.toContain(word);
    }
    expect(vocabulary.allowed.has('zorblatt')).toBe(false);
    expect(await new OfflineAuditor().audit(named!, vocabulary.allowed)).toMatchObject({ pass: true });
  });

  it('keeps proper nouns, numbers and identifiers with digits out of names', async () => {
    const members = cluster(20, (a) => `Write a birthday poem for Grandma Velloria and sign it as jsmith${1980 + (a % 2)} from 42 Elm road`);
    const { named, vocabulary } = await nameOf(members);
    expect(named!.name.toLowerCase()).toContain('birthday poem');
    const all = [...vocabulary.allowed].join(' ');
    expect(all).not.toMatch(/velloria|jsmith|\d/);
    expect(`${named!.name} ${named!.description}`).not.toMatch(/velloria|jsmith|\d/i);
  });

  it('leaves a cluster unnamed rather than naming it with fragments of code or unsegmented scripts', async () => {
    const chinese = cluster(20, (a) => `请帮我写一个关于春天的故事，大约${a + 3}百字。`);
    expect((await nameOf(chinese)).named).toBeUndefined();
    const code = cluster(20, (a) => `def handler_${a}(event): return {"status": ${a}, "items": [x for x in event.items if x.ok]}`);
    expect((await nameOf(code)).named).toBeUndefined();
    // Prose before the code still names it.
    const fix = cluster(20, (a) => `Fix this python function please: def handler_${a}(event): return event.items[${a}]`);
    expect((await nameOf(fix)).named!.name).toMatch(/python function/i);
  });

  it('reads phrases as written: clauses end at punctuation, placeholders and code', () => {
    expect(clauses('Write a poem, then [NAME] reads it. Then x = 1; more')).toEqual([['write', 'a', 'poem'], ['then'], ['reads', 'it'], ['then', 'x']]);
    const terms = termsOf('Give 100 fake accounts for the forum');
    expect(terms.has('fake accounts')).toBe(true);
    expect(terms.has('give fake accounts')).toBe(false); // the number breaks the phrase
    expect(terms.has('accounts for the forum')).toBe(true);
    expect(terms.has('for the forum')).toBe(false); // no phrase opens or ends on a stopword
  });

  it('keeps a name short and falls back to the best single phrase when nothing joins', () => {
    const named = nameFromTerms([{ term: 'fake accounts', score: 0.9, accounts: 5 }, { term: 'forum', score: 0.5, accounts: 5 }]);
    expect(named).toEqual({ name: 'Fake accounts', description: 'Requests like "fake accounts", often mentioning forum.' });
    expect(nameFromTerms([{ term: 'the', score: 0, accounts: 9 }])).toBeUndefined();
  });
});
