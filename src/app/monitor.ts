import { Gauge } from 'prom-client';
import type { Assignment } from '../assign/assigner.ts';
import type { CatalogIndex } from '../assign/catalog-index.ts';
import type { Embedder } from '../embed/embedder.ts';
import { OfflineAuditor } from '../catalog/audit.ts';
import { TermNamer } from '../catalog/naming.ts';
import { compilePolicyMatcher, loadPolicies } from '../catalog/policies.ts';
import type { Config } from '../config/load.ts';
import { Detector } from '../detect/detector.ts';
import { AdvisoryLockLeadership, SingleProcessLeadership, type Leadership } from '../store/leadership.ts';
import { EmergenceTracker } from '../detect/emergence.ts';
import { overlappedPasses, startLeaderLoop } from '../detect/leader-loop.ts';
import { DetectionMetrics } from '../detect/metrics.ts';
import { EmergenceScorer } from '../emerging/emergence-scorer.ts';
import { closedThrough, watermarkOf } from '../detect/windows.ts';
import type { DeadLetterSink } from '../ingest/dead-letter.ts';
import type { Source } from '../ingest/source.ts';
import type { Logger } from '../log.ts';
import { OutboxDeliverer } from '../notify/deliver.ts';
import { checkNotifier, createNotifier } from '../notify/factory.ts';
import type { Notifier } from '../notify/notifier.ts';
import { createAssignmentRecorder, createIngestPipeline } from '../pipeline/ingest-pipeline.ts';
import { createIdHasher } from '../privacy/account-hash.ts';
import { DEFAULT_RULES_DIR, ruleLimitsOf, type RuleSet } from '../rules/rules.ts';
import { RulesInForce } from '../detect/rules-in-force.ts';
import type { PipelineMetrics } from '../pipeline/metrics.ts';
import { DetectionStore } from '../store/detection-store.ts';
import { IngestStore } from '../store/ingest-store.ts';
import { Janitor, JanitorSchedule, RetentionMetrics } from '../store/janitor.ts';
import { OutboxStore } from '../store/outbox-store.ts';
import { openDatabase } from '../store/open.ts';
import type { SqlClient } from '../store/sql.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { createCatalogJudges, createUnderstanding } from './understanding.ts';

export interface MonitorOptions {
  config: Readonly<Config>;
  logger: Logger;
  metrics: PipelineMetrics;
  source: Source;
  deadLetters: DeadLetterSink;
  /** Names the pipeline's offsets in the store: the consumer group, or "replay". */
  consumer: string;
  /** Where alerts go; by default Slack with a token, else JSON lines to alerts.out. */
  notifier?: Notifier;
  /** Replay: the end of the input closes every bucket (no more late data can come). */
  closeAtEnd?: boolean;
  /**
   * `run`: the next chunk is read and counted while the detection pass of the one before runs (its
   * emergence check scores in a worker thread), never more than one pass behind. Without it (replay,
   * eval) each chunk waits for its pass, so a promoted group is in the index before the next chunk
   * is assigned and the same input raises the same alerts on every run.
   */
  overlapDetection?: boolean;
  onAssigned?: (rows: ReadonlyArray<{ id: string; assignment: Assignment }>) => Promise<void>;
  /** An embedder already running in this process (its owner closes it). */
  embedder?: Embedder;
}

export interface Monitor {
  /** Resolves when the source ends (replay) or is stopped, after the final detection pass. */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Delivers what is in the outbox now (replay waits for this before it exits). */
  drain(timeoutMs: number): Promise<number>;
  /** Ends consumption (the final detection pass still runs); `stop` closes everything. */
  stopSource(): Promise<void>;
  description: string;
  isReady(): boolean;
  /** False while a notification has waited longer than NOTIFICATION_OVERDUE_MS (the receiver is down or refusing). */
  notificationsFlowing(): Promise<boolean>;
  /** What the workbench API reads: the store, the live catalog and the rules in force (open until stop). */
  workbench: { db: SqlClient; catalog: () => Catalog | null; rules: () => RuleSet };
}

