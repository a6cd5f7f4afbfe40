import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startMonitor } from '../../src/app/monitor.ts';
import { loadConfig } from '../../src/config/load.ts';
import { EmergenceScorer, sharedEmergenceScorer } from '../../src/emerging/emergence-scorer.ts';
import type { AssignmentHandler, ChunkHandler, Source } from '../../src/ingest/source.ts';
import { createLogger } from '../../src/log.ts';
import { PipelineMetrics } from '../../src/pipeline/metrics.ts';
import { memoryStream } from '../helpers/canary.ts';
import { NoAlerts, NoDeadLetters } from '../helpers/null-sinks.ts';


/**
 * A group that read topic `old` (partition 0 assigned, never applied: behind, no clock) and is then
 * reassigned to `new`, whose only partition is 0: the old row is stale and released. No records.
 */
class MovingSource implements Source {
  readonly description = 'a source moved from one topic to another';
  async run(_handle: ChunkHandler, onAssignment?: AssignmentHandler): Promise<void> {
    await onAssignment?.([{ topic: 'old', partition: 0, position: '0', highWatermark: '10' }], { topic: 'old', partitions: [0] });
    await onAssignment?.([{ topic: 'new', partition: 0, position: '0', highWatermark: '0' }], { topic: 'new', partitions: [0] });
  }
  async stop(): Promise<void> {}
  isReady(): boolean {
    return true;
  }
}

describe('the monitor, wired', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-monitor-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts released stale partition rows in clio_stale_partitions_released_total and closes the emergence worker at stop', async () => {
    const config = loadConfig({ overrides: { store: { dataDir: join(dir, 'store') }, privacy: { accountHashSecret: 'monitor-test-secret-0123456789' } } });
    const metrics = new PipelineMetrics({ processMetrics: false });
    // Its own scorer: stopping one monitor must not stop the worker another monitor in the process uses.
    const closeScorer = vi.spyOn(EmergenceScorer.prototype, 'close');
    const closeShared = vi.spyOn(sharedEmergenceScorer, 'close');
    try {
      const monitor = await startMonitor({
        config, logger: createLogger('info', memoryStream()), metrics, source: new MovingSource(), deadLetters: new NoDeadLetters(),
        consumer: 'moving', notifier: new NoAlerts(),
      });
      try {
        await monitor.done;
        expect(await metrics.registry.metrics()).toMatch(/^clio_stale_partitions_released_total 1$/m);
        expect(closeScorer).not.toHaveBeenCalled();
      } finally {
        await monitor.stop();
      }
      expect(closeScorer).toHaveBeenCalledTimes(1);
      expect(closeShared).not.toHaveBeenCalled();
    } finally {
      closeScorer.mockRestore();
      closeShared.mockRestore();
    }
  }, 120_000);
});
