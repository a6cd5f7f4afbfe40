import { mkdtempSync, writeFileSync } from 'node:fs';
import { configErrorOf } from '../helpers/config-error.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'clio-config-')), 'clio.yaml');
  writeFileSync(file, text);
  return file;
}


describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = loadConfig();
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.kafka.topics).toEqual({ conversations: 'clio.conversations', deadLetter: 'clio.conversations.dlq' });
    expect(config.windows.bucketSeconds).toBe(300);
    expect(config.store.databaseUrl).toBeNull();
    expect(Object.isFrozen(config.kafka.topics)).toBe(true);
    expect(() => {
      (config.kafka as { groupId: string }).groupId = 'x';
    }).toThrow();
  });

  it('layers file < environment < overrides', () => {
    const file = yamlFile('kafka:\n  groupId: from-file\n  partitions: 6\nwindows:\n  bucketSeconds: 60\n');
    const config = loadConfig({
      file,
      env: { CLIO_KAFKA_GROUP_ID: 'from-env', CLIO_KAFKA_BROKERS: 'a:1, b:2', DATABASE_URL: 'postgres://u@h:5432/db' },
      overrides: { windows: { bucketSeconds: 120 } },
    });
    expect(config.kafka.groupId).toBe('from-env');
    expect(config.kafka.partitions).toBe(6);
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.windows.bucketSeconds).toBe(120);
    expect(config.store.databaseUrl).toBe('postgres://u@h:5432/db');
  });

  it.each([
    [{ CLIO_API_PORT: '70000' }, 'api.port', /<= 65535.*CLIO_API_PORT/],
    [{ CLIO_API_PORT: 'eighty' }, 'api.port', /whole number.*eighty/],
    [{ CLIO_KAFKA_BROKERS: 'localhost' }, 'kafka.brokers', /host:port/],
    [{ CLIO_LOG_LEVEL: 'loud' }, 'log.level', /allowed values/],
    [{ CLIO_ACCOUNT_HASH_SECRET: 'short' }, 'privacy.accountHashSecret', /16 characters/],
    [{ DATABASE_URL: 'mysql://x' }, 'store.databaseUrl', /must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ CLIO_KAFKA_CREATE_TOPICS: 'maybe' }, 'kafka.createTopics', /true or false/],
    [{ CLIO_MIN_ACCOUNTS: '2' }, 'privacy.minAccounts', /must be >= 5 \(at least 5 \(the privacy floor\)\)/],
    [{ CLIO_VOCABULARY_K: '1' }, 'privacy.vocabularyK', /privacy floor/],
    [{ CLIO_FACET_EXTRACTOR: 'gpt' }, 'facets.extractor', /allowed values/],
    [{ CLIO_CLAUDE_HOURLY_SPEND_CAP_USD: 'lots' }, 'facets.claude.hourlySpendCapUsd', /must be a number/],
  ])('names the offending key for %o', (env, key, message) => {
    const error = configErrorOf(() => loadConfig({ env }));
    expect(error.key).toBe(key);
    expect(error.message).toContain(`config ${key}:`);
    expect(error.message).toMatch(message);
  });

  it('rejects unknown keys and bad YAML from a file, naming the file', () => {
    const unknown = configErrorOf(() => loadConfig({ file: yamlFile('kafka:\n  brokerz: [a:1]\n') }));
    expect(unknown.key).toBe('kafka.brokerz');
    expect(unknown.message).toMatch(/not a known setting/);

    const typed = configErrorOf(() => loadConfig({ file: yamlFile('windows:\n  bucketSeconds: soon\n') }));
    expect(typed.key).toBe('windows.bucketSeconds');
    expect(typed.message).toMatch(/must be integer \(from file .*clio\.yaml\)/);

    expect(configErrorOf(() => loadConfig({ file: yamlFile('kafka: [unclosed\n') })).message).toMatch(/not valid YAML/);
    expect(configErrorOf(() => loadConfig({ file: '/nonexistent/clio.yaml' })).message).toMatch(/cannot read .*ENOENT/);
  });
});

describe('kafka.deadLetterCompression', () => {
  it('defaults to none and takes gzip, snappy or lz4 from the file or CLIO_KAFKA_DLQ_COMPRESSION', () => {
    expect(loadConfig().kafka.deadLetterCompression).toBe('none');
    expect(loadConfig({ file: yamlFile('kafka:\n  deadLetterCompression: gzip\n') }).kafka.deadLetterCompression).toBe('gzip');
    expect(loadConfig({ env: { CLIO_KAFKA_DLQ_COMPRESSION: 'lz4' } }).kafka.deadLetterCompression).toBe('lz4');
    expect(loadConfig({ env: { CLIO_KAFKA_DLQ_COMPRESSION: 'snappy' } }).kafka.deadLetterCompression).toBe('snappy');
  });

  it.each(['zstd', 'brotli', 'LZ4'])('refuses %s at start, naming the key and what it can be', (codec) => {
    const error = configErrorOf(() => loadConfig({ env: { CLIO_KAFKA_DLQ_COMPRESSION: codec } }));
    expect(error.key).toBe('kafka.deadLetterCompression');
    expect(error.message).toMatch(/none, gzip, snappy or lz4; zstd input is read, but clio-stream cannot write zstd.*CLIO_KAFKA_DLQ_COMPRESSION/);
  });
});

