import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/load.ts';
import { loadConfig } from '../config/load.ts';
import { generateConversations, generateInvalid } from '../generate/synthetic.ts';
import { checkReachable, createKafka, ensureTopics, produceValues } from '../ingest/kafka/client.ts';
import type { Logger } from '../log.ts';
import { generateSecret } from '../privacy/account-hash.ts';
import { IngestStore } from '../store/ingest-store.ts';
import { openPglite } from '../store/pglite-client.ts';
import { startRun } from './run.ts';
import { sumMetric } from '../service/metrics.ts';

export interface DemoOptions {
  conversations: number;
  invalid: number;
  /** Write progress and the summary here (stderr/stdout in the CLI). */
  out: (line: string) => void;
}

/**
 * `clio-stream demo`: the embedded default end to end. A synthetic day of traffic with some bad
 * records goes through a Kafka topic (the configured broker if it answers, else a local one this
 * command starts and stops) into `run`'s pipeline and an embedded store; then a summary.
 */
export async function runDemo(base: Readonly<Config>, logger: Logger, options: DemoOptions): Promise<void> {
  const { out } = options;
  const work = mkdtempSync(join(tmpdir(), 'clio-demo-'));
  const localBroker = await brokerFor(base, logger, work, out);
  try {
    const topic = `clio.demo.${Date.now()}`;
    const config = loadConfig({
      overrides: {
        ...structuredClone(base),
        kafka: { ...structuredClone(base.kafka), brokers: localBroker.brokers, groupId: `${topic}.group`, topics: { conversations: topic, deadLetter: `${topic}.dlq` } },
        store: { dataDir: join(work, 'store'), databaseUrl: null },
        privacy: { accountHashSecret: base.privacy.accountHashSecret ?? generateSecret() },
        api: { host: '127.0.0.1', port: 0 },
        // Under the local broker's 1 MB message limit, so that oversize records reach validation.
        ingest: { ...base.ingest, maxMessageBytes: Math.min(base.ingest.maxMessageBytes, 65_536), maxBlockChars: Math.min(base.ingest.maxBlockChars, 16_384) },
      },
    });

    out(`generating ${options.conversations} conversations and ${options.invalid} invalid records ...`);
    const values: Array<Buffer | null> = [];
    const startMs = Date.parse('2026-11-20T00:00:00Z');
    for (const { conversation } of generateConversations({ count: options.conversations, seed: 2026, startMs, spanMs: 24 * 3600_000 })) {
      values.push(Buffer.from(JSON.stringify(conversation)));
    }
    for (const [i, bad] of [...generateInvalid(options.invalid, config.ingest)].entries()) {
      values.splice(Math.floor(((i + 0.5) * values.length) / Math.max(1, options.invalid)), 0, bad.value);
    }
    await produce(config, logger, topic, values);

    out(`consuming ${topic} with the run pipeline ...`);
    const service = await startRun(config, logger);
    const total = values.length;
    let consumed = 0;
    let started = 0;
    while (consumed < total) {
      await new Promise((r) => setTimeout(r, 500));
      consumed = await sumMetric(service.metrics.consumed);
      if (!started && consumed > 0) started = performance.now();
      out(`  ${consumed}/${total} records (${Math.round((100 * consumed) / total)}%)`);
    }
    const seconds = (performance.now() - started) / 1000;
    await service.stop();

    const store = new IngestStore(await openPglite(config.store.dataDir));
    try {
      const counts = await store.clusterCounts();
      const letters = await store.deadLetterCounts();
      const counted = counts.reduce((s, c) => s + c.conversations, 0);
      const busiest = [...counts].sort((a, b) => b.conversations - a.conversations).slice(0, 3);
      out('');
      out(`summary: ${counted} conversations counted in ${counts.length} buckets of ${config.windows.bucketSeconds / 60} min, ${seconds.toFixed(1)} s (${Math.round(total / seconds)} records/s)`);
      out(`dead-lettered: ${[...letters].map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none'}`);
      for (const b of busiest) out(`busiest bucket ${new Date(b.bucketStartMs).toISOString()}: ${b.conversations} conversations, ${b.uniqueAccounts} distinct accounts`);
    } finally {
      await store.close();
    }
  } finally {
    await localBroker.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The configured broker when it answers; otherwise a local one (Java 17 + Maven), stopped afterwards. */
async function brokerFor(config: Readonly<Config>, logger: Logger, work: string, out: (line: string) => void) {
  const quiet = logger.child({}, { level: 'silent' });
  try {
    await checkReachable(createKafka({ brokers: config.kafka.brokers, clientId: 'clio-demo', connectionTimeoutMs: 1000, retries: 0 }, quiet), config.kafka.brokers);
    out(`using the Kafka broker at ${config.kafka.brokers.join(',')}`);
    return { brokers: [...config.kafka.brokers], stop: async () => {} };
  } catch {
    out('no Kafka broker answers; starting a local one (first run fetches its jars with Maven) ...');
    // Plain JS module shared with the test set-up and `npm run kafka:start`.
    const { startKafka } = await import('../../scripts/kafka.mjs');
    const { freePort } = await import('../../scripts/postgres.mjs');
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const kafka = await startKafka({ port, controllerPort, dataDir: join(work, 'kafka'), pidFile: join(work, 'kafka.pid') });
    out(`local broker ready on ${kafka.brokers} in ${kafka.startSeconds.toFixed(1)} s`);
    return { brokers: [kafka.brokers], stop: async () => void (await kafka.stop()) };
  }
}

async function produce(config: Readonly<Config>, logger: Logger, topic: string, values: Array<Buffer | null>): Promise<void> {
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: 'clio-demo', connectionTimeoutMs: config.kafka.connectionTimeoutMs }, logger);
  await ensureTopics(kafka, config.kafka.brokers, [
    { topic, partitions: config.kafka.partitions },
    { topic: config.kafka.topics.deadLetter, partitions: config.kafka.partitions },
  ]);
  await produceValues(kafka, config.kafka.brokers, topic, values);
}
