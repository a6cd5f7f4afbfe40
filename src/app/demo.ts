import { createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notification } from '../alerts/alert.ts';
import { buildCatalog } from './catalog-build.ts';
import { loadPolicies } from '../catalog/policies.ts';
import type { Config } from '../config/load.ts';
import { loadConfig } from '../config/load.ts';
import { LocalFacetExtractor } from '../facets/local-extractor.ts';
import { buildScenario, type Scenario } from '../generate/scenario.ts';
import { checkReachable, createKafka, ensureTopics, produceValues } from '../ingest/kafka/client.ts';
import { kafkaSecurity } from '../ingest/kafka/security.ts';
import { KafkaSource } from '../ingest/kafka/kafka-source.ts';
import type { Source } from '../ingest/source.ts';
import type { Logger } from '../log.ts';
import { generateSecret } from '../privacy/account-hash.ts';
import { stderrProgress } from '../util/progress.ts';
import { runReplay } from './replay.ts';
import { createCatalogJudges, createEmbedder } from './understanding.ts';

export interface DemoOptions {
  /** Weekday conversations before the launch (the week's volume scales with it). */
  perDay: number;
  seed: number;
  /** Keep the catalog, the week and the alerts here (default: a temporary folder, removed). */
  outDir?: string;
  /** Results and alerts (stdout in the CLI). */
  out: (line: string) => void;
  /** Progress (stderr in the CLI). */
  progress: (line: string) => void;
}

export interface DemoResult {
  scenario: Scenario;
  alerts: Notification[];
  transport: 'kafka' | 'file';
}

/**
 * `clio-stream demo`: the embedded default end to end. A synthetic week — ordinary traffic with a
 * daily rhythm, a launch that doubles everything, a spike in a policy-relevant computer-use
 * cluster, a decoy repeated by three accounts and a brand-new harmful computer-use pattern from
 * many accounts — has its catalog built from the days before the launch, then goes through `run`'s
 * pipeline (the configured Kafka broker when one answers, else the file) on its event-time clock.
 * Alerts print as they fire; a summary compares them with the ground truth.
 */
export async function runDemo(base: Readonly<Config>, logger: Logger, o: DemoOptions): Promise<DemoResult> {
  const work = o.outDir ?? mkdtempSync(join(tmpdir(), 'clio-demo-'));
  mkdirSync(work, { recursive: true });
  const config = loadConfig({
    overrides: { ...structuredClone(base), privacy: { ...base.privacy, accountHashSecret: base.privacy.accountHashSecret ?? generateSecret() } },
  });
  const embedder = await createEmbedder(config.embeddings);
  try {
    const scenario = buildScenario({ seed: o.seed, conversationsPerDay: o.perDay });
    o.progress(`generating a synthetic week: ${scenario.count} conversations from ${iso(scenario.startMs)} to ${iso(scenario.endMs)}`);
    const weekFile = join(work, 'week.jsonl');
    const sampleFile = join(work, 'catalog-sample.jsonl');
    const values = await writeScenario(scenario, weekFile, sampleFile);

    o.progress(`building the catalog from the ${Math.round((scenario.catalogCutoffMs - scenario.startMs) / 86_400_000)} days before the launch ...`);
    const catalogFile = join(work, 'catalog.json');
    const policies = loadPolicies();
    const catalog = await buildCatalog({
      input: sampleFile, out: catalogFile, seed: o.seed, limits: config.ingest,
      minAccounts: config.privacy.minAccounts, minConversations: config.privacy.minConversations, vocabularyK: config.privacy.vocabularyK,
      thresholdQuantile: 0.05, extractor: new LocalFacetExtractor(), embedder, policies, progress: stderrProgress(),
      ...createCatalogJudges(config, policies, o.seed),
    });
    const leaves = catalog.clusters.filter((c) => c.level === 0);
    o.progress(`catalog: ${leaves.length} clusters (${leaves.filter((c) => c.named).length} named), ${catalog.clusters.length - leaves.length} parents`);

    const kafka = await kafkaSourceFor(config, logger, values, o.progress);
    const alerts: Notification[] = [];
    const summary = await runReplay(config, logger, {
      input: weekFile,
      catalog: catalogFile,
      alertsOut: join(work, 'alerts.jsonl'),
      source: kafka?.source,
      expectedRecords: kafka ? values.length : undefined,
      embedder,
      progress: o.progress,
      onAlert: (n) => {
        alerts.push(n);
        o.out(describeAlert(n));
      },
    });
    o.out('');
    o.out(`summary: ${summary.conversations} conversations through ${kafka ? 'Kafka' : 'the file source'} in ${summary.seconds.toFixed(0)} s (${Math.round(summary.conversations / summary.seconds)}/s), ${alerts.length} alert notification(s)`);
    for (const event of scenario.events) o.out(`  ${event.kind.padEnd(8)} ${iso(event.startMs)}  ${judge(event, alerts)}`);
    if (o.outDir) o.out(`catalog, week and alerts kept in ${work}`);
    return { scenario, alerts, transport: kafka ? 'kafka' : 'file' };
  } finally {
    await embedder.close();
    if (!o.outDir) rmSync(work, { recursive: true, force: true });
  }
}

