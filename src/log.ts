import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names that could ever carry conversation content or identifiers. Redaction is a backstop:
 * the real defence is that no code path hands raw records to the logger.
 */
const REDACTED_PATHS = [
  'content', 'text', 'messages', 'account_id', 'accountId', 'conversation_id', 'conversationId', 'value', 'record', 'token', 'apiKey',
  '*.content', '*.text', '*.messages', '*.account_id', '*.accountId', '*.conversation_id', '*.value', '*.record', '*.token', '*.apiKey',
  // Kafka credentials (kafka.sasl.password, kafka.ssl.keyPassphrase, and the same as kafkajs options).
  'password', 'passphrase', 'keyPassphrase', '*.password', '*.passphrase', '*.keyPassphrase',
];

/** One JSON logger for the process, to stderr so stdout stays free for command output. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'clio-stream' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination(2),
  );
}
