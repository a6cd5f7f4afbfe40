// `run` against a real secured broker: this file starts its own Kafka (scripts/kafka.mjs) with a
// TLS + SCRAM listener and a TLS + OAUTHBEARER (unsecured JWT) listener next to the plain one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, stopKafka, type RunningKafka } from '../../scripts/kafka.mjs';
import { freePort } from '../../scripts/postgres.mjs';
import { startRun, type RunningService } from '../../src/app/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { checkReachable, createKafka } from '../../src/ingest/kafka/client.ts';
import { kafkaSecurity } from '../../src/ingest/kafka/security.ts';
import { createLogger } from '../../src/log.ts';
import { canaryConversation, findCanary, memoryStream } from '../helpers/canary.ts';
import { fetchText, metricValue, runCli, waitFor } from '../helpers/cli.ts';
import { uniqueName } from '../helpers/services.ts';

const PASSWORD = 'scram-Pw.7Kq2-never-logged';
const WRONG = 'wrong-Pw.9Zt4-never-logged';
const SECRET = 'kafka-security-broker-secret';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pidFile = join(ROOT, '.cache', 'kafka', `security-test-${process.pid}.pid`);
let broker: RunningKafka;
let secure: NonNullable<RunningKafka['secure']>;
let dir: string;
let dataDir: string;

/** An unsigned JWT ("alg": "none"), as Kafka's unsecured OAUTHBEARER validator expects. */
function unsecuredJwt(sub: string, lifetimeSeconds: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none' })}.${part({ sub, iat: now, exp: now + lifetimeSeconds })}.`;
}

beforeAll(async () => {
  // In .cache/kafka with a tmp- data dir, so `scripts/kafka.mjs stop --all` (CI) cleans up after a hard kill.
  mkdirSync(join(ROOT, '.cache', 'kafka'), { recursive: true });
  dataDir = mkdtempSync(join(ROOT, '.cache', 'kafka', 'tmp-security-'));
  const ports: number[] = [];
  while (ports.length < 4) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const [port, controllerPort, securePort, oauthPort] = ports as [number, number, number, number];
  broker = await startKafka({ port, controllerPort, dataDir, pidFile, secure: { port: securePort, oauthPort, username: 'clio', password: PASSWORD } });
  secure = broker.secure!;
  dir = mkdtempSync(join(tmpdir(), 'clio-sec-broker-'));
}, 240_000);

