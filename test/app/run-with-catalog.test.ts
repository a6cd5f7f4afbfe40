import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun, type RunningService } from '../../src/app/run.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog } from '../../src/catalog/build.ts';
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
import { canaryConversation, findCanary, memoryStream } from '../helpers/canary.ts';
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
    await produce(topic, live, 3);
    const config = loadConfig({
      overrides: {
        kafka: { brokers: kafkaBrokers(), groupId: `${topic}_group`, topics: { conversations: topic, deadLetter: `${topic}_dlq` }, chunkSize: 100 },
        store: { dataDir: join(dir, 'store') },
        ingest: limits,
        privacy: { accountHashSecret: 'catalog-run-secret-0123' },
        catalog: { path: join(dir, 'catalog.json') },
        api: { port: 0 },
        log: { level: 'debug' },
      },
    });
    service = await startRun(config, createLogger('debug', logs));
  }, 600_000);
  afterAll(async () => service?.stop());

  it('assigns every conversation to a catalog leaf and leaks no canary', async () => {
    await waitFor(async () => (metricValue(await fetchText(`${service.url}/metrics`), 'clio_processed_total') >= 305 ? true : undefined), 'all conversations', 180_000);
    const metrics = await fetchText(`${service.url}/metrics`);
    await service.stop();
    const store = new IngestStore(await openPglite(join(dir, 'store')));
    try {
      const counts = await store.clusterCounts();
      const leafIds = new Set(catalog.clusters.filter((c) => c.level === 0).map((c) => c.id));
      expect(counts.reduce((s, c) => s + c.conversations, 0)).toBe(305);
      for (const c of counts) expect(leafIds.has(c.clusterId), c.clusterId).toBe(true);
      expect(new Set(counts.map((c) => c.clusterId)).size).toBeGreaterThanOrEqual(6);
    } finally {
      await store.close();
    }
    expect(logs.text()).toContain(`catalog ${join(dir, 'catalog.json')}`);
    expect(findCanary(logs.text())).toBeUndefined();
    expect(findCanary(metrics)).toBeUndefined();
  });
});
