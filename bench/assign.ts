/**
 * Assignment benchmark: nearest-centroid queries per second over 1,000 and 10,000 centroids
 * (512-d), HNSW against brute force, with HNSW's recall@1 measured against the exact answer.
 */
import { BruteForceIndex, HnswIndex, type NearestIndex } from '../src/assign/nearest-index.ts';
import { normalise } from '../src/catalog/vectors.ts';
import { seededRandom, type Random } from '../src/generate/random.ts';

const DIM = 512;

function gaussian(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Centroids in families (topics have neighbours), queries near random centroids. */
function dataset(centroids: number, queries: number, random: Random) {
  const families = Array.from({ length: Math.max(10, centroids / 20) }, () => normalise(Array.from({ length: DIM }, () => gaussian(random))));
  const points = Array.from({ length: centroids }, (_, i) => normalise(families[i % families.length]!.map((x) => x + gaussian(random) * 0.05)));
  const qs = Array.from({ length: queries }, () => normalise(points[Math.floor(random() * centroids)]!.map((x) => x + gaussian(random) * 0.06)));
  return { points, qs };
}

function timeQueries(index: NearestIndex, qs: number[][]): { perSecond: number; labels: number[] } {
  const labels: number[] = [];
  const start = performance.now();
  for (const q of qs) labels.push(index.nearest(q, 1)[0]!.label);
  return { perSecond: qs.length / ((performance.now() - start) / 1000), labels };
}

export async function benchAssign(): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  for (const centroids of [1_000, 10_000]) {
    const { points, qs } = dataset(centroids, 5_000, seededRandom(centroids));
    const hnsw = new HnswIndex(DIM, centroids);
    const brute = new BruteForceIndex();
    const built = performance.now();
    points.forEach((p, i) => hnsw.add(i, p));
    const buildSeconds = (performance.now() - built) / 1000;
    points.forEach((p, i) => brute.add(i, p));
    const h = timeQueries(hnsw, qs);
    const b = timeQueries(brute, qs.slice(0, centroids >= 10_000 ? 500 : 2_000));
    const exact = timeQueries(brute, qs).labels;
    const recall = h.labels.filter((l, i) => l === exact[i]).length / qs.length;
    figures[`assign ${centroids} centroids: HNSW (queries/s)`] = h.perSecond.toFixed(0);
    figures[`assign ${centroids} centroids: brute force (queries/s)`] = b.perSecond.toFixed(0);
    figures[`assign ${centroids} centroids: HNSW recall@1`] = recall.toFixed(4);
    figures[`assign ${centroids} centroids: HNSW build (s)`] = buildSeconds.toFixed(1);
  }
  return figures;
}
