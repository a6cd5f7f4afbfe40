import type { Conversation } from '../ingest/conversation.ts';
import { scoreConcern } from './concern-lexicon.ts';
import type { FacetExtractor, Facets } from './facets.ts';
import { detectLanguage } from './language.ts';
import {
  collapseWhitespace, toolActionName, toolCalls, toolInputStrings, truncateAtWord, userTexts,
} from './transcript.ts';

export interface LocalExtractorOptions {
  /** Upper bound of the request facet, in characters (ellipsis included). */
  maxRequestChars?: number;
  /** While the request is shorter than this, the user's following messages are appended. */
  minRequestChars?: number;
  /** Words in the task facet. */
  maxTaskWords?: number;
  /** Distinct actions kept, in order of first use. */
  maxActions?: number;
}

// About two sentences, as Clio's request facet: longer texts add little topic signal and the embedding
// cost grows with length (the embedded model does ~80 texts/s at 60 characters, ~26/s at 300).
const DEFAULTS: Required<LocalExtractorOptions> = { maxRequestChars: 160, minRequestChars: 60, maxTaskWords: 6, maxActions: 32 };

/** How much user text the language and concern screens read: enough to judge, bounded in cost. */
const SCAN_CHARS = 20_000;

/** Openings that say nothing about the task ("hi", "can you", "I want to"); stripped repeatedly. */
const FILLER =
  /^(hi|hello|hey|ok|okay|so|please|pls|kindly|can you|could you|would you|will you|can u|i want you to|i need you to|i'?d like you to|i would like you to|help me( to)?|i need to|i want to|i'?d like to|i need|i want|let'?s|lets|quick question|question)\b[\s,!:;-]*/i;

/**
 * The offline, deterministic extractor: no network, the same facets for the same conversation.
 * Its request facet is the user's own (already redacted) wording, condensed, not a paraphrase.
 */
export class LocalFacetExtractor implements FacetExtractor {
  readonly name = 'local';
  private readonly options: Required<LocalExtractorOptions>;

  constructor(options: LocalExtractorOptions = {}) {
    this.options = Object.freeze({ ...DEFAULTS, ...options });
  }

  async extract(conversations: readonly Conversation[]): Promise<Facets[]> {
    return conversations.map((c) => this.extractOne(c));
  }

  /** Synchronous core, exposed for callers (the Claude extractor's fallback path, tests). */
  extractOne(conversation: Conversation): Facets {
    const texts = userTexts(conversation);
    const calls = toolCalls(conversation);
    const request = condenseRequest(texts, this.options.minRequestChars, this.options.maxRequestChars);
    const scanned = [...texts, ...calls.flatMap((c) => toolInputStrings(c.input))].join('\n').slice(0, SCAN_CHARS);
    return {
      request,
      task: deriveTask(request, this.options.maxTaskWords),
      language: detectLanguage(texts.join('\n').slice(0, SCAN_CHARS)),
      concerning: scoreConcern(scanned, { agentic: calls.length > 0 }).score,
      actions: distinctActions(calls.map(toolActionName), this.options.maxActions),
      degraded: false,
    };
  }
}

/** The first user message, followed by the next ones while the total is still short, bounded. */
export function condenseRequest(texts: readonly string[], minChars: number, maxChars: number): string {
  let request = '';
  for (const text of texts) {
    request = collapseWhitespace(request ? `${request} ${text}` : text);
    if (request.length >= minChars) break;
  }
  // A conversation with no user text (tool results only) still gets a stable, non-empty facet.
  return request ? truncateAtWord(request, maxChars) : 'unspecified request';
}

/** A few words naming the task: the leading phrase of the first sentence with content, fillers stripped. */
export function deriveTask(request: string, maxWords: number): string {
  for (const sentence of request.split(/[.?!;\n。？！]/)) {
    let rest = sentence.trim();
    for (let previous = ''; previous !== rest; ) {
      previous = rest;
      rest = rest.replace(FILLER, '');
    }
    const words = rest.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
    if (words.length > 0) return truncateAtWord(words.slice(0, maxWords).join(' '), 80);
  }
  return 'unspecified task';
}

/** Tool actions as stable identifiers, each once, in order of first use. */
export function distinctActions(actions: readonly string[], max: number): string[] {
  const seen = new Set<string>();
  for (const action of actions) {
    const id = action.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
    if (id) seen.add(id);
    if (seen.size >= max) break;
  }
  return [...seen];
}
