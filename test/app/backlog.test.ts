import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/alerts/alert.ts';
import { startMonitor } from '../../src/app/monitor.ts';
import { writeScenario } from '../../src/app/demo.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog } from '../../src/app/catalog-build.ts';
import { loadPolicies } from '../../src/catalog/policies.ts';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { LocalEmbedder } from '../../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { buildScenario, type Scenario } from '../../src/generate/scenario.ts';
import { seededRandom } from '../../src/util/random.ts';
import type { DeadLetter, DeadLetterSink } from '../../src/ingest/dead-letter.ts';
import { createKafka } from '../../src/ingest/kafka/client.ts';
import { KafkaSource } from '../../src/ingest/kafka/kafka-source.ts';
import { createLogger } from '../../src/log.ts';
import type { Notifier, SentMessage } from '../../src/notify/notifier.ts';
import { PipelineMetrics, sumMetric } from '../../src/pipeline/metrics.ts';
import { silentProgress } from '../../src/util/progress.ts';
import { memoryStream } from '../helpers/canary.ts';
import { waitFor } from '../helpers/cli.ts';
import { createTopic, testKafka } from '../helpers/kafka.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';

// The demo scenario, shortened for CI, through the real broker as a backlog (everything produced
// before the consumer starts): the watermark must follow the slowest partition that still has data,
// so however the week is spread over partitions, every bucket is judged complete.
// Four days (one for the catalog, then the launch, the spike and the emerging day) at 260 a day:
// ~1,300 conversations, enough for the spike and emerging alerts to clear the privacy minimums.
const PER_DAY = 260;
const DAYS = 4;
const CATALOG_DAYS = 1;
const SEED = 2026;

/** Keeps what it is sent, in order: the alerts file of a replay, in memory. */
class CollectingNotifier implements Notifier {
  readonly name = 'collector';
  readonly sent: Notification[] = [];
  async send(n: Notification): Promise<SentMessage> {
    this.sent.push(n);
    return { channel: 'collector', messageRef: String(this.sent.length) };
  }
  async close(): Promise<void> {}
}

class CountingDeadLetters implements DeadLetterSink {
  count = 0;
  async write(letters: DeadLetter[]): Promise<void> {
    this.count += letters.length;
  }
  async close(): Promise<void> {}
}

/** Which partition each record of the week goes to. */
type Spread = (index: number) => number;

