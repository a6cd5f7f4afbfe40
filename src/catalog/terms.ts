/** Words too common to say anything about a cluster; also words every request facet starts with. */
const STOPWORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves
   user users user's overall request requests assistant help want wants need needs asks ask asking please thanks also get make like using use one two way ways something things thing`.split(/\s+/),
);

/** Lower-case word tokens without stopwords; keeps letters, digits inside words, hyphens and apostrophes. */
export function tokenize(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}][\p{L}\p{N}'-]*/gu) ?? [];
  return words.map((w) => w.replace(/['-]+$/, '')).filter((w) => w.length > 1 && !STOPWORDS.has(w));
}

/** Unigrams and adjacent-pair bigrams of the tokens, each counted once per text. */
export function termsOf(text: string): Set<string> {
  const tokens = tokenize(text);
  const terms = new Set(tokens);
  for (let i = 0; i + 1 < tokens.length; i++) terms.add(`${tokens[i]} ${tokens[i + 1]}`);
  return terms;
}
