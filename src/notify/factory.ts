import type { Config } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { JsonlNotifier } from './jsonl-notifier.ts';
import type { Notifier, NotifyError } from './notifier.ts';
import { SlackNotifier } from './slack-notifier.ts';

/** Slack when a token is configured; otherwise JSON lines to alerts.out (stdout by default). */
export function createNotifier(config: Readonly<Config>): Notifier {
  const { slack } = config.alerts;
  if (slack.token) {
    return new SlackNotifier({ token: slack.token, slackApiUrl: slack.apiUrl ?? undefined, defaultChannel: slack.defaultChannel, dashboardUrl: config.alerts.dashboardUrl });
  }
  return new JsonlNotifier(config.alerts.out);
}

/**
 * A Slack token Slack refuses is a configuration error, told at start rather than at the first
 * alert; Slack being unreachable is not (alerts wait in the outbox until it answers).
 */
export async function checkNotifier(notifier: Notifier, logger: Logger): Promise<void> {
  if (!(notifier instanceof SlackNotifier)) return;
  try {
    await notifier.verify();
  } catch (error) {
    const e = error as NotifyError;
    if (!e.retryable) throw new ConfigError('alerts.slack.token', `Slack refuses it (${e.code}): check SLACK_BOT_TOKEN`);
    logger.warn({ code: e.code }, 'Slack does not answer yet; alerts wait in the outbox until it does');
  }
}
