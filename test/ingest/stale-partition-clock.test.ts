import { afterEach, describe, expect, it } from 'vitest';
import { KafkaSource } from '../../src/ingest/kafka/kafka-source.ts';
import type { ChunkHandler } from '../../src/ingest/source.ts';
import { createLogger } from '../../src/log.ts';
import { createAssignmentRecorder } from '../../src/pipeline/ingest-pipeline.ts';
import { IngestStore } from '../../src/store/ingest-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPostgres } from '../../src/store/postgres-client.ts';
import { memoryStream } from '../helpers/canary.ts';
import { waitFor } from '../helpers/cli.ts';
import { createTopic, produce, testKafka } from '../helpers/kafka.ts';
import { freshDatabase, kafkaBrokers, uniqueName } from '../helpers/services.ts';

const T0 = Date.parse('2026-11-23T00:00:00Z');
const MIN = 60_000;

/** Waits until `condition` holds (the shared waitFor, for a boolean condition). */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  await waitFor(async () => ((await condition()) ? true : undefined), what, timeoutMs);
}

const record = (id: string, t: number) => Buffer.from(JSON.stringify({ id, t }));

/** Applies each chunk's records ({ id, t }) as the pipeline does: counts, offset and lag in one transaction. */
function applier(store: IngestStore, consumer: string): ChunkHandler {
  return async (chunk) => {
    await store.applyChunk({
      consumer, topic: chunk.topic, partition: chunk.partition, nextOffset: BigInt(chunk.nextOffset), bucketMs: 300_000,
      behind: chunk.highWatermark !== undefined && BigInt(chunk.highWatermark) > BigInt(chunk.nextOffset),
      conversations: chunk.records.map((r) => {
        const { id, t } = JSON.parse(r.value!.toString()) as { id: string; t: number };
        return { idHash: id, accountHash: 'a', clusterId: 'c1', eventTimeMs: t, offset: BigInt(r.position.offset) };
      }),
      deadLetters: [],
    });
  };
}

// Through the real broker and PostgreSQL: a group that stopped reading one topic mid-backlog (its
// partitions recorded as behind, one never applied) and now reads another under the same name. The
// rows of the old topic must not hold the new topic's event clock (else detection never runs again).
describe('a partition no longer read by the group stops holding the event clock', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });
  /** A fresh PostgreSQL database, migrated, closed and dropped after the test. */
  async function openStore() {
    const fresh = await freshDatabase();
    cleanups.push(fresh.drop);
    const db = await openPostgres(fresh.url);
    cleanups.push(() => db.close());
    await migrate(db);
    return { db, store: new IngestStore(db) };
  }

  it('after the group moves to another topic, the clock follows the topic it reads', async () => {
    const { db, store } = await openStore();
    const group = uniqueName('clio_stale_group');
    const oldTopic = uniqueName('clio_stale_old');
    const newTopic = uniqueName('clio_stale_new');
    await createTopic(oldTopic, 3);
    await createTopic(newTopic, 2);
    await produce(oldTopic, Array.from({ length: 30 }, (_, i) => record(`old-${i}`, T0 + i * MIN)), 3);
    await produce(newTopic, Array.from({ length: 20 }, (_, i) => record(`new-${i}`, T0 + 600 * MIN + i * MIN)), 2);

    // First the group reads the old topic; every chunk fails (a store outage, say), so its
    // partitions stay recorded as behind with no clock; then it is stopped and reconfigured.
    const log = memoryStream();
    const logger = createLogger('warn', log);
    const first = new KafkaSource(testKafka(), { brokers: kafkaBrokers(), groupId: group, topic: oldTopic, sessionTimeoutMs: 10_000, chunkSize: 5 }, logger);
    const firstRun = first.run(async () => {
      throw new Error('store unavailable');
    }, createAssignmentRecorder(store, group));
    firstRun.catch(() => {});
    const behindOld = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM source_offsets WHERE consumer = $1 AND topic = $2 AND behind`, [group, oldTopic]))[0]!.n);
    await until(async () => (await behindOld()) === 3, 'the old topic recorded as assigned');
    await first.stop();
    expect(await store.eventClock(group)).toBeNull();

    const second = new KafkaSource(testKafka(), { brokers: kafkaBrokers(), groupId: group, topic: newTopic, sessionTimeoutMs: 10_000, chunkSize: 5 }, logger);
    const secondRun = second.run(applier(store, group), createAssignmentRecorder(store, group));
    secondRun.catch(() => {});
    cleanups.push(() => second.stop());
    const applied = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM seen_conversations'))[0]!.n);
    await until(async () => (await applied()) === 20, 'the new topic applied');
    await until(async () => (await store.eventClock(group)) !== null, 'the event clock to move', 10_000).catch(() => {});

    // The newest event time of the topic read, no longer held at nothing by the old one.
    expect(await store.eventClock(group)).toBe(T0 + 619 * MIN);
    expect(await behindOld()).toBe(0);
    const warnings = log.text().split('\n').filter((l) => l.includes('no longer reads'));
    expect(warnings).toHaveLength(3);
    expect(warnings.every((w) => w.includes(oldTopic))).toBe(true);
    await second.stop();
  }, 180_000);

  // A partition whose only records are an aborted transaction (or only transaction markers) is
  // assigned with unread offsets, but the consumer never hands a record of it over: its row must not
  // stay "behind, no clock" for ever.
  it('a partition holding only an aborted transaction does not hold the clock at nothing', async () => {
    const { db, store } = await openStore();
    const group = uniqueName('clio_aborted_group');
    const topic = uniqueName('clio_aborted');
    await createTopic(topic, 2);
    const producer = testKafka().producer({ transactionalId: `${topic}-tx`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: [{ value: record('aborted-1', T0), partition: 1 }, { value: record('aborted-2', T0), partition: 1 }] });
      await tx.abort();
    } finally {
      await producer.disconnect();
    }
    await produce(topic, Array.from({ length: 10 }, (_, i) => record(`kept-${i}`, T0 + i * MIN)), 1);

    const source = new KafkaSource(testKafka(), { brokers: kafkaBrokers(), groupId: group, topic, sessionTimeoutMs: 10_000, chunkSize: 5 }, createLogger('warn', memoryStream()));
    const running = source.run(applier(store, group), createAssignmentRecorder(store, group));
    running.catch(() => {});
    cleanups.push(() => source.stop());
    const applied = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM seen_conversations'))[0]!.n);
    await until(async () => (await applied()) === 10, 'the committed records applied');
    await until(async () => (await store.eventClock(group)) !== null, 'the event clock to move', 20_000).catch(() => {});
    expect(await store.eventClock(group)).toBe(T0 + 9 * MIN);
    expect(await applied()).toBe(10); // the aborted records are not counted
    await source.stop();
  }, 180_000);
});
