import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOTSTRAP = new URL('./tsx-worker-bootstrap.mjs', import.meta.url);

/**
 * Starts a worker thread from a module URL; a `.ts` module is started through a plain-JS bootstrap
 * that registers tsx inside the new thread first. Nothing simpler works on Node 20: a worker does
 * not inherit tsx registered through its API (as bin/clio-stream.js does), and with
 * `execArgv: ['--import', 'tsx']` tsx's loader declines to register off the main thread.
 */
export function startWorker(url: URL, options: WorkerOptions = {}): Worker {
  // Not the parent's flags by default: some (`--input-type`, `--eval`) make a worker refuse to start.
  const own = { ...options, execArgv: options.execArgv ?? [] };
  if (!url.pathname.endsWith('.ts')) return new Worker(url, own);
  return new Worker(BOOTSTRAP, { ...own, argv: [...(options.argv ?? []), url.href] });
}
