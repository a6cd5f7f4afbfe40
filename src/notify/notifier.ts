import { ClioError } from '../errors.ts';
import type { Notification } from '../alerts/alert.ts';

/** Where a message landed: the channel and the notifier's handle on it (Slack: the message ts). */
export interface SentMessage {
  channel: string;
  messageRef: string;
}

/** Sends notifications somewhere people see them (Slack, a JSONL file, the console). */
export interface Notifier {
  readonly name: string;
  /**
   * Sends one notification. With `n.update` and a `previous` message, edits that message instead
   * of posting a new one. Throws NotifyError (or AlertInvalidError for a payload that breaks the contract).
   */
  send(n: Notification, previous: SentMessage | null): Promise<SentMessage>;
  /**
   * Finds a message for `n` sent at or after `sinceMs`, if the notifier can tell: lets a deliverer
   * that lost track of a send (crash, lost reply) skip sending it again.
   */
  alreadySent?(n: Notification, sinceMs: number): Promise<SentMessage | null>;
  close(): Promise<void>;
}

/**
 * A send that failed, classified where it happened. `code` is a short machine code (Slack's error
 * string, `rate_limited`, `http_503`…), safe to log and store; `retryAfterMs` is the receiver's ask.
 */
export class NotifyError extends ClioError {
  readonly retryAfterMs: number | undefined;
  constructor(code: string, message: string, options: { retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(code, message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}
