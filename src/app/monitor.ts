import { Gauge } from 'prom-client';
import type { Assignment } from '../assign/assigner.ts';
import type { CatalogIndex } from '../assign/catalog-index.ts';
import type { Embedder } from '../embed/embedder.ts';
import { OfflineAuditor } from '../catalog/audit.ts';
import { TermNamer } from '../catalog/naming.ts';
import { compilePolicyMatcher, loadPolicies } from '../catalog/policies.ts';
import type { Config } from '../config/load.ts';
import { Detector } from '../detect/detector.ts';
import { AdvisoryLockLeadership, FencedError, SingleProcessLeadership, type Leadership } from '../store/leadership.ts';
import { EmergenceTracker } from '../detect/emergence.ts';
import { DetectionMetrics } from '../detect/metrics.ts';
import { closedThrough, watermarkOf } from '../detect/windows.ts';
import type { DeadLetterSink } from '../ingest/dead-letter.ts';
import type { Source } from '../ingest/source.ts';
import type { Logger } from '../log.ts';
import { OutboxDeliverer } from '../notify/deliver.ts';
import { JsonlNotifier } from '../notify/jsonl-notifier.ts';
import type { Notifier, NotifyError } from '../notify/notifier.ts';
import { ConfigError } from '../errors.ts';
import { SlackNotifier } from '../notify/slack-notifier.ts';
import { createAssignmentRecorder, createIngestPipeline } from '../pipeline/ingest-pipeline.ts';
import { createIdHasher } from '../privacy/account-hash.ts';
import { DEFAULT_RULES_DIR, ruleLimitsOf, type RuleSet } from '../rules/rules.ts';
import { RulesInForce } from '../rules/in-force.ts';
import type { PipelineMetrics } from '../service/metrics.ts';
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
    const store = new IngestStore(db);
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
    // Retention runs on the leader, after its detection pass. Ages are measured on the event clock
    // (the newest event time applied), as detection's are: history consumed late, or replayed, keeps
    // the account sets and seen ids its own windows need.
    const retention = config.retention.enabled
      ? new JanitorSchedule(new Janitor(db, config.retention, { metrics: new RetentionMetrics(metrics.registry), logger: logger.child({ component: 'janitor' }) }), config.retention.intervalSeconds * 1000, logger)
      : undefined;
    const retentionNow = () => store.maxEventTime();
    let clockMs = await store.eventClock(o.consumer);
    let detector: Detector | undefined;
    let detectorEpoch: number | null = null;
    let delivering = false;
    let turn: Promise<unknown> = Promise.resolve();
    // One detection pass at a time, and only in the leader; a follower keeps its index in step with
    // the provisional clusters the leader adds.
    const detect = (options: { final?: boolean } = {}): Promise<void> => {
      const pass = turn.then(async () => {
        const index = understanding.index;
        if (!index) {
          // Nothing to judge without a catalog, but the counts and seen ids are stored all the same.
          if (retention && (await leadership.acquire())) await retention.runIfDue(retentionNow, options.final);
          return;
        }
        if (!(await leadership.acquire())) {
          if (detector) logger.warn('lost the detection lead: another instance judges buckets now');
          detector = undefined;
          if (delivering) await deliverer.stop();
          delivering = false;
          await syncProvisional(detectionStore, index);
          return;
        }
        // A new lead (even this process's own, regained) reloads the state: another instance may have moved it on.
        if (!detector || detectorEpoch !== leadership.epoch()) {
          detector = undefined;
          const epoch = leadership.epoch();
          // The detector writes under the token of the lead it was opened in, refused once another instance takes over.
          const fencedStore = detectionStore.fenced(leadership.fenced ? () => epoch : undefined);
          detector = await openDetector(config, logger, detectionMetrics, fencedStore, index, watcher, initialRules);
          detectorEpoch = epoch;
          logger.info('leading detection and notification');
        }
        if (!delivering) deliverer.start();
        delivering = true;
        // Regular passes follow the partitions' clock; the end of a replay closes up to the last event.
        const clock = options.final ? await store.maxEventTime() : await store.eventClock(o.consumer);
        let released;
        try {
          released = await detector.advance(clock, options);
        } catch (error) {
          // The pass's state in memory may be ahead of what was stored: reload it from the store next time.
          detector = undefined;
          if (error instanceof FencedError) {
            logger.warn('lost the detection lead: another instance judges buckets now');
            if (delivering) await deliverer.stop();
            delivering = false;
          }
          throw error;
        }
        if (released.length > 0) void deliverer.deliverDue().catch(() => {});
        await retention?.runIfDue(retentionNow, options.final);
      });
      turn = pass.catch(() => {});
      return pass;
    };
    const logFailure = (e: Error) => logger.error({ err: e.message }, 'detection pass failed; the next one retries');
    // Event time only moves with traffic, but the lead can change hands (and retries fall due) without any.
    const ticker = setInterval(() => void detect().catch(logFailure), 5000);
    ticker.unref();
    closers.push(async () => clearInterval(ticker));
    const allowedLatenessMs = config.windows.allowedLatenessSeconds * 1000;
    const bucketMs = config.windows.bucketSeconds * 1000;

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
        await detect().catch(logFailure);
      },
    });

    closers.push(() => turn.then(() => deliverer.stop()));
    const done = (async () => {
      await o.source.run(handle, createAssignmentRecorder(store, o.consumer));
      if (o.closeAtEnd) await detect({ final: true });
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

/** Adds the provisional clusters another instance (the leader) stored since we last looked. */
async function syncProvisional(store: DetectionStore, index: CatalogIndex): Promise<void> {
  if ((await store.latestCatalogVersion()) <= index.catalog.version) return;
  const latest = await store.latestCatalog();
  if (!latest) return;
  for (const c of latest.clusters) if (c.provisional && !index.cluster(c.id)) index.addLeaf(c);
  index.catalog.version = latest.version;
}

/**
 * A Slack token Slack refuses is a configuration error, told at start rather than at the first
 * alert; Slack being unreachable is not (alerts wait in the outbox until it answers).
 */
async function checkNotifier(notifier: Notifier, logger: Logger): Promise<void> {
  if (!(notifier instanceof SlackNotifier)) return;
  try {
    await notifier.verify();
  } catch (error) {
    const e = error as NotifyError;
    if (!e.retryable) throw new ConfigError('alerts.slack.token', `Slack refuses it (${e.code}): check SLACK_BOT_TOKEN`);
    logger.warn({ code: e.code }, 'Slack does not answer yet; alerts wait in the outbox until it does');
  }
}

/** Slack when a token is configured; otherwise JSON lines to alerts.out (stdout by default). */
export function createNotifier(config: Readonly<Config>): Notifier {
  const { slack } = config.alerts;
  if (slack.token) {
    return new SlackNotifier({ token: slack.token, slackApiUrl: slack.apiUrl ?? undefined, defaultChannel: slack.defaultChannel, dashboardUrl: config.alerts.dashboardUrl });
  }
  return new JsonlNotifier(config.alerts.out);
}
