import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertInvalidError, validateAlert } from '../../src/alerts/alert.ts';
import { JsonlNotifier, STDOUT_PATH } from '../../src/notify/jsonl-notifier.ts';
import { firingAndResolved, sampleNotification } from '../alerts/sample-alert.ts';
import { CANARIES, memoryStream } from '../helpers/canary.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clio-jsonl-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('JsonlNotifier', () => {
  it('writes one valid line per notification', async () => {
    const path = join(dir, 'alerts.jsonl');
    const sink = new JsonlNotifier(path);
    const [firing, resolved] = firingAndResolved('j-1');
    expect(await sink.send(firing, null)).toEqual({ channel: 'C0ALERTS', messageRef: firing.id });
    await sink.send({ ...resolved, channel: null }, null);
    await sink.close();

    const written = await lines(path);
    expect(written).toEqual([
      { notification_id: firing.id, alert: firing.alert, channel: 'C0ALERTS' },
      { notification_id: resolved.id, alert: resolved.alert, channel: null },
    ]);
    for (const line of written) expect(validateAlert(line.alert)).toEqual(line.alert);
  });

  it('writes a notification id once, across sends and across restarts', async () => {
    const path = join(dir, 'idempotent.jsonl');
    const n = sampleNotification({ id: 'j-2:firing:1' });
    const first = new JsonlNotifier(path);
    await Promise.all([first.send(n, null), first.send(n, null)]);
    await first.close();

    const restarted = new JsonlNotifier(path);
    expect(await restarted.alreadySent(n)).toEqual({ channel: n.channel, messageRef: n.id });
    expect(await restarted.alreadySent({ ...n, id: 'j-2:firing:2' })).toBeNull();
    await restarted.send(n, null);
    await restarted.send({ ...n, id: 'j-2:firing:2' }, null);
    await restarted.close();
    expect((await lines(path)).map((l) => l.notification_id)).toEqual(['j-2:firing:1', 'j-2:firing:2']);
  });

  it('cuts off a line torn by a crash mid-write, so that send counts as not done', async () => {
    const path = join(dir, 'torn.jsonl');
    const n = sampleNotification({ id: 'j-3:firing:1' });
    const line = JSON.stringify({ notification_id: n.id, alert: n.alert, channel: n.channel });
    await writeFile(path, `not json from someone else\n${line.slice(0, 40)}`);
    const sink = new JsonlNotifier(path);
    expect(await sink.alreadySent(n)).toBeNull();
    await sink.send(n, null);
    await sink.close();
    expect(await readFile(path, 'utf8')).toBe(`not json from someone else\n${line}\n`);
  });

  it('writes to standard output for "-", where nothing can be read back', async () => {
    const out = memoryStream();
    const sink = new JsonlNotifier(STDOUT_PATH, out);
    const n = sampleNotification({ id: 'j-4:firing:1', channel: null });
    expect(await sink.send(n, null)).toEqual({ channel: 'stdout', messageRef: n.id });
    expect(await sink.alreadySent(n)).toBeNull();
    await sink.close();
    expect(out.text()).toBe(`${JSON.stringify({ notification_id: n.id, alert: n.alert, channel: null })}\n`);
  });

  it('refuses an alert that breaks the contract and writes nothing', async () => {
    const out = memoryStream();
    const sink = new JsonlNotifier(STDOUT_PATH, out);
    const n = sampleNotification();
    await expect(sink.send({ ...n, alert: { ...n.alert, account_ids: [CANARIES.accountId] } } as never, null)).rejects.toBeInstanceOf(AlertInvalidError);
    expect(out.text()).toBe('');
  });
});
