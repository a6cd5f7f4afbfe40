import { describe, expect, it } from 'vitest';
import { parseConversation } from '../../src/ingest/validate.ts';
import { generateInvalid, INVALID_KINDS } from '../../src/generate/synthetic.ts';

const limits = { maxMessageBytes: 4096, maxMessages: 5, maxBlockChars: 500 };
const good = {
  id: 'conv-1',
  account_id: 'acct-1',
  timestamp: '2026-11-27T14:00:00Z',
  messages: [
    { role: 'user', content: 'Summarise this page.' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Taking a screenshot first.' },
        { type: 'tool_use', id: 't1', name: 'computer', input: { action: 'screenshot' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'image', source: { type: 'base64' } }] }] },
  ],
  metadata: { product: 'computer-use', model: 'm', language: 'en', extra: 1 },
};
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('parseConversation', () => {
  it('accepts the contract example with content blocks, and parses the event time once', () => {
    const result = parseConversation(bytes(good), limits);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.eventTimeMs).toBe(Date.parse('2026-11-27T14:00:00Z'));
  });

  it('accepts time zone offsets and fractional seconds', () => {
    const result = parseConversation(bytes({ ...good, timestamp: '2026-11-27T15:00:00.123+01:00' }), limits);
    expect(result.ok && result.value.eventTimeMs).toBe(Date.parse('2026-11-27T14:00:00.123Z'));
  });

  it.each([
    ['empty_message', null],
    ['empty_message', Buffer.alloc(0)],
    ['oversize_message', bytes({ ...good, pad: 'x'.repeat(5000) })],
    ['invalid_utf8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['invalid_json', bytes('{"id": ')],
    ['schema_violation', bytes({ ...good, account_id: undefined })],
    ['schema_violation', bytes({ ...good, messages: [] })],
    ['schema_violation', bytes({ ...good, messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] })],
    ['schema_violation', bytes({ ...good, id: 7 })],
    ['schema_violation', bytes([1, 2])],
    ['invalid_timestamp', bytes({ ...good, timestamp: 'yesterday' })],
    ['invalid_timestamp', bytes({ ...good, timestamp: '2026-02-30T10:00:00Z' })],
    ['invalid_timestamp', bytes({ ...good, timestamp: '2026-11-27 14:00' })],
    ['too_many_messages', bytes({ ...good, messages: Array(6).fill({ role: 'user', content: 'hi' }) })],
    ['oversize_block', bytes({ ...good, messages: [{ role: 'user', content: 'y'.repeat(501) }] })],
    ['oversize_block', bytes({ ...good, messages: [{ role: 'assistant', content: [{ type: 'tool_use', name: 'c', input: { t: 'y'.repeat(600) } }] }] })],
  ])('dead-letters %s', (reason, value) => {
    const result = parseConversation(value, limits);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('never copies record content into the reason detail', () => {
    const secret = 'jane.doe@example.com';
    const values = [
      bytes({ ...good, account_id: { secret } }),
      bytes({ ...good, timestamp: secret }),
      bytes({ ...good, messages: [{ role: secret, content: 'x' }] }),
      bytes({ ...good, messages: [{ role: 'user', content: secret.repeat(100) }] }),
    ];
    for (const value of values) {
      const result = parseConversation(value, limits);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.detail).not.toContain('jane');
    }
  });

  it('the generator produces every invalid kind with the reason validation gives', () => {
    const seen = new Set<string>();
    for (const { reason, value } of generateInvalid(64, limits)) {
      expect(parseConversation(value, limits)).toMatchObject({ ok: false, reason });
      seen.add(reason);
    }
    expect([...seen].sort()).toEqual([...INVALID_KINDS].sort());
  });
});
