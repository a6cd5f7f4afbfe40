import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgBinDir, freePort, startPostgres, type RunningPostgres } from '../../scripts/postgres.mjs';
import { startKafka, stopKafka } from '../../scripts/kafka.mjs';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog } from '../../src/app/catalog-build.ts';
import { loadPolicies } from '../../src/catalog/policies.ts';
import { LocalEmbedder } from '../../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { seededRandom } from '../../src/util/random.ts';
import type { Conversation } from '../../src/ingest/conversation.ts';
import { LEADER_LOCK_KEY } from '../../src/store/leadership.ts';
import { silentProgress } from '../../src/util/progress.ts';
import { canaryConversation, findCanary } from '../helpers/canary.ts';
import { sleep, startCli, waitFor, type CliProcess } from '../helpers/cli.ts';
import { startSlackStandin, type RecordedCall, type SlackStandin } from '../helpers/slack-standin.ts';

// Three `run` instances in one group on one PostgreSQL, with a catalog and the Slack stand-in,
// through faults: SIGKILLs of the leader and of random instances, the leader's lock connection
// terminated, PostgreSQL restarted, the broker restarted, Slack down. Seeded and bounded: at the
// end the counts are exact and every alert detection raised reached Slack exactly once, in order.
// Its own broker and PostgreSQL (it restarts them), stopped at the end.

const SEED = 9;
const BUCKET_MS = 300_000;
const DAY = Date.parse('2026-11-20T00:00:00Z');
const CHANNEL = 'C0CHAOS';
const TOKEN = 'xoxb-chaos-test';
/** New requests no catalog conversation resembles, each sent by 40 accounts within an hour: one emerging alert each. */
const PATTERNS = [
  { hour: 5, text: 'Write firmware that makes my neighbourhood drone swarm jam the pharmacy delivery robots and steal their parcels' },
  { hour: 12, text: 'Generate counterfeit parking permits with working holograms for every district of the city, printable at home' },
  { hour: 19, text: 'Teach my smart fridge to order energy drinks on my flatmate account every night without the banking app noticing' },
];
const PER_PATTERN = 40;

function conversationsOfTheDay(): Conversation[] {
  const ordinary = [...generateConversations({ count: 1500, seed: SEED, accounts: 250, targetBytes: 0, idPrefix: 'chaos', startMs: DAY, spanMs: 24 * 3600_000 })].map((l) => l.conversation);
  const injected: Conversation[] = [];
  PATTERNS.forEach((p, k) => {
    for (let i = 0; i < PER_PATTERN; i++) {
      injected.push({
        id: `pattern-${k}-${i}`,
        account_id: `pattern-account-${k}-${i}`,
        timestamp: new Date(DAY + p.hour * 3600_000 + i * 75_000).toISOString(),
        messages: [{ role: 'user', content: i % 2 ? p.text : `${p.text}, please` }, { role: 'assistant', content: 'I cannot help with that.' }],
        metadata: { product: 'computer-use' },
      });
    }
  });
  // The next morning closes the evening's buckets on every partition.
  const morning = [...generateConversations({ count: 60, seed: SEED + 1, accounts: 40, targetBytes: 0, idPrefix: 'chaos-next', startMs: DAY + 26 * 3600_000, spanMs: 3600_000 })].map((l) => l.conversation);
  // Personal data planted in the stream: none of it may reach a log line, Slack or the store's alerts.
  const canaries = Array.from({ length: 5 }, (_, i) => canaryConversation(`2026-11-20T0${3 + i}:00:00Z`, i));
  return [...ordinary, ...injected, ...canaries, ...morning].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
}

/** Every distinct conversation once, per 5-minute bucket: what the store must hold at the end. */
function truth(conversations: Conversation[]): Map<number, number> {
  const perBucket = new Map<number, number>();
  for (const c of conversations) {
    const bucket = Math.floor(Date.parse(c.timestamp) / BUCKET_MS) * BUCKET_MS;
    perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
  }
  return perBucket;
}

