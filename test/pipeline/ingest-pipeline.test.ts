import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceholderAssigner, PLACEHOLDER_CLUSTER_ID } from '../../src/assign/assigner.ts';
import { generateConversations, generateInvalid } from '../../src/generate/synthetic.ts';
import { FileDeadLetterSink } from '../../src/ingest/file-dead-letter.ts';
import { FileSource } from '../../src/ingest/file-source.ts';
import { createLogger } from '../../src/log.ts';
import { ASSIGN_BATCH, createIngestPipeline } from '../../src/pipeline/ingest-pipeline.ts';
import { createIdHasher } from '../../src/privacy/account-hash.ts';
import { PipelineMetrics } from '../../src/pipeline/metrics.ts';
import { IngestStore } from '../../src/store/ingest-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import { canaryConversation, findCanary, memoryStream } from '../helpers/canary.ts';

const limits = { maxMessageBytes: 16_384, maxMessages: 50, maxBlockChars: 8_000 };
const BUCKET = 300_000;

describe('ingest pipeline over a JSONL file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-pipeline-'));
  const input = join(dir, 'input.jsonl');
  const dlq = join(dir, 'dlq.jsonl');
  const logs = memoryStream();
  const metrics = new PipelineMetrics({ processMetrics: false });
  let store: IngestStore;
  const expectedPerBucket = new Map<number, number>();
  const expectedReasons = new Map<string, number>();
  let duplicatesPlanted = 0;

  beforeAll(async () => {
    const lines: Buffer[] = [];
    const ids = new Set<string>();
    for (const [i, { conversation }] of [...generateConversations({ count: 3000, seed: 3, accounts: 200 })].entries()) {
      lines.push(Buffer.from(JSON.stringify(conversation)));
      if (!ids.has(conversation.id)) {
        ids.add(conversation.id);
        const bucket = Math.floor(Date.parse(conversation.timestamp) / BUCKET) * BUCKET;
        expectedPerBucket.set(bucket, (expectedPerBucket.get(bucket) ?? 0) + 1);
      }
      // Every 10th conversation is delivered a second time, later in the stream.
      if (i % 10 === 0) {
        lines.push(Buffer.from(JSON.stringify(conversation)));
        duplicatesPlanted += 1;
      }
    }
    for (let i = 0; i < 20; i++) {
      const c = canaryConversation('2026-11-20T06:00:00Z', i);
      lines.push(Buffer.from(JSON.stringify(c)));
      const bucket = Math.floor(Date.parse(c.timestamp) / BUCKET) * BUCKET;
      expectedPerBucket.set(bucket, (expectedPerBucket.get(bucket) ?? 0) + 1);
    }
    for (const bad of generateInvalid(160, limits)) {
      // A file cannot hold an empty line as a record, nor a raw newline inside one.
      if (!bad.value || bad.value.length === 0) continue;
      lines.splice(Math.floor(lines.length / 2), 0, bad.value);
      expectedReasons.set(bad.reason, (expectedReasons.get(bad.reason) ?? 0) + 1);
    }
    writeFileSync(input, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));

    const db = await openPglite(MEMORY_STORE);
    await migrate(db);
    store = new IngestStore(db);
    const deadLetters = new FileDeadLetterSink(dlq);
    const pipeline = createIngestPipeline({
      consumer: 'replay', limits, bucketMs: BUCKET, store, deadLetters,
      assigner: new PlaceholderAssigner(),
      hashAccount: createIdHasher('test-secret-0123456789', 'account'),
      hashConversation: createIdHasher('test-secret-0123456789', 'conversation'),
      metrics,
      logger: createLogger('trace', logs),
    });
    await new FileSource(input, 250).run(pipeline);
    await deadLetters.close();
  });
  afterAll(async () => store?.close());

  it('counts every valid conversation exactly once, per event-time bucket', async () => {
    const counts = await store.clusterCounts();
    expect(new Set(counts.map((c) => c.clusterId))).toEqual(new Set([PLACEHOLDER_CLUSTER_ID]));
    expect(new Map(counts.map((c) => [c.bucketStartMs, c.conversations]))).toEqual(expectedPerBucket);
    const traffic = await store.trafficCounts();
    expect(traffic.reduce((s, t) => s + t.conversations, 0)).toBe(3020);
    expect(counts.every((c) => c.uniqueAccounts >= 1 && c.uniqueAccounts <= c.conversations)).toBe(true);
  });

  it('dead-letters every invalid record with its reason and source position', async () => {
    const letters = readFileSync(dlq, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const reasons = new Map<string, number>();
    for (const l of letters) reasons.set(l.reason, (reasons.get(l.reason) ?? 0) + 1);
    expect(reasons).toEqual(expectedReasons);
    expect(letters.every((l) => l.source.topic === 'file:input.jsonl' && /^\d+$/.test(l.source.offset))).toBe(true);
    expect(await store.deadLetterCounts()).toEqual(expectedReasons);
  });

  it('reports duplicates in metrics and resumes from its stored offset', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/clio_processed_total 3020/);
    expect(duplicatesPlanted).toBe(300);
    expect(text).toMatch(/clio_duplicates_total 300\n/);
    const lines = readFileSync(input, 'utf8').split('\n').filter(Boolean).length;
    expect(await store.resumeOffset('replay', 'file:input.jsonl', 0)).toBe(BigInt(lines));
  });

  it('keeps planted personal data and ids out of logs and metrics', async () => {
    expect(logs.text()).toContain('chunk applied'); // the capture works
    expect(findCanary(logs.text())).toBeUndefined();
    expect(findCanary(await metrics.registry.metrics())).toBeUndefined();
    // The dead-letter file is inside the secure environment and may keep raw records; the store keeps only hashes.
    expect(readFileSync(dlq, 'utf8')).not.toContain('Canaryfield');
  });
});

describe('ingest pipeline with a slow assigner', () => {
  it('assigns in batches and heartbeats between them', async () => {
    const db = await openPglite(MEMORY_STORE);
    await migrate(db);
    const store = new IngestStore(db);
    const calls: number[] = [];
    let heartbeats = 0;
    const pipeline = createIngestPipeline({
      consumer: 'g', limits, bucketMs: BUCKET, store,
      deadLetters: { write: async () => {}, close: async () => {} },
      assigner: { assign: async (c) => (calls.push(c.length), c.map(() => ({ clusterId: 'c', similarity: 1, novel: false }))) },
      hashAccount: createIdHasher('test-secret-0123456789', 'account'),
      hashConversation: createIdHasher('test-secret-0123456789', 'conversation'),
      metrics: new PipelineMetrics({ processMetrics: false }),
      logger: createLogger('silent'),
    });
    const count = 2 * ASSIGN_BATCH + 22;
    const records = [...generateConversations({ count, seed: 1 })].map(({ conversation }, i) => ({
      value: Buffer.from(JSON.stringify(conversation)),
      position: { topic: 't', partition: 0, offset: String(i) },
    }));
    await pipeline({ topic: 't', partition: 0, records, nextOffset: String(count), heartbeat: async () => void heartbeats++ });
    expect(calls).toEqual([ASSIGN_BATCH, ASSIGN_BATCH, 22]);
    expect(heartbeats).toBeGreaterThanOrEqual(4);
    expect((await store.clusterCounts()).reduce((s, c) => s + c.conversations, 0)).toBe(count);
    await store.close();
  });
});
