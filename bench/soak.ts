/**
 * Soak benchmark: a `clio-stream run` process with a catalog under sustained load for
 * BENCH_SOAK_MINUTES (default 3), the topic kept a few thousand records ahead of the consumer,
 * event time moving on so buckets close and detection runs throughout. Every 10 s it samples
 * throughput, RSS, consumer lag and store size; at the end it fails loudly (non-zero exit) when
 * memory kept growing after the warm-up, the target being flat memory.
 * BENCH_SOAK_CONVERSATIONS stops earlier, once that many were produced and applied (e.g. 1000000 for the long run).
 * BENCH_SOAK_EVENT_MINUTES: event time per 1000 conversations (default 10; see EVENT_MINUTES).
 * BENCH_SOAK_STORE=postgres stores in a PostgreSQL server the bench starts (scripts/postgres.mjs) and
 * stops, instead of the embedded PGlite folder: what a long-running deployment uses. The store size is
 * then the server's data folder; RSS is still `run`'s alone.
 * It also reports how long the event loop was held: the largest event-loop delay the process measured
 * (clio_nodejs_eventloop_lag_max_seconds, reset at every scrape), how long /metrics took to answer,
 * and how many scrapes saw a delay over a second.
 * CLIO_KAFKA_SESSION_TIMEOUT_MS is passed on to `run`; BENCH_SOAK_NODE_OPTIONS becomes its NODE_OPTIONS (only flags NODE_OPTIONS allows).
 *
 * BENCH_SOAK_EMBEDDINGS=stand-in swaps the embedded model for a stand-in: the bench starts a local
 * OpenAI-compatible embeddings server (bench/embedding-stand-in.ts: feature-hashed 256-d vectors,
 * microseconds a text), builds the catalog through it, and runs `run` with CLIO_EMBEDDINGS=http
 * pointed at it. It exists because the embedded model caps `run` at a few dozen conversations/s on
 * a 2-core machine, so 1,000,000 conversations would take ~6 h, while what the soak judges is the
 * memory of the rest of the pipeline (consumer, store, windows, detection) over that many. Its
 * throughput is the pipeline's without the model, not the model's, and its RSS has no model in it;
 * the figures name the embedder used. Without the variable (or with `local`) the embedded model is used.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { OfflineAuditor } from '../src/catalog/audit.ts';
import { buildCatalog } from '../src/app/catalog-build.ts';
import { loadPolicies } from '../src/catalog/policies.ts';
import type { Embedder } from '../src/embed/embedder.ts';
import { HttpEmbedder } from '../src/embed/http-embedder.ts';
import { LocalEmbedder } from '../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../src/facets/local-extractor.ts';
import { generateConversations } from '../src/generate/synthetic.ts';
import { silentProgress } from '../src/util/progress.ts';
import { startPostgres, type RunningPostgres } from '../scripts/postgres.mjs';
import { withBroker } from './broker.ts';
import { startEmbeddingStandIn, type EmbeddingStandIn } from './embedding-stand-in.ts';

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 3);
const MAX_CONVERSATIONS = Number(process.env.BENCH_SOAK_CONVERSATIONS ?? Infinity);
const SAMPLE_MS = 10_000;
/** Records kept waiting on the topic: enough that the consumer never idles. */
const AHEAD = 4000;
/**
 * Event time each produced batch of 1000 covers (BENCH_SOAK_EVENT_MINUTES, default 10: ~144,000
 * conversations an event-time day). Buckets (5 min) close continuously, one every 500 conversations
 * at the default, and each close runs the emerging check (all pairs of up to 6,000 recent
 * conversations, seconds of CPU): at 10 that check sets the soak's pace. 2 is a busier deployment
 * (~720,000 a day, a bucket every 2,500 conversations), the setting of the 1,000,000-conversation run.
 */
const EVENT_MINUTES = Number(process.env.BENCH_SOAK_EVENT_MINUTES ?? 10);
if (!(EVENT_MINUTES > 0 && EVENT_MINUTES <= 60)) throw new Error(`BENCH_SOAK_EVENT_MINUTES must be a number of minutes in (0, 60], not ${process.env.BENCH_SOAK_EVENT_MINUTES}`);
const BATCH_EVENT_MS = Math.round(EVENT_MINUTES * 60_000);
/** Growth of RSS from the first to the last third of the run (after warm-up) that fails the soak. */
const MAX_GROWTH = 0.15;
const MAX_GROWTH_MB = 40;
const BIN = fileURLToPath(new URL('../bin/clio-stream.js', import.meta.url));
/** `stand-in`: embed through the local stand-in server instead of the embedded model (see above). */
const EMBEDDINGS = process.env.BENCH_SOAK_EMBEDDINGS || 'local';
const STORE = process.env.BENCH_SOAK_STORE || 'pglite';
if (STORE !== 'pglite' && STORE !== 'postgres') throw new Error(`BENCH_SOAK_STORE must be postgres or pglite (the default), not ${STORE}`);
if (EMBEDDINGS !== 'local' && EMBEDDINGS !== 'stand-in') throw new Error(`BENCH_SOAK_EMBEDDINGS must be stand-in or local (the default), not ${EMBEDDINGS}`);

