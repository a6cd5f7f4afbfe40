import type { Facets } from '../facets/facets.ts';
import type { Conversation } from '../ingest/conversation.ts';
import type { ClassifierInput } from './classifier.ts';

/** Characters of the request text the classifier reads: enough for the lexicon, bounded in cost. */
export const CLASSIFIER_TEXT_CHARS = 2000;

/**
 * What the classifier reads of a (redacted) conversation: its first user message, bounded — the
 * request facet alone is too short for a lexicon. Falls back to the facet when there is no user text.
 */
export function requestTextOf(conversation: Conversation, facetRequest: string): string {
  const first = conversation.messages.find((m) => m.role === 'user');
  const content = first?.content;
  const text = typeof content === 'string' ? content : (content ?? []).map((b) => ('text' in b && typeof b.text === 'string' ? b.text : '')).join(' ');
  return (text.trim() || facetRequest).slice(0, CLASSIFIER_TEXT_CHARS);
}

/** The classifier's input for one conversation: its request text, the facet's embedding and, from Claude, its areas and concern. */
export function classifierInputOf(conversation: Conversation, facets: Pick<Facets, 'request' | 'concerning' | 'policyAreas' | 'degraded'>, vector: readonly number[], extractor: string): ClassifierInput {
  const input: ClassifierInput = { text: requestTextOf(conversation, facets.request), vector };
  // Only Claude's own judgement replaces the offline guess; the local extractor's concern screen is cruder than ours.
  if (extractor === 'claude' && !facets.degraded) {
    input.facetConcerning = facets.concerning;
    if (facets.policyAreas) input.facetAreas = facets.policyAreas;
  }
  return input;
}
