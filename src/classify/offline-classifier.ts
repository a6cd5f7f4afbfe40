import type { Embedder } from '../embed/embedder.ts';
import type { ClassifierInput, PolicyClassifier, PolicySignal } from './classifier.ts';
import { BENIGN, ExampleIndex, type Neighbour } from './example-vote.ts';
import { Lexicon, tokenize, type LexiconHit } from './lexicon.ts';
import type { PolicyTaxonomy } from './taxonomy.ts';

export interface VoteSettings {
  /** Neighbours consulted. */
  k: number;
  /** Neighbours of one area (above the floor) that vote the area in. */
  minVotes: number;
  /** Cosine similarity under which a neighbour does not vote. */
  floor: number;
}

/**
 * Tuned on the labelled public sets (bench/classify-real.ts) with the embedded model, whose
 * similarity follows the form of a request more than its harm: a looser vote (3 of 5 above 0.5)
 * tagged ~11% of ordinary prompts (coding requests as malware); all five neighbours of one area
 * above 0.55 keeps it under 1% while still adding recall where the wording has no lexicon term.
 */
export const DEFAULT_VOTE: VoteSettings = { k: 5, minVotes: 5, floor: 0.55 };

/** Concern a lexicon hit alone implies: a strong term, a weak term confirmed, a weak term alone. */
const CONCERN_STRONG = 0.7;
const CONCERN_WEAK_CONFIRMED = 0.5;
const CONCERN_WEAK = 0.2;
/** Neighbouring examples of an area that confirm a weak term of it. */
const WEAK_VOTES = 3;

/** Why a conversation got its areas: for benchmarks and tests, never logged (hits carry words of the text). */
export interface Explanation extends PolicySignal {
  lexiconAreas: string[];
  voteAreas: string[];
  hits: LexiconHit[];
  neighbours: Neighbour[];
}

/**
 * The offline policy classifier: a transparent lexicon over the redacted request text plus a vote
 * of the nearest labelled examples to the request facet's embedding. When facets came from Claude
 * with areas (input.facetAreas), those areas are used instead of the offline guess.
 */
export class OfflinePolicyClassifier implements PolicyClassifier {
  readonly name = 'offline';
  private readonly lexicon: Lexicon;
  private readonly ids: readonly string[];
  private readonly known: ReadonlySet<string>;
  /** Areas whose weak terms need a context term (they list some) rather than a second weak term. */
  private readonly hasContext: readonly boolean[];

  private constructor(
    readonly taxonomy: PolicyTaxonomy,
    private readonly examples: ExampleIndex | null,
    readonly vote: VoteSettings,
  ) {
    this.lexicon = new Lexicon(taxonomy.areas);
    this.ids = taxonomy.areas.map((a) => a.id);
    this.known = new Set(this.ids);
    this.hasContext = taxonomy.areas.map((a) => (a.context ?? []).length > 0);
  }

  /** Embeds the taxonomy's examples once with the given embedder (the pipeline's own, so vectors compare). */
  static async create(taxonomy: PolicyTaxonomy, embedder: Embedder, vote: Partial<VoteSettings> = {}): Promise<OfflinePolicyClassifier> {
    const texts: string[] = [];
    const labels: number[] = [];
    taxonomy.areas.forEach((area, a) => {
      for (const e of area.examples) (texts.push(e), labels.push(a));
    });
    for (const e of taxonomy.benign_examples ?? []) (texts.push(e), labels.push(BENIGN));
    const vectors = texts.length > 0 ? await embedder.embed(texts) : [];
    return new OfflinePolicyClassifier(taxonomy, new ExampleIndex(vectors, labels, embedder.dimension), { ...DEFAULT_VOTE, ...vote });
  }

  /** The lexicon alone (no vote): for callers without embeddings, such as a cluster's summaries. */
  static lexiconOnly(taxonomy: PolicyTaxonomy): OfflinePolicyClassifier {
    return new OfflinePolicyClassifier(taxonomy, null, DEFAULT_VOTE);
  }

  classify(inputs: readonly ClassifierInput[]): PolicySignal[] {
    return inputs.map((input) => {
      const { areas, concern } = this.explain(input);
      return { areas, concern };
    });
  }

  /** The lexicon's areas of a text (no vote), sorted. */
  lexiconAreas(text: string): string[] {
    return this.lexiconPart(this.lexicon.match(tokenize(text)), new Map()).areas;
  }

  explain(input: ClassifierInput): Explanation {
    const hits = this.lexicon.match(tokenize(input.text));
    const neighbours = this.examples && input.vector.length > 0 ? this.examples.nearest(input.vector, this.vote.k) : [];
    const voters = neighbours.filter((n) => n.similarity >= this.vote.floor);
    const votes = new Map<number, number>();
    for (const n of voters) if (n.label !== BENIGN) votes.set(n.label, (votes.get(n.label) ?? 0) + 1);

    const lexical = this.lexiconPart(hits, votes);
    const voteAreas = this.ids.filter((_, a) => (votes.get(a) ?? 0) >= this.vote.minVotes);
    const harmfulShare = neighbours.length > 0 ? voters.filter((n) => n.label !== BENIGN).length / neighbours.length : 0;
    let concern = 1 - (1 - lexical.concern) * (1 - 0.8 * harmfulShare);

    let areas = [...new Set([...lexical.areas, ...voteAreas])].sort();
    if (input.facetAreas) areas = [...new Set(input.facetAreas.filter((id) => this.known.has(id)))].sort();
    if (input.facetConcerning !== undefined) concern = (concern + (input.facetConcerning - 1) / 4) / 2;
    return { areas, concern: round(Math.min(1, Math.max(0, concern))), lexiconAreas: lexical.areas, voteAreas, hits, neighbours };
  }

  /**
   * Strong hits tag their area. A weak hit needs a second weak hit on other words (or, when the
   * area has context terms, a context hit), or three neighbouring examples of its area (of the k nearest, above the floor).
   */
  private lexiconPart(hits: readonly LexiconHit[], votes: ReadonlyMap<number, number>): { areas: string[]; concern: number } {
    const strong = new Set<number>();
    const weak = new Map<number, LexiconHit[]>();
    const context = new Set<number>();
    for (const h of hits) {
      if (h.strength === 'strong') strong.add(h.area);
      else if (h.strength === 'context') context.add(h.area);
      else weak.set(h.area, [...(weak.get(h.area) ?? []), h]);
    }
    const confirmed = [...weak]
      .filter(([a, list]) => {
        if (strong.has(a)) return false;
        if ((votes.get(a) ?? 0) >= WEAK_VOTES) return true;
        return this.hasContext[a] ? context.has(a) : distinctWeak(list);
      })
      .map(([a]) => a);
    const areas = [...strong, ...confirmed].map((a) => this.ids[a]!).sort();
    const concern = strong.size > 0 ? CONCERN_STRONG : confirmed.length > 0 ? CONCERN_WEAK_CONFIRMED : weak.size > 0 ? CONCERN_WEAK : 0;
    return { areas, concern: Math.min(1, concern + 0.1 * Math.max(0, areas.length - 1)) };
  }
}

/** Two weak hits on different words that do not overlap. */
function distinctWeak(hits: readonly LexiconHit[]): boolean {
  return hits.some((a) => hits.some((b) => a.matched !== b.matched && (a.end <= b.start || b.end <= a.start)));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
