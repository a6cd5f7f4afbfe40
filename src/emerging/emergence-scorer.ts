/**
 * Runs emergingGroups in a worker thread (emergence-worker.ts). At every bucket close the detector
 * re-scores the whole recent window all-pairs: 6,000 512-d points are seconds of CPU, and on the
 * thread that also answers /healthz, heartbeats Kafka and (with the embedded store) runs PGlite, a
 * pass judging a few buckets held the event loop for 20–50 s. The worker runs the very same code on
 * the same numbers, so the groups and scores are the same bit for bit; small windows, and any
 * failure of the worker, are scored on this thread instead.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/ts-worker.ts';
import type { Logger } from '../log.ts';
import { emergingGroups, type EmergingGroup, type GroupOptions, type RecentPoint } from './density-contrast.ts';
import type { FromEmergenceWorker, PackedWindow, ToEmergenceWorker } from './emergence-worker.ts';

const WORKER_URL = new URL('./emergence-worker.ts', import.meta.url);
/** Windows smaller than this are scored here: about 50 ms of work, less than a worker round trip is worth. */
export const MIN_WORKER_POINTS = 1000;
/** After this many worker failures (could not start, crashed) every check is scored on this thread. */
const MAX_FAILURES = 3;

export interface ScoredWindow {
  scores: Float64Array;
  groups: EmergingGroup[];
}

/** Packs a window for the worker: flat typed arrays, so the big parts are moved, not copied. */
export function packWindow(points: readonly RecentPoint[]): PackedWindow {
  const n = points.length;
  const dimension = n > 0 ? points[0]!.vector.length : 0;
  const allF32 = points.every((p) => p.vector instanceof Float32Array);
  const vectors = allF32 ? new Float32Array(n * dimension) : new Float64Array(n * dimension);
  const knownAt = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) knownAt[i + 1] = knownAt[i]! + points[i]!.known.length;
  const known = new Float64Array(knownAt[n]!);
  const eventTimeMs = new Float64Array(n);
  const explained = new Uint8Array(n);
  points.forEach((p, i) => {
    if (p.vector.length !== dimension) throw new RangeError(`a ${p.vector.length}-d vector among ${dimension}-d ones`);
    if (p.vector instanceof Float32Array || p.vector instanceof Float64Array) vectors.set(p.vector, i * dimension);
    else for (let d = 0; d < dimension; d++) vectors[i * dimension + d] = p.vector[d]!;
    known.set(p.known, knownAt[i]!);
    eventTimeMs[i] = p.eventTimeMs;
    explained[i] = p.explained ? 1 : 0;
  });
  return {
    dimension, vectors, known, knownAt, eventTimeMs, explained,
    idHash: points.map((p) => p.idHash),
    accountHash: points.map((p) => p.accountHash),
    terms: points.map((p) => p.terms),
    nearestClusterId: points.map((p) => p.nearestClusterId),
  };
}

/** emergingGroups threw in the worker (it would here too). */
class ScoringFailed extends Error {}

/** The worker could not score the window: did not start, stopped or crashed. Its message is ours, never a foreign error's. */
class WorkerUnavailable extends Error {}

/**
 * What the log may say of a failure: our own message, else only the error's class. A foreign
 * message can quote the window it choked on — V8's DataCloneError prints the value it could not
 * send — and the window holds id hashes and summary words.
 */
export function failureOf(error: unknown): string {
  if (error instanceof WorkerUnavailable) return error.message;
  const name = error instanceof Error ? error.name : '';
  return /^[A-Za-z]{1,60}$/.test(name) ? name : 'Error';
}

export class EmergenceScorer {
  private worker: Worker | null = null;
  private ready: Promise<boolean> | null = null;
  private readonly pending = new Map<number, { resolve: (r: ScoredWindow) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failures = 0;
  /** Checks started or waiting in the worker. */
  private busy = 0;

  constructor(private readonly options: { minWorkerPoints?: number } = {}) {}

  /** emergingGroups(points, opts), in the worker when the window is large enough; a failure is logged to `logger`. */
  async groups(points: readonly RecentPoint[], opts: GroupOptions, logger?: Logger): Promise<ScoredWindow> {
    if (points.length < (this.options.minWorkerPoints ?? MIN_WORKER_POINTS) || this.failures >= MAX_FAILURES) return emergingGroups(points, opts);
    try {
      return await this.inWorker(points, opts);
    } catch (error) {
      // The maths itself failed (as it would here): no second try.
      if (error instanceof ScoringFailed) throw error;
      this.failures += 1;
      logger?.warn({ err: failureOf(error), failures: this.failures }, 'emergence worker failed: scoring this window on the main thread');
      return emergingGroups(points, opts);
    }
  }

  /** Stops the worker (tests, shutdown); a later check starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    if (worker) await worker.terminate();
  }

  private async inWorker(points: readonly RecentPoint[], opts: GroupOptions): Promise<ScoredWindow> {
    const worker = this.start();
    // Held while it starts and works, so a process waiting on the check does not exit; idle, it holds nothing.
    worker.ref();
    this.busy += 1;
    try {
      if (!(await this.ready)) {
        await this.close();
        throw new WorkerUnavailable('the worker did not start');
      }
      // Stopped since it was ready: nothing would answer.
      if (this.worker !== worker) throw new WorkerUnavailable('the worker stopped');
      const window = packWindow(points);
      const id = this.nextId++;
      return await new Promise<ScoredWindow>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'score', id, window, opts } satisfies ToEmergenceWorker, [window.vectors.buffer as ArrayBuffer, window.known.buffer as ArrayBuffer]);
      });
    } finally {
      this.busy -= 1;
      if (this.busy === 0) worker.unref();
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(WORKER_URL, { name: 'clio-emergence' });
    this.worker = worker;
    let started = false;
    this.ready = new Promise<boolean>((resolve) => {
      worker.once('message', (m: FromEmergenceWorker) => resolve((started = m.type === 'ready')));
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    });
    worker.on('message', (m: FromEmergenceWorker) => {
      if (m.type === 'ready') return;
      const call = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (!call) return;
      if (m.type === 'scored') call.resolve({ scores: m.scores, groups: m.groups });
      else call.reject(new ScoringFailed(m.message));
    });
    // A worker that fails or stops fails what it was doing; the next check starts another.
    const gone = (why: string) => {
      if (this.worker === worker) {
        this.worker = null;
        this.ready = null;
      }
      for (const [, call] of this.pending) call.reject(new WorkerUnavailable(why));
      this.pending.clear();
    };
    worker.on('error', (e: Error) => gone(`the worker crashed (${failureOf(e)})`));
    worker.on('exit', (code) => gone(started ? `the worker stopped (exit ${code})` : 'the worker did not start'));
    worker.unref();
    return worker;
  }
}

/**
 * The scorer of trackers built without one (tests, tools). A monitor makes its own and passes it
 * to every tracker it opens (the leader loop opens a new detector, and with it a new tracker, each
 * time it takes the lead), so stopping it stops only its own worker.
 */
export const sharedEmergenceScorer = new EmergenceScorer();
