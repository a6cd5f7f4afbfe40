import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun, type RunningService } from '../../src/app/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { generateConversations, generateInvalid } from '../../src/generate/synthetic.ts';
import { DEAD_LETTER_HEADERS } from '../../src/ingest/dead-letter.ts';
import { createLogger } from '../../src/log.ts';
import { IngestStore } from '../../src/store/ingest-store.ts';
import { openPglite } from '../../src/store/pglite-client.ts';
import { canaryConversation, findCanary, memoryStream } from '../helpers/canary.ts';
import { fetchText, metricValue, waitFor } from '../helpers/cli.ts';
import { committedOffsets, consumeAll, createTopic, produce } from '../helpers/kafka.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';

const BUCKET_SECONDS = 300;
const limits = { maxMessageBytes: 8192, maxMessages: 40, maxBlockChars: 4000 };

describe('Kafka ingest: 10,000 valid and 1,000 invalid conversations over 3 partitions', () => {
  const topic = uniqueName('clio_conv');
  const dlqTopic = `${topic}_dlq`;
  const groupId = uniqueName('clio_group');
  const dataDir = mkdtempSync(join(tmpdir(), 'clio-kafka-ingest-'));
  const logs = memoryStream();
  const expected = new Map<number, number>();
  const expectedReasons = new Map<string, number>();
  let service: RunningService;

  beforeAll(async () => {
    await createTopic(topic, 3);
    const values: Array<Buffer | null> = [];
    const note = (timestamp: string) => {
      const bucket = Math.floor(Date.parse(timestamp) / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000;
      expected.set(bucket, (expected.get(bucket) ?? 0) + 1);
    };
    for (const { conversation } of generateConversations({ count: 9990, seed: 11, accounts: 500, targetBytes: 1000 })) {
      values.push(Buffer.from(JSON.stringify(conversation)));
      note(conversation.timestamp);
    }
    for (let i = 0; i < 10; i++) {
      const c = canaryConversation('2026-11-20T03:00:00Z', i);
      values.push(Buffer.from(JSON.stringify(c)));
      note(c.timestamp);
    }
    let at = 7;
    for (const bad of generateInvalid(1000, limits)) {
      values.splice(at, 0, bad.value);
      at += 10;
      expectedReasons.set(bad.reason, (expectedReasons.get(bad.reason) ?? 0) + 1);
    }
    await produce(topic, values, 3);

    const config = loadConfig({
      overrides: {
        kafka: { brokers: kafkaBrokers(), groupId, topics: { conversations: topic, deadLetter: dlqTopic }, chunkSize: 500, fromBeginning: true },
        store: { dataDir },
        ingest: limits,
        privacy: { accountHashSecret: 'kafka-ingest-test-secret' },
        windows: { bucketSeconds: BUCKET_SECONDS },
        api: { port: 0 },
        log: { level: 'debug' },
      },
    });
    service = await startRun(config, createLogger('debug', logs));
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('counts every valid one exactly once and dead-letters every invalid one, then keeps consuming', async () => {
    const metrics = await waitFor(async () => {
      const page = await fetchText(`${service.url}/metrics`);
      // Consumed is counted when a chunk is read, processed once its store write commits (with the
      // embedded store yielding between statements, that can be a while later): wait for both.
      const done = metricValue(page, 'clio_consumed_total') >= 11_000 && metricValue(page, 'clio_processed_total') + metricValue(page, 'clio_dead_lettered_total') >= 11_000;
      return done ? page : undefined;
    }, 'all 11,000 records to be consumed and applied', 90_000);
    expect(metricValue(metrics, 'clio_processed_total')).toBe(10_000);
    expect(metricValue(metrics, 'clio_dead_lettered_total')).toBe(1_000);
    expect(metricValue(metrics, 'clio_consumer_lag')).toBe(0);
    expect(findCanary(metrics)).toBeUndefined();

    const letters = await consumeAll(dlqTopic, 1000);
    expect(letters).toHaveLength(1000);
    const reasons = new Map<string, number>();
    for (const l of letters) reasons.set(l.headers[DEAD_LETTER_HEADERS.reason]!, (reasons.get(l.headers[DEAD_LETTER_HEADERS.reason]!) ?? 0) + 1);
    expect(reasons).toEqual(expectedReasons);
    expect(letters.every((l) => l.headers[DEAD_LETTER_HEADERS.topic] === topic && /^[0-2]$/.test(l.headers[DEAD_LETTER_HEADERS.partition]!) && /^\d+$/.test(l.headers[DEAD_LETTER_HEADERS.offset]!))).toBe(true);

    // Still running: ready, and a late conversation is counted too.
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { kafka: true, store: true, notifications: true } });
    expect(metricValue(await fetchText(`${service.url}/metrics`), 'clio_notifications_pending')).toBe(0);
    const [late] = [...generateConversations({ count: 1, seed: 99, idPrefix: 'late' })];
    await produce(topic, [Buffer.from(JSON.stringify(late!.conversation))], 1);
    await waitFor(async () => (metricValue(await fetchText(`${service.url}/metrics`), 'clio_processed_total') === 10_001 ? true : undefined), 'the late conversation');

    await service.stop();
    // Offsets were committed to Kafka as well as to the store.
    const committed = await committedOffsets(groupId, topic);
    expect([...committed.values()].reduce((a, b) => a + b, 0n)).toBe(11_001n);

    const store = new IngestStore(await openPglite(dataDir));
    try {
      const counts = await store.clusterCounts();
      const late2 = Math.floor(Date.parse(late!.conversation.timestamp) / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000;
      expected.set(late2, (expected.get(late2) ?? 0) + 1);
      expect(new Map(counts.map((c) => [c.bucketStartMs, c.conversations]))).toEqual(expected);
      expect(await store.deadLetterCounts()).toEqual(expectedReasons);
      for (const p of [0, 1, 2]) expect(await store.resumeOffset(groupId, topic, p)).toBe(committed.get(p));
    } finally {
      await store.close();
    }
    expect(logs.text()).toContain('chunk applied');
    expect(findCanary(logs.text())).toBeUndefined();
  });
});
