import { properNouns, termsOf } from './terms.ts';

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
  /** Terms used by at least k distinct accounts of the cluster: the only words a name may use. */
  allowed: Set<string>;
  /** Allowed terms by class-based TF-IDF, most distinctive first. */
  ranked: ScoredTerm[];
}

/**
 * Class-based TF-IDF (as in BERTopic's c-TF-IDF): a term scores by its frequency in the cluster
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
      for (const term of termsOf(m.text)) {
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
      overall.set(term, (overall.get(term) ?? 0) + n);
      totalTerms += n;
    }
  }
  const meanTermsPerCluster = totalTerms / Math.max(1, clusters.length);

  return perCluster.map(({ frequency, accounts, proper }) => {
    const clusterTerms = [...frequency.values()].reduce((a, b) => a + b, 0) || 1;
    const allowed = new Set<string>();
    const ranked: ScoredTerm[] = [];
    for (const [term, n] of frequency) {
      const distinct = accounts.get(term)!.size;
      if (distinct < k || term.split(' ').some((w) => proper.has(w))) continue;
      allowed.add(term);
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

/** Words the offline namer adds around the terms; the auditor accepts these and the vocabulary only. */
export const TEMPLATE_WORDS = new Set(['requests', 'about', 'and', 'also', 'mentioning', 'related', 'topics', 'including', 'other', 'distinctive', 'terms']);

export interface ClusterName {
  name: string;
  description: string;
}

/**
 * A short name (at most 10 words) from the most distinctive terms, and a two-sentence description.
 * A word gives way to a phrase it forms nearly as often ("fake accounts" over "fake"), and terms
 * whose words are already covered are skipped. Undefined when no term is k-anonymous.
 */
export function nameFromTerms(ranked: readonly ScoredTerm[]): ClusterName | undefined {
  const chosen: string[] = [];
  const covered = new Set<string>();
  const phrases = ranked.filter((t) => t.term.includes(' '));
  for (const scored of ranked) {
    const phrase = scored.term.includes(' ') ? undefined : phrases.find((p) => p.score >= 0.8 * scored.score && p.term.split(' ').includes(scored.term));
    const term = (phrase ?? scored).term;
    if (chosen.includes(term)) continue;
    const words = term.split(' ');
    if (words.every((w) => covered.has(w))) continue;
    if (chosen.join(' ').split(' ').length + words.length > 8) break;
    chosen.push(term);
    for (const w of words) covered.add(w);
    if (chosen.length === 3) break;
  }
  if (chosen.length === 0) return undefined;
  const others = ranked.map((r) => r.term).filter((t) => !chosen.includes(t) && !t.split(' ').every((w) => covered.has(w))).slice(0, 4);
  const name = capitalise(chosen.join(', '));
  const description = `Requests about ${list(chosen)}.${others.length ? ` Other distinctive terms: ${others.join(', ')}.` : ''}`;
  return { name, description };
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

/** The offline namer: c-TF-IDF terms from the k-anonymous vocabulary, no model. */
export class TermNamer implements ClusterNamer {
  readonly name = 'terms';
  async nameCluster(input: NamingInput): Promise<ClusterName | undefined> {
    return nameFromTerms(input.ranked);
  }
}
