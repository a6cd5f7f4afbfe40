/**
 * The one place that knows kafkajs (2.2.4, unmaintained upstream): building the client, mapping
 * its logs to ours, and turning its errors into clio-stream's typed errors.
 */
import kafkajs from 'kafkajs';
import type { Kafka, logCreator } from 'kafkajs';
import { SourceUnavailableError } from '../../errors.ts';
import type { Logger } from '../../log.ts';

const { Kafka: KafkaClient, logLevel, Partitioners } = kafkajs;

export type { Kafka } from 'kafkajs';

export interface KafkaSettings {
  brokers: readonly string[];
  clientId: string;
  connectionTimeoutMs: number;
  /** Retries for one request before kafkajs gives up (the consumer restarts itself after that). */
  retries?: number;
}

export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  return new KafkaClient({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: 30_000,
    retry: { retries: settings.retries ?? 5, initialRetryTime: 300, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator: toPino(logger.child({ component: 'kafkajs' })),
  });
}

/** kafkajs log entries carry broker addresses and error text, never message values. */
function toPino(logger: Logger): logCreator {
  return () => ({ level, log }) => {
    const { message, timestamp: _t, logger: _l, ...rest } = log as { message: string; timestamp?: string; logger?: string };
    const fields = { namespace: (log as { namespace?: string }).namespace, error: (rest as { error?: string }).error };
    // kafkajs retries what it logs as errors; our own code logs the failures that matter.
    if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(fields, message);
    else logger.debug(fields, message);
  };
}

/** Connects an admin client and creates the topics that do not exist yet. */
export async function ensureTopics(kafka: Kafka, brokers: readonly string[], topics: Array<{ topic: string; partitions: number }>): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: -1 })),
      });
    }
  } catch (cause) {
    throw asSourceError(cause, brokers);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Checks that the brokers answer, with a short, clear error when they do not. */
export async function checkReachable(kafka: Kafka, brokers: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (cause) {
    throw asSourceError(cause, brokers);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export function asSourceError(cause: unknown, brokers: readonly string[]): SourceUnavailableError {
  if (cause instanceof SourceUnavailableError) return cause;
  const error = cause as Error & { originalError?: Error; name?: string };
  const root = error.originalError ?? error;
  const why = root.message || String(root);
  if (/Connection|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|NumberOfRetriesExceeded|timeout/i.test(`${error.name} ${why}`)) {
    return new SourceUnavailableError(`cannot reach Kafka at ${brokers.join(',')}: ${why}`, cause);
  }
  return new SourceUnavailableError(`Kafka at ${brokers.join(',')} failed: ${why}`, cause);
}

/** Produces raw values to a topic in batches (demo and tools; the pipeline itself only consumes). */
export async function produceValues(kafka: Kafka, brokers: readonly string[], topic: string, values: ReadonlyArray<Buffer | null>): Promise<void> {
  const producer = createProducer(kafka);
  try {
    await producer.connect();
    // Requests stay well under the broker's default 1 MB limit per record batch.
    let batch: Array<{ value: Buffer | null }> = [];
    let bytes = 0;
    for (const value of values) {
      if (batch.length > 0 && (bytes + (value?.length ?? 0) > 512 * 1024 || batch.length >= 2000)) {
        await producer.send({ topic, acks: -1, messages: batch });
        batch = [];
        bytes = 0;
      }
      batch.push({ value });
      bytes += value?.length ?? 0;
    }
    if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch });
  } catch (cause) {
    throw asSourceError(cause, brokers);
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

/** A producer with kafkajs's current default partitioner (named, which also silences its v2 notice). */
export function createProducer(kafka: Kafka) {
  return kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
}
