import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Conversation, ValidConversation } from './conversation.ts';

/** Why a record went to the dead-letter queue; stable strings that other tools match on. */
export type DeadLetterReason =
  | 'empty_message'
  | 'oversize_message'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'schema_violation'
  | 'invalid_timestamp'
  | 'too_many_messages'
  | 'oversize_block'
  | 'too_deep'
  | 'future_timestamp';

export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = [
  'empty_message', 'oversize_message', 'invalid_utf8', 'invalid_json',
  'schema_violation', 'invalid_timestamp', 'too_many_messages', 'oversize_block', 'too_deep', 'future_timestamp',
];

export interface IngestLimits {
  maxMessageBytes: number;
  maxMessages: number;
  maxBlockChars: number;
  /** Event times further ahead of the wall clock than this are dead-lettered (0: no bound; replay of recorded history). */
  maxFutureSeconds?: number;
}

/**
 * Nesting deeper than this is refused before parsing: JSON.parse, schema validation and every later
 * walk over the value recurse, and a 100 KB record nested 20,000 deep overflows the stack.
 */
export const MAX_NESTING = 64;
/** PostgreSQL's timestamptz and every date routine agree on this range; outside it a store refuses the row. */
const MIN_EVENT_MS = Date.UTC(1970, 0, 1);
const MAX_EVENT_MS = Date.UTC(9999, 0, 1);

export type ParseResult =
  | { ok: true; value: ValidConversation }
  /** `detail` names a location or a limit, never a value from the record. */
  | { ok: false; reason: DeadLetterReason; detail: string };

const schema = JSON.parse(readFileSync(new URL('../../schemas/conversation.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: false, strict: false });
addFormats.default(ajv, ['date-time']);
const validateSchema = ajv.compile<Conversation>(schema);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Turns one raw message value into a valid conversation, or says exactly why it is not one. */
export function parseConversation(value: Uint8Array | null | undefined, limits: IngestLimits, nowMs = Date.now()): ParseResult {
  if (!value || value.length === 0) return fail('empty_message', 'no value');
  if (value.length > limits.maxMessageBytes) {
    return fail('oversize_message', `${value.length} bytes > limit ${limits.maxMessageBytes}`);
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return fail('invalid_utf8', 'value is not UTF-8');
  }
  if (nestingDepthExceeds(text, MAX_NESTING)) return fail('too_deep', `nesting deeper than ${MAX_NESTING}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('invalid_json', 'value is not JSON');
  }
  if (!validateSchema(json)) {
    const error = validateSchema.errors![0]!;
    const at = error.instancePath || '/';
    if (at === '/timestamp') return fail('invalid_timestamp', 'timestamp is not RFC 3339 date-time');
    return fail('schema_violation', `${at} ${error.message ?? 'is invalid'}`);
  }
  const eventTimeMs = Date.parse(json.timestamp);
  if (!Number.isFinite(eventTimeMs) || eventTimeMs < MIN_EVENT_MS || eventTimeMs >= MAX_EVENT_MS) {
    return fail('invalid_timestamp', 'timestamp is out of range (1970 to 9998)');
  }
  if (limits.maxFutureSeconds && eventTimeMs > nowMs + limits.maxFutureSeconds * 1000) {
    return fail('future_timestamp', `timestamp more than ${limits.maxFutureSeconds} s ahead of the wall clock`);
  }

  if (json.messages.length > limits.maxMessages) {
    return fail('too_many_messages', `${json.messages.length} messages > limit ${limits.maxMessages}`);
  }
  const longest = longestBlock(json);
  if (longest.chars > limits.maxBlockChars) {
    return fail('oversize_block', `${longest.at} has ${longest.chars} characters > limit ${limits.maxBlockChars}`);
  }
  return { ok: true, value: { conversation: json, eventTimeMs } };
}

function longestBlock(conversation: Conversation): { chars: number; at: string } {
  let best = { chars: 0, at: '' };
  conversation.messages.forEach((message, i) => {
    if (typeof message.content === 'string') {
      if (message.content.length > best.chars) best = { chars: message.content.length, at: `/messages/${i}/content` };
      return;
    }
    message.content.forEach((block, j) => {
      const chars = blockChars(block);
      if (chars > best.chars) best = { chars, at: `/messages/${i}/content/${j}` };
    });
  });
  return best;
}

function blockChars(block: Conversation['messages'][number]['content'][number] & object): number {
  switch (block.type) {
    case 'text':
      return block.text.length;
    case 'tool_use':
      return JSON.stringify(block.input).length;
    case 'tool_result':
      return typeof block.content === 'string' ? block.content.length : JSON.stringify(block.content ?? '').length;
    default:
      return 0;
  }
}

/** True when brackets nest deeper than `max` outside string literals: one linear scan, no recursion. */
function nestingDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function fail(reason: DeadLetterReason, detail: string): ParseResult {
  return { ok: false, reason, detail };
}
