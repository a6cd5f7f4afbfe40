import type { Conversation } from '../ingest/conversation.ts';
import { MAX_NESTING, type DeadLetterReason, type IngestLimits } from '../ingest/validate.ts';
import { FILLER, TOPICS, type Topic } from './topics.ts';
import { intBetween, pick, seededRandom, type Random } from '../util/random.ts';

export interface GenerateOptions {
  count: number;
  seed?: number;
  /** Size of the account pool; accounts are drawn with a heavy head, as in real traffic. */
  accounts?: number;
  /** Event times are spread evenly (with jitter) from `startMs` over `spanMs`. */
  startMs?: number;
  spanMs?: number;
  /** Approximate size of each conversation in bytes. */
  targetBytes?: number;
  topics?: readonly Topic[];
  /** Prefix of conversation ids, so several generated sets do not collide. */
  idPrefix?: string;
}

export interface LabelledConversation {
  conversation: Conversation;
  topic: string;
}

/** Valid synthetic conversations, deterministic for a seed, with their topic as a label. */
export function* generateConversations(options: GenerateOptions): Generator<LabelledConversation> {
  const random = seededRandom(options.seed ?? 1);
  const accounts = options.accounts ?? Math.max(10, Math.ceil(options.count / 20));
  const startMs = options.startMs ?? Date.parse('2026-11-20T00:00:00Z');
  const spanMs = options.spanMs ?? 24 * 3600_000;
  const targetBytes = options.targetBytes ?? 1000;
  const topics = options.topics ?? TOPICS;
  const prefix = options.idPrefix ?? 'conv';
  for (let i = 0; i < options.count; i++) {
    const topic = pick(random, topics);
    const timeMs = startMs + Math.floor(((i + random()) / options.count) * spanMs);
    // A Zipf-like draw: a few accounts send much of the traffic.
    const account = Math.floor(accounts * Math.pow(random(), 2));
    yield {
      topic: topic.id,
      conversation: {
        id: `${prefix}-${i}`,
        account_id: `acct-${account}`,
        timestamp: new Date(timeMs).toISOString(),
        messages: [
          { role: 'user', content: pad(random, fillTemplate(random, topic), targetBytes) },
          { role: 'assistant', content: [{ type: 'text', text: 'Here is a careful answer to your request, step by step.' }] },
        ],
        metadata: { product: topic.product ?? pick(random, ['claude-ai', 'api']), language: 'en' },
      },
    };
  }
}

/** One request sentence of a topic with its slots filled at random. */
export function fillTemplate(random: Random, topic: Topic): string {
  return pick(random, topic.requests).replace(/\{(\w+)\}/g, (_, slot: string) => pick(random, topic.slots[slot] ?? [slot]));
}

function pad(random: Random, text: string, targetBytes: number): string {
  let out = text;
  while (out.length < targetBytes - 250) out += ` ${pick(random, FILLER)}`;
  return out;
}

/** The kinds of invalid input the ingest stage must dead-letter, one generator each. */
export const INVALID_KINDS: readonly DeadLetterReason[] = [
  'empty_message', 'oversize_message', 'invalid_utf8', 'invalid_json',
  'schema_violation', 'invalid_timestamp', 'too_many_messages', 'oversize_block', 'too_deep',
];

/** Invalid records of every kind in turn, each with the reason validation must give. */
export function* generateInvalid(count: number, limits: IngestLimits, seed = 7): Generator<{ reason: DeadLetterReason; value: Buffer | null }> {
  const random = seededRandom(seed);
  const base = (i: number): Conversation => ({
    id: `bad-${i}`,
    account_id: `acct-bad-${i % 13}`,
    timestamp: '2026-11-20T12:00:00Z',
    messages: [{ role: 'user', content: 'A perfectly ordinary request.' }],
  });
  for (let i = 0; i < count; i++) {
    const reason = INVALID_KINDS[i % INVALID_KINDS.length]!;
    const c = base(i);
    let value: Buffer | null = null;
    switch (reason) {
      case 'empty_message':
        value = i % 2 ? null : Buffer.alloc(0);
        break;
      case 'oversize_message':
        c.messages = [{ role: 'user', content: 'x'.repeat(Math.min(limits.maxBlockChars, limits.maxMessageBytes)) }, { role: 'user', content: 'y'.repeat(limits.maxMessageBytes) }];
        value = Buffer.from(JSON.stringify(c));
        break;
      case 'invalid_utf8':
        value = Buffer.concat([Buffer.from('{"id":"bad-'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
        break;
      case 'invalid_json':
        value = Buffer.from(pick(random, ['{"id": "bad", ', 'not json at all', '[1, 2', '{"id": bad}']));
        break;
      case 'schema_violation': {
        const broken: Record<string, unknown> = { ...c };
        const which = intBetween(random, 0, 3);
        if (which === 0) delete broken.account_id;
        else if (which === 1) broken.messages = [];
        else if (which === 2) broken.messages = [{ role: 'robot', content: 'hi' }];
        else broken.id = 42;
        value = Buffer.from(JSON.stringify(broken));
        break;
      }
      case 'invalid_timestamp':
        c.timestamp = pick(random, ['yesterday', '2026-13-45T99:00:00Z', '27/11/2026 14:00', '']);
        value = Buffer.from(JSON.stringify(c));
        break;
      case 'too_many_messages':
        c.messages = Array.from({ length: limits.maxMessages + 1 }, () => ({ role: 'user' as const, content: 'hi' }));
        value = Buffer.from(JSON.stringify(c));
        break;
      case 'oversize_block':
        c.messages = [{ role: 'user', content: [{ type: 'text', text: 'z'.repeat(limits.maxBlockChars + 1) }] }];
        value = Buffer.from(JSON.stringify(c));
        break;
      case 'too_deep': {
        const depth = MAX_NESTING + 1;
        value = Buffer.from(JSON.stringify(c).replace(/\]\}$/, `,{"role":"user","content":[{"type":"tool_use","name":"x","input":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}]}`));
        break;
      }
    }
    yield { reason, value };
  }
}
