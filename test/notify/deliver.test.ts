import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/alerts/alert.ts';
import { createLogger } from '../../src/log.ts';
import { OutboxDeliverer, type DelivererOptions } from '../../src/notify/deliver.ts';
import { SlackNotifier } from '../../src/notify/slack-notifier.ts';
import { migrate } from '../../src/store/migrate.ts';
import { OutboxStore } from '../../src/store/outbox-store.ts';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { firingAndResolved, sampleNotification } from '../alerts/sample-alert.ts';
import { CANARIES, findCanary, memoryStream } from '../helpers/canary.ts';
import { startSlackStandin, type RecordedCall, type SlackStandin } from '../helpers/slack-standin.ts';

const TOKEN = 'xoxb-deliver';
let slack: SlackStandin;
let db: SqlClient;
let store: OutboxStore;
let logs: ReturnType<typeof memoryStream>;

beforeAll(async () => {
  slack = await startSlackStandin({ token: TOKEN });
  db = await openPglite(MEMORY_STORE);
  await migrate(db);
  store = new OutboxStore(db);
}, 60_000);
afterAll(async () => {
  await db.close();
  await slack.close();
});
beforeEach(async () => {
  slack.reset();
  await db.exec('TRUNCATE alert_outbox, alert_deliveries');
  logs = memoryStream();
});

function slackNotifier(): SlackNotifier {
  return new SlackNotifier({ token: TOKEN, slackApiUrl: `${slack.url}/api/`, defaultChannel: 'C0DEFAULT', dashboardUrl: 'https://clio.example.test/', minIntervalMs: 0 });
}

function deliverer(options: Partial<DelivererOptions> = {}, notifier = slackNotifier()): OutboxDeliverer {
  return new OutboxDeliverer(store, notifier, { logger: createLogger('debug', logs), baseDelayMs: 20, maxDelayMs: 100, pollMs: 10, ...options });
}

async function enqueue(...notifications: Notification[]): Promise<void> {
  await db.transaction((tx) => OutboxStore.enqueue(tx, notifications));
}

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Notification ids of the posts and edits Slack accepted, in order. */
const acceptedIds = (calls: RecordedCall[] = slack.calls) =>
  calls.filter((c) => c.outcome === 'ok' && c.method.startsWith('chat.')).map((c) => c.body.metadata.event_payload.notification_id as string);

