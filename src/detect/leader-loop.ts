import type { CatalogIndex } from '../assign/catalog-index.ts';
import type { Logger } from '../log.ts';
import type { DetectionStore } from '../store/detection-store.ts';
import type { IngestStore } from '../store/ingest-store.ts';
import type { JanitorSchedule } from '../store/janitor.ts';
import { FencedError, type Leadership } from '../store/leadership.ts';
import type { Detector } from './detector.ts';

/** What the loop needs of the outbox deliverer: it delivers only while this process leads. */
export interface Delivery {
  start(): void;
  stop(): Promise<void>;
  deliverDue(): Promise<unknown>;
}

export interface LeaderLoopDeps {
  leadership: Leadership;
  /** The live catalog index; absent without a catalog (counting goes on, nothing is judged). */
  index: () => CatalogIndex | undefined;
  store: Pick<IngestStore, 'eventClock' | 'maxEventTime'>;
  detectionStore: DetectionStore;
  /** Names the pipeline's offsets: its event clock is what regular passes judge up to. */
  consumer: string;
  /** Opens the detector over the store as of now, writing under the given (fenced) store. */
  openDetector: (store: DetectionStore, index: CatalogIndex) => Promise<Detector>;
  delivery: Delivery;
  /** Retention, run by the leader after its detection pass. */
  retention?: Pick<JanitorSchedule, 'runIfDue'>;
  logger: Logger;
  /** Event time only moves with traffic, but the lead can change hands (and retries fall due) without any. Default 5 s. */
  tickMs?: number;
}

export interface PassOptions {
  /** The end of a replay: closes every bucket up to the last event (no more late data can come). */
  final?: boolean;
}

export interface LeaderLoop {
  /** One detection pass, after the one in progress; rejects with its failure. */
  pass(options?: PassOptions): Promise<void>;
  /** A pass whose failure is logged, not thrown (the next one retries): what new traffic triggers. */
  nudge(): Promise<void>;
  /** Stops the ticker, waits for the pass in progress and stops delivery. */
  stop(): Promise<void>;
}

/**
 * The leader's loop: detection passes one at a time, and only in the leader, which also delivers
 * the outbox and runs retention; a follower keeps its index in step with the provisional clusters
 * the leader adds. A lost lead stops delivery; a new one (even this process's own, regained)
 * reopens the detector from the store, since another instance may have moved it on.
 */
export function startLeaderLoop(deps: LeaderLoopDeps): LeaderLoop {
  const { leadership, detectionStore, delivery: deliverer, retention, logger } = deps;
  // Retention ages are measured on the event clock (the newest event time applied), as detection's
  // are: history consumed late, or replayed, keeps the account sets and seen ids its own windows need.
  const retentionNow = () => deps.store.maxEventTime();
  let detector: Detector | undefined;
  let detectorEpoch: number | null = null;
  let delivering = false;
  let turn: Promise<unknown> = Promise.resolve();

  const detect = (options: PassOptions = {}): Promise<void> => {
    const pass = turn.then(async () => {
      const index = deps.index();
      if (!index) {
        // Nothing to judge without a catalog, but the counts and seen ids are stored all the same.
        if (retention && (await leadership.acquire())) await retention.runIfDue(retentionNow, options.final);
        return;
      }
      if (!(await leadership.acquire())) {
        if (detector) logger.warn('lost the detection lead: another instance judges buckets now');
        detector = undefined;
        if (delivering) await deliverer.stop();
        delivering = false;
        await syncProvisional(detectionStore, index);
        return;
      }
      // A new lead (even this process's own, regained) reloads the state: another instance may have moved it on.
      if (!detector || detectorEpoch !== leadership.epoch()) {
        detector = undefined;
        const epoch = leadership.epoch();
        // The detector writes under the token of the lead it was opened in, refused once another instance takes over.
        const fencedStore = detectionStore.fenced(leadership.fenced ? () => epoch : undefined);
        detector = await deps.openDetector(fencedStore, index);
        detectorEpoch = epoch;
        logger.info('leading detection and notification');
      }
      if (!delivering) deliverer.start();
      delivering = true;
      // Regular passes follow the partitions' clock; the end of a replay closes up to the last event.
      const clock = options.final ? await deps.store.maxEventTime() : await deps.store.eventClock(deps.consumer);
      let released;
      try {
        released = await detector.advance(clock, options);
      } catch (error) {
        // The pass's state in memory may be ahead of what was stored: reload it from the store next time.
        detector = undefined;
        if (error instanceof FencedError) {
          logger.warn('lost the detection lead: another instance judges buckets now');
          if (delivering) await deliverer.stop();
          delivering = false;
        }
        throw error;
      }
      if (released.length > 0) void deliverer.deliverDue().catch(() => {});
      await retention?.runIfDue(retentionNow, options.final);
    });
    turn = pass.catch(() => {});
    return pass;
  };
  // Event time only moves with traffic, but the lead can change hands (and retries fall due) without any.
  const logFailure = (e: Error) => logger.error({ err: e.message }, 'detection pass failed; the next one retries');
  const nudge = () => detect().catch(logFailure);
  const ticker = setInterval(() => void nudge(), deps.tickMs ?? 5000);
  ticker.unref();

  return {
    pass: detect,
    nudge,
    stop: async () => {
      clearInterval(ticker);
      await turn;
      await deliverer.stop();
    },
  };
}

/** Adds the provisional clusters another instance (the leader) stored since we last looked. */
async function syncProvisional(store: DetectionStore, index: CatalogIndex): Promise<void> {
  if ((await store.latestCatalogVersion()) <= index.catalog.version) return;
  const latest = await store.latestCatalog();
  if (!latest) return;
  for (const c of latest.clusters) if (c.provisional && !index.cluster(c.id)) index.addLeaf(c);
  index.catalog.version = latest.version;
}

/**
 * What `run` calls after each chunk: it asks for a pass and waits only for the one asked for after
 * the chunk before. The next chunk is read and counted while a pass judges (its emergence check
 * scores in a worker thread), and detection is never more than one pass behind the counts, so
 * what runs ahead of it (the emerging window read ahead) stays bounded.
 */
export function overlappedPasses(nudge: () => Promise<void>): () => Promise<void> {
  let previous: Promise<void> = Promise.resolve();
  return async () => {
    const before = previous;
    previous = nudge();
    await before;
  };
}
