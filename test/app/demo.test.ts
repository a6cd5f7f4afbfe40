import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { kafkaBrokers } from '../helpers/services.ts';

describe('clio-stream demo', () => {
  it('runs the embedded default end to end and prints a summary', async () => {
    const { code, output } = await runCli(['demo', '--conversations', '600', '--invalid', '16'], { CLIO_KAFKA_BROKERS: kafkaBrokers().join(',') }, 120_000);
    expect(code, output).toBe(0);
    expect(output).toContain(`using the Kafka broker at ${kafkaBrokers().join(',')}`);
    expect(output).toMatch(/summary: 600 conversations counted in \d+ buckets of 5 min/);
    for (const reason of ['empty_message', 'oversize_message', 'invalid_utf8', 'invalid_json', 'schema_violation', 'invalid_timestamp', 'too_many_messages', 'oversize_block']) {
      expect(output).toContain(`${reason} 2`);
    }
  });
});
