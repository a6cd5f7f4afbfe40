import { clauses, isNameWord, isStopword, properNouns, termsOfClauses } from './terms.ts';

/** One member of a cluster as naming sees it: a privacy-preserving summary and a keyed account hash. */
export interface Member {
  text: string;
  account: string;
}

export interface ScoredTerm {
  term: string;
  score: number;
  /** Distinct accounts in the cluster whose summaries use the term. */
  accounts: number;
}

export interface ClusterVocabulary {
  /** Phrases and stopwords used by at least k distinct accounts of the cluster: the only words a name may use. */
  allowed: Set<string>;
  /** Allowed terms by class-based TF-IDF, most distinctive first; allowed stopwords last, scored 0. */
  ranked: ScoredTerm[];
}

/**
 * The members' phrases as they wrote them (termsOf: one to six words, no stopword at either end),
 * scored by class-based TF-IDF (as in BERTopic's c-TF-IDF): a term scores by its frequency in the cluster
 * times log(1 + mean terms per cluster / its frequency in all clusters), weighted by how much of
 * its use is concentrated in this cluster. Only k-anonymous terms —
 * used by at least k distinct accounts in the cluster — are eligible, so no name can carry a word
 * that identifies a handful of people.
 */
export function clusterVocabularies(clusters: readonly (readonly Member[])[], k: number): ClusterVocabulary[] {
  const perCluster = clusters.map((members) => {
    const frequency = new Map<string, number>();
    const accounts = new Map<string, Set<string>>();
    const capitalised = new Map<string, number>();
    for (const m of members) {
      for (const word of properNouns(m.text)) capitalised.set(word, (capitalised.get(word) ?? 0) + 1);
      // Stopwords too: a name may keep the ones its members put between phrases ("write a poem").
      const textClauses = clauses(m.text);
      const terms = termsOfClauses(textClauses);
      for (const clause of textClauses) for (const w of clause) if (isStopword(w) && isNameWord(w)) terms.add(w);
      for (const term of terms) {
        frequency.set(term, (frequency.get(term) ?? 0) + 1);
        let set = accounts.get(term);
        if (!set) accounts.set(term, (set = new Set()));
        set.add(m.account);
      }
    }
    // A word the members mostly capitalise mid-sentence is a proper noun: never part of a name.
    const proper = new Set([...capitalised].filter(([word, n]) => n * 2 > (frequency.get(word) ?? 0)).map(([word]) => word));
    return { frequency, accounts, proper };
  });
  const overall = new Map<string, number>();
  let totalTerms = 0;
  for (const { frequency } of perCluster) {
    for (const [term, n] of frequency) {
      if (isStopword(term)) continue;
      overall.set(term, (overall.get(term) ?? 0) + n);
      totalTerms += n;
    }
  }
  const meanTermsPerCluster = totalTerms / Math.max(1, clusters.length);

  return perCluster.map(({ frequency, accounts, proper }) => {
    const clusterTerms = [...frequency].reduce((a, [term, n]) => a + (isStopword(term) ? 0 : n), 0) || 1;
    const allowed = new Set<string>();
    const ranked: ScoredTerm[] = [];
    for (const [term, n] of frequency) {
      const distinct = accounts.get(term)!.size;
      if (distinct < k || term.split(' ').some((w) => proper.has(w))) continue;
      allowed.add(term);
      if (isStopword(term)) {
        ranked.push({ term, score: 0, accounts: distinct });
        continue;
      }
      // The last factor, the share of the term's uses that fall in this cluster, keeps words that
      // every cluster uses alike (boilerplate, politeness) from naming any of them.
      const total = overall.get(term)!;
      const score = (n / clusterTerms) * Math.log(1 + meanTermsPerCluster / total) * (n / total);
      ranked.push({ term, score, accounts: distinct });
    }
    ranked.sort((a, b) => b.score - a.score || a.term.localeCompare(b.term));
    return { allowed, ranked };
  });
}

/** Words the offline namer adds around the phrases; the auditor accepts these and the vocabulary only. */
export const TEMPLATE_WORDS = new Set(['requests', 'like', 'about', 'and', 'also', 'often', 'mentioning', 'related', 'topics', 'including', 'other', 'distinctive', 'terms']);

export interface ClusterName {
  name: string;
  description: string;
}

/** Words in a name: a short phrase, as Clio's names are at most ten words. */
const MAX_NAME_WORDS = 8;
/**
 * Words that may stand between two phrases joined into one name: only stopwords the members put
 * there ("article about election fraud"). Dropping other words in between reads as a word bag.
 */
const MAX_GAP_WORDS = 3;
/** Ranked phrases tried as the head or as an extension of the name. */
const CANDIDATES = 40;

const contentWords = (term: string): string[] => term.split(' ').filter((w) => !isStopword(w));

/** How well a phrase names the cluster: distinctive and common (c-TF-IDF), and informative (content words). */
const nameScore = (t: ScoredTerm): number => t.score * Math.pow(contentWords(t.term).length, 0.7);

/**
 * A short name that says what people ask for, in their own words: the best k-anonymous phrase of
 * the cluster, extended with the next phrases that follow or precede it in the members' requests
 * (joined in the members' word order, with the few stopwords they put between them). Undefined
 * when no phrase is k-anonymous — a cluster of code or of unsegmented scripts is left unnamed
 * rather than named with fragments.
 */
