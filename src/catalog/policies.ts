import { areasByShare } from '../classify/member-share.ts';
import { OfflinePolicyClassifier } from '../classify/offline-classifier.ts';
import type { PolicyTaxonomy } from '../classify/taxonomy.ts';

// The taxonomy lives in src/classify; re-exported here for the catalog's existing callers.
export { checkPolicies, DEFAULT_POLICIES_FILE, loadPolicies, PolicyTaxonomyError, type PolicyArea, type PolicyTaxonomy } from '../classify/taxonomy.ts';

/** What the matcher needs of a taxonomy: ids and terms (`keywords` is read as lexicon, for older hand-written taxonomies). */
export interface MatcherTaxonomy {
  min_share: number;
  areas: ReadonlyArray<{ id: string; name?: string; lexicon?: string[]; keywords?: string[]; weak?: string[]; context?: string[]; exclude?: string[] }>;
}

/**
 * A group's areas from its members' texts by the lexicon alone (no embeddings): each text is
 * classified, and an area is kept when at least min_share of the texts carry it. For callers that
 * only have summaries, such as emerging clusters; with embeddings, prefer classifying each member
 * with the OfflinePolicyClassifier and `areasByShare` (src/classify/member-share.ts).
 */
export function compilePolicyMatcher(taxonomy: MatcherTaxonomy): (texts: readonly string[]) => string[] {
  const full: PolicyTaxonomy = {
    min_share: taxonomy.min_share,
    benign_examples: [],
    areas: taxonomy.areas.map((a) => ({
      id: a.id,
      name: a.name ?? a.id,
      description: '',
      lexicon: a.lexicon ?? a.keywords ?? [],
      weak: a.weak,
      exclude: a.exclude,
      context: a.context,
      examples: [],
    })),
  };
  const classifier = OfflinePolicyClassifier.lexiconOnly(full);
  return (texts) => areasByShare(texts.map((t) => classifier.lexiconAreas(t)), taxonomy.min_share);
}
