import type { Kafka, Producer } from 'kafkajs';
import { DEAD_LETTER_HEADERS, type DeadLetter, type DeadLetterSink } from '../dead-letter.ts';
import { asSourceError, createProducer } from './client.ts';
import { compressionType, registerCodecs, type ProducerCompression } from './codecs.ts';

/**
 * The broker refuses a record batch over its message.max.bytes (1 MiB by default), and the input
 * topic can hold larger values than that (compressed). A dead letter the topic cannot take would
 * be retried forever and stop its partition, so values are cut to this size (the header keeps the
 * original length) and sends are split to stay under it.
 */
export const DEAD_LETTER_MAX_BYTES = 900 * 1024;

export interface DeadLetterSinkOptions {
  /** Codec of the produced record batches (kafka.deadLetterCompression); none by default. */
  compression?: ProducerCompression;
  /** Largest value sent whole, and the most value bytes in one send. */
  maxBytes?: number;
}

/** Sends invalid records, raw, to the dead-letter topic with their reason and origin as headers. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  private producer: Producer | undefined;
  private readonly maxBytes: number;
  private readonly compression: ReturnType<typeof compressionType>;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly brokers: readonly string[],
    options: DeadLetterSinkOptions = {},
  ) {
    registerCodecs();
    this.maxBytes = options.maxBytes ?? DEAD_LETTER_MAX_BYTES;
    this.compression = compressionType(options.compression ?? 'none');
  }

  async write(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    try {
      if (!this.producer) {
        this.producer = createProducer(this.kafka);
        await this.producer.connect();
      }
      for (const batch of batchesUnder(letters.map((l) => this.message(l)), this.maxBytes)) {
        await this.producer.send({ topic: this.topic, acks: -1, compression: this.compression, messages: batch });
      }
    } catch (cause) {
      throw asSourceError(cause, this.brokers);
    }
  }

  private message(l: DeadLetter): { value: Buffer | null; headers: Record<string, string> } {
    const headers: Record<string, string> = {
      [DEAD_LETTER_HEADERS.reason]: l.reason,
      [DEAD_LETTER_HEADERS.detail]: l.detail,
      [DEAD_LETTER_HEADERS.topic]: l.position.topic,
      [DEAD_LETTER_HEADERS.partition]: String(l.position.partition),
      [DEAD_LETTER_HEADERS.offset]: l.position.offset,
    };
    if (!l.value || l.value.length <= this.maxBytes) return { value: l.value, headers };
    return { value: l.value.subarray(0, this.maxBytes), headers: { ...headers, [DEAD_LETTER_HEADERS.truncated]: String(l.value.length) } };
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}

/** Consecutive groups whose values add up to at most `maxBytes` (a single larger one goes alone). */
function* batchesUnder<M extends { value: Buffer | null }>(messages: M[], maxBytes: number): Generator<M[]> {
  let batch: M[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = (m.value?.length ?? 0) + 256; // headers and record overhead
    if (batch.length > 0 && bytes + size > maxBytes) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
