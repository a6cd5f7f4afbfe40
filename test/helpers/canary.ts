import { Writable } from 'node:stream';
import type { Conversation } from '../../src/ingest/conversation.ts';

/** Personal data planted in conversations; none of it may reach logs, metrics, the API, alerts or catalogs. */
export const CANARIES = {
  email: 'canary.jane.doe@example.org',
  phone: '+1 415 555 0199',
  name: 'Jane Canaryfield Doe',
  accountId: 'acct-canary-7f3a91',
  conversationId: 'conv-canary-5e2b07',
} as const;

export const CANARY_VALUES: readonly string[] = Object.values(CANARIES);

/** A conversation carrying every canary: in its ids, its text and a tool call. */
export function canaryConversation(timestamp: string, index = 0): Conversation {
  return {
    id: `${CANARIES.conversationId}-${index}`,
    account_id: CANARIES.accountId,
    timestamp,
    messages: [
      { role: 'user', content: `Hi, I am ${CANARIES.name}. Email me at ${CANARIES.email} or call ${CANARIES.phone} about my order.` },
      { role: 'assistant', content: [{ type: 'tool_use', name: 'computer', input: { action: 'type', text: CANARIES.email } }] },
    ],
    metadata: { product: 'computer-use' },
  };
}

/** Fails with the offending canary and some context when `text` contains any canary. */
export function findCanary(text: string): string | undefined {
  for (const canary of CANARY_VALUES) {
    const at = text.indexOf(canary);
    if (at >= 0) return `${canary} in …${text.slice(Math.max(0, at - 80), at + 80)}…`;
  }
  // Partial leaks: the distinctive parts on their own.
  for (const part of ['Canaryfield', 'canary.jane', '555 0199', 'canary-7f3a91', 'canary-5e2b07']) {
    if (text.includes(part)) return part;
  }
  return undefined;
}

/** A writable that keeps everything written to it, for capturing log output. */
export function memoryStream(): Writable & { text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { text(): string };
  stream.text = () => chunks.join('');
  return stream;
}
