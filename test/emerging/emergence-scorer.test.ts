import { afterAll, describe, expect, it } from 'vitest';
import { normalise } from '../../src/catalog/vectors.ts';
import { contrastScores, emergingGroups, knownCount, KNOWN_DEPTH, type GroupOptions, type RecentPoint } from '../../src/emerging/density-contrast.ts';
import { EmergenceScorer, packWindow } from '../../src/emerging/emergence-scorer.ts';
import { unpackWindow } from '../../src/emerging/emergence-worker.ts';
import { ExemplarIndex } from '../../src/emerging/exemplars.ts';
import { PairwiseSimilarity } from '../../src/emerging/pairwise.ts';
import { seededRandom } from '../../src/util/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

const DIM = 48;
const T0 = Date.parse('2026-11-27T00:00:00Z');
const MINUTE = 60_000;
const OPTS = (knownSize: number): GroupOptions => ({ knownSize, minSimilarity: 0.65, minAccounts: 10, minConversations: 20 });

/** 1,200 ordinary conversations from 200 accounts and a new family from 40, as in density-contrast.test.ts. */
function window(asFloat32: boolean) {
  const random = seededRandom(5);
  const topics = Array.from({ length: 40 }, () => randomUnit(random, DIM));
  const ordinary = () => near(random, topics[Math.floor(random() * topics.length)]!, 0.25);
  const exemplars = ExemplarIndex.fromVectors(Array.from({ length: 2000 }, ordinary), { modelId: 'test/model', dimension: DIM });
  const centre = normalise(topics[3]!.map((x, d) => x + 0.9 * randomUnit(random, DIM)[d]!));
  const point = (i: number, vector: number[], account: string, t: number, terms: string[]): RecentPoint => ({
    idHash: `h${i.toString(16).padStart(8, '0')}`, accountHash: account, eventTimeMs: t, terms, nearestClusterId: `c-${i % 7}`,
    vector: asFloat32 ? Float32Array.from(vector) : vector,
    known: exemplars.nearestSimilarities(vector, KNOWN_DEPTH),
    explained: i % 97 === 0,
  });
  const points = [
    ...Array.from({ length: 1200 }, (_, i) => point(i, ordinary(), `o${i % 200}`, T0 + Math.floor((i * 360 * MINUTE) / 1200), ['plan', 'trip'])),
    ...Array.from({ length: 80 }, (_, i) => point(5000 + i, near(random, centre, 0.05), `f${i % 40}`, T0 + 120 * MINUTE + i * MINUTE, ['pretend', 'unrestricted', `own${i % 40}`])),
  ];
  return { points, knownSize: exemplars.conversations };
}

/** The contrast as it was computed before the all-pairs pass went by blocks: row after row. */
function rowByRowScores(points: readonly RecentPoint[], k: number, knownSize: number): number[] {
  const n = points.length;
  const top = new Float64Array(n * k).fill(-Infinity);
  const insert = (i: number, s: number) => {
    const base = i * k;
    if (s <= top[base + k - 1]!) return;
    let r = k - 1;
    while (r > 0 && top[base + r - 1]! < s) {
      top[base + r] = top[base + r - 1]!;
      r--;
    }
    top[base + r] = s;
  };
  const pairs = new PairwiseSimilarity(points.map((p) => p.vector), points[0]!.vector.length);
  for (let i = 0; i < n - 1; i++) {
    const sims = pairs.after(i);
    for (let t = 0; t < sims.length; t++) {
      const j = i + 1 + t;
      if (points[j]!.accountHash === points[i]!.accountHash) continue;
      insert(i, sims[t]!);
      insert(j, sims[t]!);
    }
  }
  const kKnown = knownCount(k, knownSize, n);
  return points.map((p, i) => {
    let recent = 0;
    for (let r = 0; r < k; r++) recent += Math.max(0, top[i * k + r]!);
    const m = Math.min(kKnown, p.known.length);
    let knownSum = 0;
    for (let r = 0; r < m; r++) knownSum += p.known[r]!;
    return recent / k - (m > 0 ? knownSum / m : -1);
  });
}

describe('emergence scoring off the event loop', () => {
  const scorers: EmergenceScorer[] = [];
  afterAll(async () => {
    await Promise.all(scorers.map((s) => s.close()));
  });

  it('scores all pairs by blocks exactly as row by row, over several blocks and repeated accounts', () => {
    const { points, knownSize } = window(true);
    expect(Array.from(contrastScores(points, { k: 10, knownSize }))).toEqual(rowByRowScores(points, 10, knownSize));
  });

  it('packs a window for the worker without changing a value', () => {
    for (const asFloat32 of [true, false]) {
      const { points } = window(asFloat32);
      const back = unpackWindow(packWindow(points));
      expect(back.map((p) => ({ ...p, vector: Array.from(p.vector) }))).toEqual(points.map((p) => ({ ...p, vector: Array.from(p.vector), explained: Boolean(p.explained) })));
    }
  });

  it('finds the same groups and scores, bit for bit, in the worker as on this thread', async () => {
    const scorer = new EmergenceScorer({ minWorkerPoints: 1 });
    scorers.push(scorer);
    for (const asFloat32 of [true, false]) {
      const { points, knownSize } = window(asFloat32);
      const here = emergingGroups(points, OPTS(knownSize));
      expect(here.groups.length).toBeGreaterThan(0);
      const there = await scorer.groups(points, OPTS(knownSize));
      expect(there.groups).toEqual(here.groups);
      expect(Array.from(there.scores)).toEqual(Array.from(here.scores));
    }
  }, 60_000);

  it('scores on this thread when the worker stops under it, with the same result', async () => {
    const scorer = new EmergenceScorer({ minWorkerPoints: 1 });
    scorers.push(scorer);
    const { points, knownSize } = window(true);
    const warnings: string[] = [];
    const logger = { warn: (_: unknown, msg: string) => warnings.push(msg) } as unknown as Parameters<EmergenceScorer['groups']>[2];
    const scored = scorer.groups(points, OPTS(knownSize), logger);
    await scorer.close();
    const { groups } = await scored;
    expect(groups).toEqual(emergingGroups(points, OPTS(knownSize)).groups);
    expect(warnings).toHaveLength(1);
  }, 60_000);
});
