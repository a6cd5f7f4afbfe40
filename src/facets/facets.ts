import type { Conversation } from '../ingest/conversation.ts';

/**
 * Clio's privacy-preserving summary of one conversation. It carries no raw text: every field is
 * written (by Claude or the local extractor) under instructions to omit personal information and
 * proper nouns, from text that was already redacted.
 */
export interface Facets {
  /** "The user's overall request for the assistant is to …", at most two sentences, in English. */
  request: string;
  /** The task, in a few words. */
  task: string;
  /** ISO 639-1 code of the conversation's main language, or "und". */
  language: string;
  /** Clio's concerning score: 1 (benign) … 5 (clearly harmful). */
  concerning: 1 | 2 | 3 | 4 | 5;
  /** Computer-use tool calls summarised as actions (e.g. "click", "type", "screenshot"). */
  actions: string[];
  /** Policy area ids of the taxonomy (alerts/policies.yaml) when Claude classified the request; absent offline. */
  policyAreas?: string[];
  /** True when produced by the fallback (local extractor) because Claude was unavailable. */
  degraded: boolean;
}

/** The facet seam: redacted conversations in, one Facets each, in order. */
export interface FacetExtractor {
  readonly name: string;
  extract(conversations: readonly Conversation[]): Promise<Facets[]>;
  close?(): Promise<void>;
}
