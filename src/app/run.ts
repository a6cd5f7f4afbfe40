import { setFlagsFromString } from 'node:v8';
import type { Config } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { checkReachable, createKafka, ensureTopics } from '../ingest/kafka/client.ts';
import { KafkaDeadLetterSink } from '../ingest/kafka/kafka-dead-letter.ts';
import { KafkaSource } from '../ingest/kafka/kafka-source.ts';
import { kafkaSecurity } from '../ingest/kafka/security.ts';
import type { Logger } from '../log.ts';
import { AccessLog } from '../api/auth/access-log.ts';
import { buildApp } from '../service/app.ts';
import { PipelineMetrics, sumMetric } from '../pipeline/metrics.ts';
import { startMonitor } from './monitor.ts';

export interface RunningService {
  /** The API's address, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Resolves when consumption ends (after stop), rejects if the source fails for good. */
  done: Promise<void>;
  /** Graceful shutdown: finish and commit the chunk in flight, close everything. */
  stop(): Promise<void>;
  metrics: PipelineMetrics;
}

/**
 * `clio-stream run`: the only place that picks concrete implementations for the continuous job —
 * Kafka source and dead-letter topic, the configured store, the assigner, the HTTP service.
 */
export async function startRun(config: Readonly<Config>, logger: Logger): Promise<RunningService> {
  const secret = config.privacy.accountHashSecret;
  if (!secret) {
    throw new ConfigError('privacy.accountHashSecret', 'is required by run: set CLIO_ACCOUNT_HASH_SECRET to a secret of at least 16 characters');
  }
  chooseWasmTier(config);
  const { kafka: k } = config;
  const security = kafkaSecurity(k);
  const kafka = createKafka({ brokers: k.brokers, clientId: k.clientId, connectionTimeoutMs: k.connectionTimeoutMs, retries: 2, security }, logger);
  await checkReachable(kafka, k.brokers);
  if (k.createTopics) {
    await ensureTopics(kafka, k.brokers, [
      { topic: k.topics.conversations, partitions: k.partitions },
      { topic: k.topics.deadLetter, partitions: k.partitions },
    ]);
  }

  const metrics = new PipelineMetrics();
  // The long-running consumer gets a more patient client than the start-up checks.
  const consumerKafka = createKafka({ brokers: k.brokers, clientId: k.clientId, connectionTimeoutMs: k.connectionTimeoutMs, retries: 8, security }, logger);
  const deadLetters = new KafkaDeadLetterSink(consumerKafka, k.topics.deadLetter, k.brokers, { compression: k.deadLetterCompression });
  const source = new KafkaSource(
    consumerKafka,
    { brokers: k.brokers, groupId: k.groupId, topic: k.topics.conversations, sessionTimeoutMs: k.sessionTimeoutMs, chunkSize: k.chunkSize, fromBeginning: k.fromBeginning },
    logger.child({ component: 'source' }),
  );
  const monitor = await startMonitor({ config, logger, metrics, source, deadLetters, consumer: k.groupId, overlapDetection: true }).catch(async (error) => {
    await deadLetters.close().catch(() => {});
    throw error;
  });

  let storeOpen = true;
  const app = buildApp({
    metrics,
    logger,
    workbench: { ...monitor.workbench, config, logger: logger.child({ component: 'workbench' }), access: new AccessLog(monitor.workbench.db) },
    readiness: {
      async checks() {
        return { kafka: monitor.isReady(), store: storeOpen, notifications: await monitor.notificationsFlowing().catch(() => false) };
      },
    },
  });
  const url = await app.listen({ host: config.api.host, port: config.api.port });
  logger.info({ url, source: source.description, monitor: monitor.description }, 'clio-stream running');
  // Enabling it is a configuration change that must be seen: individual-level facets become readable.
  if (config.investigator.enabled) {
    logger.warn({ maxFacets: config.investigator.maxFacets, viewMinutes: config.investigator.viewMinutes }, 'investigator view enabled: investigator tokens may read redacted request facets of one cluster at a time, each view recorded');
  }

  const progress = setInterval(() => logProgress(metrics, logger), 10_000);
  progress.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(progress);
      await monitor.stop();
      await deadLetters.close().catch((e) => logger.warn({ err: (e as Error).message }, 'dead-letter producer close failed'));
      await app.close();
      storeOpen = false;
      await logProgress(metrics, logger);
    })());
  return { url, done: monitor.done, stop, metrics };
}

/**
 * V8 latches its WebAssembly tiering process-wide at the first compile. Without the embedded
 * sentence model, the baseline tier alone (`--liftoff-only`) saves ~80 MB of the embedded store's
 * memory; with it, optimised code is worth more (the model runs 25–40 % faster).
 */
function chooseWasmTier(config: Readonly<Config>): void {
  const embeddedModel = config.catalog.path !== null && config.embeddings.provider === 'local';
  if (!embeddedModel) setFlagsFromString('--liftoff-only');
}

export async function logProgress(metrics: PipelineMetrics, logger: Logger): Promise<void> {
  logger.info(
    {
      consumed: await sumMetric(metrics.consumed),
      processed: await sumMetric(metrics.processed),
      deadLettered: await sumMetric(metrics.deadLettered),
      duplicates: await sumMetric(metrics.duplicates),
      lag: await sumMetric(metrics.lag),
    },
    'progress',
  );
}
