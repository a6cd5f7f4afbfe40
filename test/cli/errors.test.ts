import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { kafkaBrokers } from '../helpers/services.ts';
import { startSlackStandin } from '../helpers/slack-standin.ts';

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const noStack = (output: string) => expect(output).not.toMatch(/^\s+at /m);

describe('clio-stream errors', () => {
  it('bad config names the key and exits 2 without a stack trace', async () => {
    const { code, output } = await runCli(['run'], { CLIO_API_PORT: 'http', CLIO_ACCOUNT_HASH_SECRET: 'x'.repeat(20) });
    expect(code).toBe(2);
    expect(output).toContain('clio-stream: config api.port: must be a whole number, got "http" (from env CLIO_API_PORT)');
    noStack(output);
  });

  it('run refuses to start without an account-hash secret', async () => {
    const { code, output } = await runCli(['run'], {});
    expect(code).toBe(2);
    expect(output).toMatch(/config privacy\.accountHashSecret: is required by run: set CLIO_ACCOUNT_HASH_SECRET/);
  });

  it('an unreachable broker gives one clear line, not a stack trace', async () => {
    const port = await closedPort();
    const { code, output } = await runCli(['run'], {
      CLIO_KAFKA_BROKERS: `127.0.0.1:${port}`,
      CLIO_ACCOUNT_HASH_SECRET: 'x'.repeat(20),
      CLIO_API_PORT: '0',
    });
    expect(code).toBe(1);
    expect(output).toContain(`clio-stream: cannot reach Kafka at 127.0.0.1:${port}`);
    expect(output).toMatch(/ECONNREFUSED/);
    noStack(output);
  });

  it('a Slack token Slack refuses is a configuration error at start', async () => {
    const slack = await startSlackStandin({ token: 'xoxb-the-right-one' });
    const dir = mkdtempSync(join(tmpdir(), 'clio-slack-token-'));
    try {
      const { code, output } = await runCli(['run'], {
        CLIO_KAFKA_BROKERS: kafkaBrokers().join(','),
        CLIO_ACCOUNT_HASH_SECRET: 'x'.repeat(20),
        CLIO_API_PORT: '0',
        CLIO_DATA_DIR: join(dir, 'store'),
        SLACK_BOT_TOKEN: 'xoxb-a-wrong-one',
        SLACK_API_URL: `${slack.url}/api/`,
      });
      expect(code).toBe(2);
      expect(output).toContain('clio-stream: config alerts.slack.token: Slack refuses it (invalid_auth): check SLACK_BOT_TOKEN');
      expect(output).not.toContain('xoxb-a-wrong-one');
      noStack(output);
    } finally {
      await slack.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unknown flags and commands are usage errors', async () => {
    const flag = await runCli(['run', '--bogus'], {});
    expect(flag.code).toBe(2);
    expect(flag.output).toMatch(/unknown option '--bogus'/);
    const command = await runCli(['frobnicate'], {});
    expect(command.code).toBe(2);
    expect(command.output).toMatch(/unknown command 'frobnicate'/);
  });

  it('--help describes every command', async () => {
    const { code, output } = await runCli(['--help'], {});
    expect(code).toBe(0);
    for (const command of ['run', 'generate']) expect(output).toContain(command);
  });
});
