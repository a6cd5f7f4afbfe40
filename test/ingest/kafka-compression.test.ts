// Records from other producers: Apache Kafka's own Java console producer writes batches with every
// codec, the pipeline counts them; dead letters written with a codec are read back by Java's consumer.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchKafkaJars } from '../../scripts/kafka.mjs';
import { startRun, type RunningService } from '../../src/app/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { DEAD_LETTER_HEADERS, type DeadLetter } from '../../src/ingest/dead-letter.ts';
import { registerCodecs, type ProducerCompression } from '../../src/ingest/kafka/codecs.ts';
import { KafkaDeadLetterSink } from '../../src/ingest/kafka/kafka-dead-letter.ts';
import { createLogger } from '../../src/log.ts';
import { IngestStore } from '../../src/store/ingest-store.ts';
import { openPglite } from '../../src/store/pglite-client.ts';
import { memoryStream } from '../helpers/canary.ts';
import { fetchText, metricValue, waitFor } from '../helpers/cli.ts';
import { consumeAll, createTopic, testKafka } from '../helpers/kafka.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;
const CODECS = ['none', 'gzip', 'lz4', 'snappy', 'zstd'] as const;
const BUCKET_SECONDS = 300;

/** Batches each codec compressed and decompressed in this process: proof the codec was really exercised. */
const compressed = new Map<string, number>();
const decompressed = new Map<string, number>();
const typeName = (type: string) => Object.entries(CompressionTypes).find(([, v]) => String(v) === type)![0].toLowerCase();

let libs: string;
let readerSource: string;

beforeAll(async () => {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error) {
    throw new Error('java is not on PATH: this test writes records with Apache Kafka\'s Java console producer. Install Java 17+ (Debian: apt-get install -y openjdk-17-jdk-headless).');
  }
  libs = await fetchKafkaJars();
  readerSource = join(mkdtempSync(join(tmpdir(), 'clio-java-reader-')), 'PlainReader.java');
  writeFileSync(readerSource, PLAIN_READER);

  registerCodecs();
  const table = CompressionCodecs as unknown as Record<string, () => { compress(e: unknown): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }>;
  for (const [type, make] of Object.entries(table)) {
    const name = typeName(type);
    table[type] = () => {
      const codec = make();
      return {
        compress: async (encoder) => (compressed.set(name, (compressed.get(name) ?? 0) + 1), codec.compress(encoder)),
        decompress: async (buffer) => (decompressed.set(name, (decompressed.get(name) ?? 0) + 1), codec.decompress(buffer)),
      };
    };
  }
}, 300_000);

/** Runs a Java program from the broker's jars; resolves with its stdout, rejects with its stderr. */
function java(args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx256m', `-Dlog4j.configuration=file:${join(process.cwd(), 'kafka', 'log4j.properties')}`, '-cp', join(libs, '*'), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`java ${args[0]} exited ${code}:\n${err.slice(-3000)}`))));
    child.stdin.end(stdin ?? '');
  });
}

/** The console producer, one value per line, with everything it reads in as few batches as it can. */
function consoleProduce(topic: string, codec: string, lines: string[]): Promise<string> {
  return java(
    [
      'kafka.tools.ConsoleProducer', '--bootstrap-server', kafkaBrokers().join(','), '--topic', topic, '--compression-codec', codec,
      '--producer-property', 'linger.ms=2000', '--producer-property', 'batch.size=524288',
    ],
    lines.join('\n') + '\n',
  );
}

/** Reads `count` values of a topic with Java's KafkaConsumer (the broker jars' own lz4/snappy/zstd). */
async function javaRead(topic: string, count: number): Promise<Buffer[]> {
  const out = await java([readerSource, kafkaBrokers().join(','), topic, String(count)]);
  return out.split('\n').filter(Boolean).map((line) => Buffer.from(line, 'base64'));
}

