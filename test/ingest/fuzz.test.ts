import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryConversation, findCanary } from '../helpers/canary.ts';
import { fetchText, metricValue, startCli, waitFor, type CliProcess } from '../helpers/cli.ts';
import { createTopic, testKafka } from '../helpers/kafka.ts';
import { freshDatabase, kafkaBrokers, uniqueName } from '../helpers/services.ts';
import pg from 'pg';
import { createIdHasher } from '../../src/privacy/account-hash.ts';

// A hostile producer, generated: ≥ 100,000 records of every size, nesting, encoding, date boundary
// and type confusion through the real broker into `run`. Each record is built with at most one
// defect, so what must become of it is known: counted (once per id) or dead-lettered with the
// reason of its defect. The consumer must never stall or die on the way.

const RECORDS = 100_000;
const SEED = 20261202;
const LIMITS = { maxMessageBytes: 16_384, maxMessages: 12, maxBlockChars: 3000 };
const NOW = Date.now();

/** What must become of a record: counted, a specific dead-letter reason, or either of a few (date boundaries). */
type Expect = { kind: 'valid'; id: string } | { kind: 'dead'; reasons: string[] } | { kind: 'either'; reasons: string[] };
interface Hostile {
  value: Buffer | null;
  expect: Expect;
}

const text = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 120 }), // any code point: control characters, NUL, astral planes
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom('', '\u0000', '\ud800', '\udfff', '\u202e\u0000evil', '"}]}', '\\', 'Ω'.repeat(500), '🙂'.repeat(400)),
);
/** JSON values up to a bounded depth, with numbers, nulls, booleans, odd keys. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 8 }, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), text, tie('object'), tie('array')),
  object: fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
})).value;
const block = fc.oneof(
  fc.record({ type: fc.constant('text'), text }),
  fc.record({ type: fc.constant('tool_use'), name: text, input: fc.dictionary(text, jsonValue, { maxKeys: 4 }) }),
  fc.record({ type: fc.constant('tool_result'), content: fc.oneof(text, fc.constant([{ type: 'text', text: 'ok' }])), is_error: fc.boolean() }),
  fc.record({ type: fc.constant('image'), source: fc.record({ type: fc.constant('base64'), data: fc.base64String({ maxLength: 200 }) }) }),
);
const message = fc.record({ role: fc.constantFrom('user', 'assistant', 'system'), content: fc.oneof(text, fc.array(block, { minLength: 0, maxLength: 3 })) });
/** Valid event times: from 1970 to a little ahead of now (within ingest.maxFutureSeconds). */
const validTime = fc.integer({ min: 0, max: NOW + 3600_000 }).map((ms) => new Date(ms).toISOString());
const idText = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
const shortText = fc.oneof(fc.string({ maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('', '\u0000', 'chat', 'computer-use', 'api', 'a b', '../..'));
const metadata = fc.option(fc.record({ product: shortText, language: fc.constantFrom('en', 'fr', 'zz'), extra: jsonValue }, { requiredKeys: [] }), { nil: undefined });

const validConversation = fc.record({ account: idText, timestamp: validTime, messages: fc.array(message, { minLength: 1, maxLength: 5 }), metadata });

function conversationJson(id: string, c: { account: string; timestamp: string; messages: unknown[]; metadata?: unknown }): Record<string, unknown> {
  return { id, account_id: c.account, timestamp: c.timestamp, messages: c.messages, ...(c.metadata === undefined ? {} : { metadata: c.metadata }) };
}

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const dead = (value: Buffer | null, ...reasons: string[]): Hostile => ({ value, expect: { kind: 'dead', reasons } });
/** A JSON record with one defect: dead-lettered for it, unless it is also too large (checked first). */
const deadJson = (o: unknown, reason: string): Hostile => {
  const value = bytes(o);
  return dead(value, value.length > LIMITS.maxMessageBytes ? 'oversize_message' : reason);
};

/** Year, month, day, time and offset at their boundaries: some valid, some that PostgreSQL or the calendar refuse. */
const boundaryTime = fc.record({
  year: fc.constantFrom('0000', '0001', '1969', '1970', '2000', '2024', '9998', '9999'),
  month: fc.constantFrom('00', '01', '02', '12', '13'),
  day: fc.constantFrom('00', '01', '28', '29', '30', '31', '32'),
  time: fc.constantFrom('00:00:00', '23:59:59', '23:59:60', '24:00:00', '12:00:00.123456789'),
  zone: fc.constantFrom('Z', 'z', '+00:00', '-23:59', '+23:59', '+14:00', ''),
}).map((t) => `${t.year}-${t.month}-${t.day}T${t.time}${t.zone}`);

/**
 * The size limits a well-formed record can still break, as the README states them: bytes per value,
 * then characters of the longest block (a string's length, a tool call's input as JSON).
 */
function sizeFate(value: Buffer, c: { messages: Array<{ content: unknown }> }): string | null {
  if (value.length > LIMITS.maxMessageBytes) return 'oversize_message';
  const chars = (b: any): number => b.type === 'text' ? b.text.length : b.type === 'tool_use' ? JSON.stringify(b.input).length : b.type === 'tool_result' ? (typeof b.content === 'string' ? b.content.length : JSON.stringify(b.content ?? '').length) : 0;
  const longest = Math.max(0, ...c.messages.map((m) => (typeof m.content === 'string' ? m.content.length : Math.max(0, ...(m.content as any[]).map(chars)))));
  return longest > LIMITS.maxBlockChars ? 'oversize_block' : null;
}

/** One hostile record and its fate; `i` makes ids unique. */
function hostile(i: number): fc.Arbitrary<Hostile> {
  const valid = validConversation.map((c): Hostile => {
    const value = bytes(conversationJson(`v-${i}`, c));
    const fate = sizeFate(value, c);
    return fate ? dead(value, fate) : { value, expect: { kind: 'valid', id: `v-${i}` } };
  });
  return fc.oneof(
    { weight: 40, arbitrary: valid },
    // Deep but within the nesting bound: valid.
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 55 }).map((depth) => ({ value: Buffer.from(`{"id":"d-${i}","account_id":"a","timestamp":"2026-11-20T00:00:00Z","messages":[{"role":"user","content":[{"type":"tool_use","name":"n","input":${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}}]}]}`), expect: { kind: 'valid', id: `d-${i}` } as Expect })) },
    { weight: 3, arbitrary: fc.integer({ min: 70, max: 8000 }).map((depth) => dead(Buffer.from(`{"id":"x","account_id":"a","timestamp":"2026-11-20T00:00:00Z","messages":[{"role":"user","content":[{"type":"tool_use","name":"n","input":${'['.repeat(depth)}${']'.repeat(depth)}}]}]}`), 'too_deep')) },
    { weight: 3, arbitrary: fc.constantFrom(null, Buffer.alloc(0)).map((v) => dead(v, 'empty_message')) },
    { weight: 2, arbitrary: fc.integer({ min: LIMITS.maxMessageBytes + 1, max: LIMITS.maxMessageBytes * 3 }).map((n) => dead(Buffer.alloc(n, 0x7b), 'oversize_message')) },
    // Bytes that are not UTF-8 (a lone continuation byte, an overlong form, a surrogate encoded in UTF-8).
    { weight: 4, arbitrary: fc.tuple(valid, fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff, 0xfe]), fc.nat()).map(([v, bad, at]) => {
      const b = v.value!;
      const cut = at % b.length;
      const broken = Buffer.concat([b.subarray(0, cut), Buffer.from(bad), b.subarray(cut)]);
      return dead(broken, broken.length > LIMITS.maxMessageBytes ? 'oversize_message' : 'invalid_utf8');
    }) },
    // Not JSON: truncated documents, bare words, trailing garbage.
    { weight: 5, arbitrary: fc.tuple(valid, fc.nat()).map(([v, at]) => {
      const cut = v.value!.subarray(0, 1 + (at % (v.value!.length - 1)));
      // Cut inside a multi-byte character: no longer UTF-8 either, which is checked first.
      const utf8 = (() => { try { new TextDecoder('utf-8', { fatal: true }).decode(cut); return true; } catch { return false; } })();
      return dead(cut, cut.length > LIMITS.maxMessageBytes ? 'oversize_message' : utf8 ? 'invalid_json' : 'invalid_utf8');
    }) },
    { weight: 2, arbitrary: fc.constantFrom('undefined', 'NaN', "{'id': 1}", '{"id":"x",}', '[1,2', 'true false', '{"a":1}}', '\u0000').map((s) => dead(Buffer.from(s), 'invalid_json', 'schema_violation')) },
    // Right syntax, wrong shape: numbers where strings belong, missing fields, wrong roles, empty lists, top-level arrays.
    { weight: 10, arbitrary: fc.tuple(validConversation, fc.integer({ min: 0, max: 8 }), jsonValue).map(([c, defect, junk]) => {
      const o = conversationJson(`s-${i}`, c);
      switch (defect) {
        case 0: o.id = 42; break;
        case 1: o.account_id = junk === null || typeof junk === 'string' ? 7 : junk; break;
        case 2: delete o.messages; break;
        case 3: o.messages = []; break;
        case 4: o.messages = [{ role: 'robot', content: 'hi' }]; break;
        case 5: o.messages = [{ role: 'user', content: 12 }]; break;
        case 6: o.id = ''; break;
        case 7: o.id = 'i'.repeat(257); break;
        default: return deadJson([o], 'schema_violation');
      }
      return deadJson(o, 'schema_violation');
    }) },
    { weight: 4, arbitrary: fc.tuple(validConversation, fc.constantFrom('yesterday', '2026-13-45T99:00:00Z', '27/11/2026 14:00', '', '2026-11-20', '2026-11-20T12:00', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59')).map(([c, ts]) => deadJson(conversationJson(`t-${i}`, { ...c, timestamp: ts }), 'invalid_timestamp')) },
    { weight: 3, arbitrary: fc.tuple(validConversation, fc.integer({ min: NOW + 3 * 86_400_000, max: Date.parse('9998-01-01T00:00:00Z') })).map(([c, ms]) => deadJson(conversationJson(`f-${i}`, { ...c, timestamp: new Date(ms).toISOString() }), 'future_timestamp')) },
    // Dates at every boundary: counted if the calendar, the range (1970 to 9998) and the wall clock allow, else dead-lettered as such.
    { weight: 6, arbitrary: fc.tuple(validConversation, boundaryTime).map(([c, ts]): Hostile => {
      const value = bytes(conversationJson(`b-${i}`, { ...c, timestamp: ts }));
      if (value.length > LIMITS.maxMessageBytes) return dead(value, 'oversize_message');
      return { value, expect: { kind: 'either', reasons: ['invalid_timestamp', 'future_timestamp', ...(sizeFate(value, c) ? ['oversize_block'] : [])] } };
    }) },
    { weight: 3, arbitrary: fc.tuple(validConversation, fc.integer({ min: LIMITS.maxMessages + 1, max: 40 })).map(([c, n]) => deadJson(conversationJson(`m-${i}`, { ...c, messages: Array.from({ length: n }, () => ({ role: 'user', content: 'hi' })) }), 'too_many_messages')) },
    { weight: 3, arbitrary: fc.tuple(validConversation, fc.integer({ min: LIMITS.maxBlockChars + 1, max: LIMITS.maxBlockChars + 4000 })).map(([c, n]) => deadJson(conversationJson(`o-${i}`, { ...c, messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(n) }] }] }), 'oversize_block')) },
  );
}