describe('kafka.ssl and kafka.sasl', () => {
  it('default to plain connections and read every setting from the environment', () => {
    const plain = loadConfig();
    expect(plain.kafka.ssl).toEqual({ enabled: false, caFile: null, certFile: null, keyFile: null, keyPassphrase: null, rejectUnauthorized: true });
    expect(plain.kafka.sasl).toEqual({ mechanism: 'none', username: null, password: null, tokenFile: null, tokenCommand: null });

    const config = loadConfig({
      env: {
        CLIO_KAFKA_SSL: 'true', CLIO_KAFKA_SSL_CA_FILE: '/etc/ca.pem', CLIO_KAFKA_SSL_CERT_FILE: '/etc/c.pem', CLIO_KAFKA_SSL_KEY_FILE: '/etc/k.pem',
        CLIO_KAFKA_SSL_KEY_PASSPHRASE: 'pp-secret', CLIO_KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
        CLIO_KAFKA_SASL_MECHANISM: 'scram-sha-256', CLIO_KAFKA_SASL_USERNAME: 'clio', CLIO_KAFKA_SASL_PASSWORD: 'pw-secret',
      },
    });
    expect(config.kafka.ssl).toEqual({ enabled: true, caFile: '/etc/ca.pem', certFile: '/etc/c.pem', keyFile: '/etc/k.pem', keyPassphrase: 'pp-secret', rejectUnauthorized: false });
    expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'clio', password: 'pw-secret', tokenFile: null, tokenCommand: null });
  });

  it('takes SASL from a file with the password from the environment', () => {
    const file = yamlFile('kafka:\n  ssl:\n    enabled: true\n  sasl:\n    mechanism: scram-sha-512\n    username: clio\n');
    const config = loadConfig({ file, env: { CLIO_KAFKA_SASL_PASSWORD: 'pw-secret' } });
    expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'clio', password: 'pw-secret', tokenFile: null, tokenCommand: null });
  });

  it.each([
    [{ CLIO_KAFKA_SSL_CA_FILE: '/etc/ca.pem' }, 'kafka.ssl.caFile', /is set but kafka\.ssl\.enabled is false.*CLIO_KAFKA_SSL\b.*\(from env CLIO_KAFKA_SSL_CA_FILE\)/],
    [{ CLIO_KAFKA_SSL: '1', CLIO_KAFKA_SSL_CERT_FILE: '/etc/c.pem' }, 'kafka.ssl.keyFile', /is required with kafka\.ssl\.certFile/],
    [{ CLIO_KAFKA_SSL: '1', CLIO_KAFKA_SSL_KEY_FILE: '/etc/k.pem' }, 'kafka.ssl.certFile', /is required with kafka\.ssl\.keyFile/],
    [{ CLIO_KAFKA_SSL: '1', CLIO_KAFKA_SSL_KEY_PASSPHRASE: 'pp-secret' }, 'kafka.ssl.keyPassphrase', /is set without kafka\.ssl\.keyFile/],
    [{ CLIO_KAFKA_SSL: 'sometimes' }, 'kafka.ssl.enabled', /true or false/],
    [{ CLIO_KAFKA_SASL_MECHANISM: 'gssapi' }, 'kafka.sasl.mechanism', /none, plain, scram-sha-256 or scram-sha-512/],
    [{ CLIO_KAFKA_SASL_MECHANISM: 'plain', CLIO_KAFKA_SASL_PASSWORD: 'pw-secret' }, 'kafka.sasl.username', /is required with kafka\.sasl\.mechanism plain.*CLIO_KAFKA_SASL_USERNAME/],
    [{ CLIO_KAFKA_SASL_MECHANISM: 'scram-sha-512', CLIO_KAFKA_SASL_USERNAME: 'clio' }, 'kafka.sasl.password', /is required with kafka\.sasl\.mechanism scram-sha-512.*CLIO_KAFKA_SASL_PASSWORD/],
    [{ CLIO_KAFKA_SASL_USERNAME: 'clio', CLIO_KAFKA_SASL_PASSWORD: 'pw-secret' }, 'kafka.sasl.mechanism', /is none but a SASL username or password is set/],
  ])('refuses %o, naming the key and never the secret', (env, key, message) => {
    const error = configErrorOf(() => loadConfig({ env }));
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/pw-secret|pp-secret/);
  });
});
