import { describe, expect, it } from 'vitest';
import { KafkaSource } from '../../src/ingest/kafka/kafka-source.ts';
import { createLogger } from '../../src/log.ts';
import { memoryStream } from '../helpers/canary.ts';
import { createTopic, produce, testKafka } from '../helpers/kafka.ts';
import { kafkaBrokers } from '../helpers/services.ts';

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('KafkaSource readiness', () => {
  it('is not ready while a chunk keeps failing, and ready again once it applies', async () => {
    const topic = `source-ready-${Date.now()}`;
    await createTopic(topic, 1);
    await produce(topic, [Buffer.from('a'), Buffer.from('b')], 1);
    const source = new KafkaSource(testKafka(), { brokers: kafkaBrokers(), groupId: `g-${topic}`, topic, sessionTimeoutMs: 10_000, chunkSize: 10 }, createLogger('fatal', memoryStream()));
    let failuresLeft = 3;
    let applied = 0;
    const readiness: boolean[] = [];
    const running = source.run(async (chunk) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('store refused the chunk');
      }
      applied += chunk.records.length;
    });
    running.catch(() => {});
    // Sampled from the first failure until the chunk is applied.
    const sampler = setInterval(() => failuresLeft < 3 && applied === 0 && readiness.push(source.isReady()), 20);
    try {
      await until(() => failuresLeft < 3);
      expect(source.isReady()).toBe(false);
      await until(() => applied === 2);
      expect(source.isReady()).toBe(true);
    } finally {
      clearInterval(sampler);
      await source.stop();
    }
    // Between the first failure and the chunk applied, it never claimed to be ready.
    expect(readiness.length).toBeGreaterThan(0);
    expect(readiness.every((r) => !r)).toBe(true);
  });
});

describe('KafkaSource after an eviction', () => {
  // A handler that holds the event loop past the session timeout (a long synchronous pass) gets the
  // member evicted; the chunk is applied all the same (the store holds its offset), so the source
  // must re-join and go on, not stop for good.
  it('re-joins the group and goes on consuming', async () => {
    const topic = `source-evicted-${Date.now()}`;
    await createTopic(topic, 1);
    await produce(topic, Array.from({ length: 6 }, (_, i) => Buffer.from(String(i))), 1);
    const source = new KafkaSource(testKafka(), { brokers: kafkaBrokers(), groupId: `g-${topic}`, topic, sessionTimeoutMs: 6000, chunkSize: 2 }, createLogger('fatal', memoryStream()));
    const seen = new Set<string>();
    let stalled = false;
    let failed: Error | undefined;
    const running = source.run(async (chunk) => {
      if (!stalled) {
        stalled = true;
        const until = Date.now() + 9000;
        while (Date.now() < until) {
          // blocks the event loop: no heartbeat goes out
        }
      }
      for (const r of chunk.records) seen.add(r.value!.toString());
    });
    running.catch((e: Error) => (failed = e));
    try {
      await until(() => seen.size === 6 || failed !== undefined, 90_000);
      expect(failed).toBeUndefined();
      expect(seen.size).toBe(6);
    } finally {
      await source.stop();
    }
  }, 120_000);
});

describe('KafkaSource stopped while it joins', () => {
  // A SIGTERM right after start: the stop closes connections the join is still using, kafkajs
  // counts that as a crash and used to restart the consumer, which re-joined and kept the process
  // alive past the stop.
  it('leaves the group for good, whenever the stop comes', async () => {
    const topic = `source-early-stop-${Date.now()}`;
    await createTopic(topic, 3);
    await produce(topic, Array.from({ length: 30 }, (_, i) => Buffer.from(String(i))), 3);
    const sessionTimeoutMs = 6000;
    const stopped: Array<{ groupId: string; delayMs: number; logs: ReturnType<typeof memoryStream>; joinsAtStop: number }> = [];
    // Stops spread over the start: before the connection, during the join, after it.
    for (let delayMs = 0; delayMs <= 200; delayMs += 20) {
      const logs = memoryStream();
      const groupId = `g-${topic}-${delayMs}`;
      const source = new KafkaSource(testKafka(), { brokers: kafkaBrokers(), groupId, topic, sessionTimeoutMs, chunkSize: 10 }, createLogger('info', logs));
      const outcome = source.run(async () => {}).then(() => 'resolved', (e: Error) => `rejected: ${e.message}`);
      await new Promise((r) => setTimeout(r, delayMs));
      await source.stop();
      expect(await outcome, `stopped after ${delayMs} ms`).toBe('resolved');
      stopped.push({ groupId, delayMs, logs, joinsAtStop: logs.text().split('joined consumer group').length });
    }
    // A join cut short leaves a member on the broker until its session times out; a restarted
    // consumer would be in the group by then.
    await new Promise((r) => setTimeout(r, sessionTimeoutMs + 4000));
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups(stopped.map((s) => s.groupId));
      for (const { groupId, delayMs, logs, joinsAtStop } of stopped) {
        expect(logs.text().split('joined consumer group').length, `joined again after a stop at ${delayMs} ms`).toBe(joinsAtStop);
        expect(groups.find((g) => g.groupId === groupId)?.members.length ?? 0, `a member left after a stop at ${delayMs} ms`).toBe(0);
      }
    } finally {
      await admin.disconnect();
    }
  }, 120_000);
});
