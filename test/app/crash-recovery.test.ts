import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { IngestStore, type ClusterBucketCount } from '../../src/store/ingest-store.ts';
import { openPglite } from '../../src/store/pglite-client.ts';
import { openPostgres } from '../../src/store/postgres-client.ts';
import { canaryConversation, findCanary } from '../helpers/canary.ts';
import { fetchText, metricValue, startCli, waitFor, type CliProcess } from '../helpers/cli.ts';
import { committedOffsets, createTopic, produce } from '../helpers/kafka.ts';
import { freshDatabase, kafkaBrokers, uniqueName } from '../helpers/services.ts';

const TOTAL = 10_000;
const BUCKET_MS = 300_000;

/** The counts an uninterrupted run must produce: every distinct id once, distinct accounts per bucket. */
function truth(values: Buffer[]): Array<Omit<ClusterBucketCount, 'clusterId'>> {
  const ids = new Set<string>();
  const perBucket = new Map<number, { conversations: number; accounts: Set<string> }>();
  for (const v of values) {
    const c = JSON.parse(v.toString());
    if (ids.has(c.id)) continue;
    ids.add(c.id);
    const bucket = Math.floor(Date.parse(c.timestamp) / BUCKET_MS) * BUCKET_MS;
    const e = perBucket.get(bucket) ?? { conversations: 0, accounts: new Set<string>() };
    e.conversations += 1;
    e.accounts.add(c.account_id);
    perBucket.set(bucket, e);
  }
  return [...perBucket.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucketStartMs, e]) => ({ bucketStartMs, conversations: e.conversations, uniqueAccounts: e.accounts.size }));
}

interface Backend {
  env: Record<string, string>;
  /** Reads counts; for PGlite only while no clio-stream process holds the folder. */
  read<T>(fn: (store: IngestStore) => Promise<T>): Promise<T>;
  cleanup(): Promise<void>;
}

const backends: Array<[string, () => Promise<Backend>]> = [
  [
    'PGlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'clio-crash-'));
      return {
        env: { CLIO_DATA_DIR: dir },
        async read(fn) {
          const store = new IngestStore(await openPglite(dir));
          try {
            return await fn(store);
          } finally {
            await store.close();
          }
        },
        cleanup: async () => {},
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const db = await freshDatabase();
      return {
        env: { DATABASE_URL: db.url },
        async read(fn) {
          const store = new IngestStore(await openPostgres(db.url));
          try {
            return await fn(store);
          } finally {
            await store.close();
          }
        },
        cleanup: db.drop,
      };
    },
  ],
];

