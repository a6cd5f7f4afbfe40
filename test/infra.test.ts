// The test infrastructure itself: a real broker round trip and a real PostgreSQL database.
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshDatabase, kafkaBrokers, uniqueName } from './helpers/services.ts';

describe('test infrastructure', () => {
  it('produces and consumes a message through the Kafka broker', async () => {
    const kafka = new Kafka({ clientId: 'clio-infra-test', brokers: kafkaBrokers(), logLevel: logLevel.ERROR });
    const topic = uniqueName('clio.infra');
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: uniqueName('clio-infra') });
    try {
      await admin.connect();
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(true);

      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'k1', value: 'hello clio' }] });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<{ key?: string; value?: string }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => resolve({ key: message.key?.toString(), value: message.value?.toString() }),
        });
      });
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no message consumed within 60 s')), 60_000).unref(),
      );
      expect(await Promise.race([received, timeout])).toEqual({ key: 'k1', value: 'hello clio' });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  });

  it('runs SQL on a fresh PostgreSQL database', async () => {
    const db = await freshDatabase();
    try {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ one: number; db: string }>('select 1 as one, current_database() as db');
        expect(rows).toEqual([{ one: 1, db: new URL(db.url).pathname.slice(1) }]);
      } finally {
        await client.end();
      }
    } finally {
      await db.drop();
    }
  });
});
