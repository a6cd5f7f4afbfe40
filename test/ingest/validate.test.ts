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
    // Valid RFC 3339 that PostgreSQL refuses (year 0, or year 10000 once the offset is applied).
    ['invalid_timestamp', bytes({ ...good, timestamp: '0000-01-01T00:00:00Z' })],
    ['invalid_timestamp', bytes({ ...good, timestamp: '9999-12-31T23:59:59-23:59' })],
    ['invalid_timestamp', bytes({ ...good, timestamp: '1969-12-31T23:59:59Z' })],
  ])('dead-letters %s', (reason, value) => {
    const result = parseConversation(value, limits);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('refuses nesting deeper than the limit before parsing, without overflowing the stack', () => {
    const deep = `{"id":"c","account_id":"a","timestamp":"2026-11-27T14:00:00Z","messages":[{"role":"assistant","content":[{"type":"tool_use","name":"x","input":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}]}]}`;
    expect(parseConversation(Buffer.from(deep), { ...limits, maxMessageBytes: 1 << 20, maxBlockChars: 1 << 20 })).toMatchObject({ ok: false, reason: 'too_deep' });
    // Brackets inside strings do not count, and ordinary nesting passes.
    const brackets = { ...good, messages: [{ role: 'user', content: '[[[[{{{{'.repeat(40) }] };
    expect(parseConversation(bytes(brackets), limits).ok).toBe(true);
  });

  it('dead-letters event times too far ahead of the wall clock, only when bounded', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    const ahead = bytes({ ...good, timestamp: '2026-11-29T12:00:00Z' });
    expect(parseConversation(ahead, { ...limits, maxFutureSeconds: 86_400 }, now)).toMatchObject({ ok: false, reason: 'future_timestamp' });
    expect(parseConversation(bytes({ ...good, timestamp: '2026-11-28T11:00:00Z' }), { ...limits, maxFutureSeconds: 86_400 }, now).ok).toBe(true);
    expect(parseConversation(ahead, { ...limits, maxFutureSeconds: 0 }, now).ok).toBe(true);
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