describe('a week consumed as a backlog over several partitions raises the alerts of one partition', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-backlog-'));
  let scenario: Scenario;
  let values: Buffer[];
  let embedder: LocalEmbedder;
  let baseConfig: Config;
  let reference: string[];

  beforeAll(async () => {
    scenario = buildScenario({ seed: SEED, conversationsPerDay: PER_DAY, days: DAYS, catalogDays: CATALOG_DAYS });
    values = await writeScenario(scenario, join(dir, 'week.jsonl'), join(dir, 'sample.jsonl'));
    embedder = await LocalEmbedder.start({ workers: 2 });
    baseConfig = loadConfig({
      overrides: {
        privacy: { accountHashSecret: 'backlog-test-secret-0123' },
        catalog: { path: join(dir, 'catalog.json') },
        api: { port: 0 },
        kafka: { brokers: kafkaBrokers(), chunkSize: 250 },
      },
    });
    await buildCatalog({
      input: join(dir, 'sample.jsonl'), out: join(dir, 'catalog.json'), seed: SEED, limits: baseConfig.ingest,
      minAccounts: baseConfig.privacy.minAccounts, minConversations: baseConfig.privacy.minConversations, vocabularyK: baseConfig.privacy.vocabularyK,
      thresholdQuantile: 0.05, extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: loadPolicies(), progress: silentProgress,
    });
  }, 600_000);
  afterAll(async () => {
    await embedder?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Produces the week into a fresh topic of `partitions` partitions, spread as `spread` says, in order within each. */
  async function backlog(partitions: number, spread: Spread): Promise<string> {
    const topic = uniqueName('clio_backlog');
    await createTopic(topic, partitions);
    const producer = testKafka().producer();
    await producer.connect();
    try {
      for (let i = 0; i < values.length; i += 2000) {
        await producer.send({ topic, acks: -1, messages: values.slice(i, i + 2000).map((value, j) => ({ value, partition: spread(i + j) })) });
      }
    } finally {
      await producer.disconnect();
    }
    return topic;
  }

  /**
   * Consumes the topic as `run` does (same group across restarts, embedded store in `storeDir`), but
   * with each chunk's buckets judged before the next chunk is read (as replay does; `run` overlaps
   * them): an emerging group is then in the index before the next chunk is assigned, whatever the
   * threads' timing, so the figures of every alert compare exactly. The watermark, what this file
   * tests, moves the same either way.
   * `stopAfter`: stop once that many records were consumed, without the end-of-input pass (a restart
   * mid-backlog); otherwise run to the end of the week and close every bucket, as replay does.
   */
  async function consume(topic: string, storeDir: string, stopAfter?: number, alreadyDone = 0, feed?: (applied: () => Promise<number>) => Promise<void>): Promise<{ notifications: Notification[]; late: number; processed: number; duplicates: number; deadLettered: number }> {
    const logs = memoryStream();
    const logger = createLogger('warn', logs);
    const config = loadConfig({ overrides: { ...structuredClone(baseConfig), store: { dataDir: storeDir } } });
    const metrics = new PipelineMetrics({ processMetrics: false });
    const notifier = new CollectingNotifier();
    const deadLetters = new CountingDeadLetters();
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'clio-backlog-test', connectionTimeoutMs: 5000, retries: 8 }, logger);
    const source = new KafkaSource(kafka, { brokers: kafkaBrokers(), groupId: `${topic}_group`, topic, sessionTimeoutMs: 45_000, chunkSize: 250 }, logger);
    const monitor = await startMonitor({ config, logger, metrics, source, deadLetters, consumer: `${topic}_group`, notifier, closeAtEnd: stopAfter === undefined, embedder });
    try {
      // Done when every record was applied once (a chunk that fails is consumed again, so `consumed` does not say).
      const target = (stopAfter ?? values.length) - alreadyDone;
      const applied = async () => (await sumMetric(metrics.processed)) + (await sumMetric(metrics.duplicates)) + deadLetters.count;
      // Live: the records are produced while the monitor consumes.
      if (feed) await feed(applied);
      await waitFor(async () => ((await applied()) >= target ? true : undefined), `${target} records`, 300_000, 200).catch((e: Error) => {
        throw new Error(`${e.message}:\n${logs.text().slice(-3000)}`);
      });
      await monitor.stopSource();
      await monitor.done;
      expect(await monitor.drain(30_000)).toBe(0);
      return { notifications: notifier.sent, late: await sumMetric(metrics.late), processed: await sumMetric(metrics.processed), duplicates: await sumMetric(metrics.duplicates), deadLettered: deadLetters.count };
    } finally {
      await monitor.stop();
    }
  }

  const summary = (ns: Notification[]) => ns.map((n) => `${n.id} ${n.alert.kind} ${n.alert.observed.conversations}/${n.alert.observed.unique_accounts}`);
  /** What an alert is: kind, rule, cluster and bucket (window), per notification. */
  const identity = (ns: Notification[]) => ns.map((n) => `${n.id} ${n.alert.kind} ${n.alert.rule} ${n.alert.cluster.id} ${n.alert.window.start}..${n.alert.window.end}`);
  let referenceIdentity: string[];

  let distinct = 0;

  it('one partition: the reference run raises the scenario alerts, nothing late', async () => {
    const topic = await backlog(1, () => 0);
    const run = await consume(topic, join(dir, 'store-1'));
    expect(run.processed + run.duplicates).toBe(values.length);
    expect(run.late).toBe(0);
    reference = summary(run.notifications);
    referenceIdentity = identity(run.notifications);
    distinct = run.processed;
    const spike = scenario.events.find((e) => e.kind === 'spike')!;
    const emerging = scenario.events.find((e) => e.kind === 'emerging')!;
    // The reference itself must see the events, else comparing with it proves nothing.
    expect(run.notifications.some((n) => n.alert.kind === 'spike' && Date.parse(n.alert.fired_at) >= spike.startMs)).toBe(true);
    expect(run.notifications.some((n) => n.alert.kind === 'emerging' && Date.parse(n.alert.fired_at) >= emerging.startMs)).toBe(true);
  }, 600_000);

  it.each<[string, number, Spread]>([
    // One busy partition, one trickle: the watermark must wait for the trickle while it has data.
    ['6 partitions, unbalanced (60 / 20 / 10 / 5 / 4 / 1 %)', 6, (() => {
      const r = seededRandom(7);
      const cumulative = [0.6, 0.8, 0.9, 0.95, 0.99, 1];
      return () => { const x = r(); return cumulative.findIndex((c) => x < c); };
    })()],
  ])('%s: the same alerts with the same figures, none late', async (_name, partitions, spread) => {
    expect(reference, 'the one-partition run goes first').toBeDefined();
    const topic = await backlog(partitions, spread);
    const run = await consume(topic, join(dir, `store-${uniqueName('p')}`));
    expect(run.processed + run.duplicates).toBe(values.length);
    expect.soft(run.late, 'conversations marked late').toBe(0);
    expect(summary(run.notifications)).toEqual(reference);
  }, 600_000);

  // Three partitions read round robin, stopped a little past half way and resumed by a new process:
  // the restart re-records the assignment, so the partitions still unread hold the clock back again.
  it('3 partitions, restarted mid-backlog: the same alerts, none late, none twice', async () => {
    expect(reference, 'the one-partition run goes first').toBeDefined();
    const topic = await backlog(3, (i) => i % 3);
    const store = join(dir, 'store-restart');
    const first = await consume(topic, store, Math.floor(values.length * 0.55));
    const second = await consume(topic, store, undefined, first.processed + first.duplicates + first.deadLettered);
    expect.soft(first.late + second.late, 'conversations marked late').toBe(0);
    // Everything counted once across the two runs (the second resumes from the stored offsets).
    expect(first.processed + second.processed).toBe(distinct);
    expect(summary([...first.notifications, ...second.notifications])).toEqual(reference);
  }, 600_000);

  /**
   * Produces the week into `topic` while the monitor consumes it, as live traffic: in event-time
   * order across partitions, one step of `stepMs` event time at a time, each step once the consumer
   * has applied the one before (it keeps up, as a live consumer does). The week's four days pass in
   * a few minutes, so a step must not span more event time than the allowed lateness: live traffic's
   * partitions drift apart by a fetch, i.e. seconds of event time, and a step is the drift here.
   */
  function liveFeed(topic: string, spread: Spread, stepMs: number) {
    return async (applied: () => Promise<number>) => {
      const times = values.map((v) => Date.parse((JSON.parse(v.toString()) as { timestamp: string }).timestamp));
      const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
      const producer = testKafka().producer();
      await producer.connect();
      try {
        let produced = 0;
        for (let i = 0; i < order.length;) {
          const stepEnd = (Math.floor(times[order[i]!]! / stepMs) + 1) * stepMs;
          const step: number[] = [];
          while (i < order.length && times[order[i]!]! < stepEnd) step.push(order[i++]!);
          await producer.send({ topic, acks: -1, messages: step.map((k) => ({ value: values[k]!, partition: spread(k) })) });
          produced += step.length;
          const deadline = Date.now() + 120_000;
          while ((await applied()) < produced) {
            if (Date.now() > deadline) throw new Error(`live feed: the consumer did not keep up (${await applied()} of ${produced} applied)`);
            await new Promise((r) => setTimeout(r, 15));
          }
        }
      } finally {
        await producer.disconnect();
      }
    };
  }

  // The same week as live traffic: the alerts of the backlog, none late. Steps of 5 minutes of event
  // time (the default allowed lateness), each produced once the one before was applied.
  it.each<[string, number, Spread]>([
    ['1 partition', 1, () => 0],
    ['3 partitions, round robin', 3, (i) => i % 3],
    ['6 partitions, unbalanced (60 / 20 / 10 / 5 / 4 / 1 %)', 6, (() => {
      const r = seededRandom(11);
      const cumulative = [0.6, 0.8, 0.9, 0.95, 0.99, 1];
      const chosen = new Map<number, number>();
      // Memoised: the partition of a record must not depend on the order it is asked in.
      return (i: number) => {
        if (!chosen.has(i)) { const x = r(); chosen.set(i, cumulative.findIndex((c) => x < c)); }
        return chosen.get(i)!;
      };
    })()],
  ])('live, %s: the alerts of the backlog (kind, rule, cluster, bucket), none late', async (_name, partitions, spread) => {
    expect(reference, 'the one-partition run goes first').toBeDefined();
    const topic = uniqueName('clio_live');
    await createTopic(topic, partitions);
    const started = Date.now();
    const run = await consume(topic, join(dir, `store-${uniqueName('live')}`), undefined, 0, liveFeed(topic, spread, baseConfig.windows.allowedLatenessSeconds * 1000));
    process.stderr.write(`live ${partitions}: ${((Date.now() - started) / 1000).toFixed(0)} s, late ${run.late}\n`);
    expect(run.processed + run.duplicates).toBe(values.length);
    expect.soft(run.late, 'conversations marked late').toBe(0);
    expect(identity(run.notifications)).toEqual(referenceIdentity);
    // And the same figures: every bucket was judged complete.
    expect.soft(summary(run.notifications)).toEqual(reference);
  }, 900_000);
});
