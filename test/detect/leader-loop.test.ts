import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CatalogIndex } from '../../src/assign/catalog-index.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import type { Detector } from '../../src/detect/detector.ts';
import { overlappedPasses, startLeaderLoop, type LeaderLoopDeps } from '../../src/detect/leader-loop.ts';
import { createLogger } from '../../src/log.ts';
import type { DetectionStore } from '../../src/store/detection-store.ts';
import { FencedError, type Leadership } from '../../src/store/leadership.ts';

/** Fakes for everything around the loop, recording what it was asked to do. */
function harness(options: { index?: boolean } = {}) {
  const log: string[] = [];
  const lines: Array<{ msg: string }> = [];
  const lead = { held: true, epoch: 1 };
  const leadership: Leadership = {
    acquire: async () => lead.held,
    epoch: () => (lead.held ? lead.epoch : null),
    fenced: true,
    close: async () => {},
  };
  const clusters: CatalogCluster[] = [];
  const catalog = { version: 1, clusters } as unknown as Catalog;
  const index = {
    catalog,
    cluster: (id: string) => clusters.find((c) => c.id === id),
    addLeaf: (c: CatalogCluster) => void clusters.push(c),
  } as unknown as CatalogIndex;
  const stored: { version: number; clusters: Array<Partial<CatalogCluster>> } = { version: 1, clusters: [] };
  const fences: Array<number | null> = [];
  const detectionStore = {
    fenced: (fence: (() => number | null) | undefined) => {
      fences.push(fence ? fence() : null);
      return detectionStore;
    },
    latestCatalogVersion: async () => stored.version,
    latestCatalog: async () => ({ ...catalog, version: stored.version, clusters: stored.clusters }),
  } as unknown as DetectionStore;
  const advance: { fail?: Error; release?: number; running: number; most: number } = { running: 0, most: 0 };
  let opened = 0;
  const deps: LeaderLoopDeps = {
    leadership,
    index: () => (options.index === false ? undefined : index),
    store: { eventClock: async (consumer: string) => (consumer === 'group' ? 1000 : -1), maxEventTime: async () => 2000 },
    detectionStore,
    consumer: 'group',
    openDetector: async () => {
      const id = ++opened;
      log.push(`open ${id}`);
      return {
        advance: async (clock: number | null, o: { final?: boolean }) => {
          advance.running++;
          advance.most = Math.max(advance.most, advance.running);
          await sleep(5);
          advance.running--;
          log.push(`advance ${id} ${clock}${o.final ? ' final' : ''}`);
          if (advance.fail) throw advance.fail;
          return Array.from({ length: advance.release ?? 0 });
        },
      } as unknown as Detector;
    },
    delivery: {
      start: () => void log.push('deliver start'),
      stop: async () => void log.push('deliver stop'),
      deliverDue: async () => void log.push('deliver due'),
    },
    retention: { runIfDue: async (now, final) => (log.push(`retention ${await now()}${final ? ' final' : ''}`), null) },
    logger: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) }),
    tickMs: 60_000,
  };
  return { deps, log, lines, lead, stored, clusters, fences, advance };
}