describe('records from the Java console producer with every codec, mixed in one topic', () => {
  const topic = uniqueName('clio_codecs');
  const dlqTopic = `${topic}_dlq`;
  const groupId = uniqueName('clio_group');
  const dataDir = mkdtempSync(join(tmpdir(), 'clio-kafka-codecs-'));
  const logs = memoryStream();
  const expected = new Map<number, number>();
  const invalid = '{"id": "zstd-broken", "messages": [ this line is not JSON';
  let service: RunningService;

  beforeAll(async () => {
    await createTopic(topic, 2);
    const perCodec = new Map<string, string[]>();
    for (const [n, codec] of CODECS.entries()) {
      const lines: string[] = [];
      for (const { conversation } of generateConversations({ count: 40, seed: 100 + n, accounts: 30, targetBytes: 800, idPrefix: codec })) {
        lines.push(JSON.stringify(conversation));
        const bucket = Math.floor(Date.parse(conversation.timestamp) / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000;
        expected.set(bucket, (expected.get(bucket) ?? 0) + 1);
      }
      perCodec.set(codec, lines);
    }
    // Inside the zstd batch: the batch decodes, and only this record is refused.
    perCodec.get('zstd')!.splice(20, 0, invalid);
    // Two producers at a time: interleaved codecs, without five JVMs on a small machine at once.
    await Promise.all([consoleProduce(topic, 'none', perCodec.get('none')!), consoleProduce(topic, 'gzip', perCodec.get('gzip')!)]);
    await Promise.all([consoleProduce(topic, 'lz4', perCodec.get('lz4')!), consoleProduce(topic, 'snappy', perCodec.get('snappy')!)]);
    await consoleProduce(topic, 'zstd', perCodec.get('zstd')!);

    const config = loadConfig({
      overrides: {
        kafka: { brokers: kafkaBrokers(), groupId, topics: { conversations: topic, deadLetter: dlqTopic }, chunkSize: 50, deadLetterCompression: 'snappy', fromBeginning: true },
        store: { dataDir },
        privacy: { accountHashSecret: 'kafka-codecs-test-secret' },
        windows: { bucketSeconds: BUCKET_SECONDS },
        api: { port: 0 },
        log: { level: 'debug' },
      },
    });
    service = await startRun(config, createLogger('debug', logs));
  }, 300_000);
  afterAll(async () => {
    await service?.stop();
  });

  it('counts all 200 valid records exactly once and dead-letters only the invalid zstd one', async () => {
    const metrics = await waitFor(async () => {
      const page = await fetchText(`${service.url}/metrics`);
      // consumed_total counts a chunk when it starts; these two when it is applied.
      return metricValue(page, 'clio_processed_total') + metricValue(page, 'clio_dead_lettered_total') >= 201 ? page : undefined;
    }, 'all 201 records to be applied', 120_000);
    expect(metricValue(metrics, 'clio_consumed_total')).toBe(201);
    expect(metricValue(metrics, 'clio_processed_total')).toBe(200);
    expect(metricValue(metrics, 'clio_dead_lettered_total')).toBe(1);
    expect(metricValue(metrics, 'clio_consumer_lag')).toBe(0);
    for (const codec of ['gzip', 'lz4', 'snappy', 'zstd']) expect(decompressed.get(codec), `${codec} batches decoded`).toBeGreaterThan(0);

    // The dead letter went out snappy-compressed (kafka.deadLetterCompression), and Java reads it.
    const letters = await consumeAll(dlqTopic, 1, 30_000);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.headers[DEAD_LETTER_HEADERS.reason]).toBe('invalid_json');
    expect(letters[0]!.headers[DEAD_LETTER_HEADERS.topic]).toBe(topic);
    expect(compressed.get('snappy')).toBeGreaterThan(0);
    expect((await javaRead(dlqTopic, 1)).map(String)).toEqual([invalid]);

    await service.stop();
    const store = new IngestStore(await openPglite(dataDir));
    try {
      const counts = await store.clusterCounts();
      expect(new Map(counts.map((c) => [c.bucketStartMs, c.conversations]))).toEqual(expected);
      expect(await store.deadLetterCounts()).toEqual(new Map([['invalid_json', 1]]));
    } finally {
      await store.close();
    }
    expect(logs.text()).not.toContain('consumer crashed');
  }, 180_000);
});

describe('dead letters written with a codec', () => {
  const letter = (value: Buffer, offset: number): DeadLetter => ({
    value,
    reason: 'schema_violation',
    detail: 'test',
    position: { topic: 'clio.conversations', partition: 0, offset: String(offset) },
  });

  it.each(['gzip', 'snappy', 'lz4'] as const)('%s: Java\'s consumer reads back every value, small and large', async (codec: ProducerCompression) => {
    const topic = uniqueName(`clio_dlq_${codec}`);
    await createTopic(topic, 1);
    // Small values, a repetitive 300 KB one (several 64 KiB lz4 blocks) and 100 KB of random bytes (stored raw).
    const values = [
      ...Array.from({ length: 30 }, (_, i) => Buffer.from(`{"id":"c${i}","pad":"${'ab'.repeat(i * 7)}"}`)),
      Buffer.from(Array.from({ length: 60_000 }, (_, i) => `w${(i * 7919) % 1013} `).join('')),
      randomBytes(100_000),
    ];
    const before = compressed.get(codec) ?? 0;
    const sink = new KafkaDeadLetterSink(testKafka(), topic, kafkaBrokers(), { compression: codec });
    try {
      await sink.write(values.map((v, i) => letter(v, i)));
    } finally {
      await sink.close();
    }
    expect(compressed.get(codec)! - before).toBeGreaterThan(0);
    const read = await javaRead(topic, values.length);
    expect(read.map((b) => b.toString('base64'))).toEqual(values.map((b) => b.toString('base64')));
  }, 120_000);
});

/** A minimal Java consumer: prints each value of a topic in base64, one per line, until `count` arrived. */
const PLAIN_READER = `
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class PlainReader {
  public static void main(String[] args) {
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("group.id", "plain-reader-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    int want = Integer.parseInt(args[2]);
    int got = 0;
    long deadline = System.currentTimeMillis() + 60_000;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(args[1]));
      while (got < want && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          System.out.println(Base64.getEncoder().encodeToString(r.value() == null ? new byte[0] : r.value()));
          got++;
        }
      }
    }
    if (got < want) {
      System.err.println("read " + got + " of " + want + " records");
      System.exit(1);
    }
  }
}
`;