describe.each(backends)('crash and restart against %s', (_name, makeBackend) => {
  const topic = uniqueName('clio_crash');
  const groupId = uniqueName('clio_crash_group');
  let backend: Backend;
  let values: Buffer[];
  let env: Record<string, string>;
  const children: CliProcess[] = [];

  const start = async () => {
    const p = startCli(['run'], env);
    children.push(p);
    const line = await p.waitForLog('clio-stream running', 90_000);
    return { p, url: String(line.url) };
  };
  const processed = async (url: string) => metricValue(await fetchText(`${url}/metrics`), 'clio_processed_total');

  beforeAll(async () => {
    backend = await makeBackend();
    await createTopic(topic, 3);
    values = [];
    for (const { conversation } of generateConversations({ count: TOTAL, seed: 5, accounts: 300, idPrefix: topic })) {
      values.push(Buffer.from(JSON.stringify(conversation)));
      // Some ids arrive twice, on other partitions: still one conversation.
      if (values.length % 50 === 0) values.push(Buffer.from(JSON.stringify(conversation)));
    }
    for (let i = 0; i < 5; i++) values.push(Buffer.from(JSON.stringify(canaryConversation('2026-11-20T05:00:00Z', i))));
    await produce(topic, values, 3);
    env = {
      ...backend.env,
      CLIO_KAFKA_BROKERS: kafkaBrokers().join(','),
      CLIO_TOPIC_CONVERSATIONS: topic,
      CLIO_TOPIC_DEAD_LETTER: `${topic}_dlq`,
      CLIO_KAFKA_GROUP_ID: groupId,
      CLIO_KAFKA_FROM_BEGINNING: 'true', // the records were produced before the group exists
      CLIO_KAFKA_CHUNK_SIZE: '40', // many small transactions, so a kill lands mid-stream
      CLIO_ACCOUNT_HASH_SECRET: 'crash-test-secret-0123',
      CLIO_KAFKA_SESSION_TIMEOUT_MS: '6000', // the killed member is evicted quickly
      CLIO_API_PORT: '0',
      CLIO_LOG_LEVEL: 'debug',
    };
  });
  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await backend?.cleanup();
  });

  it('SIGKILL mid-stream, SIGTERM mid-stream, then a full run: counts equal an uninterrupted run', async () => {
    const expected = truth(values);
    const distinct = expected.reduce((s, b) => s + b.conversations, 0);

    // 1. Killed without warning part-way through.
    const first = await start();
    await waitFor(async () => ((await processed(first.url)) >= 1500 ? true : undefined), 'progress before the kill', 90_000, 20);
    first.p.child.kill('SIGKILL');
    expect(await first.p.exited).toBe('SIGKILL');
    const afterKill = await backend.read(async (s) => (await s.clusterCounts()).reduce((n, c) => n + c.conversations, 0));
    expect(afterKill).toBeGreaterThan(0);
    expect(afterKill).toBeLessThan(distinct); // the kill really was mid-stream

    // 2. Stopped gracefully part-way through: exits 0, promptly, with Kafka offsets committed.
    const kafkaBefore = await committedOffsets(groupId, topic);
    const second = await start();
    await waitFor(async () => ((await processed(second.url)) >= 1000 ? true : undefined), 'progress before SIGTERM', 90_000, 20);
    const termAt = Date.now();
    second.p.child.kill('SIGTERM');
    expect(await second.p.exited).toBe(0);
    expect(Date.now() - termAt).toBeLessThan(15_000);
    expect(second.p.output()).toContain('stopped cleanly');
    const storeOffsets = await backend.read(async (s) => Promise.all([0, 1, 2].map((p) => s.resumeOffset(groupId, topic, p))));
    const kafkaOffsets = await committedOffsets(groupId, topic);
    let committedExactly = 0;
    for (const p of [0, 1, 2]) {
      const kafka = kafkaOffsets.get(p)!;
      // Kafka's commit never runs ahead of the store (that would skip records on restart) ...
      if (kafka >= 0n) expect(kafka <= storeOffsets[p]!).toBe(true);
      // ... and the stopped run committed the chunks it applied. (A partition it only re-read, where the
      // killed run had applied more than it committed to Kafka, may stay behind the store: harmless.)
      if (kafka !== kafkaBefore.get(p) && kafka === storeOffsets[p]) committedExactly += 1;
    }
    expect(committedExactly).toBeGreaterThan(0);

    // 3. Runs to the end: what it counts completes what the first two runs stored.
    const stored = await backend.read(async (s) => (await s.clusterCounts()).reduce((n, c) => n + c.conversations, 0));
    const third = await start();
    await waitFor(async () => ((await processed(third.url)) >= distinct - stored ? true : undefined), 'the rest of the stream', 120_000);
    const finalMetrics = await fetchText(`${third.url}/metrics`);
    third.p.child.kill('SIGTERM');
    expect(await third.p.exited).toBe(0);

    const counts = await backend.read((s) => s.clusterCounts());
    expect(counts.map(({ bucketStartMs, conversations, uniqueAccounts }) => ({ bucketStartMs, conversations, uniqueAccounts }))).toEqual(expected);
    expect(await backend.read((s) => s.trafficCounts())).toEqual(expected.map(({ bucketStartMs, conversations }) => ({ bucketStartMs, conversations })));

    for (const c of children) expect(findCanary(c.output())).toBeUndefined();
    expect(findCanary(finalMetrics)).toBeUndefined();
  });
});
