import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'clio-config-')), 'clio.yaml');
  writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
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
    const error = errorOf(() => loadConfig({ env }));
    expect(error.key).toBe(key);
    expect(error.message).toContain(`config ${key}:`);
    expect(error.message).toMatch(message);
  });

  it('rejects unknown keys and bad YAML from a file, naming the file', () => {
    const unknown = errorOf(() => loadConfig({ file: yamlFile('kafka:\n  brokerz: [a:1]\n') }));
    expect(unknown.key).toBe('kafka.brokerz');
    expect(unknown.message).toMatch(/not a known setting/);

    const typed = errorOf(() => loadConfig({ file: yamlFile('windows:\n  bucketSeconds: soon\n') }));
    expect(typed.key).toBe('windows.bucketSeconds');
    expect(typed.message).toMatch(/must be integer \(from file .*clio\.yaml\)/);

    expect(errorOf(() => loadConfig({ file: yamlFile('kafka: [unclosed\n') })).message).toMatch(/not valid YAML/);
    expect(errorOf(() => loadConfig({ file: '/nonexistent/clio.yaml' })).message).toMatch(/cannot read .*ENOENT/);
  });
});
