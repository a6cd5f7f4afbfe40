/** Words too common to say anything about a cluster; also words every request facet starts with. */
const STOPWORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves
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

/** Unigrams and adjacent-pair bigrams of the tokens, each counted once per text. */
export function termsOf(text: string): Set<string> {
  const tokens = tokenize(text);
  const terms = new Set(tokens);
  for (let i = 0; i + 1 < tokens.length; i++) terms.add(`${tokens[i]} ${tokens[i + 1]}`);
  return terms;
}