describe('fuzz: hostile records through the real broker into run', () => {
  const topic = uniqueName('clio_fuzz');
  let db: { url: string; drop(): Promise<void> };
  let cli: CliProcess | undefined;
  let records: Hostile[];
  let values: Array<Buffer | null>;

  beforeAll(async () => {
    const rng = fc.sample(fc.integer(), { numRuns: 1, seed: SEED }); // fixes fast-check's stream for this seed
    expect(rng.length).toBe(1);
    records = [];
    for (let i = 0; i < RECORDS; i += 1000) {
      // One sample per 1000 records keeps the ids unique and the generation fast.
      const batch = fc.sample(fc.tuple(...Array.from({ length: Math.min(1000, RECORDS - i) }, (_, j) => hostile(i + j))), { numRuns: 1, seed: SEED + i })[0]!;
      records.push(...batch);
      await new Promise((r) => setImmediate(r)); // let the test worker answer its runner
    }
    // Valid records are replayed now and then (a producer retry): still counted once.
    for (let i = 0; i < RECORDS; i += 97) if (records[i]!.expect.kind === 'valid') records.push(records[i]!);
    for (let i = 0; i < 5; i++) records.push({ value: bytes(canaryConversation('2026-11-20T05:00:00Z', i)), expect: { kind: 'valid', id: `conv-canary-5e2b07-${i}` } });
    values = records.map((r) => r.value);
    db = await freshDatabase();
    await createTopic(topic, 3);
    const producer = testKafka().producer();
    await producer.connect();
    try {
      // Batches under the broker's 1 MiB request limit, in order (record i goes to partition i % 3).
      let batch: Array<{ value: Buffer | null; partition: number }> = [];
      let size = 0;
      for (let i = 0; i <= values.length; i++) {
        const value = values[i];
        if (i === values.length || size + (value?.length ?? 0) > 700_000) {
          await producer.send({ topic, acks: -1, messages: batch });
          [batch, size] = [[], 0];
        }
        if (i < values.length) {
          batch.push({ value: value ?? null, partition: i % 3 });
          size += (value?.length ?? 0) + 64;
        }
      }
    } finally {
      await producer.disconnect();
    }
  }, 300_000);
  afterAll(async () => {
    if (cli && cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await db?.drop();
  });

  it('dead-letters every invalid record with its reason, counts every valid one once, and never stalls', async () => {
    expect(records.length).toBeGreaterThanOrEqual(RECORDS);
    cli = startCli(['run'], {
      DATABASE_URL: db.url,
      CLIO_KAFKA_BROKERS: kafkaBrokers().join(','),
      CLIO_TOPIC_CONVERSATIONS: topic,
      CLIO_TOPIC_DEAD_LETTER: `${topic}_dlq`,
      CLIO_KAFKA_GROUP_ID: `${topic}_group`,
      CLIO_KAFKA_FROM_BEGINNING: 'true', // the records were produced before the group exists
      CLIO_RETENTION_ENABLED: 'false', // valid event times go back to 1970: retention would (rightly) drop them
      CLIO_ACCOUNT_HASH_SECRET: 'fuzz-test-secret-0123',
      CLIO_MAX_MESSAGE_BYTES: String(LIMITS.maxMessageBytes),
      CLIO_MAX_MESSAGES: String(LIMITS.maxMessages),
      CLIO_MAX_BLOCK_CHARS: String(LIMITS.maxBlockChars),
      CLIO_API_PORT: '0',
      CLIO_LOG_LEVEL: 'info',
    });
    const url = String((await cli.waitForLog('clio-stream running', 90_000)).url);
    // Progress never stops for long, and the process answers its health check throughout.
    let last = -1;
    let lastMoved = Date.now();
    for (const deadline = Date.now() + 600_000; ; ) {
      expect(cli.child.exitCode, cli.output().slice(-3000)).toBeNull();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const page = await fetchText(`${url}/metrics`);
      const consumed = metricValue(page, 'clio_consumed_total');
      // Done once every record went through a whole chunk (consumed counts a chunk as it starts).
      const applied = ['clio_processed_total', 'clio_duplicates_total', 'clio_dead_lettered_total'].reduce((n, m) => n + metricValue(page, m), 0);
      if (applied >= values.length) break;
      if (consumed !== last) [last, lastMoved] = [consumed, Date.now()];
      if (Date.now() - lastMoved > 60_000 || Date.now() > deadline) throw new Error(`stalled at ${consumed} of ${values.length}:\n${cli.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await fetchText(`${url}/metrics`);

    // The dead-letter topic, mapped back to the source records by the origin headers.
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const offsetsOf = async (t: string) => (await admin.fetchTopicOffsets(t)).reduce((s, p) => s + Number(p.high), 0);
    const dlqCount = await offsetsOf(`${topic}_dlq`);
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: `${topic}_reader` });
    const letters = new Map<string, string>();
    await consumer.connect();
    await consumer.subscribe({ topic: `${topic}_dlq`, fromBeginning: true });
    let seen = 0;
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const h = (k: string) => String(m.headers?.[k] ?? '');
          letters.set(`${h('clio-source-partition')}/${h('clio-source-offset')}`, h('clio-dlq-reason'));
          seen += 1;
        }
      },
    });
    await waitFor(async () => (seen >= dlqCount ? true : undefined), 'the dead-letter topic read', 120_000, 200);
    await consumer.disconnect();

    // Source position of each produced record: round robin over 3 partitions, in order.
    const nextOffset = [0, 0, 0];
    const counted = new Set<string>();
    const problems: string[] = [];
    let countedRecords = 0;
    records.forEach((r, i) => {
      const p = i % 3;
      const reason = letters.get(`${p}/${nextOffset[p]!++}`);
      const e = r.expect;
      if (e.kind === 'valid') {
        if (reason) problems.push(`record ${i} (valid) dead-lettered as ${reason}`);
        else counted.add(e.id);
      } else if (e.kind === 'dead') {
        if (!reason || !e.reasons.includes(reason)) problems.push(`record ${i} expected ${e.reasons.join('|')}, got ${reason ?? 'counted'}: ${r.value?.subarray(0, 160).toString()}`);
      } else if (reason && !e.reasons.includes(reason)) {
        problems.push(`record ${i} expected counted or ${e.reasons.join('|')}, got ${reason}`);
      } else if (!reason) {
        countedRecords += 1;
        counted.add(JSON.parse(r.value!.toString()).id);
      }
    });
    expect(problems.slice(0, 20)).toEqual([]);
    expect(letters.size).toBe(dlqCount); // at least once: here, with no crash, exactly once
    expect(countedRecords).toBeGreaterThan(0); // some boundary dates are valid ones

    // Every valid conversation counted once: distinct ids, though some were sent twice.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const stored = Number((await client.query(`SELECT coalesce(sum(conversations), 0) AS n FROM traffic_counts WHERE product = ''`)).rows[0].n);
    const seenIds = new Set((await client.query<{ id_hash: string }>('SELECT id_hash FROM seen_conversations')).rows.map((r) => r.id_hash));
    await client.end();
    // Which valid records were not counted (for the failure message): their ids, hashed as the store does.
    const hash = createIdHasher('fuzz-test-secret-0123', 'conversation');
    const missing = [...counted].filter((id) => !seenIds.has(hash(id).toString('hex'))).slice(0, 5);
    const recordOf = (id: string) => records.find((r) => r.value?.includes(JSON.stringify(id)))?.value?.subarray(0, 240).toString();
    expect(missing.map(recordOf)).toEqual([]);
    expect(metricValue(metrics, 'clio_processed_total')).toBe(counted.size);
    expect(stored).toBe(counted.size);
    expect(metricValue(metrics, 'clio_dead_lettered_total')).toBe(dlqCount);
    expect(findCanary(metrics)).toBeUndefined();
    expect(findCanary(cli.output())).toBeUndefined();

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  }, 900_000);
});