interface Sample {
  atS: number;
  processed: number;
  rssMb: number;
  /** V8 heap in use (the process runs with --max-old-space-size=192). */
  heapMb: number;
  /** clio_consumer_lag as the consumer reports it, and records produced but not yet applied. */
  lag: number;
  backlog: number;
  storeMb: number;
  /** Conversations the pipeline marked late (not counted): the soak's event time must not make any. */
  late: number;
  /** Longest event-loop delay since the previous sample, and the slowest /metrics answer (seconds). */
  loopMaxS: number;
  answerMaxS: number;
}

export async function benchSoak(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'clio-bench-soak-'));
  let standIn: EmbeddingStandIn | undefined;
  try {
    if (EMBEDDINGS === 'stand-in') {
      standIn = await startEmbeddingStandIn();
      process.stderr.write(`embeddings: STAND-IN server at ${standIn.url} (feature hashing, not the model: throughput is the pipeline's without it)\n`);
    }
    process.stderr.write('building a small catalog ...\n');
    const baseline = join(dir, 'baseline.jsonl');
    writeFileSync(baseline, [...generateConversations({ count: 800, seed: 3, accounts: 300, targetBytes: 0, idPrefix: 'soak-base' })].map((l) => JSON.stringify(l.conversation)).join('\n'));
    // The catalog is built in the vector space `run` will embed in.
    const embedder: Embedder = standIn ? await HttpEmbedder.create({ url: standIn.url, model: standIn.model }) : await LocalEmbedder.start({ workers: 2 });
    try {
      await buildCatalog({
        input: baseline, out: join(dir, 'catalog.json'), clusters: 12, seed: 1, limits: { maxMessageBytes: 1 << 20, maxMessages: 500, maxBlockChars: 200_000, maxFutureSeconds: 0 },
        minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
        extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: loadPolicies(), progress: silentProgress,
      });
    } finally {
      await embedder.close();
    }
    return await withBroker((brokers) => withStore(dir, (store) => soak(brokers, dir, standIn, store)));
  } finally {
    await standIn?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where `run` stores: an embedded PGlite folder, or a PostgreSQL server started (and stopped) for the soak. */
interface SoakStore {
  env: Record<string, string>;
  /** The folder whose size is the store's. */
  dataDir: string;
  description: string;
}

async function withStore<T>(dir: string, work: (store: SoakStore) => Promise<T>): Promise<T> {
  if (STORE === 'pglite') {
    const dataDir = join(dir, 'store');
    return work({ env: { CLIO_DATA_DIR: dataDir }, dataDir, description: 'embedded PGlite' });
  }
  const stateFile = join(dir, 'postgres.json');
  const pg: RunningPostgres = await startPostgres({ stateFile });
  // An interrupted soak stops its server too ('exit' runs nothing asynchronous: the script's own stop).
  const stopSync = () => void spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/postgres.mjs', import.meta.url)), 'stop'], { env: { ...process.env, POSTGRES_STATE_FILE: stateFile }, stdio: 'ignore' });
  process.once('exit', stopSync);
  try {
    return await work({ env: { CLIO_DATA_DIR: join(dir, 'store'), DATABASE_URL: pg.url }, dataDir: pg.dataDir, description: `PostgreSQL (${pg.url})` });
  } finally {
    process.off('exit', stopSync);
    await pg.stop();
  }
}

async function soak(brokers: string[], dir: string, standIn: EmbeddingStandIn | undefined, store: SoakStore): Promise<Record<string, string>> {
  const kafka = new kafkajs.Kafka({ clientId: 'clio-bench-soak', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const topic = `clio_soak_${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  let produced = 0;
  let batchNo = 0;
  const startMs = Date.parse('2026-10-01T00:00:00Z');
  const produceBatch = async () => {
    // Templated texts from a few thousand accounts, as real traffic repeats: the embedding cache works as in production.
    const batch = [...generateConversations({ count: 1000, seed: 100 + batchNo, accounts: 3000, targetBytes: 600, idPrefix: `soak-${batchNo}`, startMs: startMs + batchNo * BATCH_EVENT_MS, spanMs: BATCH_EVENT_MS })];
    batchNo += 1;
    await producer.send({ topic, messages: batch.map((l, i) => ({ value: JSON.stringify(l.conversation), partition: i % 3 })) });
    produced += batch.length;
  };

  const dataDir = store.dataDir;
  const child = spawn(BIN, ['run'], {
    env: {
      PATH: process.env.PATH,
      CLIO_KAFKA_BROKERS: brokers.join(','),
      CLIO_TOPIC_CONVERSATIONS: topic,
      CLIO_TOPIC_DEAD_LETTER: `${topic}_dlq`,
      CLIO_KAFKA_GROUP_ID: `${topic}_group`,
      CLIO_KAFKA_FROM_BEGINNING: 'true', // the first batch may land before the group has joined
      ...store.env,
      CLIO_CATALOG: join(dir, 'catalog.json'),
      CLIO_ALERTS_OUT: join(dir, 'alerts.jsonl'),
      CLIO_ACCOUNT_HASH_SECRET: 'bench-soak-secret-0123456789',
      CLIO_API_PORT: '0',
      // Event time runs ~50× faster than the wall clock here: the 3 partitions' clocks drift by
      // minutes of event time between two fetches, where a live deployment's drift by seconds. An hour
      // of lateness keeps that drift from marking conversations late (uncounted), as it would not live.
      CLIO_ALLOWED_LATENESS_SECONDS: '3600',
      // The stand-in: `run` embeds through its ordinary OpenAI-compatible client (the dimension is learnt from a probe).
      ...(standIn ? { CLIO_EMBEDDINGS: 'http', CLIO_EMBEDDINGS_URL: standIn.url, CLIO_EMBEDDINGS_MODEL: standIn.model } : {}),
      // Passed through when set: a longer session timeout, node flags for `run` alone.
      ...(process.env.CLIO_KAFKA_SESSION_TIMEOUT_MS ? { CLIO_KAFKA_SESSION_TIMEOUT_MS: process.env.CLIO_KAFKA_SESSION_TIMEOUT_MS } : {}),
      ...(process.env.BENCH_SOAK_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SOAK_NODE_OPTIONS } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // An interrupted soak (SIGINT/SIGTERM: the broker's handler exits) leaves neither `run` nor its files behind.
  const killChild = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killChild);
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-20_000)));
  const samples: Sample[] = [];
  // Event-loop figures between two samples, and over the whole run.
  let loopMaxS = 0;
  let answerMaxS = 0;
  let stalls = 0;
  try {
    const url = await until(() => {
      if (child.exitCode !== null) throw new Error(`clio-stream run exited (${child.exitCode}):\n${log.slice(-2000)}`);
      return /"url":"(http:[^"]+)"/.exec(log)?.[1];
    }, 180_000);
    const began = performance.now();
    const endAt = began + MINUTES * 60_000;
    let nextSample = began;
    // Once BENCH_SOAK_CONVERSATIONS are produced, it samples on until `run` has applied them all (or time is up).
    let applied = 0;
    while (performance.now() < endAt && (produced < MAX_CONVERSATIONS || applied < produced)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`clio-stream run died during the soak (${child.exitCode ?? child.signalCode}):\n${log.slice(-4000)}`);
      // A process that stops answering (or dies between two samples) is reported with its own last words.
      const asked = performance.now();
      const page = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(120_000) }).then((r) => r.text()).catch(async (e: Error) => {
        await new Promise((r) => setTimeout(r, 2000));
        throw new Error(`clio-stream run stopped answering (${e.message}; exit ${child.exitCode ?? child.signalCode ?? 'none yet'}):\n${log.slice(-4000)}`);
      });
      answerMaxS = Math.max(answerMaxS, (performance.now() - asked) / 1000);
      const lagMax = metric(page, 'clio_nodejs_eventloop_lag_max_seconds');
      loopMaxS = Math.max(loopMaxS, lagMax);
      if (lagMax > 1) stalls += 1;
      const processed = metric(page, 'clio_processed_total');
      applied = processed + metric(page, 'clio_duplicates_total') + metric(page, 'clio_dead_lettered_total');
      if (produced - processed < AHEAD && produced < MAX_CONVERSATIONS) await produceBatch();
      if (performance.now() >= nextSample || (produced >= MAX_CONVERSATIONS && applied >= produced)) {
        const sample = { atS: (performance.now() - began) / 1000, processed, rssMb: rssMb(child.pid!), heapMb: metric(page, 'clio_nodejs_heap_size_used_bytes') / 1048576, lag: metric(page, 'clio_consumer_lag'), backlog: produced - applied, storeMb: dirMb(dataDir), late: metric(page, 'clio_late_conversations_total'), loopMaxS, answerMaxS };
        loopMaxS = 0;
        answerMaxS = 0;
        samples.push(sample);
        process.stderr.write(`  ${sample.atS.toFixed(0).padStart(5)} s  ${String(processed).padStart(8)} conversations  RSS ${sample.rssMb.toFixed(0)} MB  JS heap ${sample.heapMb.toFixed(0)} MB  lag ${sample.lag} (backlog ${sample.backlog})  store ${sample.storeMb.toFixed(0)} MB  loop held ≤ ${sample.loopMaxS.toFixed(1)} s\n`);
        nextSample += SAMPLE_MS;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await producer.disconnect().catch(() => {});
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    process.off('exit', killChild);
  }

  if (samples.length < 6) throw new Error(`soak too short to judge: ${samples.length} samples (BENCH_SOAK_MINUTES ≥ 1)`);
  // The first sixth is warm-up (caches fill, V8 sizes its heap); then the first and last thirds of the rest are compared.
  const settled = samples.slice(Math.floor(samples.length / 6));
  const third = Math.max(1, Math.floor(settled.length / 3));
  const mean = (xs: Sample[], f: (s: Sample) => number) => xs.reduce((a, s) => a + f(s), 0) / xs.length;
  const early = mean(settled.slice(0, third), (s) => s.rssMb);
  const late = mean(settled.slice(-third), (s) => s.rssMb);
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const throughput = (last.processed - first.processed) / (last.atS - first.atS);
  const figures = {
    // Which embedder set the pace: a stand-in run's throughput is not the model's.
    'soak embedder': standIn
      ? `STAND-IN (BENCH_SOAK_EMBEDDINGS=stand-in: feature-hashed ${standIn.model} over HTTP, no model in RSS; ${standIn.served.texts} texts in ${standIn.served.requests} requests)`
      : 'embedded model (local, 2 workers)',
    'soak store': store.description,
    'soak minutes': (last.atS / 60).toFixed(1),
    'soak event time (days; minutes per 1000 conversations)': `${((batchNo * BATCH_EVENT_MS) / 86_400_000).toFixed(1)}; ${EVENT_MINUTES}`,
    'soak conversations (counted / produced)': `${last.processed} / ${produced}`,
    'soak throughput (conversations/s)': throughput.toFixed(0),
    'soak RSS early / late / peak (MB)': `${early.toFixed(0)} / ${late.toFixed(0)} / ${Math.max(...samples.map((s) => s.rssMb)).toFixed(0)}`,
    'soak JS heap early / late (MB)': `${mean(settled.slice(0, third), (s) => s.heapMb).toFixed(0)} / ${mean(settled.slice(-third), (s) => s.heapMb).toFixed(0)}`,
    'soak consumer lag first / last': `${first.lag} / ${last.lag} (records not yet applied: ${first.backlog} / ${last.backlog})`,
    'soak conversations marked late': String(last.late),
    'soak store size first / last (MB)': `${first.storeMb.toFixed(0)} / ${last.storeMb.toFixed(0)}`,
    // After the warm-up, as memory is judged: starting (modules, the model) holds the loop too.
    'soak event-loop delay max / median of 10 s maxima (s)': `${Math.max(...settled.map((s) => s.loopMaxS)).toFixed(1)} / ${median(settled.map((s) => s.loopMaxS)).toFixed(2)}`,
    'soak slowest /metrics answer (s)': Math.max(...settled.map((s) => s.answerMaxS)).toFixed(1),
    'soak scrapes that saw the loop held > 1 s': String(stalls),
  };
  if (late - early > Math.max(MAX_GROWTH * early, MAX_GROWTH_MB)) {
    for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(44)} ${v}`);
    throw new Error(`MEMORY GROWS: RSS ${early.toFixed(0)} MB → ${late.toFixed(0)} MB over the soak (limit +${(MAX_GROWTH * 100).toFixed(0)} % or ${MAX_GROWTH_MB} MB)`);
  }
  return figures;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

function dirMb(path: string): number {
  let bytes = 0;
  const walk = (p: string) => {
    for (const entry of readdirSync(p, { withFileTypes: true })) {
      const full = join(p, entry.name);
      if (entry.isDirectory()) walk(full);
      else bytes += statSync(full, { throwIfNoEntry: false })?.size ?? 0;
    }
  };
  try {
    walk(path);
  } catch {
    // the store folder appears once the process has created it
  }
  return bytes / 1048576;
}

function metric(page: string, name: string): number {
  let sum = 0;
  for (const line of page.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for clio-stream run to start');
    await new Promise((r) => setTimeout(r, 100));
  }
}
