/**
 * PII redaction of raw conversation text, applied before anything is stored or sent to a model.
 * Structured kinds (keys, URLs with credentials, emails, IPs, cards, phones, addresses) are regex
 * detectors in patterns.ts, then account handles and usernames (handles.ts); person names come
 * from compromise in names.ts and run last, on text whose structured PII is already replaced.
 */
import type { ContentBlock, Conversation, Message } from '../ingest/conversation.ts';
import { HANDLE_DETECTORS } from './handles.ts';
import { redactNames } from './names.ts';
import { DETECTORS, addCount, applyDetector, type PiiCounts, type PiiKind } from './patterns.ts';

export type { PiiKind } from './patterns.ts';

export interface Redaction {
  text: string;
  counts: Partial<Record<PiiKind, number>>;
}

export interface RedactOptions {
  /** Detect person names (the slowest step); on unless `false`. */
  names?: boolean;
}

/** Replaces each finding by a placeholder like [EMAIL], [PHONE], [CARD], [IP], [URL], [SECRET], [ADDRESS], [HANDLE], [NAME]. */
export function redact(text: string, options?: RedactOptions): Redaction {
  const counts: PiiCounts = {};
  let out = text;
  for (const detector of [...DETECTORS, ...HANDLE_DETECTORS]) out = applyDetector(detector, out, counts);
  if (options?.names !== false) {
    const names = redactNames(out);
    out = names.text;
    if (names.count > 0) addCount(counts, 'person', names.count);
  }
  return { text: out, counts };
}

function mergeCounts(into: PiiCounts, from: PiiCounts): void {
  for (const [kind, n] of Object.entries(from) as Array<[PiiKind, number]>) addCount(into, kind, n);
}

/**
 * Redacts every text-bearing field of a conversation (string contents, text blocks, tool_use
 * inputs' string values recursively, tool_result text), returning a new object; ids, account and
 * timestamp are untouched.
 */
export function redactConversation(c: Conversation): { conversation: Conversation; counts: Partial<Record<PiiKind, number>> } {
  const counts: PiiCounts = {};
  const text = (s: string): string => {
    const r = redact(s);
    mergeCounts(counts, r.counts);
    return r.text;
  };

  // Tool inputs are arbitrary JSON: strings anywhere inside are redacted, keys and non-strings kept.
  const value = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(value);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, value(x)]));
    }
    return v;
  };

  const block = (b: ContentBlock): ContentBlock => {
    switch (b.type) {
      case 'text':
        return { ...b, text: text(b.text) };
      case 'tool_use':
        return { ...b, input: value(b.input) as Record<string, unknown> };
      case 'tool_result':
        if (typeof b.content === 'string') return { ...b, content: text(b.content) };
        if (Array.isArray(b.content)) {
          return {
            ...b,
            content: b.content.map((item) => (item.type === 'text' && typeof item.text === 'string' ? { ...item, text: text(item.text) } : item)),
          };
        }
        return { ...b };
      default:
        // Images carry no text to redact.
        return b;
    }
  };

  const message = (m: Message): Message => ({
    ...m,
    content: typeof m.content === 'string' ? text(m.content) : m.content.map(block),
  });

  return { conversation: { ...c, messages: c.messages.map(message) }, counts };
}
