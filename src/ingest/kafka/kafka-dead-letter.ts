import type { Kafka, Producer } from 'kafkajs';
import { DEAD_LETTER_HEADERS, type DeadLetter, type DeadLetterSink } from '../dead-letter.ts';
import { asSourceError, createProducer } from './client.ts';

/** Sends invalid records, raw, to the dead-letter topic with their reason and origin as headers. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka, private readonly topic: string, private readonly brokers: readonly string[]) {}

  async write(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    try {
      if (!this.producer) {
        this.producer = createProducer(this.kafka);
        await this.producer.connect();
      }
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: letters.map((l) => ({
          value: l.value,
          headers: {
            [DEAD_LETTER_HEADERS.reason]: l.reason,
            [DEAD_LETTER_HEADERS.detail]: l.detail,
            [DEAD_LETTER_HEADERS.topic]: l.position.topic,
            [DEAD_LETTER_HEADERS.partition]: String(l.position.partition),
            [DEAD_LETTER_HEADERS.offset]: l.position.offset,
          },
        })),
      });
    } catch (cause) {
      throw asSourceError(cause, this.brokers);
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}
