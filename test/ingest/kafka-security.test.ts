// kafka.ssl and kafka.sasl: files checked at start, options handed to kafkajs, refusals turned into
import { configErrorOf } from '../helpers/config-error.ts';
// configuration errors (exit 2) that name the setting and never quote a secret.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import kafkajs from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../src/app/run.ts';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { ConfigError, SourceUnavailableError } from '../../src/errors.ts';
import { asSourceError, checkReachable, createKafka } from '../../src/ingest/kafka/client.ts';
import { kafkaSecurity } from '../../src/ingest/kafka/security.ts';
import { createLogger } from '../../src/log.ts';
import { memoryStream } from '../helpers/canary.ts';
import { runCli } from '../helpers/cli.ts';
import { kafkaBrokers } from '../helpers/services.ts';

const PASSWORD = 'sasl-pw-Zq7-never-logged';
const PASSPHRASE = 'key-pass-Wx3-never-logged';

let dir: string;
const file = (name: string) => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate it signed, an unrelated key, all EC P-256. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clio-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=clio-test-ca');
  for (const [name, extra] of [['server', 'subjectAltName=IP:127.0.0.1'], ['client', 'extendedKeyUsage=clientAuth']] as const) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=clio-${name}`);
    writeFileSync(file(`${name}.ext`), `${extra}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  }
  openssl('pkey', '-in', 'client.key', '-aes256', '-passout', `pass:${PASSPHRASE}`, '-out', 'client-encrypted.key');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'other.key');
  writeFileSync(file('not-pem.txt'), 'just text\n');
});

const kafkaOf = (overrides: Record<string, unknown>): Config['kafka'] => loadConfig({ overrides: { kafka: overrides } }).kafka;


describe('kafkaSecurity', () => {
  it('gives kafkajs nothing by default, `true` for TLS with the default CAs, and the files when set', () => {
    expect(kafkaSecurity(kafkaOf({}))).toEqual({});
    expect(kafkaSecurity(kafkaOf({ ssl: { enabled: true } }))).toEqual({ ssl: true });
    expect(kafkaSecurity(kafkaOf({ ssl: { enabled: true, rejectUnauthorized: false } }))).toEqual({ ssl: { rejectUnauthorized: false } });

    const mtls = kafkaSecurity(kafkaOf({ ssl: { enabled: true, caFile: file('ca.pem'), certFile: file('client.pem'), keyFile: file('client-encrypted.key'), keyPassphrase: PASSPHRASE } }));
    expect(mtls.ssl).toMatchObject({ rejectUnauthorized: true, passphrase: PASSPHRASE });
    const ssl = mtls.ssl as tls.ConnectionOptions;
    expect(ssl.ca).toEqual([expect.stringContaining('BEGIN CERTIFICATE')]);
    expect(ssl.cert).toContain('BEGIN CERTIFICATE');
    expect(ssl.key).toContain('ENCRYPTED PRIVATE KEY');

    expect(kafkaSecurity(kafkaOf({ sasl: { mechanism: 'scram-sha-512', username: 'clio', password: PASSWORD } }))).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'clio', password: PASSWORD },
    });
  });

  it.each([
    ['a missing CA file', { caFile: '/nonexistent/ca.pem' }, 'kafka.ssl.caFile', /cannot read \/nonexistent\/ca\.pem: ENOENT/],
    ['a CA file that is not PEM', { caFile: 'not-pem.txt' }, 'kafka.ssl.caFile', /not a PEM file/],
    ['a key as the CA', { caFile: 'other.key' }, 'kafka.ssl.caFile', /no readable PEM certificate/],
    ['a key of another certificate', { certFile: 'client.pem', keyFile: 'other.key' }, 'kafka.ssl.keyFile', /other\.key is not the private key of the certificate in .*client\.pem/],
    ['an encrypted key without its passphrase', { certFile: 'client.pem', keyFile: 'client-encrypted.key' }, 'kafka.ssl.keyPassphrase', /is required: .*client-encrypted\.key is encrypted/],
    ['a wrong passphrase', { certFile: 'client.pem', keyFile: 'client-encrypted.key', keyPassphrase: 'wrong-passphrase' }, 'kafka.ssl.keyPassphrase', /does not decrypt .*client-encrypted\.key/],
  ])('stops at start on %s, naming the key', (_what, files, key, message) => {
    const ssl: Record<string, unknown> = { enabled: true };
    for (const [k, v] of Object.entries(files)) ssl[k] = k === 'keyPassphrase' || v.startsWith('/') ? v : file(v);
    const error = configErrorOf(() => kafkaSecurity(kafkaOf({ ssl })));
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('wrong-passphrase');
  });
});

