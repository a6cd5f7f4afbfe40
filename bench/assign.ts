/**
 * Assignment benchmark: nearest-centroid queries per second, one query at a time as the assigner
 * asks, and recall@1 against exact brute force, over 1,000 and 10,000 centroids (512-d, cosine):
 * SketchIndex (what the assigner uses), HnswIndex (hnswlib, ef 64, M 16) and BruteForceIndex.
 * Two kinds of centroids: in families (topics have close neighbours) and independent random ones;
 * queries lie near a random centroid. The machine is shared, so throughput is timed three times
 * and reported as a range.
 */
import { BruteForceIndex, HnswIndex, type NearestIndex } from '../src/assign/nearest-index.ts';
import { SketchIndex } from '../src/assign/sketch-index.ts';
import { normalise } from '../src/catalog/vectors.ts';
import { seededRandom, type Random } from '../src/util/random.ts';

const DIM = 512;
const QUERIES = 2_000;
const ROUNDS = 3;

function gaussian(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

const randomUnit = (random: Random) => normalise(Array.from({ length: DIM }, () => gaussian(random)));
const near = (random: Random, centre: readonly number[], noise: number) => normalise(centre.map((x) => x + gaussian(random) * noise));

interface Dataset {
  points: number[][];
  queries: number[][];
}

/** Centroids in families of 20; queries near random centroids. */
function families(centroids: number, random: Random): Dataset {
  const heads = Array.from({ length: Math.max(10, centroids / 20) }, () => randomUnit(random));
  const points = Array.from({ length: centroids }, (_, i) => near(random, heads[i % heads.length]!, 0.05));
  return { points, queries: queriesNear(points, random) };
}

/** Independent random centroids; queries near random centroids. */
function independent(centroids: number, random: Random): Dataset {
  const points = Array.from({ length: centroids }, () => randomUnit(random));
  return { points, queries: queriesNear(points, random) };
}

function queriesNear(points: number[][], random: Random): number[][] {
  return Array.from({ length: QUERIES }, () => near(random, points[Math.floor(random() * points.length)]!, 0.06));
}

function build(index: NearestIndex, points: number[][]): number {
  const start = performance.now();
  points.forEach((p, label) => index.add(label, p));
  return (performance.now() - start) / 1000;
}

function labels(index: NearestIndex, queries: number[][]): number[] {
  return queries.map((q) => index.nearest(q, 1)[0]!.label);
}

/** Queries per second over ROUNDS timed passes: "lowest–highest". */
function throughput(index: NearestIndex, queries: number[][]): string {
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    labels(index, queries);
    rates.push(queries.length / ((performance.now() - start) / 1000));
  }
  return `${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}`;
}

function recall(found: number[], exact: number[]): string {
  return (found.filter((label, i) => label === exact[i]).length / exact.length).toFixed(4);
}

export async function benchAssign(): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  for (const centroids of [1_000, 10_000]) {
    const at = `assign ${centroids} centroids:`;
    const recalls: Record<string, string> = {};
    const builds: Record<string, string> = {};
    for (const [kind, data] of [
      ['families', families(centroids, seededRandom(centroids))],
      ['random', independent(centroids, seededRandom(centroids + 1))],
    ] as const) {
      const brute = new BruteForceIndex();
      const sketch = new SketchIndex(DIM, { initialCapacity: centroids });
      const hnsw = new HnswIndex(DIM, centroids);
      build(brute, data.points);
      const sketchBuild = build(sketch, data.points);
      const hnswBuild = build(hnsw, data.points);
      const exact = labels(brute, data.queries);
      recalls[`${at} sketch recall@1 (${kind})`] = recall(labels(sketch, data.queries), exact);
      recalls[`${at} HNSW recall@1 (${kind})`] = recall(labels(hnsw, data.queries), exact);
      if (kind !== 'families') continue;
      figures[`${at} sketch (queries/s)`] = throughput(sketch, data.queries);
      figures[`${at} HNSW (queries/s)`] = throughput(hnsw, data.queries);
      figures[`${at} brute force (queries/s)`] = throughput(brute, data.queries.slice(0, centroids >= 10_000 ? 200 : 1_000));
      builds[`${at} sketch build (s)`] = sketchBuild.toFixed(2);
      builds[`${at} HNSW build (s)`] = hnswBuild.toFixed(1);
    }
    Object.assign(figures, recalls, builds);
  }
  return figures;
}

// Runnable on its own: `npx tsx bench/assign.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [k, v] of Object.entries(await benchAssign())) console.log(`${k.padEnd(44)} ${v}`);
}
