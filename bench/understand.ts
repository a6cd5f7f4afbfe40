/**
 * Understanding benchmarks, offline: catalog build time for 10,000 conversations, then end-to-end
 * conversations/s from a JSONL file through validation, redaction, local facets, the embedded
 * model, HNSW assignment and the embedded store.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { CatalogIndex } from '../src/assign/catalog-index.ts';
import { UnderstandingAssigner } from '../src/assign/understanding-assigner.ts';
import { OfflineAuditor } from '../src/catalog/audit.ts';
import { buildCatalog } from '../src/app/catalog-build.ts';
import { loadPolicies } from '../src/catalog/policies.ts';
import type { Catalog } from '../src/catalog/catalog.ts';
import type { Embedder } from '../src/embed/embedder.ts';
import { CachedEmbedder } from '../src/embed/cache.ts';
import { LocalEmbedder } from '../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../src/facets/local-extractor.ts';
import { generateConversations } from '../src/generate/synthetic.ts';
import { FileDeadLetterSink } from '../src/ingest/file-dead-letter.ts';
import { FileSource } from '../src/ingest/file-source.ts';
import { createIngestPipeline } from '../src/pipeline/ingest-pipeline.ts';
import { createIdHasher } from '../src/privacy/account-hash.ts';
import { PipelineMetrics, sumMetric } from '../src/pipeline/metrics.ts';
import { IngestStore } from '../src/store/ingest-store.ts';
import { migrate } from '../src/store/migrate.ts';
import { openPglite } from '../src/store/pglite-client.ts';
import { silentProgress } from '../src/util/progress.ts';

const BUILD_COUNT = Number(process.env.BENCH_CATALOG_COUNT ?? 10_000);
const STREAM_COUNT = Number(process.env.BENCH_STREAM_COUNT ?? 3_000);
const limits = { maxMessageBytes: 1_048_576, maxMessages: 500, maxBlockChars: 200_000 };

function writeJsonl(path: string, count: number, seed: number, prefix: string, startMs: number, targetBytes = 1000): void {
  const lines: string[] = [];
  for (const { conversation } of generateConversations({ count, seed, accounts: Math.ceil(count / 8), startMs, idPrefix: prefix, targetBytes })) lines.push(JSON.stringify(conversation));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

export async function benchUnderstand(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'clio-bench-understand-'));
  const model = await LocalEmbedder.start({ workers: 2 });
  const embedder = new CachedEmbedder(model);
  try {
    const baseline = join(dir, 'baseline.jsonl');
    writeJsonl(baseline, BUILD_COUNT, 1, 'base', Date.parse('2026-11-13T00:00:00Z'));
    const started = performance.now();
    const catalog = await buildCatalog({
      input: baseline, out: join(dir, 'catalog.json'), seed: 1, limits, minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
      extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: loadPolicies(), progress: silentProgress,
    });
    const buildSeconds = (performance.now() - started) / 1000;

    // Two streams, each with a fresh cache (not served from the build's embeddings): mostly
    // unique texts, and templated texts that repeat the way real traffic does.
    const unique = await streamThrough(dir, 'unique', catalog, model, 1000);
    const repeated = await streamThrough(dir, 'repeated', catalog, model, 0);
    return {
      [`catalog build, ${BUILD_COUNT} conversations (s)`]: buildSeconds.toFixed(1),
      'catalog clusters (leaves + parents)': String(catalog.clusters.length),
      [`end-to-end offline, ${STREAM_COUNT} mostly unique conversations (conversations/s)`]: unique.perSecond.toFixed(0),
      'end-to-end, mostly unique: embedding cache hit rate': unique.hitRate.toFixed(2),
      [`end-to-end offline, ${STREAM_COUNT} templated conversations (conversations/s)`]: repeated.perSecond.toFixed(0),
      'end-to-end, templated: embedding cache hit rate': repeated.hitRate.toFixed(2),
    };
  } finally {
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function streamThrough(dir: string, name: string, catalog: Catalog, embedder: Embedder, targetBytes: number): Promise<{ perSecond: number; hitRate: number }> {
  const streamEmbedder = new CachedEmbedder(embedder);
  const stream = join(dir, `${name}.jsonl`);
  writeJsonl(stream, STREAM_COUNT, name.length, name, Date.parse('2026-11-20T00:00:00Z'), targetBytes);
  const db = await openPglite(join(dir, `store-${name}`));
  await migrate(db);
  const store = new IngestStore(db);
  const metrics = new PipelineMetrics({ processMetrics: false });
  const deadLetters = new FileDeadLetterSink(join(dir, `dlq-${name}.jsonl`));
  const pipeline = createIngestPipeline({
    consumer: 'bench', limits, bucketMs: 300_000, store, deadLetters,
    assigner: new UnderstandingAssigner(new LocalFacetExtractor(), streamEmbedder, new CatalogIndex(catalog)),
    hashAccount: createIdHasher('bench-secret-0123456789', 'account'),
    hashConversation: createIdHasher('bench-secret-0123456789', 'conversation'),
    metrics,
    logger: pino({ level: 'silent' }),
  });
  const t = performance.now();
  await new FileSource(stream, 256).run(pipeline);
  const seconds = (performance.now() - t) / 1000;
  await deadLetters.close();
  await store.close();
  const stats = streamEmbedder.stats();
  return { perSecond: (await sumMetric(metrics.processed)) / seconds, hitRate: stats.hits / Math.max(1, stats.hits + stats.misses) };
}