/** What the ground truth expects of an event, and what the alerts said. */
function judge(event: Scenario['events'][number], alerts: readonly Notification[]): string {
  const during = alerts.filter((n) => n.alert.kind !== 'resolved' && Date.parse(n.alert.fired_at) >= event.startMs && Date.parse(n.alert.fired_at) <= event.endMs + 2 * 3_600_000);
  const quiet = event.kind === 'launch' || event.kind === 'decoy';
  if (quiet) {
    const kinds = during.filter((n) => (event.kind === 'decoy' ? n.alert.kind === 'emerging' && Date.parse(n.alert.fired_at) < event.endMs + 3_600_000 : false));
    return `${event.description} — expected silence: ${kinds.length === 0 ? 'silent' : `${kinds.length} alert(s)`}`;
  }
  const first = during.find((n) => n.alert.kind === (event.kind === 'emerging' ? 'emerging' : 'spike'));
  return `${event.description} — ${first ? `alerted after ${Math.round((Date.parse(first.alert.fired_at) - event.startMs) / 60_000)} min (${first.alert.cluster.name})` : 'not alerted'}`;
}

export function describeAlert(n: Notification): string {
  const a = n.alert;
  const figures = a.kind === 'emerging'
    ? `${a.observed.conversations} conversations from ${a.observed.unique_accounts} accounts`
    : `${a.observed.conversations} conversations (${a.observed.unique_accounts} accounts), ${a.ratio}× baseline ${a.baseline.conversations}`;
  // A repeat (repeat_interval) re-announces an episode still firing, with its latest window's figures.
  const repeat = /:firing:(\d+)$/.exec(n.id);
  const kind = repeat && repeat[1] !== '1' ? 'REPEAT' : a.kind.toUpperCase();
  return `[${a.fired_at.slice(0, 16).replace('T', ' ')}] ${kind.padEnd(8)} ${a.rule}: "${a.cluster.name}" — ${figures}`;
}

/** Writes the week, and the catalog sample (what comes before the cutoff), as JSONL; returns the week's records. */
export async function writeScenario(scenario: Scenario, weekFile: string, sampleFile: string): Promise<Buffer[]> {
  const week = createWriteStream(weekFile);
  const sample = createWriteStream(sampleFile);
  const values: Buffer[] = [];
  for (const { conversation } of scenario.conversations()) {
    const line = Buffer.from(JSON.stringify(conversation));
    values.push(line);
    await write(week, line);
    if (Date.parse(conversation.timestamp) < scenario.catalogCutoffMs) await write(sample, line);
  }
  for (const stream of [week, sample]) {
    stream.end();
    await once(stream, 'finish');
  }
  return values;
}

async function write(stream: WriteStream, line: Buffer): Promise<void> {
  if (!stream.write(Buffer.concat([line, Buffer.from('\n')]))) await once(stream, 'drain');
}

/** The configured broker when it answers: the week goes through a fresh topic. Otherwise undefined (file source). */
async function kafkaSourceFor(config: Readonly<Config>, logger: Logger, values: Buffer[], progress: (line: string) => void): Promise<{ source: Source } | undefined> {
  const quiet = logger.child({}, { level: 'silent' });
  const brokers = config.kafka.brokers;
  const security = kafkaSecurity(config.kafka);
  try {
    await checkReachable(createKafka({ brokers, clientId: 'clio-demo', connectionTimeoutMs: 1000, retries: 0, security }, quiet), brokers);
  } catch {
    progress(`no Kafka broker answers at ${brokers.join(',')}: replaying from the file`);
    return undefined;
  }
  const topic = `clio.demo.${Date.now()}`;
  progress(`producing the week to ${topic} on ${brokers.join(',')} ...`);
  const kafka = createKafka({ brokers, clientId: 'clio-demo', connectionTimeoutMs: config.kafka.connectionTimeoutMs, security }, logger);
  // One partition keeps the week in event-time order, as the recorded stream was.
  await ensureTopics(kafka, brokers, [{ topic, partitions: 1 }]);
  await produceValues(kafka, brokers, topic, values);
  const source = new KafkaSource(
    createKafka({ brokers, clientId: 'clio-demo', connectionTimeoutMs: config.kafka.connectionTimeoutMs, retries: 8, security }, logger),
    { brokers, groupId: `${topic}.group`, topic, sessionTimeoutMs: config.kafka.sessionTimeoutMs, chunkSize: 500 },
    logger.child({ component: 'source' }),
  );
  return { source };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