export function nameFromTerms(ranked: readonly ScoredTerm[], members: readonly Member[] = []): ClusterName | undefined {
  const candidates = ranked.filter((t) => contentWords(t.term).length > 0).sort((a, b) => nameScore(b) - nameScore(a) || a.term.localeCompare(b.term)).slice(0, CANDIDATES);
  if (candidates.length === 0) return undefined;
  const vocabulary = new Set(ranked.flatMap((t) => t.term.split(' ')));
  const texts = members.flatMap((m) => clauses(m.text));
  const head = candidates[0]!;
  const minSupport = Math.max(2, Math.ceil(0.05 * members.length));

  let pieces = [head.term.split(' ')];
  for (let round = 0; round < 2; round++) {
    const used = new Set(pieces.flat().filter((w) => !isStopword(w)));
    let joined: string[][] | undefined;
    for (const candidate of candidates) {
      const words = candidate.term.split(' ');
      if (words.some((w) => used.has(w))) continue;
      joined = joinInOrder(pieces, words, texts, minSupport, (w) => isStopword(w) && (vocabulary.has(w) || TEMPLATE_WORDS.has(w)));
      if (joined && joined.flat().length <= MAX_NAME_WORDS) break;
      joined = undefined;
    }
    if (!joined) break;
    pieces = joined;
  }

  const name = pieces.flat().join(' ');
  const inName = new Set(contentWords(name));
  const inNameCount = name.split(' ').length;
  const others: string[] = [];
  for (const t of candidates) {
    if (others.length === 3) break;
    const words = contentWords(t.term);
    if (words.some((w) => inName.has(w))) continue;
    others.push(t.term);
    for (const w of words) inName.add(w);
  }
  const mentioning = others.length ? `, often mentioning ${list(others)}` : '';
  // A one-word name is a topic ("requests about pranks"); a phrase is what people wrote.
  const description = inNameCount === 1 ? `Requests about ${name}${mentioning}.` : `Requests like "${name}"${mentioning}.`;
  return { name: capitalise(name), description };
}

/**
 * `pieces` with `phrase` put where the members' clauses put it — before, between or after them —
 * with the gaps the most supporting clauses have (at most MAX_GAP_WORDS words each, every one a
 * word that may bridge), as one list of word runs. Undefined when fewer than `minSupport` clauses
 * hold them all in one order.
 */
function joinInOrder(
  pieces: readonly string[][], phrase: string[], texts: readonly string[][], minSupport: number, mayBridge: (w: string) => boolean,
): string[][] | undefined {
  let best: { pieces: string[][]; support: number } | undefined;
  for (let at = 0; at <= pieces.length; at++) {
    const order = [...pieces.slice(0, at), phrase, ...pieces.slice(at)];
    const gaps = new Map<string, number>();
    for (const clause of texts) {
      const found = gapsIn(clause, order);
      if (found && found.flat().every(mayBridge)) {
        const key = found.map((g) => g.join(' ')).join('|');
        gaps.set(key, (gaps.get(key) ?? 0) + 1);
      }
    }
    const support = [...gaps.values()].reduce((a, b) => a + b, 0);
    if (support < minSupport || (best && support <= best.support)) continue;
    const [key] = [...gaps].sort((a, b) => b[1] - a[1])[0]!;
    const between = key.split('|').map((g) => (g ? g.split(' ') : []));
    const runs: string[][] = [order[0]!];
    order.slice(1).forEach((run, i) => runs.push([...between[i]!, ...run]));
    best = { pieces: runs, support };
  }
  return best?.pieces;
}

/** The words between consecutive runs where the clause holds them in this order with short gaps. */
function gapsIn(clause: readonly string[], runs: readonly string[][]): string[][] | undefined {
  const search = (from: number, r: number): string[][] | undefined => {
    if (r === runs.length) return [];
    const run = runs[r]!;
    const last = r === 0 ? clause.length - run.length : Math.min(clause.length - run.length, from + MAX_GAP_WORDS);
    for (let i = from; i <= last; i++) {
      if (!run.every((w, d) => clause[i + d] === w)) continue;
      const rest = search(i + run.length, r + 1);
      if (rest) return r === 0 ? rest : [clause.slice(from, i), ...rest];
    }
    return undefined;
  };
  return search(0, 0);
}

function list(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** What a namer sees of one cluster: sample summaries inside it, the nearest ones outside it, and its ranked vocabulary. */
export interface NamingInput {
  members: readonly Member[];
  /** Summaries from the nearest other clusters: what the name must tell this one apart from. */
  contrast: readonly Member[];
  ranked: readonly ScoredTerm[];
}

/** Names a cluster (Clio: Claude with a contrast set; offline: distinctive k-anonymous terms). */
export interface ClusterNamer {
  readonly name: string;
  nameCluster(input: NamingInput): Promise<ClusterName | undefined>;
}

/** The offline namer: the members' own k-anonymous phrases joined in their word order, no model. */
export class TermNamer implements ClusterNamer {
  readonly name = 'terms';
  async nameCluster(input: NamingInput): Promise<ClusterName | undefined> {
    return nameFromTerms(input.ranked, input.members);
  }
}
