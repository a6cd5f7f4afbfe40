import { isAreaSeries } from '../../src/classify/classifier.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun, type RunningService } from '../../src/app/run.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog } from '../../src/app/catalog-build.ts';
import type { Catalog } from '../../src/catalog/catalog.ts';
import { loadPolicies } from '../../src/catalog/policies.ts';
import { loadConfig } from '../../src/config/load.ts';
import { LocalEmbedder } from '../../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { createLogger } from '../../src/log.ts';
import { IngestStore } from '../../src/store/ingest-store.ts';
import { openPglite } from '../../src/store/pglite-client.ts';
import { silentProgress } from '../../src/util/progress.ts';
import { CANARIES, canaryConversation, findCanary, memoryStream } from '../helpers/canary.ts';
import { startSlackStandin, type SlackStandin } from '../helpers/slack-standin.ts';
import { fetchText, metricValue, waitFor } from '../helpers/cli.ts';
import { createTopic, produce } from '../helpers/kafka.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';

const limits = { maxMessageBytes: 65_536, maxMessages: 50, maxBlockChars: 20_000 };

describe('run with a catalog: conversations are counted under catalog clusters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-run-catalog-'));
  const topic = uniqueName('clio_catalog_run');
  const logs = memoryStream();
  let catalog: Catalog;
  let service: RunningService;
  let slack: SlackStandin;
  const total = 305 + 40 + 20;

  beforeAll(async () => {
    const baseline = join(dir, 'baseline.jsonl');
    writeFileSync(baseline, [...generateConversations({ count: 800, seed: 8, accounts: 200, targetBytes: 0, idPrefix: 'base' })].map((l) => JSON.stringify(l.conversation)).join('\n'));
    const embedder = await LocalEmbedder.start({ workers: 2 });
    try {
      catalog = await buildCatalog({
        input: baseline, out: join(dir, 'catalog.json'), clusters: 8, seed: 1, limits, minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
        extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: loadPolicies(), progress: silentProgress,
      });
    } finally {
      await embedder.close();
    }
    await createTopic(topic, 3);
    const live = [...generateConversations({ count: 300, seed: 9, accounts: 80, targetBytes: 0, idPrefix: 'live' })].map((l) => Buffer.from(JSON.stringify(l.conversation)));
    for (let i = 0; i < 5; i++) live.push(Buffer.from(JSON.stringify(canaryConversation('2026-11-20T02:00:00Z', i))));
    // Late in the day, 40 accounts send the same request carrying personal data: a new pattern no
    // catalog conversation resembles. It must surface as an emerging cluster, named without any of it.
    for (let i = 0; i < 40; i++) {
      const c = canaryConversation(new Date(Date.parse('2026-11-20T23:00:00Z') + i * 60_000).toISOString(), 100 + i);
      live.push(Buffer.from(JSON.stringify({ ...c, account_id: `${CANARIES.accountId}-${i}` })));
    }
    await produce(topic, live, 3);
    slack = await startSlackStandin({ token: 'xoxb-run-test' });
    const config = loadConfig({
      overrides: {
        kafka: { brokers: kafkaBrokers(), groupId: `${topic}_group`, topics: { conversations: topic, deadLetter: `${topic}_dlq` }, chunkSize: 100, fromBeginning: true },
        store: { dataDir: join(dir, 'store') },
        ingest: limits,
        privacy: { accountHashSecret: 'catalog-run-secret-0123' },
        catalog: { path: join(dir, 'catalog.json') },
        api: { port: 0 },
        log: { level: 'debug' },
        alerts: { slack: { token: 'xoxb-run-test', apiUrl: `${slack.url}/api/`, defaultChannel: 'C0ALERTS' } },
      },
    });
    service = await startRun(config, createLogger('debug', logs));
  }, 600_000);
  afterAll(async () => {
    await service?.stop();
    await slack?.close();
  });

  it('assigns every conversation to a catalog leaf and leaks no canary', async () => {
    const processed = async (n: number) => (metricValue(await fetchText(`${service.url}/metrics`), 'clio_processed_total') >= n ? true : undefined);
    await waitFor(() => processed(total - 20), 'the first day', 180_000);
    // Traffic of the next morning moves the event clock on, so that the evening's buckets close.
    const next = [...generateConversations({ count: 20, seed: 10, accounts: 20, targetBytes: 0, idPrefix: 'next', startMs: Date.parse('2026-11-21T02:00:00Z'), spanMs: 3_600_000 })];
    await produce(topic, next.map((l) => Buffer.from(JSON.stringify(l.conversation))), 3);
    await waitFor(() => processed(total), 'all conversations', 180_000);
    // The emerging cluster reaches Slack through the outbox.
    const posted = await waitFor(async () => {
      const post = slack.succeeded('chat.postMessage').find((c) => JSON.stringify(c.body).includes('emerging'));
      return post ?? undefined;
    }, 'an emerging alert in Slack', 60_000);
    expect(posted.body.channel).toBe('C0ALERTS');
    const metrics = await fetchText(`${service.url}/metrics`);
    await service.stop();
    const db = await openPglite(join(dir, 'store'));
    const store = new IngestStore(db);
    try {
      const counts = await store.clusterCounts();
      const leaves = catalog.clusters.filter((c) => c.level === 0);
      const leafIds = new Set(leaves.map((c) => c.id));
      const allIds = new Set(catalog.clusters.map((c) => c.id));
      const leafCounts = counts.filter((c) => leafIds.has(c.clusterId));
      // Every conversation is counted once under a leaf (parents and policy areas count them again); provisional clusters are new leaves.
      const provisional = counts.filter((c) => !allIds.has(c.clusterId) && !isAreaSeries(c.clusterId));
      expect(leafCounts.reduce((s, c) => s + c.conversations, 0) + provisional.reduce((s, c) => s + c.conversations, 0)).toBe(total);
      expect(provisional.every((c) => c.clusterId.startsWith('emerging-'))).toBe(true);
      expect(new Set(leafCounts.map((c) => c.clusterId)).size).toBeGreaterThanOrEqual(6);
      const versions = await db.query<{ catalog: unknown }>('SELECT catalog FROM catalog_versions');
      expect(versions.length).toBeGreaterThanOrEqual(2);
      expect(findCanary(JSON.stringify(versions))).toBeUndefined();
    } finally {
      await store.close();
    }
    expect(logs.text()).toContain(`catalog ${join(dir, 'catalog.json')}`);
    expect(findCanary(logs.text())).toBeUndefined();
    expect(findCanary(metrics)).toBeUndefined();
    expect(findCanary(JSON.stringify(slack.calls))).toBeUndefined();
  });
});
