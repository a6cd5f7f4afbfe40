import { createWriteStream, existsSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notification } from '../alerts/alert.ts';
import type { Assignment } from '../assign/assigner.ts';
import type { Config } from '../config/load.ts';
import type { Embedder } from '../embed/embedder.ts';
import { loadConfig } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import type { DeadLetter, DeadLetterSink } from '../ingest/dead-letter.ts';
import { FileSource } from '../ingest/file-source.ts';
import type { Logger } from '../log.ts';
import { JsonlNotifier } from '../notify/jsonl-notifier.ts';
import type { Notifier, SentMessage } from '../notify/notifier.ts';
import { generateSecret } from '../privacy/account-hash.ts';
import { PipelineMetrics, sumMetric } from '../pipeline/metrics.ts';
import type { Source } from '../ingest/source.ts';
import { startMonitor } from './monitor.ts';

export interface ReplayOptions {
  input: string;
  catalog: string;
  rulesDir?: string;
  alertsOut: string;
  assignmentsOut?: string;
  /** An embedded store folder to keep; without it a fresh temporary one. */
  db?: string;
  /** Replay from this source instead of the input file (the demo's Kafka topic). */
  source?: Source;
  /** Told about every notification as it is delivered (the demo prints them). */
  onAlert?: (n: Notification) => void;
  /** Progress lines (stderr in the CLI). */
  progress: (line: string) => void;
  /** With a never-ending source (Kafka): stop once this many records were consumed. */
  expectedRecords?: number;
  /** An embedder already running in this process (the demo's, warm from the catalog build). */
  embedder?: Embedder;
}

export interface ReplaySummary {
  conversations: number;
  deadLettered: number;
  alerts: number;
  seconds: number;
  undelivered: number;
}

/**
 * `clio-stream replay`: `run`'s pipeline over a recorded stream. Detection runs on the event-time
 * clock the data carries, so a week replays in minutes; at the end of the input every bucket is
 * closed and the outbox drained into the alerts file.
 */
export async function runReplay(base: Readonly<Config>, logger: Logger, o: ReplayOptions): Promise<ReplaySummary> {
  for (const [flag, path] of [['--input', o.input], ['--catalog', o.catalog], ['--rules', o.rulesDir]] as const) {
    if (path !== undefined && !existsSync(path)) throw new UsageError(`${flag} ${path}: no such file or directory`);
  }
  const work = o.db ? undefined : mkdtempSync(join(tmpdir(), 'clio-replay-'));
  const config = loadConfig({
    overrides: {
      ...structuredClone(base),
      catalog: { path: o.catalog },
      store: { dataDir: o.db ?? join(work!, 'store'), databaseUrl: null },
      privacy: { ...base.privacy, accountHashSecret: base.privacy.accountHashSecret ?? generateSecret() },
      alerts: { ...structuredClone(base.alerts), rulesDir: o.rulesDir ?? base.alerts.rulesDir },
    },
  });
  const metrics = new PipelineMetrics({ processMetrics: false });
  const alerts = new CountingNotifier(new JsonlNotifier(o.alertsOut), o.onAlert);
  const assignments = o.assignmentsOut ? createWriteStream(o.assignmentsOut) : undefined;
  const deadLetters = new CountingDeadLetters();
  const started = performance.now();
  const ticker = setInterval(async () => {
    const n = await sumMetric(metrics.processed);
    o.progress(`  ${n} conversations, ${Math.round(n / ((performance.now() - started) / 1000))}/s, ${alerts.count} alert notification(s)`);
  }, 5000);
  try {
    const monitor = await startMonitor({
      config,
      logger,
      metrics,
      source: o.source ?? new FileSource(o.input, Math.min(config.kafka.chunkSize, 500)),
      deadLetters,
      consumer: 'replay',
      notifier: alerts,
      closeAtEnd: true,
      onAssigned: assignments ? (rows) => writeAssignments(assignments, rows) : undefined,
      embedder: o.embedder,
    });
    o.progress(`replaying ${o.input} with ${monitor.description}`);
    try {
      if (o.expectedRecords !== undefined) await stopAfter(o.expectedRecords, metrics, monitor);
      await monitor.done;
      const undelivered = await monitor.drain(60_000);
      return {
        conversations: await sumMetric(metrics.processed),
        deadLettered: deadLetters.count,
        alerts: alerts.count,
        seconds: (performance.now() - started) / 1000,
        undelivered,
      };
    } finally {
      await monitor.stop();
    }
  } finally {
    clearInterval(ticker);
    if (assignments) {
      assignments.end();
      await once(assignments, 'finish');
    }
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

/** Stops a never-ending source once it has delivered the expected records (or failed). */
async function stopAfter(records: number, metrics: PipelineMetrics, monitor: { done: Promise<void>; stopSource(): Promise<void> }): Promise<void> {
  let finished = false;
  void monitor.done.finally(() => (finished = true)).catch(() => {});
  while (!finished && (await sumMetric(metrics.consumed)) < records) await new Promise((r) => setTimeout(r, 250));
  if (!finished) await monitor.stopSource();
}

async function writeAssignments(out: WriteStream, rows: ReadonlyArray<{ id: string; assignment: Assignment }>): Promise<void> {
  const text = rows.map(({ id, assignment: a }) => JSON.stringify({ id, cluster_id: a.clusterId, similarity: Math.round(a.similarity * 1e4) / 1e4, novel: a.novel, policy_areas: a.policyAreas ?? [] })).join('\n');
  if (text && !out.write(`${text}\n`)) await once(out, 'drain');
}

/** Replay keeps no dead letters (the input file is the record); it counts them for the summary. */
class CountingDeadLetters implements DeadLetterSink {
  count = 0;
  async write(letters: DeadLetter[]): Promise<void> {
    this.count += letters.length;
  }
  async close(): Promise<void> {}
}

/** Passes notifications to the alerts file and tells the caller about each one. */
class CountingNotifier implements Notifier {
  readonly name: string;
  count = 0;
  constructor(private readonly inner: Notifier, private readonly onAlert?: (n: Notification) => void) {
    this.name = inner.name;
  }
  async send(n: Notification, previous: SentMessage | null): Promise<SentMessage> {
    const sent = await this.inner.send(n, previous);
    this.count += 1;
    this.onAlert?.(n);
    return sent;
  }
  alreadySent(n: Notification, sinceMs: number): Promise<SentMessage | null> {
    return this.inner.alreadySent?.(n, sinceMs) ?? Promise.resolve(null);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