/** A TLS endpoint that is not Kafka: it records who completed a handshake, then hangs up. */
async function tlsServer(options: tls.TlsOptions): Promise<{ address: string; peers: string[]; close(): Promise<void> }> {
  const peers: string[] = [];
  const server = tls.createServer({ key: await read('server.key'), cert: await read('server.pem'), ...options }, (socket) => {
    const peer = socket.getPeerCertificate();
    peers.push(peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : '(none)');
    socket.destroy();
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    peers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
const read = async (name: string) => (await import('node:fs/promises')).readFile(file(name), 'utf8');

async function reach(address: string, ssl: Record<string, unknown>): Promise<unknown> {
  const security = kafkaSecurity(kafkaOf({ ssl: { enabled: true, ...ssl } }));
  const kafka = createKafka({ brokers: [address], clientId: 'clio-tls-test', connectionTimeoutMs: 1000, retries: 0, security }, createLogger('silent'));
  return checkReachable(kafka, [address]).then(() => undefined, (e: unknown) => e);
}

describe('createKafka over TLS (a local TLS endpoint)', () => {
  it('presents the client certificate and trusts the CA file it was given', async () => {
    const server = await tlsServer({ ca: await read('ca.pem'), requestCert: true, rejectUnauthorized: true });
    try {
      const error = await reach(server.address, { caFile: file('ca.pem'), certFile: file('client.pem'), keyFile: file('client-encrypted.key'), keyPassphrase: PASSPHRASE });
      // The handshake succeeded with our client certificate; the endpoint then hung up, as a dead broker would.
      expect(server.peers).toContain('clio-client');
      expect(error).toBeInstanceOf(SourceUnavailableError);
    } finally {
      await server.close();
    }
  });

  it('without the CA file, the self-made certificate is refused: a config error naming kafka.ssl.caFile', async () => {
    const server = await tlsServer({});
    try {
      const error = await reach(server.address, {});
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe('kafka.ssl.caFile');
      expect(server.peers).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('without a client certificate where the listener requires one: a config error naming kafka.ssl.certFile', async () => {
    const server = await tlsServer({ ca: await read('ca.pem'), requestCert: true, rejectUnauthorized: true });
    try {
      const error = await reach(server.address, { caFile: file('ca.pem') });
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe('kafka.ssl.certFile');
    } finally {
      await server.close();
    }
  });
});

describe('kafkajs refusals become configuration errors', () => {
  it('maps refused SASL credentials, even wrapped by the retrier, to kafka.sasl', () => {
    const SaslError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    const refused = new SaslError('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
    for (const error of [refused, new kafkajs.KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 2, retryTime: 300 })]) {
      const mapped = asSourceError(error, ['b:9093']);
      expect(mapped).toBeInstanceOf(ConfigError);
      expect((mapped as ConfigError).key).toBe('kafka.sasl');
      expect(mapped.message).toMatch(/refused the credentials .*check kafka\.sasl\.username and kafka\.sasl\.password/);
    }
  });

  it('keeps connection failures retryable source errors', () => {
    const down = new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' });
    expect(asSourceError(down, ['127.0.0.1:1'])).toBeInstanceOf(SourceUnavailableError);
  });
});

describe('the logger', () => {
  it('redacts Kafka credentials wherever they are logged', () => {
    const logs = memoryStream();
    const logger = createLogger('info', logs);
    logger.info({ sasl: { mechanism: 'plain', username: 'clio', password: PASSWORD }, ssl: { passphrase: PASSPHRASE }, keyPassphrase: PASSPHRASE }, 'settings');
    expect(logs.text()).toContain('"mechanism":"plain"');
    expect(logs.text()).not.toContain(PASSWORD);
    expect(logs.text()).not.toContain(PASSPHRASE);
  });
});

describe('run against the plain (no TLS, no SASL) test broker', () => {
  const base = () => ({
    kafka: { brokers: kafkaBrokers(), connectionTimeoutMs: 2000, createTopics: false },
    store: { dataDir: mkdtempSync(join(tmpdir(), 'clio-sec-run-')) },
    privacy: { accountHashSecret: 'kafka-security-test-secret' },
    api: { port: 0 },
  });

  it('with SASL configured: stops with a config error naming kafka.sasl.mechanism, the password in no log line', async () => {
    const logs = memoryStream();
    const config = loadConfig({ overrides: { ...base(), kafka: { ...base().kafka, sasl: { mechanism: 'scram-sha-512', username: 'clio', password: PASSWORD } } } });
    const error = await startRun(config, createLogger('debug', logs)).then(async (s) => (await s.stop(), undefined), (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('kafka.sasl.mechanism');
    expect((error as Error).message).toMatch(/does not expect SASL on this listener/);
    expect(`${(error as Error).message}\n${logs.text()}`).not.toContain(PASSWORD);
  });

  it('with TLS configured: stops with a config error naming kafka.ssl.enabled', async () => {
    const config = loadConfig({ overrides: { ...base(), kafka: { ...base().kafka, ssl: { enabled: true } } } });
    const error = await startRun(config, createLogger('silent')).then(async (s) => (await s.stop(), undefined), (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('kafka.ssl.enabled');
  });

  it('clio-stream run exits 2 and prints the setting, not the password', async () => {
    const { code, output } = await runCli(['run'], {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      CLIO_DATA_DIR: mkdtempSync(join(tmpdir(), 'clio-sec-cli-')),
      CLIO_ACCOUNT_HASH_SECRET: 'kafka-security-test-secret',
      CLIO_API_PORT: '0',
      CLIO_KAFKA_CREATE_TOPICS: 'false',
      CLIO_LOG_LEVEL: 'debug',
      CLIO_KAFKA_SASL_MECHANISM: 'plain',
      CLIO_KAFKA_SASL_USERNAME: 'clio',
      CLIO_KAFKA_SASL_PASSWORD: PASSWORD,
    });
    expect(code).toBe(2);
    expect(output).toContain('config kafka.sasl.mechanism:');
    expect(output).not.toContain(PASSWORD);
  });
});
