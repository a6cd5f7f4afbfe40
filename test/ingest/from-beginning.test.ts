// kafka.fromBeginning: where `run` starts a consumer group that has no committed offsets yet.
// A group that has committed offsets resumes from them whatever the setting says.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRun, type RunningService } from '../../src/app/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { createLogger } from '../../src/log.ts';
import { fetchText, metricValue, sleep, waitFor } from '../helpers/cli.ts';
import { committedOffsets, createTopic, produce } from '../helpers/kafka.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';

const conversations = [...generateConversations({ count: 40, seed: 23, accounts: 10, targetBytes: 400 })].map(({ conversation }) => Buffer.from(JSON.stringify(conversation)));
let next = 0;
const take = (n: number) => conversations.slice(next, (next += n));

async function start(topic: string, groupId: string, dataDir: string, kafka: Record<string, unknown> = {}): Promise<RunningService> {
  const config = loadConfig({
    overrides: {
      kafka: { brokers: kafkaBrokers(), groupId, topics: { conversations: topic, deadLetter: `${topic}_dlq` }, ...kafka },
      store: { dataDir },
      privacy: { accountHashSecret: 'from-beginning-test-secret' },
      api: { port: 0 },
    },
  });
  const service = await startRun(config, createLogger('silent'));
  // Joined the group: from here on, what is written is new to it.
  await waitFor(async () => ((await fetch(`${service.url}/readyz`)).ok ? true : undefined), 'the consumer to join its group', 60_000);
  return service;
}

const processed = async (service: RunningService) => metricValue(await fetchText(`${service.url}/metrics`), 'clio_processed_total');

async function processedReaches(service: RunningService, count: number): Promise<number> {
  await waitFor(async () => ((await processed(service)) >= count ? true : undefined), `${count} records processed`, 60_000);
  await sleep(1500); // anything beyond `count` (which would be a bug) has time to show up
  return processed(service);
}

describe('kafka.fromBeginning', () => {
  it('defaults to false: a new group reads only what is written after it joined', async () => {
    expect(loadConfig().kafka.fromBeginning).toBe(false);
    expect(loadConfig({ env: { CLIO_KAFKA_FROM_BEGINNING: 'true' } }).kafka.fromBeginning).toBe(true);

    const topic = uniqueName('clio_latest');
    await createTopic(topic, 2);
    await produce(topic, take(5), 2);
    const service = await start(topic, uniqueName('g_latest'), mkdtempSync(join(tmpdir(), 'clio-latest-')));
    try {
      await sleep(3000); // the group has looked up where "latest" is
      await produce(topic, take(3), 2);
      expect(await processedReaches(service, 3)).toBe(3);
    } finally {
      await service.stop();
    }
  }, 120_000);

  it('true: a new group reads the topic from its oldest record; once it has offsets, it resumes from them', async () => {
    const topic = uniqueName('clio_earliest');
    const groupId = uniqueName('g_earliest');
    const dataDir = mkdtempSync(join(tmpdir(), 'clio-earliest-'));
    await createTopic(topic, 2);
    await produce(topic, take(6), 2);
    const first = await start(topic, groupId, dataDir, { fromBeginning: true });
    try {
      expect(await processedReaches(first, 6)).toBe(6);
    } finally {
      await first.stop();
    }
    const committed = [...(await committedOffsets(groupId, topic)).values()].reduce((a, b) => a + b, 0n);
    expect(committed).toBe(6n);

    // Written while it was stopped: the restarted member resumes from the committed offsets (the
    // same store, so its counter starts at zero again): only these two are new.
    await produce(topic, take(2), 2);
    const second = await start(topic, groupId, dataDir, { fromBeginning: true });
    try {
      expect(await processedReaches(second, 2)).toBe(2);
      expect(metricValue(await fetchText(`${second.url}/metrics`), 'clio_already_applied_total')).toBe(0);
    } finally {
      await second.stop();
    }
  }, 180_000);
});
