import kafkajs from 'kafkajs';
import { kafkaBrokers } from './services.ts';

const { Kafka, logLevel } = kafkajs;

export function testKafka() {
  return new Kafka({ clientId: 'clio-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Produces values round-robin over the partitions, in batches. */
export async function produce(topic: string, values: Array<Buffer | null>, partitions: number): Promise<void> {
  const producer = testKafka().producer();
  await producer.connect();
  try {
    for (let i = 0; i < values.length; i += 1000) {
      await producer.send({
        topic,
        acks: -1,
        messages: values.slice(i, i + 1000).map((value, j) => ({ value, partition: (i + j) % partitions })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Reads a whole topic from the beginning until `expected` messages arrived (or the timeout). */
export async function consumeAll(topic: string, expected: number, timeoutMs = 60_000): Promise<Array<{ value: Buffer | null; headers: Record<string, string> }>> {
  const consumer = testKafka().consumer({ groupId: `reader-${topic}-${Date.now()}` });
  const got: Array<{ value: Buffer | null; headers: Record<string, string> }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let settle!: () => void;
  const enough = new Promise<void>((resolve) => (settle = resolve));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      got.push({ value: message.value, headers });
      if (got.length >= expected) settle();
    },
  });
  await Promise.race([enough, new Promise((r) => setTimeout(r, timeoutMs))]);
  // Give a moment for anything beyond `expected` (which would be a bug) to show up.
  await new Promise((r) => setTimeout(r, 1000));
  await consumer.disconnect();
  return got;
}

/** The consumer group's committed offsets, per partition. */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(entry!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}
