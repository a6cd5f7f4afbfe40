/**
 * Worker threads that judge backtest rule sets side by side (backtestSets): each runs runBacktest
 * over the shared snapshot as it is read; distinct accounts, which need the store, are asked of
 * this thread. Workers are kept a while after a backtest: starting one (loading the detector's
 * modules) costs about as much as a third of a 14-day judgement, and an analyst tuning a
 * threshold runs several backtests in a row.
 */
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { startWorker } from '../util/ts-worker.ts';
import type { Logger } from '../log.ts';
import { BacktestError, type AccountSource, type BacktestResult, type CountsSnapshot, type NewColumns, type PlannedBacktest } from './backtest.ts';
import type { FromWorker, ToWorker } from './backtest-worker.ts';

const WORKER_URL = new URL('./backtest-worker.ts', import.meta.url);
/** An idle worker is stopped after this long without a backtest. */
const IDLE_MS = 60_000;
/** Idle workers kept at most (a backtest judges two sets: the candidate and the rules in force). */
const MAX_IDLE = 2;

interface Slot {
  worker: Worker;
  /** False when the worker could not start. */
  ready: Promise<boolean>;
  /** Stops it once idle too long. */
  idleTimer: NodeJS.Timeout | null;
  /** It stopped (or failed): never reused. */
  gone: boolean;
}

const idle: Slot[] = [];

function startSlot(): Slot {
  const worker = startWorker(WORKER_URL, { name: 'clio-backtest' });
  const ready = new Promise<boolean>((resolve) => {
    worker.once('message', (m: FromWorker) => resolve(m.type === 'ready'));
    worker.once('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
  const slot: Slot = { worker, ready, idleTimer: null, gone: false };
  // A worker that stops (or fails) leaves the idle list.
  worker.once('exit', () => {
    slot.gone = true;
    const i = idle.indexOf(slot);
    if (i >= 0) idle.splice(i, 1);
  });
  return slot;
}

/** How long idle workers wait for a backtest that is likely soon (warmBacktestWorkers). */
const WARM_IDLE_MS = 5 * 60_000;

/**
 * Gets idle workers ready for a backtest that is likely soon (an analyst opened the rules), so that
 * the first one does not wait for them to load (≈ 1.5 s on two cores): starts what is missing of
 * MAX_IDLE and keeps them all WARM_IDLE_MS instead of IDLE_MS. A backtest that comes while they
 * still load takes them and waits for them as for any new worker.
 */
export function warmBacktestWorkers(): void {
  for (const slot of idle) {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => void slot.worker.terminate(), WARM_IDLE_MS).unref();
  }
  while (idle.length < MAX_IDLE) {
    const slot = startSlot();
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => void slot.worker.terminate(), WARM_IDLE_MS).unref();
    idle.push(slot);
  }
}

/** Idle workers waiting for a backtest (loaded or loading). */
export function idleBacktestWorkers(): number {
  return idle.length;
}

/** Workers for one backtestSets call, taken from the idle ones or started; give them back with release(). */
export class BacktestPool {
  private readonly jobs = new Map<Slot, CountsSnapshot>();

  private constructor(private readonly slots: Slot[], private readonly logger: Logger) {}

  /** `size` workers; new ones load their modules while the caller reads the store. */
  static start(size: number, logger: Logger): BacktestPool {
    const slots: Slot[] = [];
    while (slots.length < size) {
      const slot = idle.pop() ?? startSlot();
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
      // Holds the process while it works; an idle worker does not (release).
      slot.worker.ref();
      slots.push(slot);
    }
    return new BacktestPool(slots, logger);
  }

  /** One plan per worker; null when a worker did not start (the caller judges the plans itself). */
  async run(plans: readonly PlannedBacktest[], accounts: AccountSource): Promise<BacktestResult[] | null> {
    if (plans.length > this.slots.length) return null;
    const ready = await Promise.all(this.slots.slice(0, plans.length).map((s) => s.ready));
    if (!ready.every(Boolean)) {
      this.logger.warn('backtest workers did not start: judging the rule sets one after the other');
      return null;
    }
    return Promise.all(plans.map((p, i) => this.judge(this.slots[i]!, p, accounts)));
  }

  /** Tells the workers judging over `snapshot` how far it is read, and the columns it added (shared memory). */
  progress(snapshot: CountsSnapshot, loadedThroughMs: number, added: NewColumns): void {
    for (const [slot, judged] of this.jobs) if (judged === snapshot) slot.worker.postMessage({ type: 'progress', loadedThroughMs, added } satisfies ToWorker);
  }

  /** Keeps the workers that finished their job for the next backtest; stops the others. */
  async release(): Promise<void> {
    const stopping: Array<Promise<number>> = [];
    for (const slot of this.slots) {
      const busy = this.jobs.has(slot);
      if (!busy && idle.length < MAX_IDLE && (await slot.ready) && !slot.gone) {
        slot.idleTimer = setTimeout(() => void slot.worker.terminate(), IDLE_MS).unref();
        slot.worker.unref();
        idle.push(slot);
      } else {
        stopping.push(slot.worker.terminate());
      }
    }
    await Promise.all(stopping);
  }

  private judge(slot: Slot, { plan, snapshot }: PlannedBacktest, accounts: AccountSource): Promise<BacktestResult> {
    const { worker } = slot;
    const send = (m: ToWorker) => worker.postMessage(m);
    return new Promise<BacktestResult>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'accounts') {
          accounts.distinctAccounts(...m.args).then(
            (n) => send({ type: 'accounts', id: m.id, n }),
            (error: unknown) => send({ type: 'accounts', id: m.id, error: error instanceof Error ? error.message : String(error) }),
          );
        } else if (m.type === 'log') {
          this.relay(m.line);
        } else if (m.type === 'done') {
          finish();
          resolve(m.result);
        } else if (m.type === 'failed') {
          finish();
          reject(new BacktestError(`a backtest worker failed: ${m.message}`));
        }
      };
      const onError = (error: Error) => {
        finish();
        reject(error);
      };
      const onExit = (code: number) => {
        finish();
        reject(new BacktestError(`a backtest worker stopped (exit ${code}) before it answered`));
      };
      // The worker is free again (and its listeners gone) once it answered.
      const finish = () => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        this.jobs.delete(slot);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      // What is read so far goes with the plan; progress() sends the rest as it is read.
      this.jobs.set(slot, snapshot);
      send({ type: 'run', plan, snapshot: snapshot.data(), level: this.logger.level });
    });
  }

  /** A worker's log line, logged here at its level (the worker has no destination of its own). */
  private relay(line: string): void {
    try {
      const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = JSON.parse(line) as Record<string, unknown> & { level: number; msg?: string };
      const label = pino.levels.labels[level] as 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | undefined;
      if (label) this.logger[label](fields, msg ?? '');
    } catch {
      // A line that is not a log record is dropped: the worker writes nothing else.
    }
  }
}