describe('OutboxDeliverer', () => {
  it('rides out 429s and 500s: every notification delivered exactly once, in order', async () => {
    const [aFiring, aResolved] = firingAndResolved('a', 'C0STORM');
    const [bFiring, bResolved] = firingAndResolved('b', 'C0STORM');
    const c = sampleNotification({ id: 'c:firing:1', channel: 'C0STORM' }, { alert_id: 'c' });
    const order = [aFiring, bFiring, aResolved, c, bResolved];
    await enqueue(...order);
    slack.fail(2, { kind: 'rate_limited', retryAfterS: 1 });
    slack.fail(4, { kind: 'http', status: 500 });

    const worker = deliverer();
    worker.start();
    await until(async () => (await store.pending()) === 0);
    await worker.stop();

    expect(acceptedIds()).toEqual(order.map((n) => n.id));
    expect(slack.succeeded('chat.postMessage')).toHaveLength(3);
    expect(slack.succeeded('chat.update')).toHaveLength(2);
    expect(slack.messages('C0STORM').map((m) => m.edited)).toEqual([true, true, false]);
    for (const n of order) expect(await store.item(n.id)).toMatchObject({ state: 'delivered' });

    // Retry-After was honoured: nothing reached Slack within a second of each 429.
    const limited = slack.calls.filter((call) => call.outcome === 'rate_limited');
    expect(limited).toHaveLength(2);
    for (const call of limited) {
      const next = slack.calls[slack.calls.indexOf(call) + 1]!;
      expect(next.receivedAtMs - call.receivedAtMs).toBeGreaterThanOrEqual(950);
    }
    expect(logs.text()).toContain('"code":"rate_limited"');
    expect(logs.text()).toContain('"code":"http_500"');
  });

  it('edits the original message when the alert resolves', async () => {
    const [firing, resolved] = firingAndResolved('edit', 'C0RESOLVE');
    await enqueue(firing, resolved);
    expect(await deliverer().deliverDue()).toEqual({ delivered: 2, failed: 0 });

    const [post] = slack.succeeded('chat.postMessage');
    const [update] = slack.succeeded('chat.update');
    expect(update!.body).toMatchObject({ channel: 'C0RESOLVE', ts: slack.messages('C0RESOLVE')[0]!.ts });
    expect(post!.body.blocks[0].text.text).toMatch(/^🔺 Spike/);
    expect(update!.body.blocks[0].text.text).toMatch(/^✅ Resolved/);
    expect(slack.messages('C0RESOLVE')).toHaveLength(1);
    expect(await store.deliveryOf('edit')).toEqual({ channel: 'C0RESOLVE', messageRef: slack.messages('C0RESOLVE')[0]!.ts });
  });

  it('does not post again when the process died after the post but before marking it delivered', async () => {
    const n = sampleNotification({ id: 'crash-after:firing:1', channel: 'C0CRASH1' }, { alert_id: 'crash-after' });
    await enqueue(n);
    // The first process: marked sending, posted, died.
    await store.markSending(n.id);
    const posted = await slackNotifier().send(n, null);

    const fresh = new OutboxStore(db);
    const restarted = new OutboxDeliverer(fresh, slackNotifier(), { logger: createLogger('debug', logs) });
    expect(await restarted.deliverDue()).toEqual({ delivered: 1, failed: 0 });
    expect(slack.succeeded('chat.postMessage')).toHaveLength(1);
    expect(await fresh.item(n.id)).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(await fresh.deliveryOf('crash-after')).toEqual(posted);
  });

  it('posts once when the process died after marking sending but before the post', async () => {
    const n = sampleNotification({ id: 'crash-before:firing:1', channel: 'C0CRASH2' }, { alert_id: 'crash-before' });
    await enqueue(n);
    await store.markSending(n.id);

    expect(await deliverer().deliverDue()).toEqual({ delivered: 1, failed: 0 });
    expect(slack.succeeded('chat.postMessage')).toHaveLength(1);
    expect(slack.messages('C0CRASH2')).toHaveLength(1);
  });

  it('does not post again when Slack took the message but the reply was lost', async () => {
    const n = sampleNotification({ id: 'lost:firing:1', channel: 'C0LOST' }, { alert_id: 'lost' });
    await enqueue(n);
    slack.fail(1, { kind: 'lost_reply', method: 'chat.postMessage' });
    const worker = deliverer();
    expect(await worker.deliverDue()).toEqual({ delivered: 0, failed: 1 });
    await until(async () => (await worker.deliverDue()).delivered === 1);

    expect(slack.messages('C0LOST')).toHaveLength(1);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    expect(await store.item(n.id)).toMatchObject({ state: 'delivered', attempts: 2, lastError: 'http_500' });
  });

  it('marks a payload that breaks the contract dead without sending it, and goes on', async () => {
    const good = sampleNotification({ id: 'good:firing:1', channel: 'C0MIXED' }, { alert_id: 'good' });
    const bad = sampleNotification({ id: 'bad:firing:1', channel: 'C0MIXED' }, { alert_id: 'bad' });
    const smuggled = { ...bad, alert: { ...bad.alert, sample_text: `Hi, I am ${CANARIES.name}`, account_ids: [CANARIES.accountId] } };
    await enqueue(smuggled as never, good);

    expect(await deliverer().deliverDue()).toEqual({ delivered: 1, failed: 1 });
    expect(await store.item(bad.id)).toMatchObject({ state: 'dead', lastError: 'alert_invalid', attempts: 0 });
    expect(acceptedIds()).toEqual([good.id]);
    expect(findCanary(JSON.stringify(slack.calls))).toBeUndefined();
    expect(findCanary(logs.text())).toBeUndefined();
  });

  it('gives up at once on an error retrying cannot fix, and never on one it could', async () => {
    const lost = sampleNotification({ id: 'nochannel:firing:1', channel: 'C0GONE' }, { alert_id: 'nochannel' });
    await enqueue(lost);
    slack.fail(1, { kind: 'error', error: 'channel_not_found', method: 'chat.postMessage' });
    expect(await deliverer().deliverDue()).toEqual({ delivered: 0, failed: 1 });
    expect(await store.item(lost.id)).toMatchObject({ state: 'dead', attempts: 1, lastError: 'channel_not_found' });

    const down = sampleNotification({ id: 'down:firing:1', channel: 'C0DOWN' }, { alert_id: 'down' });
    await enqueue(down);
    // An outage far longer than the overdue mark: reported, retried, and delivered once Slack answers.
    slack.fail(12, { kind: 'http', status: 503 });
    const worker = deliverer({ overdueAfterAttempts: 3, maxDelayMs: 40 });
    worker.start();
    await until(async () => (await store.item(down.id))?.state === 'delivered');
    await worker.stop();
    expect(await store.item(down.id)).toMatchObject({ attempts: 13, state: 'delivered' });
    expect(acceptedIds()).toEqual([down.id]);
    const lines = logs.text().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.msg === 'notification dead').map((l) => [l.notification_id, l.code])).toEqual([[lost.id, 'channel_not_found']]);
    expect(lines.filter((l) => l.msg.startsWith('notification overdue')).map((l) => [l.notification_id, l.attempt])).toEqual([[down.id, 3]]);
    expect(await store.backlog()).toEqual({ pending: 0, oldestEnqueuedAtMs: null });
  });

  it('logs ids, rules and codes only: no cluster names, descriptions or planted text', async () => {
    const n = sampleNotification({ id: 'quiet:firing:1', channel: 'C0QUIET' }, {
      alert_id: 'quiet',
      cluster: { id: 'c-9', name: `About ${CANARIES.name}`, description: `Write to ${CANARIES.email}`, policy_areas: [], parent: null },
    });
    await enqueue(n);
    slack.fail(1, { kind: 'http', status: 500 });
    const worker = deliverer();
    worker.start();
    await until(async () => (await store.pending()) === 0);
    await worker.stop();

    const text = logs.text();
    expect(text).toContain('"notification_id":"quiet:firing:1"');
    expect(text).toContain('"rule":"share-spike"');
    expect(findCanary(text)).toBeUndefined();
    expect(text).not.toContain('Automated');
  });

  it('keeps an alert in order even when its firing must wait for a retry', async () => {
    const [firing, resolved] = firingAndResolved('wait', 'C0WAIT');
    await enqueue(firing, resolved);
    let now = Date.parse('2026-11-27T15:00:00Z');
    const worker = deliverer({ now: () => now, baseDelayMs: 10_000, maxDelayMs: 10_000 });
    slack.fail(1, { kind: 'http', status: 502 });

    expect(await worker.deliverDue()).toEqual({ delivered: 0, failed: 1 });
    expect(await worker.deliverDue()).toEqual({ delivered: 0, failed: 0 }); // paused
    // A deliverer that knows of no pause (another instance) must not let the resolution overtake either.
    expect(await deliverer({ now: () => now }).deliverDue()).toEqual({ delivered: 0, failed: 0 });
    now += 10_000;
    expect(await worker.deliverDue()).toEqual({ delivered: 2, failed: 0 });
    expect(acceptedIds()).toEqual([firing.id, resolved.id]);
    expect(slack.succeeded('chat.update')).toHaveLength(1);
  });
});