afterAll(async () => {
  await stopKafka({ pidFile });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Creates a topic through the plain listener and writes `count` valid conversations (plus canaries). */
async function topicWith(count: number): Promise<string> {
  const topic = uniqueName('clio_sec');
  const kafka = new kafkajs.Kafka({ clientId: 'clio-sec-test', brokers: [broker.brokers], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: `${topic}_dlq`, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const values = [...generateConversations({ count: count - 2, seed: 5, accounts: 20, targetBytes: 600 })].map(({ conversation }) => ({ value: JSON.stringify(conversation) }));
  for (let i = 0; i < 2; i++) values.push({ value: JSON.stringify(canaryConversation('2026-11-20T03:00:00Z', i)) });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values });
  await producer.disconnect();
  return topic;
}

const runOverrides = (topic: string, kafka: Record<string, unknown>) => ({
  kafka: { groupId: `${topic}_group`, topics: { conversations: topic, deadLetter: `${topic}_dlq` }, createTopics: false, fromBeginning: true, connectionTimeoutMs: 3000, ...kafka },
  store: { dataDir: mkdtempSync(join(tmpdir(), 'clio-sec-store-')) },
  privacy: { accountHashSecret: SECRET },
  api: { port: 0 },
});

/** Runs until `count` records are processed; returns the /metrics page and every log line. */
async function runToCompletion(topic: string, count: number, kafka: Record<string, unknown>): Promise<{ metrics: string; logs: string }> {
  const logs = memoryStream();
  const service: RunningService = await startRun(loadConfig({ overrides: runOverrides(topic, kafka) }), createLogger('debug', logs));
  try {
    const metrics = await waitFor(async () => {
      const page = await fetchText(`${service.url}/metrics`);
      return metricValue(page, 'clio_processed_total') >= count ? page : undefined;
    }, `${count} records processed`, 90_000);
    return { metrics, logs: logs.text() };
  } finally {
    await service.stop();
  }
}

const cliEnv = (topic: string, extra: Record<string, string>) => ({
  CLIO_KAFKA_BROKERS: secure.brokers,
  CLIO_TOPIC_CONVERSATIONS: topic,
  CLIO_TOPIC_DEAD_LETTER: `${topic}_dlq`,
  CLIO_KAFKA_CREATE_TOPICS: 'false',
  CLIO_DATA_DIR: mkdtempSync(join(tmpdir(), 'clio-sec-cli-')),
  CLIO_ACCOUNT_HASH_SECRET: SECRET,
  CLIO_API_PORT: '0',
  CLIO_LOG_LEVEL: 'debug',
  ...extra,
});

describe('the secured listener of scripts/kafka.mjs', () => {
  it.each(['scram-sha-256', 'scram-sha-512'] as const)('lets %s in over TLS with the generated CA', async (mechanism) => {
    const security = kafkaSecurity(loadConfig({ overrides: { kafka: { ssl: { enabled: true, caFile: secure.caFile }, sasl: { mechanism, username: 'clio', password: PASSWORD } } } }).kafka);
    const kafka = createKafka({ brokers: [secure.brokers], clientId: 'clio-sec-test', connectionTimeoutMs: 3000, retries: 0, security }, createLogger('silent'));
    await expect(checkReachable(kafka, [secure.brokers])).resolves.toBeUndefined();
  });
});

describe('run over TLS + SCRAM', () => {
  it('counts every record; the password is in no log line and not in /metrics', async () => {
    const topic = await topicWith(40);
    const { metrics, logs } = await runToCompletion(topic, 40, {
      brokers: [secure.brokers],
      ssl: { enabled: true, caFile: secure.caFile },
      sasl: { mechanism: 'scram-sha-512', username: 'clio', password: PASSWORD },
    });
    expect(metricValue(metrics, 'clio_processed_total')).toBe(40);
    expect(metricValue(metrics, 'clio_dead_lettered_total')).toBe(0);
    expect(logs).toContain('joined consumer group');
    for (const text of [metrics, logs]) {
      expect(text).not.toContain(PASSWORD);
      expect(findCanary(text)).toBeUndefined();
    }
  }, 120_000);

  it('a wrong password: clio-stream run exits 2 naming kafka.sasl, quoting neither password', async () => {
    const topic = await topicWith(4);
    const started = Date.now();
    const { code, output } = await runCli(['run'], cliEnv(topic, {
      CLIO_KAFKA_SSL: 'true',
      CLIO_KAFKA_SSL_CA_FILE: secure.caFile,
      CLIO_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      CLIO_KAFKA_SASL_USERNAME: 'clio',
      CLIO_KAFKA_SASL_PASSWORD: WRONG,
    }));
    expect(code).toBe(2);
    expect(output).toMatch(/config kafka\.sasl: Kafka at 127\.0\.0\.1:\d+ refused the credentials/);
    expect(output).not.toContain(WRONG);
    expect(output).not.toContain(PASSWORD);
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 60_000);

  it('without the CA: exits 2 naming kafka.ssl.caFile', async () => {
    const topic = await topicWith(4);
    const { code, output } = await runCli(['run'], cliEnv(topic, {
      CLIO_KAFKA_SSL: 'true',
      CLIO_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      CLIO_KAFKA_SASL_USERNAME: 'clio',
      CLIO_KAFKA_SASL_PASSWORD: PASSWORD,
    }));
    expect(code).toBe(2);
    expect(output).toContain('config kafka.ssl.caFile:');
    expect(output).not.toContain(PASSWORD);
  }, 60_000);

  it.each([
    ['without TLS', () => ({ CLIO_KAFKA_SASL_MECHANISM: 'scram-sha-512', CLIO_KAFKA_SASL_USERNAME: 'clio', CLIO_KAFKA_SASL_PASSWORD: PASSWORD })],
    ['with TLS but without SASL', () => ({ CLIO_KAFKA_SSL: 'true', CLIO_KAFKA_SSL_CA_FILE: secure.caFile })],
  ])('%s: run stops within seconds with a line pointing at kafka.ssl and kafka.sasl', async (_what, settings) => {
    const topic = await topicWith(4);
    const started = Date.now();
    const { code, output } = await runCli(['run'], cliEnv(topic, settings()), 60_000);
    expect(code).toBe(1); // not 'SIGKILL', runCli's time limit: it would have hung
    expect(output).toMatch(/cannot reach Kafka at 127\.0\.0\.1:\d+: .*a TLS or SASL listener drops clients without them: see kafka\.ssl and kafka\.sasl/);
    expect(output).not.toContain(PASSWORD);
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 90_000);
});

describe('run with OAUTHBEARER (Kafka\'s unsecured-JWT validator, test listener)', () => {
  it('counts every record with a token from a file', async () => {
    const topic = await topicWith(20);
    const tokenFile = join(dir, 'token.jwt');
    const token = unsecuredJwt('clio-monitor', 3600);
    writeFileSync(tokenFile, `${token}\n`);
    const { metrics, logs } = await runToCompletion(topic, 20, {
      brokers: [secure.oauthBrokers!],
      ssl: { enabled: true, caFile: secure.caFile },
      sasl: { mechanism: 'oauthbearer', tokenFile },
    });
    expect(metricValue(metrics, 'clio_processed_total')).toBe(20);
    for (const text of [metrics, logs]) expect(text).not.toContain(token.split('.')[1]);
  }, 120_000);

  it('counts every record with a token from a command', async () => {
    const topic = await topicWith(10);
    const tokenFile = join(dir, 'token-for-command.jwt');
    writeFileSync(tokenFile, unsecuredJwt('clio-monitor', 3600));
    const { metrics } = await runToCompletion(topic, 10, {
      brokers: [secure.oauthBrokers!],
      ssl: { enabled: true, caFile: secure.caFile },
      sasl: { mechanism: 'oauthbearer', tokenCommand: `cat '${tokenFile}'` },
    });
    expect(metricValue(metrics, 'clio_processed_total')).toBe(10);
  }, 120_000);

  it('a token the broker refuses: a config error naming kafka.sasl, without the token', async () => {
    const tokenFile = join(dir, 'refused.txt');
    const token = 'opaque-token-the-broker-cannot-read';
    writeFileSync(tokenFile, token);
    const topic = await topicWith(2);
    const error = await startRun(loadConfig({ overrides: runOverrides(topic, {
      brokers: [secure.oauthBrokers!],
      ssl: { enabled: true, caFile: secure.caFile },
      sasl: { mechanism: 'oauthbearer', tokenFile },
    }) }), createLogger('silent')).then(async (s) => (await s.stop(), undefined), (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('kafka.sasl');
    expect((error as Error).message).toMatch(/refused the token .*invalid_token/);
    expect((error as Error).message).not.toContain(token);
  }, 60_000);
});

describe('run against the plain listener of the same broker', () => {
  it('is unchanged: no TLS, no SASL, every record counted', async () => {
    const topic = await topicWith(10);
    const { metrics } = await runToCompletion(topic, 10, { brokers: [broker.brokers] });
    expect(metricValue(metrics, 'clio_processed_total')).toBe(10);
  }, 120_000);
});
