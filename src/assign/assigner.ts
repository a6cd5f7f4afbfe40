import type { Conversation } from '../ingest/conversation.ts';

/** Where one conversation landed: its nearest known cluster, or novel when nothing is close enough. */
export interface Assignment {
  clusterId: string;
  similarity: number;
  novel: boolean;
  /** The clusters above the leaf (parent level), counted as well so that rules can watch them. */
  ancestorIds?: readonly string[];
  /** The policy areas of the conversation's own request (src/classify), counted as series of their own. */
  policyAreas?: readonly string[];
  /** 0 (benign) … 1 (clearly harmful), from the same classifier. */
  concern?: number;
  /** What emerging-group discovery needs of every conversation (its request-facet embedding and summary words, never raw text). */
  novelty?: { embedding: readonly number[]; summaryWords: string };
}

/** The understanding seam: conversations in, one assignment each, in order. */
export interface Assigner {
  assign(conversations: readonly Conversation[]): Promise<Assignment[]>;
}

/** Until a catalog is loaded every conversation counts under this one cluster. */
export const PLACEHOLDER_CLUSTER_ID = 'unassigned';

export class PlaceholderAssigner implements Assigner {
  async assign(conversations: readonly Conversation[]): Promise<Assignment[]> {
    return conversations.map(() => ({ clusterId: PLACEHOLDER_CLUSTER_ID, similarity: 0, novel: false }));
  }
}
