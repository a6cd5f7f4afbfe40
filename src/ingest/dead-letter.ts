import type { DeadLetterReason } from './validate.ts';
import type { SourcePosition } from './source.ts';

/** A record that failed validation. Its raw value stays inside the secure environment (the DLQ). */
export interface DeadLetter {
  value: Buffer | null;
  reason: DeadLetterReason;
  detail: string;
  position: SourcePosition;
}

/** Where invalid records go: the dead-letter topic, or a JSONL file for file sources. */
export interface DeadLetterSink {
  write(letters: DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}

/** Header names on dead-letter messages: machine-readable reason and origin. */
export const DEAD_LETTER_HEADERS = {
  reason: 'clio-dlq-reason',
  detail: 'clio-dlq-detail',
  topic: 'clio-source-topic',
  partition: 'clio-source-partition',
  offset: 'clio-source-offset',
  /** Set when the value was cut to fit the topic: the original length in bytes. */
  truncated: 'clio-dlq-truncated-from',
} as const;