/** A notification still undelivered after this long makes /readyz say so (it is still retried). */
export const NOTIFICATION_OVERDUE_MS = 15 * 60_000;

/**
 * The one pipeline behind `run` and `replay`: source → validate → understand → count (store) →
 * detect on bucket close → outbox → notifier. Only the source, dead-letter sink and clock end
 * differ between the two commands.
 */
export async function startMonitor(o: MonitorOptions): Promise<Monitor> {
  const { config, logger, metrics } = o;
  const secret = config.privacy.accountHashSecret!;
  const db = await openDatabase(config.store);
  const closers: Array<() => Promise<unknown>> = [() => db.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((e: Error) => logger.warn({ err: e.message }, 'close failed'));
  };
  try {
    const understanding = await createUnderstanding(config, metrics.registry, { embedder: o.embedder });
    closers.push(() => understanding.close());
    const store = new IngestStore(db, { releasedPartitions: metrics.stalePartitionsReleased });
    const detectionStore = new DetectionStore(db);
    const leadership: Leadership = config.store.databaseUrl ? new AdvisoryLockLeadership(config.store.databaseUrl) : new SingleProcessLeadership();
    closers.push(() => leadership.close());
    // Delivery claims carry the lead's fencing token: a deposed instance sends nothing.
    const outbox = new OutboxStore(db, leadership.fenced ? () => leadership.epoch() : undefined);
    const notifier = o.notifier ?? createNotifier(config);
    closers.push(() => notifier.close());
    await checkNotifier(notifier, logger);
    const deliverer = new OutboxDeliverer(outbox, notifier, { logger: logger.child({ component: 'notifier' }) });
    const backlogAgeSeconds = async () => {
      const { oldestEnqueuedAtMs } = await outbox.backlog();
      return oldestEnqueuedAtMs === null ? 0 : Math.max(0, (Date.now() - oldestEnqueuedAtMs) / 1000);
    };
    new Gauge({
      name: 'clio_notifications_pending',
      help: 'Notifications in the outbox not yet delivered (retryable failures are retried until they go out).',
      registers: [metrics.registry],
      async collect() {
        this.set((await outbox.backlog()).pending);
      },
    });
    new Gauge({
      name: 'clio_notifications_oldest_pending_seconds',
      help: 'How long the oldest undelivered notification has waited: alert on it to learn of a receiver outage.',
      registers: [metrics.registry],
      async collect() {
        this.set(await backlogAgeSeconds());
      },
    });

    // The files (hot reloaded) until the API writes a rule version; then the database's latest, on every instance.
    const watcher = new RulesInForce({ dir: config.alerts.rulesDir ?? DEFAULT_RULES_DIR, limits: ruleLimitsOf(config), db, logger, pollMs: config.api.rulesPollMs });
    const initialRules = await watcher.start();
    closers.push(async () => watcher.close());

    // Created once per process: re-opening the detector after a lost and regained lead must not register them again.
    const detectionMetrics = new DetectionMetrics(metrics.registry);
    // Retention runs on the leader, after its detection pass.
    const retention = config.retention.enabled
      ? new JanitorSchedule(new Janitor(db, config.retention, { metrics: new RetentionMetrics(metrics.registry), logger: logger.child({ component: 'janitor' }), fence: leadership.fenced ? () => leadership.epoch() : undefined }), config.retention.intervalSeconds * 1000, logger)
      : undefined;
    let clockMs = await store.eventClock(o.consumer);
    // This monitor's emergence worker thread (every detector it opens shares it), stopped once the
    // loop (closed before it) has finished its last check; another monitor in the process keeps its own.
    const scorer = new EmergenceScorer();
    closers.push(() => scorer.close());
    const loop = startLeaderLoop({
      leadership,
      index: () => understanding.index,
      store,
      detectionStore,
      consumer: o.consumer,
      openDetector: (fencedStore, index) => openDetector(config, logger, detectionMetrics, fencedStore, index, watcher, initialRules, scorer),
      delivery: deliverer,
      retention,
      logger,
    });
    closers.push(() => loop.stop());
    const allowedLatenessMs = config.windows.allowedLatenessSeconds * 1000;
    const bucketMs = config.windows.bucketSeconds * 1000;

    const overlapped = overlappedPasses(() => loop.nudge());
    const handle = createIngestPipeline({
      consumer: o.consumer,
      limits: config.ingest,
      bucketMs,
      store,
      deadLetters: o.deadLetters,
      assigner: understanding.assigner,
      hashAccount: createIdHasher(secret, 'account'),
      hashConversation: createIdHasher(secret, 'conversation'),
      metrics,
      logger: logger.child({ component: 'pipeline' }),
      closedBeforeMs: () => closedThrough(watermarkOf(clockMs, allowedLatenessMs), bucketMs),
      onAssigned: o.onAssigned,
      afterChunk: async () => {
        clockMs = await store.eventClock(o.consumer);
        return o.overlapDetection ? overlapped() : loop.nudge();
      },
    });

    const done = (async () => {
      await o.source.run(handle, createAssignmentRecorder(store, o.consumer));
      if (o.closeAtEnd) await loop.pass({ final: true });
    })();
    done.catch(() => {});

    const description = `${understanding.description}; rules ${initialRules.files.length} file(s); alerts via ${notifier.name}`;
    let stopping: Promise<void> | undefined;
    return {
      done,
      description,
      isReady: () => o.source.isReady(),
      workbench: { db, catalog: () => understanding.index?.catalog ?? null, rules: () => watcher.current() },
      notificationsFlowing: async () => (await backlogAgeSeconds()) * 1000 < NOTIFICATION_OVERDUE_MS,
      stopSource: () => o.source.stop(),
      drain: async (timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          await deliverer.deliverDue();
          const left = await outbox.pending();
          if (left === 0 || Date.now() > deadline) return left;
          await new Promise((r) => setTimeout(r, 200));
        }
      },
      stop: () =>
        (stopping ??= (async () => {
          await o.source.stop();
          await done.catch(() => {});
          await closeAll();
        })()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openDetector(
  config: Readonly<Config>,
  logger: Logger,
  detectionMetrics: DetectionMetrics,
  store: DetectionStore,
  index: CatalogIndex,
  watcher: Pick<RulesInForce, 'current'>,
  rules: RuleSet,
  scorer: EmergenceScorer,
): Promise<Detector> {
  const policies = loadPolicies();
  const judges = createCatalogJudges(config, policies);
  const emergingRule = rules.rules.find((r) => r.kind === 'emerging');
  const emergence = new EmergenceTracker({
    store,
    index,
    namer: judges.namer ?? new TermNamer(),
    auditor: judges.auditor ?? new OfflineAuditor(),
    vocabularyK: config.privacy.vocabularyK,
    settings: emergingRule?.emerging ? { horizonMs: emergingRule.emerging.horizonSeconds * 1000, joinSimilarity: emergingRule.emerging.minSimilarity } : null,
    classify: compilePolicyMatcher(policies),
    metrics: detectionMetrics,
    logger: logger.child({ component: 'emerging' }),
    scorer,
  });
  return Detector.open({
    store,
    index,
    rules: () => watcher.current(),
    bucketMs: config.windows.bucketSeconds * 1000,
    allowedLatenessMs: config.windows.allowedLatenessSeconds * 1000,
    privacy: { minAccounts: config.privacy.minAccounts, minConversations: config.privacy.minConversations },
    emergence,
    metrics: detectionMetrics,
    logger: logger.child({ component: 'detector' }),
  });
}
