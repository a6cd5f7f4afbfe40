/**
 * The emergence worker thread (emergence-scorer.ts): runs emergingGroups — the all-pairs density
 * contrast of one window, seconds of CPU at 6,000 points — off the thread that serves the API and
 * the Kafka consumer. Pure maths on what it is sent; it holds no state between checks.
 */
import { parentPort } from 'node:worker_threads';
import { emergingGroups, type EmergingGroup, type GroupOptions, type RecentPoint } from './density-contrast.ts';

/** One window, packed: vectors and known similarities as flat typed arrays (transferred, not copied). */
export interface PackedWindow {
  dimension: number;
  /** n × dimension, row after row; Float32Array when every vector was one, so values are exactly the caller's. */
  vectors: Float32Array | Float64Array;
  /** Known similarities of point i: known[knownAt[i] … knownAt[i+1]−1]. */
  known: Float64Array;
  knownAt: Uint32Array;
  idHash: string[];
  accountHash: string[];
  eventTimeMs: Float64Array;
  terms: Array<readonly string[]>;
  nearestClusterId: string[];
  explained: Uint8Array;
}

export type ToEmergenceWorker = { type: 'score'; id: number; window: PackedWindow; opts: GroupOptions };
export type FromEmergenceWorker =
  | { type: 'ready' }
  | { type: 'scored'; id: number; scores: Float64Array; groups: EmergingGroup[] }
  | { type: 'failed'; id: number; message: string };

/** The packed window as points again (views into the typed arrays). */
export function unpackWindow(w: PackedWindow): RecentPoint[] {
  const d = w.dimension;
  return w.idHash.map((idHash, i) => ({
    idHash,
    accountHash: w.accountHash[i]!,
    eventTimeMs: w.eventTimeMs[i]!,
    vector: w.vectors.subarray(i * d, (i + 1) * d),
    terms: w.terms[i]!,
    nearestClusterId: w.nearestClusterId[i]!,
    known: Array.from(w.known.subarray(w.knownAt[i]!, w.knownAt[i + 1]!)),
    explained: w.explained[i] === 1,
  }));
}

const port = parentPort;
if (port) {
  port.on('message', (m: ToEmergenceWorker) => {
    if (m.type !== 'score') return;
    try {
      const { scores, groups } = emergingGroups(unpackWindow(m.window), m.opts);
      port.postMessage({ type: 'scored', id: m.id, scores, groups } satisfies FromEmergenceWorker, [scores.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ type: 'failed', id: m.id, message: error instanceof Error ? error.message : String(error) } satisfies FromEmergenceWorker);
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromEmergenceWorker);
}