describe('startLeaderLoop', () => {
  it('on the leader: opens the detector under its fence, delivers, judges up to the clock, then runs retention', async () => {
    const h = harness();
    const loop = startLeaderLoop(h.deps);
    await loop.pass();
    h.advance.release = 1;
    await loop.pass({ final: true });
    await loop.stop();
    expect(h.log).toEqual([
      'open 1', 'deliver start', 'advance 1 1000', 'retention 2000',
      'advance 1 2000 final', 'deliver due', 'retention 2000 final',
      'deliver stop',
    ]);
    expect(h.fences).toEqual([1]);
  });

  it('runs one pass at a time', async () => {
    const h = harness();
    const loop = startLeaderLoop(h.deps);
    await Promise.all([loop.pass(), loop.nudge(), loop.pass(), loop.nudge()]);
    await loop.stop();
    expect(h.log.filter((l) => l.startsWith('advance'))).toHaveLength(4);
    expect(h.advance.most).toBe(1);
  });

  it('a follower stops delivering, judges nothing and adds the provisional clusters the leader stored; a regained lead reopens', async () => {
    const h = harness();
    const loop = startLeaderLoop(h.deps);
    await loop.pass();
    h.lead.held = false;
    h.stored.version = 2;
    h.stored.clusters = [{ id: 'p1', provisional: true }, { id: 'known', provisional: false }];
    await loop.pass();
    expect(h.clusters.map((c) => c.id)).toEqual(['p1']);
    h.lead.held = true;
    h.lead.epoch = 2;
    await loop.pass();
    await loop.stop();
    expect(h.log).toEqual(['open 1', 'deliver start', 'advance 1 1000', 'retention 2000', 'deliver stop', 'open 2', 'deliver start', 'advance 2 1000', 'retention 2000', 'deliver stop']);
    expect(h.fences).toEqual([1, 2]);
    expect(h.lines.map((l) => l.msg)).toContain('lost the detection lead: another instance judges buckets now');
  });

  it('a fenced write stops delivery and reopens the detector; a failed nudge is logged, not thrown', async () => {
    const h = harness();
    const loop = startLeaderLoop(h.deps);
    h.advance.fail = new FencedError();
    await expect(loop.pass()).rejects.toBeInstanceOf(FencedError);
    await loop.nudge();
    h.advance.fail = undefined;
    await loop.pass();
    await loop.stop();
    expect(h.log).toEqual([
      'open 1', 'deliver start', 'advance 1 1000', 'deliver stop',
      'open 2', 'deliver start', 'advance 2 1000', 'deliver stop',
      'open 3', 'deliver start', 'advance 3 1000', 'retention 2000',
      'deliver stop',
    ]);
    expect(h.lines.filter((l) => l.msg === 'detection pass failed; the next one retries')).toHaveLength(1);
  });

  it('without a catalog, only retention runs, and only on the leader', async () => {
    const h = harness({ index: false });
    const loop = startLeaderLoop(h.deps);
    await loop.pass();
    h.lead.held = false;
    await loop.pass();
    await loop.stop();
    expect(h.log).toEqual(['retention 2000', 'deliver stop']);
  });

  it('ticks without traffic, and not after stop', async () => {
    const h = harness();
    const loop = startLeaderLoop({ ...h.deps, tickMs: 10 });
    await sleep(80);
    await loop.stop();
    const ticked = h.log.filter((l) => l.startsWith('advance')).length;
    expect(ticked).toBeGreaterThan(1);
    await sleep(50);
    expect(h.log.filter((l) => l.startsWith('advance')).length).toBe(ticked);
  });
});

describe('overlappedPasses', () => {
  it('returns while the pass it asked for runs, and waits for the pass before it', async () => {
    const passes: Array<{ done: boolean; finish: () => void }> = [];
    const nudge = () => new Promise<void>((resolve) => {
      const pass = { done: false, finish: () => ((pass.done = true), resolve()) };
      passes.push(pass);
    });
    const afterChunk = overlappedPasses(nudge);
    const settled = (p: Promise<void>) => Promise.race([p.then(() => true), sleep(20).then(() => false)]);

    // The first chunk's pass runs while the second chunk is read: the caller goes on at once.
    expect(await settled(afterChunk())).toBe(true);
    expect(passes).toHaveLength(1);
    expect(passes[0]!.done).toBe(false);

    // The second chunk asks for its pass, then waits for the first: never more than one pass behind.
    const second = afterChunk();
    expect(passes).toHaveLength(2);
    expect(await settled(second)).toBe(false);
    passes[0]!.finish();
    expect(await settled(second)).toBe(true);
    expect(passes[1]!.done).toBe(false);

    const third = afterChunk();
    expect(await settled(third)).toBe(false);
    passes[1]!.finish();
    expect(await settled(third)).toBe(true);
  });
});
