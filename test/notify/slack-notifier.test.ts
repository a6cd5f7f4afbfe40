import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertInvalidError } from '../../src/alerts/alert.ts';
import { ConfigError } from '../../src/errors.ts';
import { NotifyError } from '../../src/notify/notifier.ts';
import { SlackNotifier, type SlackNotifierOptions } from '../../src/notify/slack-notifier.ts';
import { firingAndResolved, sampleNotification } from '../alerts/sample-alert.ts';
import { CANARIES, findCanary } from '../helpers/canary.ts';
import { startSlackStandin, type SlackStandin } from '../helpers/slack-standin.ts';

const TOKEN = 'xoxb-test-token';
let slack: SlackStandin;

beforeAll(async () => {
  slack = await startSlackStandin({ token: TOKEN });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.reset();
});

function notifier(options: Partial<SlackNotifierOptions> = {}): SlackNotifier {
  return new SlackNotifier({
    token: TOKEN,
    slackApiUrl: `${slack.url}/api/`,
    defaultChannel: 'C0DEFAULT',
    dashboardUrl: 'https://clio.example.test/',
    minIntervalMs: 0,
    ...options,
  });
}

async function sendError(promise: Promise<unknown>): Promise<NotifyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotifyError);
  return error as NotifyError;
}

describe('SlackNotifier', () => {
  it('posts Block Kit with a text fallback and our metadata, form-encoded with the bot token', async () => {
    const n = sampleNotification({ id: 'post-1:firing:1', channel: 'C0POST' }, { alert_id: 'post-1' });
    const sent = await notifier().send(n, null);

    const [call] = slack.succeeded('chat.postMessage');
    expect(call!.contentType).toContain('application/x-www-form-urlencoded');
    expect(call!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call!.body.channel).toBe('C0POST');
    expect(call!.body.text).toContain('412 conversations from 95 accounts');
    expect(call!.body.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context', 'actions']);
    expect(call!.body.metadata).toEqual({ event_type: 'clio_alert', event_payload: { notification_id: n.id, alert_id: 'post-1' } });
    expect(sent).toEqual({ channel: 'C0POST', messageRef: slack.messages('C0POST')[0]!.ts });
  });

  it('posts to the default channel when the notification names none', async () => {
    const sent = await notifier().send(sampleNotification({ id: 'default:firing:1', channel: null }), null);
    expect(sent.channel).toBe('C0DEFAULT');
    expect(slack.succeeded('chat.postMessage')[0]!.body.channel).toBe('C0DEFAULT');
  });

  it('edits the original message for a resolution, and posts anew when there is none to edit', async () => {
    const slackNotifier = notifier();
    const [firing, resolved] = firingAndResolved('edit-1', 'C0EDIT');
    const original = await slackNotifier.send(firing, null);
    const edited = await slackNotifier.send(resolved, original);

    expect(edited).toEqual(original);
    expect(slack.succeeded('chat.update')).toHaveLength(1);
    expect(slack.succeeded('chat.update')[0]!.body).toMatchObject({ channel: 'C0EDIT', ts: original.messageRef });
    const messages = slack.messages('C0EDIT');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.edited).toBe(true);
    expect(messages[0]!.blocks![0].text.text).toMatch(/^✅ Resolved/);

    const [, orphan] = firingAndResolved('edit-2', 'C0EDIT');
    await slackNotifier.send(orphan, null);
    const gone = await slackNotifier.send({ ...orphan, id: 'edit-3:resolved' }, { channel: 'C0EDIT', messageRef: '1.000001' });
    expect(slack.succeeded('chat.postMessage')).toHaveLength(3);
    expect(slack.messages('C0EDIT')).toHaveLength(3);
    expect(gone.messageRef).toBe(slack.messages('C0EDIT')[2]!.ts);
  });

  it('sends at most one message per second per channel, channels independently', async () => {
    const slackNotifier = notifier({ minIntervalMs: undefined });
    const sends = ['C0RATE1', 'C0RATE2'].flatMap((channel) =>
      [1, 2, 3].map((i) => slackNotifier.send(sampleNotification({ id: `rate:${channel}:${i}`, channel }), null)),
    );
    await Promise.all(sends);

    const times = (channel: string) => slack.succeeded('chat.postMessage').filter((c) => c.body.channel === channel).map((c) => c.receivedAtMs);
    for (const channel of ['C0RATE1', 'C0RATE2']) {
      const t = times(channel);
      expect(t).toHaveLength(3);
      expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(950);
      expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(950);
    }
    expect(Math.abs(times('C0RATE1')[0]! - times('C0RATE2')[0]!)).toBeLessThan(500);
  });

  it('checks its token at start, and refuses a dashboard URL it could not link to', async () => {
    await expect(notifier().verify()).resolves.toBeUndefined();
    expect(await sendError(notifier({ token: 'xoxb-wrong' }).verify())).toMatchObject({ code: 'invalid_auth', retryable: false });
    expect(() => notifier({ dashboardUrl: 'dashboard' })).toThrow(ConfigError);
  });

  it('classifies failures without retrying on its own: one request each', async () => {
    const slackNotifier = notifier();
    const n = sampleNotification({ id: 'fail:firing:1', channel: 'C0FAIL' });

    slack.fail(1, { kind: 'rate_limited', retryAfterS: 7 });
    const limited = await sendError(slackNotifier.send(n, null));
    expect(limited).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 7000 });

    slack.fail(1, { kind: 'http', status: 503 });
    expect(await sendError(slackNotifier.send(n, null))).toMatchObject({ code: 'http_503', retryable: true });

    slack.fail(1, { kind: 'error', error: 'channel_not_found' });
    expect(await sendError(slackNotifier.send(n, null))).toMatchObject({ code: 'channel_not_found', retryable: false });

    slack.fail(1, { kind: 'error', error: 'internal_error' });
    expect(await sendError(slackNotifier.send(n, null))).toMatchObject({ code: 'internal_error', retryable: true });

    expect(await sendError(notifier({ token: 'xoxb-wrong' }).send(n, null))).toMatchObject({ code: 'invalid_auth', retryable: false });

    expect(slack.calls.map((c) => c.outcome)).toEqual(['rate_limited', 'http', 'channel_not_found', 'internal_error', 'invalid_auth']);
    expect(slack.messages('C0FAIL')).toHaveLength(0);
  });

  it('refuses an alert that breaks the contract before anything reaches Slack', async () => {
    const n = sampleNotification({ id: 'canary:firing:1', channel: 'C0CANARY' });
    const smuggled = [
      { ...n, alert: { ...n.alert, text: `Hi, I am ${CANARIES.name}` } },
      { ...n, alert: { ...n.alert, cluster: { ...n.alert.cluster, examples: [CANARIES.email] } } },
      { ...n, alert: { ...n.alert, observed: { ...n.alert.observed, account_ids: [CANARIES.accountId] } } },
      { ...n, conversation_ids: [CANARIES.conversationId] },
      { ...n, alert: { ...n.alert, cluster: { ...n.alert.cluster, id: CANARIES.email } } },
    ];
    for (const bad of smuggled) {
      await expect(notifier().send(bad as never, null)).rejects.toBeInstanceOf(AlertInvalidError);
    }
    expect(slack.calls).toHaveLength(0);

    await notifier().send(n, null);
    expect(findCanary(JSON.stringify(slack.calls))).toBeUndefined();
  });

  describe('alreadySent', () => {
    it('finds our message by its notification id, within the time asked', async () => {
      const slackNotifier = notifier();
      const before = Date.now() - 1000;
      const n = sampleNotification({ id: 'seen:firing:1', channel: 'C0SEEN' });
      await slackNotifier.send(sampleNotification({ id: 'seen-other:firing:1', channel: 'C0SEEN' }), null);
      const sent = await slackNotifier.send(n, null);
      await slackNotifier.send(sampleNotification({ id: 'seen-later:firing:1', channel: 'C0SEEN' }), null);

      expect(await slackNotifier.alreadySent(n, before)).toEqual(sent);
      expect(await slackNotifier.alreadySent({ ...n, id: 'never:firing:1' }, before)).toBeNull();
      expect(await slackNotifier.alreadySent(n, Date.now() + 60_000)).toBeNull();
      const history = slack.succeeded('conversations.history')[0]!;
      expect(history.body).toMatchObject({ channel: 'C0SEEN', include_all_metadata: 'true' });
    });

    it('pages through the history', async () => {
      const slackNotifier = notifier();
      const n = sampleNotification({ id: 'paged:firing:1', channel: 'C0PAGED' });
      const sent = await slackNotifier.send(n, null);
      for (let i = 0; i < 205; i += 1) {
        await slackNotifier.send(sampleNotification({ id: `paged-later:firing:${i}`, channel: 'C0PAGED' }), null);
      }
      slack.calls.length = 0;
      expect(await slackNotifier.alreadySent(n, 0)).toEqual(sent);
      expect(slack.succeeded('conversations.history')).toHaveLength(2);
    });

    it('throws when Slack is unwell, and answers null when the channel cannot be read', async () => {
      const n = sampleNotification({ id: 'unknown:firing:1', channel: 'C0NOWHERE' });
      slack.fail(1, { kind: 'http', status: 500 });
      expect(await sendError(notifier().alreadySent(n, 0))).toMatchObject({ code: 'http_500', retryable: true });
      expect(await notifier().alreadySent(n, 0)).toBeNull();
      expect(slack.calls.map((c) => c.outcome)).toEqual(['http', 'channel_not_found']);
    });
  });
});
