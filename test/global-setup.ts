// Vitest globalSetup: a real Kafka broker and a real PostgreSQL for the whole run, unless
// KAFKA_BROKERS / TEST_DATABASE_URL point at existing ones. Tests read them via test/helpers/services.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startKafka, stopKafka } from '../scripts/kafka.mjs';
import { startPostgres } from '../scripts/postgres.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap brokers, e.g. "127.0.0.1:41234". */
    kafkaBrokers: string;
    /** postgres:// URL of a server where the test user may CREATE DATABASE. */
    postgresUrl: string;
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg: string) => process.stderr.write(`[global-setup] ${msg}\n`);

/** n distinct free ports, all held open at once so they cannot repeat. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A service this run may start. stopSync is registered before start, so even a half-started one is cleaned up. */
interface Service {
  start(): Promise<void>;
  stop(): Promise<unknown>;
  /** Blocking stop for process 'exit' (Ctrl-C, SIGTERM), where nothing async runs any more. */
  stopSync(): void;
}

function stopViaScript(script: string, env: Record<string, string>) {
  spawnSync(process.execPath, [path.join(ROOT, 'scripts', script), 'stop'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function kafkaService(): Service {
  // Both in .cache/kafka so `node scripts/kafka.mjs stop --all` (CI's exit trap) cleans up after a hard kill.
  const pidFile = path.join(ROOT, '.cache', 'kafka', `vitest-${process.pid}.pid`);
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(path.dirname(pidFile), 'tmp-'));
  const removeData = () => fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    async start() {
      const [port, controllerPort] = await freePorts(2);
      const k = await startKafka({ port, controllerPort, dataDir, pidFile });
      process.env.KAFKA_BROKERS = k.brokers;
      say(`started Kafka 3.9.1 on ${k.brokers} (pid ${k.pid}, ready in ${k.startSeconds.toFixed(1)} s)`);
    },
    stop: async () => {
      await stopKafka({ pidFile });
      removeData();
    },
    stopSync: () => {
      stopViaScript('kafka.mjs', { KAFKA_PID_FILE: pidFile });
      removeData();
    },
  };
}

function postgresService(): Service {
  const stateFile = path.join(ROOT, '.cache', 'postgres', `vitest-${process.pid}.json`);
  let stop: () => Promise<unknown> = async () => {};
  return {
    async start() {
      const started = Date.now();
      const pg = await startPostgres({ stateFile });
      stop = pg.stop;
      process.env.TEST_DATABASE_URL = pg.url;
      say(`started PostgreSQL on ${pg.url} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    },
    stop: () => stop(),
    stopSync: () => stopViaScript('postgres.mjs', { POSTGRES_STATE_FILE: stateFile }),
  };
}

export default async function setup(project: TestProject) {
  // Every temp folder of the run (the tests', their `run` children's, PostgreSQL's data) goes under one
  // folder, removed at the end: os.tmpdir() reads TMPDIR, and the test workers start after this.
  const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clio-test-run-'));
  // As open as /tmp itself: PostgreSQL runs as its own user and makes its data folder in here.
  fs.chmodSync(runTmp, 0o1777);
  const outerTmp = process.env.TMPDIR;
  process.env.TMPDIR = runTmp;
  const removeRunTmp = () => {
    fs.rmSync(runTmp, { recursive: true, force: true });
    if (outerTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outerTmp;
  };
  const services: Service[] = [];
  if (!process.env.KAFKA_BROKERS) services.push(kafkaService());
  if (!process.env.TEST_DATABASE_URL) services.push(postgresService());

  const onExit = () => {
    for (const s of services.splice(0)) s.stopSync();
    removeRunTmp();
  };
  const onSignal = (signal: NodeJS.Signals) => process.exit(128 + (os.constants.signals[signal] ?? 0));
  // Vitest answers Ctrl-C/SIGTERM with process.exit() (skipping teardown), and calls it again from its
  // own 'exit' listener, which ends the process before later listeners run: so ours go first.
  process.prependListener('exit', onExit);
  process.prependOnceListener('SIGINT', onSignal);
  process.prependOnceListener('SIGTERM', onSignal);

  const teardown = async () => {
    for (const r of await Promise.allSettled(services.splice(0).map((s) => s.stop()))) {
      if (r.status === 'rejected') say(`clean-up failed: ${r.reason}`);
    }
    removeRunTmp();
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  const failed = (await Promise.allSettled(services.map((s) => s.start()))).find(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (failed) {
    await teardown();
    throw failed.reason;
  }

  project.provide('kafkaBrokers', process.env.KAFKA_BROKERS!);
  project.provide('postgresUrl', process.env.TEST_DATABASE_URL!);
  return teardown;
}
