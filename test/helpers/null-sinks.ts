import type { DeadLetter, DeadLetterSink } from '../../src/ingest/dead-letter.ts';
import type { Notifier, SentMessage } from '../../src/notify/notifier.ts';

/** A notifier that accepts every notification and keeps nothing: for tests that do not look at alerts. */
export class NoAlerts implements Notifier {
  readonly name = 'none';
  async send(): Promise<SentMessage> {
    return { channel: 'none', messageRef: '0' };
  }
  async close(): Promise<void> {}
}

/** A dead-letter sink that drops every letter: for tests that send none. */
export class NoDeadLetters implements DeadLetterSink {
  async write(_letters: DeadLetter[]): Promise<void> {}
  async close(): Promise<void> {}
}
