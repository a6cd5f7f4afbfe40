import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCanary } from '../helpers/canary.ts';
import { runCli } from '../helpers/cli.ts';
import { createTopic } from '../helpers/kafka.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';

describe('run when its source fails for good', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-run-exit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits non-zero, promptly, with one line saying why (no hanging process, no endless crash loop)', async () => {
    const topic = uniqueName('clio_exit');
    await createTopic(topic, 1);
    // A session timeout above the broker's group.max.session.timeout.ms (30 min): the broker refuses
    // the group join with a non-retriable error, so the consumer cannot go on, ever.
    const started = Date.now();
    const { code, output } = await runCli(['run'], {
      CLIO_KAFKA_BROKERS: kafkaBrokers().join(','),
      CLIO_TOPIC_CONVERSATIONS: topic,
      CLIO_TOPIC_DEAD_LETTER: `${topic}_dlq`,
      CLIO_KAFKA_GROUP_ID: `${topic}_group`,
      CLIO_KAFKA_SESSION_TIMEOUT_MS: String(30 * 60_000 + 1),
      CLIO_ACCOUNT_HASH_SECRET: 'run-exit-test-secret-0123',
      CLIO_DATA_DIR: join(dir, 'store'),
      CLIO_API_PORT: '0',
      CLIO_SHUTDOWN_TIMEOUT_MS: '10000',
    }, 90_000);
    expect(code, output).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(output).toContain('consumption stopped for good');
    expect(output).toContain('clio-stream running'); // it did start: the failure came later, from the source
    expect(findCanary(output)).toBeUndefined();
  }, 120_000);
});
