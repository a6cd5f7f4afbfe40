import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { validateNotification, type Notification } from '../alerts/alert.ts';
import { ClioError, ConfigError } from '../errors.ts';
import { NotifyError, type Notifier, type SentMessage } from './notifier.ts';
import { ChannelSpacing } from './rate-limit.ts';
import { slackMessage } from './slack-message.ts';
import { parseRetryAfter } from '../util/backoff.ts';

export interface SlackNotifierOptions {
  token: string;
  /** Slack's Web API base, e.g. a stand-in's `${url}/api/` in tests. */
  slackApiUrl?: string;
  /** Used when a notification names no channel. A channel id (C…) lets alreadySent search it after a restart. */
  defaultChannel: string;
  dashboardUrl: string;
  /** Least time between two messages to one channel (Slack allows about one per second). */
  minIntervalMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/** The metadata event type that marks our messages, so that a lost send can be found again. */
export const SLACK_EVENT_TYPE = 'clio_alert';

/** Slack platform errors worth retrying; any other one is a standing problem (auth, channel, payload). */
const RETRYABLE_SLACK_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
/** chat.update errors after which a fresh post is the right answer: the original is gone or frozen. */
const UPDATE_IMPOSSIBLE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);
/** How far back alreadySent looks, in pages of 200 messages. */
const HISTORY_PAGES = 10;

/**
 * Posts alerts to Slack as Block Kit messages; a resolution edits the message that announced the
 * alert. The WebClient never retries or waits on its own: the outbox deliverer is the one place
 * that decides about retries, and it honours Retry-After.
 */
export class SlackNotifier implements Notifier {
  readonly name = 'slack';
  private readonly client: WebClient;
  private readonly spacing: ChannelSpacing;
  /** Channel names we posted to → the ids Slack answered with (history and update need ids). */
  private readonly channelIds = new Map<string, string>();

  constructor(private readonly options: SlackNotifierOptions) {
    if (!URL.canParse(options.dashboardUrl)) throw new ConfigError('dashboardUrl', 'must be an absolute URL');
    this.client = new WebClient(options.token, {
      slackApiUrl: options.slackApiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: options.timeoutMs ?? 15_000,
      logLevel: LogLevel.ERROR,
    });
    this.spacing = new ChannelSpacing(options.minIntervalMs ?? 1000);
  }

  /** Checks the token with auth.test, so that a bad one fails at start rather than alert by alert. */
  async verify(): Promise<void> {
    try {
      await this.client.auth.test();
    } catch (error) {
      throw classify(error, 'auth.test');
    }
  }

  async send(n: Notification, previous: SentMessage | null): Promise<SentMessage> {
    validateNotification(n);
    const { text, blocks } = slackMessage(n, this.options.dashboardUrl);
    const metadata = { event_type: SLACK_EVENT_TYPE, event_payload: { notification_id: n.id, alert_id: n.alert.alert_id } };

    if (n.update && previous) {
      try {
        await this.spacing.take(previous.channel);
        const reply = await this.client.chat.update({ channel: previous.channel, ts: previous.messageRef, text, blocks, metadata });
        return { channel: reply.channel ?? previous.channel, messageRef: reply.ts ?? previous.messageRef };
      } catch (error) {
        if (!UPDATE_IMPOSSIBLE.has(slackErrorOf(error) ?? '')) throw classify(error, 'chat.update');
      }
    }
    const channel = this.channelId(n.channel ?? this.options.defaultChannel);
    try {
      await this.spacing.take(channel);
      const reply = await this.client.chat.postMessage({ channel, text, blocks, metadata, unfurl_links: false, unfurl_media: false });
      if (!reply.channel || !reply.ts) throw new NotifyError('slack_bad_reply', 'chat.postMessage answered without channel or ts', { retryable: true });
      this.channelIds.set(channel, reply.channel);
      return { channel: reply.channel, messageRef: reply.ts };
    } catch (error) {
      throw classify(error, 'chat.postMessage');
    }
  }

  /**
   * Finds our message for `n` in its channel by the metadata we attach. A channel we cannot read
   * (a name rather than an id, a missing scope) answers null: sending again beats never sending.
   */
  async alreadySent(n: Notification, sinceMs: number): Promise<SentMessage | null> {
    const channel = this.channelId(n.channel ?? this.options.defaultChannel);
    let cursor: string | undefined;
    try {
      for (let page = 0; page < HISTORY_PAGES; page += 1) {
        const reply = await this.client.conversations.history({
          channel,
          oldest: (Math.max(0, sinceMs) / 1000).toFixed(6),
          include_all_metadata: true,
          limit: 200,
          cursor,
        });
        const found = reply.messages?.find((m) => notificationIdIn(m.metadata) === n.id);
        if (found?.ts) return { channel, messageRef: found.ts };
        cursor = reply.response_metadata?.next_cursor;
        if (!reply.has_more || !cursor) return null;
      }
      return null;
    } catch (error) {
      const classified = classify(error, 'conversations.history');
      if (classified.retryable) throw classified;
      return null;
    }
  }

  async close(): Promise<void> {}

  private channelId(channel: string): string {
    return this.channelIds.get(channel) ?? channel;
  }
}

function notificationIdIn(metadata: { event_type?: string; event_payload?: object } | undefined): unknown {
  if (metadata?.event_type !== SLACK_EVENT_TYPE) return undefined;
  return (metadata.event_payload as Record<string, unknown> | undefined)?.notification_id;
}

function slackErrorOf(error: unknown): string | undefined {
  const e = error as { code?: string; data?: { error?: unknown } };
  return e?.code === ErrorCode.PlatformError && typeof e.data?.error === 'string' ? e.data.error : undefined;
}

/** Turns a WebClient failure into a NotifyError whose code is safe to log: no payload, no message text. */
function classify(error: unknown, method: string): ClioError {
  if (error instanceof ClioError) return error;
  const e = error as { code?: string; retryAfter?: number; statusCode?: number; headers?: Record<string, string> };
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return new NotifyError('rate_limited', `${method}: rate limited`, { retryable: true, retryAfterMs: (e.retryAfter ?? 1) * 1000, cause: error });
    case ErrorCode.HTTPError: {
      const status = e.statusCode ?? 0;
      return new NotifyError(`http_${status}`, `${method}: HTTP ${status}`, {
        retryable: status >= 500 || status === 408,
        retryAfterMs: parseRetryAfter(e.headers?.['retry-after'], Date.now()),
        cause: error,
      });
    }
    case ErrorCode.RequestError:
      return new NotifyError('slack_unreachable', `${method}: request failed`, { retryable: true, cause: error });
    case ErrorCode.PlatformError: {
      const raw = slackErrorOf(error) ?? '';
      const code = /^[a-z0-9_]{1,64}$/.test(raw) ? raw : 'slack_error';
      return new NotifyError(code, `${method}: Slack answered ${code}`, { retryable: RETRYABLE_SLACK_ERRORS.has(code), cause: error });
    }
    default:
      return new NotifyError('slack_failed', `${method}: unexpected failure`, { retryable: true, cause: error });
  }
}
