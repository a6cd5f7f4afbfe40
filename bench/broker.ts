import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../scripts/postgres.mjs';
import { startKafka } from '../scripts/kafka.mjs';

/** Runs `work` against KAFKA_BROKERS, or against a local broker started (and stopped) for it. */
export async function withBroker<T>(work: (brokers: string[]) => Promise<T>): Promise<T> {
  if (process.env.KAFKA_BROKERS) return work(process.env.KAFKA_BROKERS.split(','));
  const dataDir = mkdtempSync(join(tmpdir(), 'clio-bench-kafka-'));
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const kafka = await startKafka({ port, controllerPort, dataDir, pidFile: join(dataDir, 'kafka.pid') });
  // Interrupted benchmarks stop their broker too.
  const onSignal = () =>
    void kafka.stop().finally(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work([kafka.brokers]);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await kafka.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
