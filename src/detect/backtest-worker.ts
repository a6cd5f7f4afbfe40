/**
 * A backtest worker thread (backtest-pool.ts): judges one rule set over the snapshot it is given
 * with runBacktest, asking the parent thread for distinct accounts (it holds the store).
 */
import { parentPort } from 'node:worker_threads';
import pino from 'pino';
import { CountsSnapshot, runBacktest, type BacktestPlan, type BacktestResult, type NewColumns, type SnapshotData } from './backtest.ts';

export type ToWorker =
  | { type: 'run'; plan: BacktestPlan; snapshot: SnapshotData; level: string }
  | { type: 'accounts'; id: number; n?: number; error?: string }
  | { type: 'progress'; loadedThroughMs: number; added: NewColumns };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'accounts'; id: number; args: [clusterId: string, product: string, fromMs: number, toMs: number] }
  | { type: 'log'; line: string }
  | { type: 'done'; result: BacktestResult }
  | { type: 'failed'; message: string };

const port = parentPort;
if (port) {
  const send = (m: FromWorker) => port.postMessage(m);
  const waiting = new Map<number, { resolve: (n: number) => void; reject: (error: Error) => void }>();
  let next = 0;
  let snapshot: CountsSnapshot | null = null;
  /** Passes waiting for the parent to read further. */
  const reading: Array<{ ms: number; resolve: () => void }> = [];
  const accounts = {
    distinctAccounts: (clusterId: string, product: string, fromMs: number, toMs: number) =>
      new Promise<number>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        send({ type: 'accounts', id, args: [clusterId, product, fromMs, toMs] });
      }),
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'accounts') {
      const call = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error !== undefined || m.n === undefined) call?.reject(new Error(m.error ?? 'no answer'));
      else call?.resolve(m.n);
      return;
    }
    if (m.type === 'progress') {
      snapshot?.extend(m.loadedThroughMs, m.added);
      const loaded = snapshot?.loadedThroughMs ?? -Infinity;
      for (const w of reading.filter((r) => loaded >= r.ms)) {
        reading.splice(reading.indexOf(w), 1);
        w.resolve();
      }
      return;
    }
    const logger = pino({ level: m.level }, { write: (line: string) => send({ type: 'log', line }) });
    snapshot = CountsSnapshot.of(m.snapshot);
    const readThrough = (ms: number) => (snapshot!.loadedThroughMs >= ms ? Promise.resolve() : new Promise<void>((resolve) => reading.push({ ms, resolve })));
    runBacktest(m.plan, snapshot, accounts, logger, readThrough).then(
      (result) => send({ type: 'done', result }),
      (error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
  });
  send({ type: 'ready' });
}
