import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS, type DeadLetter } from '../../src/ingest/dead-letter.ts';
import { KafkaDeadLetterSink } from '../../src/ingest/kafka/kafka-dead-letter.ts';
import { consumeAll, createTopic, testKafka } from '../helpers/kafka.ts';
import { kafkaBrokers } from '../helpers/services.ts';

const topic = `dlq-size-${Date.now()}`;
let sink: KafkaDeadLetterSink;

beforeAll(async () => {
  await createTopic(topic, 1);
  sink = new KafkaDeadLetterSink(testKafka(), topic, kafkaBrokers());
}, 60_000);
afterAll(async () => {
  await sink.close();
});

const letter = (value: Buffer, offset: number): DeadLetter => ({
  value,
  reason: 'oversize_message',
  detail: `${value.length} bytes > limit`,
  position: { topic: 'clio.conversations', partition: 0, offset: String(offset) },
});

describe('KafkaDeadLetterSink', () => {
  it('writes values the broker could not take as one record (cut, with the original length) and splits batches over its limit', async () => {
    // The broker's default limit is 1 MiB per record batch: one 2 MiB value, then five of 300 KB (1.5 MB together).
    const huge = Buffer.alloc(2 * 1024 * 1024, 'x');
    const medium = Array.from({ length: 5 }, (_, i) => Buffer.alloc(300 * 1024, String(i)));
    await sink.write([letter(huge, 1), ...medium.map((v, i) => letter(v, 2 + i))]);

    const got = await consumeAll(topic, 6);
    expect(got).toHaveLength(6);
    expect(got.map((m) => m.headers[DEAD_LETTER_HEADERS.offset])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(got[0]!.headers[DEAD_LETTER_HEADERS.truncated]).toBe(String(huge.length));
    expect(got[0]!.value!.length).toBeLessThan(1024 * 1024);
    expect(got[0]!.value!.equals(huge.subarray(0, got[0]!.value!.length))).toBe(true);
    for (const [i, m] of got.slice(1).entries()) {
      expect(m.headers[DEAD_LETTER_HEADERS.truncated]).toBeUndefined();
      expect(m.value!.equals(medium[i]!)).toBe(true);
    }
  });
});
