import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMonitor } from '../../src/app/monitor.ts';
import { loadConfig } from '../../src/config/load.ts';
import { FileSource } from '../../src/ingest/file-source.ts';
import { createLogger } from '../../src/log.ts';
import { PipelineMetrics } from '../../src/pipeline/metrics.ts';
import { openPglite } from '../../src/store/pglite-client.ts';
import { canaryConversation, findCanary, memoryStream } from '../helpers/canary.ts';
import { NoAlerts, NoDeadLetters } from '../helpers/null-sinks.ts';


const DAY = 86_400_000;

describe('retention in the monitor (the leader runs the janitor)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-retention-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a replay of twelve days keeps seen ids and account sets for the last seven only, and its logs and metrics carry no canary', async () => {
    const end = Date.parse('2026-11-20T00:00:00Z');
    // One conversation every two hours for twelve days (the event clock moves with steady traffic).
    const times = Array.from({ length: 144 }, (_, k) => end - 12 * DAY + k * 2 * 3_600_000);
    const lines = times.map((t, k) => {
      const c = canaryConversation(new Date(t).toISOString(), k);
      return JSON.stringify({ ...c, account_id: `${c.account_id}-${k % 7}` });
    });
    const last = times.at(-1)!;
    const kept = times.filter((t) => t >= last - 7 * DAY).length;
    const input = join(dir, 'history.jsonl');
    writeFileSync(input, lines.join('\n'));
    const storeDir = join(dir, 'store');
    const config = loadConfig({
      overrides: { store: { dataDir: storeDir }, privacy: { accountHashSecret: 'retention-test-secret-0123456789' }, retention: { individualDays: 7, intervalSeconds: 3600 } },
    });
    const log = memoryStream();
    const metrics = new PipelineMetrics({ processMetrics: false });
    const monitor = await startMonitor({
      config, logger: createLogger('info', log), metrics, source: new FileSource(input, 20), deadLetters: new NoDeadLetters(),
      consumer: 'replay', notifier: new NoAlerts(), closeAtEnd: true,
    });
    let text: string;
    try {
      await monitor.done;
      text = await metrics.registry.metrics();
    } finally {
      await monitor.stop();
    }
    expect(text).toMatch(/clio_retention_rows_removed_total\{table="seen_conversations"\} [1-9]/);
    expect(log.text()).toContain("retention pass");
    expect(findCanary(log.text())).toBeUndefined();
    expect(findCanary(text)).toBeUndefined();

    // Aged by the replay's own clock (its last event): seven days of seen ids are left.
    const db = await openPglite(storeDir);
    try {
      const seen = await db.query<{ n: number; oldest: Date }>('SELECT count(*)::int AS n, min(event_time) AS oldest FROM seen_conversations');
      expect(seen[0]!.n).toBe(kept);
      expect(new Date(seen[0]!.oldest).getTime()).toBeGreaterThanOrEqual(last - 7 * DAY);
      const accounts = await db.query<{ oldest: Date }>('SELECT min(bucket_start) AS oldest FROM cluster_accounts');
      expect(new Date(accounts[0]!.oldest).getTime()).toBeGreaterThanOrEqual(last - 7 * DAY - 300_000);
      // The counts themselves (aggregates) are kept for months.
      const counted = await db.query<{ n: number }>(`SELECT sum(conversations)::int AS n FROM traffic_counts WHERE product = ''`);
      expect(counted[0]!.n).toBe(144);
    } finally {
      await db.close();
    }
  }, 120_000);
});
