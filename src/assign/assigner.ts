import type { Conversation } from '../ingest/conversation.ts';

/** Where one conversation landed: its nearest known cluster, or novel when nothing is close enough. */
export interface Assignment {
  clusterId: string;
  similarity: number;
  novel: boolean;
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
