/** Words too common to say anything about a cluster; also words every request facet starts with. */
const STOPWORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves
   i'm i've i'd i'll it's that's what's there's here's let's don't doesn't didn't can't won't isn't aren't you're you've he's she's they're we're
   user users user's overall request requests assistant help want wants need needs asks ask asking please thanks also get make like using use one two way ways something things thing
   de la le les el los las un une una uno y e o et ou en du des del al au aux que qui est es por para pour con avec sin sur se su sus son ce cette este esta como mais pero
   der die das den dem des ein eine einen und oder ist sind mit für von zu auf im nicht
   di da il lo gli che per non sono una
   и в во не на с со что как по к ко из у за от о об а но это для я ты он она мы вы они
   và của là có cho với các những một được trong không này để người khi`.split(/\s+/),
);

/** The words of a text as written: letters, then letters, digits, hyphens or apostrophes (none trailing). */
export function words(text: string): string[] {
  return (text.match(/[\p{L}][\p{L}\p{N}'-]*/gu) ?? []).map((w) => w.replace(/['-]+$/, ''));
}

/** Lower-case word tokens without stopwords. */
export function tokenize(text: string): string[] {
  return words(text.toLowerCase()).filter((w) => w.length > 1 && !STOPWORDS.has(w));
}

/**
 * Words the text capitalises where a sentence does not begin: names of people, places, products,
 * characters. Clio keeps proper nouns out of cluster names, so the namer's vocabulary does too.
 */
export function properNouns(text: string): Set<string> {
  const found = new Set<string>();
  for (const sentence of text.split(/(?<=[.!?])\s+|\n+/)) {
    for (const word of words(sentence).slice(1)) {
      if (/^\p{Lu}\p{Ll}/u.test(word)) found.add(word.toLowerCase());
    }
  }
  return found;
}

/** Longest phrase, in words, that the namer's vocabulary keeps. */
export const MAX_PHRASE_WORDS = 6;

/** Scripts written without spaces: a "word" there is a whole clause, which no name can use. */
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u;

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/**
 * Whether a lower-case word may stand in a generated name: letters only (digits make identifiers:
 * handles, codes, versions), and more than one letter unless it is an article ("a"), and not in a
 * script written without spaces.
 */
export function isNameWord(word: string): boolean {
  if (!/^[\p{L}][\p{L}'-]*$/u.test(word) || UNSPACED_SCRIPT.test(word)) return false;
  return word.length > 1 || word === 'a';
}

/** Where a request turns into code or markup: after this, "words" are identifiers and keywords. */
const CODE_START = /```|[{};<>=|\\]|\bimport \w|\bdef \w+\(|#include|\w\(\)/;

/** The text up to where it turns into code: the part of a request written in words. */
export function proseOf(text: string): string {
  const at = text.search(CODE_START);
  return at < 0 ? text : text.slice(0, at);
}

/**
 * The prose's clauses as lower-case token sequences, in the writer's order. Punctuation, symbols and
 * line breaks end a clause, so a phrase never spans "x = y" or two list items; a token that is not
 * a word (a number) breaks a phrase in termsOf, and a redaction placeholder ends a clause.
 */
export function clauses(text: string): string[][] {
  return proseOf(text.replace(/\[[A-Z_]+\]/g, '.')) // redaction placeholders ([NAME], [EMAIL]) are no one's words
    .toLowerCase()
    .split(/[^\p{L}\p{N}\p{M}'’\s-]+|\n|\s-\s|\s'|'\s/u)
    .map((clause) => clause.replace(/’/g, "'").split(/\s+/).map((w) => w.replace(/^['-]+|['-]+$/g, '')).filter(Boolean))
    .filter((ws) => ws.length > 0);
}

/**
 * The text's phrases as its writer wrote them, each counted once: every run of 1 to
 * MAX_PHRASE_WORDS words of one clause that begins and ends with a word other than a stopword,
 * whose words may all stand in a name. Stopwords inside stay ("instructions for making"), so a
 * phrase reads as written.
 */
export function termsOf(text: string): Set<string> {
  return termsOfClauses(clauses(text));
}

/** termsOf over clauses already split. */
export function termsOfClauses(textClauses: readonly string[][]): Set<string> {
  const terms = new Set<string>();
  for (const clause of textClauses) {
    for (let i = 0; i < clause.length; i++) {
      const first = clause[i]!;
      if (STOPWORDS.has(first) || !isNameWord(first)) continue;
      for (let j = i; j < clause.length && j - i < MAX_PHRASE_WORDS; j++) {
        const last = clause[j]!;
        if (!isNameWord(last)) break;
        if (!STOPWORDS.has(last)) terms.add(clause.slice(i, j + 1).join(' '));
      }
    }
  }
  return terms;
}
