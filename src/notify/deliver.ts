import { validateNotification, type Notification } from '../alerts/alert.ts';
import { ClioError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { FencedError } from '../store/leadership.ts';
import type { OutboxItem, OutboxStore } from '../store/outbox-store.ts';
import { NotifyError, type Notifier } from './notifier.ts';
import { retryDelayMs, type BackoffPolicy } from '../util/backoff.ts';

export interface DelivererOptions {
  logger: Logger;
  /**
   * Failed sends after which a notification that keeps failing for a retryable reason is reported
   * as overdue (an error log line). It is never dropped: only a permanent error marks it dead.
   */
  overdueAfterAttempts?: number;
  /** First backoff; doubles each attempt. */
  baseDelayMs?: number;
  /** Ceiling of the backoff (a receiver's Retry-After is honoured even when longer). */
  maxDelayMs?: number;
  /** How often the loop looks for due notifications. */
  pollMs?: number;
  /** Notifications read from the outbox at a time. */
  batchSize?: number;
  /**
   * How long a claimed notification is not due for anyone else (outlasting a send and its
   * alreadySent check): an instance that takes the lead mid-send waits for it, then checks before resending.
   */
  claimLeaseMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface DeliveryPass {
  delivered: number;
  failed: number;
}

/** How far a receiver's clock may run behind ours when searching for a message we may have sent. */
const CLOCK_SKEW_MS = 5 * 60_000;
const SAFE_ID = /^[A-Za-z0-9._:/-]{1,250}$/;

/**
 * Drains the outbox into a notifier, at least once and, with the notifier's alreadySent, no more
 * than once in effect. A retryable failure pauses every delivery until the retry is due: when the
 * receiver is rate limiting or down, sending the next notification would only jump the queue.
 * Logs carry notification ids, rules and error codes, nothing else from the alert.
 */
export class OutboxDeliverer {
  private readonly logger: Logger;
  private readonly overdueAfterAttempts: number;
  // No retry limit and no cap on a receiver's Retry-After: a notification is retried until it goes out.
  private readonly policy: BackoffPolicy;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly claimLeaseMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private pausedUntilMs = 0;
  /** Passes run one after another, so no notification is sent by two passes at once. */
  private passes: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly store: OutboxStore,
    private readonly notifier: Notifier,
    options: DelivererOptions,
  ) {
    this.logger = options.logger;
    this.overdueAfterAttempts = options.overdueAfterAttempts ?? 8;
    this.policy = { baseDelayMs: options.baseDelayMs ?? 1000, maxDelayMs: options.maxDelayMs ?? 300_000 };
    this.pollMs = options.pollMs ?? 1000;
    this.batchSize = options.batchSize ?? 50;
    this.claimLeaseMs = options.claimLeaseMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Sends what is due now, oldest first, until the outbox has nothing due or a failure calls for a pause. */
  deliverDue(): Promise<DeliveryPass> {
    const pass = this.passes.then(() => this.pass());
    this.passes = pass.catch(() => undefined);
    return pass;
  }

  /** Polls the outbox until stop(). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.poll();
  }

  /** Finishes the notification in hand, then stops polling. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    this.stopping = false;
  }

  private async poll(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.deliverDue();
      } catch (error) {
        // Deposed: the new leader delivers; this loop idles until stopped or the lead comes back.
        if (error instanceof FencedError) this.logger.warn({ code: error.code }, 'not leading: delivery left to the leader');
        else this.logger.error({ code: codeOf(error) }, 'outbox delivery pass failed');
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(this.pollMs, this.pausedUntilMs - this.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async pass(): Promise<DeliveryPass> {
    const result: DeliveryPass = { delivered: 0, failed: 0 };
    while (!this.stopping && this.now() >= this.pausedUntilMs) {
      const items = await this.store.due(this.now(), this.batchSize);
      if (items.length === 0) break;
      for (const item of items) {
        if (this.stopping) return result;
        const outcome = await this.deliver(item);
        if (outcome === 'delivered') result.delivered += 1;
        if (outcome === 'failed' || outcome === 'retry') result.failed += 1;
        // The rest of the batch may hold this alert's later notifications: ask the outbox again.
        if (outcome === 'retry') break;
      }
    }
    return result;
  }

  private async deliver(item: OutboxItem): Promise<'delivered' | 'failed' | 'retry' | 'skipped'> {
    let n: Notification;
    try {
      n = validateNotification(item.payload);
    } catch (error) {
      // Never sent, never retried: it would only fail the same way.
      await this.store.markFailed(item.id, codeOf(error), this.now(), true);
      this.logger.error({ notification_id: safeId(item.id), code: codeOf(error) }, 'notification dead: payload breaks the alert contract');
      return 'failed';
    }
    const fields = { notification_id: n.id, rule: n.alert.rule };
    // An earlier attempt may have reached the receiver before its reply (or this process) was lost.
    const unsure = item.attempts > 0;
    const attempt = await this.store.markSending(item.id, { nowMs: this.now(), leaseMs: this.claimLeaseMs });
    if (attempt === 0) return 'skipped';
    try {
      if (unsure && this.notifier.alreadySent) {
        const found = await this.notifier.alreadySent(n, item.enqueuedAtMs - CLOCK_SKEW_MS);
        if (found) {
          await this.store.markDelivered(item.id, found);
          this.logger.info({ ...fields, attempt }, 'notification found already sent');
          return 'delivered';
        }
      }
      const previous = n.update ? await this.store.deliveryOf(n.alert.alert_id) : null;
      const sent = await this.notifier.send(n, previous);
      await this.store.markDelivered(item.id, sent);
      this.logger.info({ ...fields, attempt }, 'notification delivered');
      return 'delivered';
    } catch (error) {
      const code = codeOf(error);
      const retryable = error instanceof ClioError ? error.retryable : true;
      // A receiver that is down or rate limiting comes back: retrying forever (at the backoff ceiling)
      // is the only way not to lose an alert. Permanent errors (channel gone, token revoked) stop here.
      const dead = !retryable;
      const retryAfterMs = error instanceof NotifyError ? error.retryAfterMs : undefined;
      const nextAttemptAtMs = this.now() + (dead ? 0 : retryDelayMs(attempt, this.policy, retryAfterMs, this.random)!);
      await this.store.markFailed(item.id, code, nextAttemptAtMs, dead);
      if (dead) {
        this.logger.error({ ...fields, code, attempt }, 'notification dead');
        return 'failed';
      }
      this.pausedUntilMs = nextAttemptAtMs;
      if (attempt === this.overdueAfterAttempts) this.logger.error({ ...fields, code, attempt }, 'notification overdue: the receiver keeps failing; still retrying');
      this.logger.warn({ ...fields, code, attempt, retry_in_ms: nextAttemptAtMs - this.now() }, 'notification failed; will retry');
      return 'retry';
    }
  }
}

/** A code for logs and the outbox: ours, or a system errno, never an error message. */
function codeOf(error: unknown): string {
  if (error instanceof ClioError) return error.code;
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,30}$/.test(code) ? code : 'unexpected';
}

function safeId(id: string): string {
  return SAFE_ID.test(id) ? id : '[unprintable]';
}
