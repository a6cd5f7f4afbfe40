/**
 * Ingest benchmark: 100,000 conversations of ~1 KB from a 3-partition Kafka topic through
 * validation, dedupe, placeholder assignment and the embedded store, in a real `clio-stream run`
 * process. Prints conversations/s and that process's peak RSS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { generateConversations } from '../src/generate/synthetic.ts';
import { withBroker } from './broker.ts';

const COUNT = Number(process.env.BENCH_INGEST_COUNT ?? 100_000);
const BIN = fileURLToPath(new URL('../bin/clio-stream.js', import.meta.url));

export async function benchIngest(): Promise<Record<string, string>> {
  return withBroker(async (brokers) => {
    const kafka = new kafkajs.Kafka({ clientId: 'clio-bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
    const topic = `clio_bench_${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();

    process.stderr.write(`producing ${COUNT} conversations ...\n`);
    const producer = kafka.producer();
    await producer.connect();
    let batch: Array<{ value: string; partition: number }> = [];
    let bytes = 0;
    let i = 0;
    for (const { conversation } of generateConversations({ count: COUNT, seed: 42, accounts: 5000, targetBytes: 1000 })) {
      const value = JSON.stringify(conversation);
      bytes += value.length;
      batch.push({ value, partition: i++ % 3 });
      if (batch.length === 2000) {
        await producer.send({ topic, messages: batch });
        batch = [];
      }
    }
    if (batch.length) await producer.send({ topic, messages: batch });
    await producer.disconnect();

    const dataDir = mkdtempSync(join(tmpdir(), 'clio-bench-ingest-'));
    // Executed through its shebang, exactly as `npx clio-stream run` starts it.
    const child = spawn(BIN, ['run'], {
      env: {
        PATH: process.env.PATH,
        CLIO_KAFKA_BROKERS: brokers.join(','),
        CLIO_TOPIC_CONVERSATIONS: topic,
        CLIO_TOPIC_DEAD_LETTER: `${topic}_dlq`,
        CLIO_KAFKA_GROUP_ID: `${topic}_group`,
        CLIO_KAFKA_FROM_BEGINNING: 'true',
        CLIO_DATA_DIR: dataDir,
        CLIO_ACCOUNT_HASH_SECRET: 'bench-secret-0123456789',
        CLIO_API_PORT: '0',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d) => (log += d));
    try {
      const url = await waitFor(() => {
        if (child.exitCode !== null) throw new Error(`clio-stream run exited (${child.exitCode}):\n${log.slice(-2000)}`);
        return /"url":"(http:[^"]+)"/.exec(log)?.[1];
      }, 120_000, () => log);
      let started = 0;
      let processed = 0;
      const deadline = Date.now() + 600_000;
      while (processed < COUNT) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`ingest did not finish:\n${log.slice(-2000)}`);
        const page = await (await fetch(`${url}/metrics`)).text();
        const consumed = metric(page, 'clio_consumed_total');
        processed = metric(page, 'clio_processed_total');
        if (!started && consumed > 0) started = performance.now();
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - started) / 1000;
      const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
      return {
        'ingest conversations': String(COUNT),
        'ingest mean size (bytes)': String(Math.round(bytes / COUNT)),
        'ingest throughput (conversations/s)': (COUNT / seconds).toFixed(0),
        'ingest peak RSS (MB)': (peakKb / 1024).toFixed(0),
      };
    } finally {
      // An already-exited child fires no 'exit' again: waiting for it would leave an unsettled await.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

function metric(page: string, name: string): number {
  const line = page.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out:\n${context().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