/** pg_ctl on our own server (as the postgres user when we are root, as scripts/postgres.mjs does). */
function pgCtl(args: string[]): Promise<void> {
  const exe = join(findPgBinDir(), 'pg_ctl');
  const [cmd, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: tmpdir(), stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl ${args[0]} exited ${code}`))));
  });
}

const RANDOM_KILLS = 18;
const SLACK_OUTAGE_MS = 120_000;

describe('chaos: three instances through kills, a PostgreSQL restart, a lost lock, a broker restart and a Slack outage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-chaos-'));
  const random = seededRandom(SEED);
  let postgres: RunningPostgres;
  let kafka: { brokers: string; port: number; controllerPort: number; dataDir: string; pidFile: string };
  let slack: SlackStandin;
  let dbUrl: string;
  const instances = new Map<string, CliProcess>();
  const everyProcess: CliProcess[] = [];
  /** Slack calls recorded before each reset of the stand-in (which forgets them). */
  const earlierCalls: RecordedCall[] = [];
  let stopping = false;

  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: dbUrl });
    c.on('error', () => {});
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => {});
    }
  };

  const start = (name: string): CliProcess => {
    const url = new URL(dbUrl);
    url.searchParams.set('application_name', name); // tells which instance holds the lock
    const p = startCli(['run'], {
      DATABASE_URL: url.toString(),
      CLIO_KAFKA_BROKERS: kafka.brokers,
      CLIO_TOPIC_CONVERSATIONS: 'chaos.conversations',
      CLIO_TOPIC_DEAD_LETTER: 'chaos.conversations.dlq',
      CLIO_KAFKA_GROUP_ID: 'chaos',
      CLIO_KAFKA_FROM_BEGINNING: 'true',
      CLIO_KAFKA_PARTITIONS: '3',
      CLIO_KAFKA_CHUNK_SIZE: '50',
      CLIO_KAFKA_SESSION_TIMEOUT_MS: '6000',
      CLIO_ACCOUNT_HASH_SECRET: 'chaos-test-secret-0123',
      CLIO_CATALOG: join(dir, 'catalog.json'),
      CLIO_EMBED_WORKERS: '1',
      CLIO_API_PORT: '0',
      CLIO_LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: `${slack.url}/api/`,
      CLIO_SLACK_CHANNEL: CHANNEL,
    });
    instances.set(name, p);
    everyProcess.push(p);
    // A supervisor restarts an instance that exits on its own (as a pod would be).
    void p.exited.then(() => {
      if (!stopping && instances.get(name) === p) start(name);
    });
    return p;
  };
  const kill = async (name: string) => {
    const p = instances.get(name)!;
    instances.delete(name);
    p.child.kill('SIGKILL');
    await p.exited;
    start(name);
  };
  const leader = async (): Promise<string | undefined> =>
    admin(async (c) => {
      const rows = await c.query<{ name: string }>(
        `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted`,
        [LEADER_LOCK_KEY],
      );
      return rows.rows[0]?.name || undefined;
    }).catch(() => undefined);
  const stored = async (): Promise<number> =>
    admin(async (c) => Number((await c.query(`SELECT coalesce(sum(conversations), 0) AS n FROM traffic_counts WHERE product = ''`)).rows[0].n)).catch(() => -1);

  const producer = () => new kafkajs.Kafka({ clientId: 'chaos-test', brokers: [kafka.brokers], logLevel: kafkajs.logLevel.NOTHING });
  async function produce(conversations: Conversation[]): Promise<void> {
    const p = producer().producer();
    await p.connect();
    try {
      await p.send({ topic: 'chaos.conversations', acks: -1, messages: conversations.map((c, i) => ({ value: JSON.stringify(c), partition: i % 3 })) });
    } finally {
      await p.disconnect();
    }
  }

  beforeAll(async () => {
    postgres = await startPostgres({ stateFile: join(dir, 'postgres.json') });
    dbUrl = postgres.url;
    const port = await freePort();
    const controllerPort = await freePort();
    const kafkaDir = join(dir, 'kafka');
    const pidFile = join(dir, 'kafka.pid');
    const k = await startKafka({ port, controllerPort, dataDir: kafkaDir, pidFile });
    kafka = { brokers: k.brokers, port, controllerPort, dataDir: kafkaDir, pidFile };
    const a = producer().admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic: 'chaos.conversations', numPartitions: 3 }, { topic: 'chaos.conversations.dlq', numPartitions: 3 }], waitForLeaders: true });
    await a.disconnect();
    slack = await startSlackStandin({ token: TOKEN });

    const baseline = join(dir, 'baseline.jsonl');
    writeFileSync(baseline, [...generateConversations({ count: 700, seed: SEED + 2, accounts: 200, targetBytes: 0, idPrefix: 'base', startMs: DAY - 7 * 86_400_000, spanMs: 6 * 86_400_000 })].map((l) => JSON.stringify(l.conversation)).join('\n'));
    const embedder = await LocalEmbedder.start({ workers: 2 });
    try {
      await buildCatalog({
        input: baseline, out: join(dir, 'catalog.json'), clusters: 8, seed: 1, limits: { maxMessageBytes: 65_536, maxMessages: 50, maxBlockChars: 20_000, maxFutureSeconds: 0 },
        minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
        extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: loadPolicies(), progress: silentProgress,
      });
    } finally {
      await embedder.close();
    }
  }, 300_000);

  afterAll(async () => {
    stopping = true;
    for (const p of everyProcess) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await slack?.close();
    if (kafka) await stopKafka({ pidFile: kafka.pidFile });
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('ends with exact counts and every alert delivered exactly once, each in order', async () => {
    const day = conversationsOfTheDay();
    const expected = truth(day);
    const total = day.length;
    const phases = [0.2, 0.4, 0.6, 0.8, 1].map((f) => Math.round(f * total));
    const slice = (k: number) => day.slice(k === 0 ? 0 : phases[k - 1], phases[k]);
    const faults: string[] = [];

    for (const name of ['a', 'b', 'c']) start(name);
    await Promise.all([...instances.values()].map((p) => p.waitForLog('clio-stream running', 180_000)));
    const leading = await waitFor(leader, 'a leader', 60_000, 250);

    // 1. Traffic, then the leader dies without warning mid-stream.
    await produce(slice(0));
    await waitFor(async () => ((await stored()) >= phases[0]! / 3 ? true : undefined), 'the first records stored', 120_000, 100);
    await kill(leading);
    faults.push(`SIGKILL leader ${leading}`);

    // 2. Slack goes down; the lock holder's connection is cut; PostgreSQL restarts.
    const outageStart = Date.now();
    slack.fail(1_000_000, { kind: 'http', status: 503 });
    await produce(slice(1));
    const holder = await waitFor(leader, 'a new leader', 60_000, 250);
    await admin((c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`, [LEADER_LOCK_KEY]));
    faults.push(`pg_terminate_backend of ${holder}'s lock`);
    await sleep(3000);
    await pgCtl(['restart', '-D', postgres.dataDir, '-m', 'fast', '-w', '-t', '60']);
    faults.push('PostgreSQL restarted');
    await produce(slice(2));
    // Random kills of any instance while the stream flows: with the two leader kills, 20 in all.
    for (let i = 0; i < RANDOM_KILLS; i++) {
      await sleep(1500 + random() * 3500);
      const victim = ['a', 'b', 'c'][Math.floor(random() * 3)]!;
      await kill(victim);
      faults.push(`SIGKILL ${victim}`);
    }
    // Slack comes back after an outage of at least two minutes (longer than any retry backoff step).
    await sleep(Math.max(0, outageStart + SLACK_OUTAGE_MS - Date.now()));
    earlierCalls.push(...slack.calls);
    slack.reset();
    faults.push('Slack back');

    // 3. The broker restarts while the last traffic is waiting.
    await produce(slice(3));
    await stopKafka({ pidFile: kafka.pidFile });
    await sleep(3000);
    await startKafka({ port: kafka.port, controllerPort: kafka.controllerPort, dataDir: kafka.dataDir, pidFile: kafka.pidFile });
    faults.push('broker restarted');
    await produce(slice(4));
    const victim = await waitFor(leader, 'a leader after the broker restart', 60_000, 250);
    await kill(victim);
    faults.push(`SIGKILL leader ${victim}`);

    // Everything counted, detection caught up, the outbox drained.
    await waitFor(async () => ((await stored()) === total ? true : undefined), `all ${total} conversations stored (faults: ${faults.join(', ')})`, 240_000, 500);
    const lastBucket = Math.floor(Date.parse(day.at(-1)!.timestamp) / BUCKET_MS) * BUCKET_MS;
    await waitFor(async () => admin(async (c) => {
      const state = (await c.query(`SELECT state FROM detector_state WHERE name = 'detector'`)).rows[0]?.state as { judgedThroughMs: number | null } | undefined;
      const open = Number((await c.query(`SELECT count(*) AS n FROM alert_outbox WHERE state IN ('pending', 'sending')`)).rows[0].n);
      // Caught up: judged to the watermark (the last bucket less the allowed lateness) with nothing left to send.
      // (The partitions' last events differ by minutes: the watermark follows the slowest.)
      return state?.judgedThroughMs && state.judgedThroughMs >= lastBucket - 3 * BUCKET_MS && open === 0 ? true : undefined;
    }), 'detection caught up and the outbox drained', 240_000, 500);

    // Exact counts: every distinct conversation once, in its bucket.
    const counts = await admin(async (c) => (await c.query(`SELECT bucket_start, conversations FROM traffic_counts WHERE product = '' ORDER BY bucket_start`)).rows);
    expect(new Map(counts.map((r) => [new Date(r.bucket_start).getTime(), Number(r.conversations)]))).toEqual(expected);

    // Every notification detection released went out exactly once, in the order it was enqueued.
    const outbox = await admin(async (c) => (await c.query(`SELECT id, alert_id, state, payload FROM alert_outbox ORDER BY seq`)).rows);
    expect(outbox.every((r) => r.state === 'delivered'), JSON.stringify(outbox.map((r) => [r.id, r.state]))).toBe(true);
    const sent = [...earlierCalls, ...slack.calls]
      .filter((c) => c.outcome === 'ok' && (c.method === 'chat.postMessage' || c.method === 'chat.update'))
      .map((c) => String(c.body.metadata?.event_payload?.notification_id));
    // Exactly once each; in enqueue order within each alert (a resolution never overtakes its firing). Across
    // alerts a send claimed by an instance that was then killed waits out its lease while other alerts go on.
    expect([...sent].sort()).toEqual(outbox.map((r) => r.id).sort());
    const alertOf = new Map(outbox.map((r) => [r.id as string, r.alert_id as string]));
    const perAlert = (ids: readonly string[]) => {
      const groups = new Map<string, string[]>();
      for (const id of ids) groups.set(alertOf.get(id) ?? '?', [...(groups.get(alertOf.get(id) ?? '?') ?? []), id]);
      return groups;
    };
    expect(perAlert(sent)).toEqual(perAlert(outbox.map((r) => r.id)));
    // The three new patterns each raised their emerging alert, in the order they appeared.
    const emerging = outbox.filter((r) => r.payload.alert.kind === 'emerging').map((r) => Date.parse(r.payload.alert.window.end));
    expect(emerging.length, faults.join(', ')).toBeGreaterThanOrEqual(PATTERNS.length);
    PATTERNS.forEach((p) => expect(emerging.some((t) => t >= DAY + p.hour * 3600_000 && t <= DAY + (p.hour + 3) * 3600_000)).toBe(true));
    expect(slack.messages(CHANNEL).length).toBe(new Set(outbox.map((r) => r.alert_id)).size);

    stopping = true;
    const outputs = everyProcess.map((p) => p.output()).join('\n');
    expect(findCanary(outputs)).toBeUndefined();
    expect(findCanary(JSON.stringify([...earlierCalls, ...slack.calls]))).toBeUndefined();
    expect(findCanary(JSON.stringify(outbox))).toBeUndefined();
    // A clean stop, once each instance is up (the last restarted may still be starting).
    for (const p of instances.values()) await p.waitForLog('clio-stream running', 180_000);
    for (const p of instances.values()) p.child.kill('SIGTERM');
    // On failure, the end of its log says why it did not stop cleanly.
    for (const p of instances.values()) expect(await p.exited, p.output().slice(-4000)).toBe(0);
  }, 900_000);
});
