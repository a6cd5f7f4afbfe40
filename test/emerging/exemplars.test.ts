import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kmeans } from '../../src/catalog/kmeans.ts';
import { dot, normalise, quantile } from '../../src/catalog/vectors.ts';
import { ExemplarError, ExemplarIndex, exemplarsPathFor } from '../../src/emerging/exemplars.ts';
import { ClioError } from '../../src/errors.ts';
import { seededRandom } from '../../src/util/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

const DIM = 32;
const model = { modelId: 'test/model@1', dimension: DIM };

/**
 * Two known clusters as real prompts form them: each a spread of tight clumps (near-paraphrases)
 * around its centre. A new pattern is a tight clump midway between the two centres.
 */
function world(seed = 7) {
  const random = seededRandom(seed);
  const a = randomUnit(random, DIM);
  const b = randomUnit(random, DIM);
  const clumps = [a, b].flatMap((centre) => Array.from({ length: 20 }, () => near(random, centre, 0.18)));
  const known = clumps.flatMap((clump) => Array.from({ length: 30 }, () => near(random, clump, 0.03)));
  const fresh = Array.from({ length: 1000 }, (_, i) => near(random, clumps[i % clumps.length]!, 0.03));
  const between = normalise(a.map((x, d) => x + b[d]!));
  const novel = Array.from({ length: 200 }, () => near(random, between, 0.03));
  return { known, fresh, novel };
}

const share = (vectors: number[][], test: (v: number[]) => boolean) => vectors.filter(test).length / vectors.length;

describe('ExemplarIndex', () => {
  const { known, fresh, novel } = world();
  const exemplars = ExemplarIndex.fromVectors(known, model);

  it('calibrates on a held-out part: about 2% of fresh known conversations test novel, not none and not most', () => {
    const rate = share(fresh, (v) => exemplars.isNovel(v));
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThan(0.05);
    expect(exemplars.threshold).toBeLessThan(1);
    expect(exemplars.size).toBe(known.length);
  });

  it('flags a new pattern between two clusters that the centroid test misses', () => {
    // The centroid test as the catalog build calibrates it: 5th percentile of members' similarity.
    const km = kmeans(known, 2, seededRandom(1));
    const thresholds = km.centroids.map((_, c) => quantile(km.similarity.filter((_, i) => km.assignment[i] === c), 0.05));
    const centroidNovel = (v: number[]) => {
      const sims = km.centroids.map((c) => dot(v, c));
      const best = sims.indexOf(Math.max(...sims));
      return sims[best]! < thresholds[best]!;
    };
    expect(share(novel, centroidNovel)).toBeLessThan(0.2);
    expect(share(novel, (v) => exemplars.isNovel(v))).toBeGreaterThan(0.9);
  });

  it('ignores repeated texts, which would otherwise find themselves and raise the threshold', () => {
    const repeated = [...known, ...known.slice(0, 400), ...known.slice(0, 400)];
    const withRepeats = ExemplarIndex.fromVectors(repeated, model);
    expect(withRepeats.size).toBe(known.length);
    expect(withRepeats.threshold).toBe(exemplars.threshold);
  });

  it('keeps how often each text occurred, so a popular known text weighs as a repeated recent one does', () => {
    const repeated = [...known, ...known.slice(0, 400), ...known.slice(0, 400)];
    const withRepeats = ExemplarIndex.fromVectors(repeated, model);
    expect(withRepeats.conversations).toBe(repeated.length);
    expect(exemplars.conversations).toBe(known.length);
    // A text seen three times is its own three nearest known conversations; a text seen once, one.
    expect(withRepeats.nearestSimilarities(known[0]!, 3)).toEqual([expect.closeTo(1, 2), expect.closeTo(1, 2), expect.closeTo(1, 2)]);
    const once = withRepeats.nearestSimilarities(known[500]!, 3);
    expect(once[0]).toBeCloseTo(1, 2);
    expect(once[1]).toBeLessThan(0.99);
    expect(once).toHaveLength(3);
  });

  it('keeps at most maxExemplars, the same ones for the same seed', () => {
    const small = ExemplarIndex.fromVectors(known, { ...model, maxExemplars: 300, seed: 3 });
    expect(small.size).toBe(300);
    expect(ExemplarIndex.fromVectors(known, { ...model, maxExemplars: 300, seed: 3 }).threshold).toBe(small.threshold);
  });

  it('round-trips through a compact int8 file with similarities within 0.01 of float', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-exemplars-'));
    const path = exemplarsPathFor(join(dir, 'catalog.json'));
    expect(path).toBe(join(dir, 'catalog.exemplars.json'));
    await exemplars.write(path);

    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file).toMatchObject({ version: 2, model_id: model.modelId, dimension: DIM, count: known.length, encoding: 'int8', scale: 127, threshold: exemplars.threshold });
    expect(Buffer.from(file.vectors, 'base64').length).toBe(known.length * DIM); // one byte per component

    const read = await ExemplarIndex.read(path, model);
    expect(read.size).toBe(exemplars.size);
    expect(read.conversations).toBe(exemplars.conversations);
    expect(read.threshold).toBe(exemplars.threshold);
    expect(read.nearestSimilarities(fresh[0]!, 5)).toEqual(exemplars.nearestSimilarities(fresh[0]!, 5));

    // A version 1 sample (no counts) still reads, each vector counted once.
    const { counts: _, ...v1 } = file;
    writeFileSync(path, JSON.stringify({ ...v1, version: 1 }));
    const old = await ExemplarIndex.read(path, model);
    expect(old.conversations).toBe(old.size);
    for (const q of [...fresh.slice(0, 150), ...novel.slice(0, 50)]) {
      const exact = Math.max(...known.map((k) => dot(k, q)));
      expect(Math.abs(read.nearest(q) - exact)).toBeLessThan(0.01);
      expect(read.nearest(q)).toBe(exemplars.nearest(q)); // built from the same codes
    }
  });

  it('refuses a sample built with another model, or a damaged file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-exemplars-'));
    const path = join(dir, 'catalog.exemplars.json');
    await exemplars.write(path);
    const refusal = await ExemplarIndex.read(path, { modelId: 'other/model', dimension: DIM }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ClioError);
    expect(refusal).toMatchObject({ code: 'model_mismatch', retryable: false });
    expect((refusal as Error).message).toBe(
      `exemplar sample ${path} was built with test/model@1 (d=32) but the embedder is other/model (d=32): rebuild the catalog or configure the same model`,
    );
    await expect(ExemplarIndex.read(path, { modelId: model.modelId, dimension: 64 })).rejects.toMatchObject({ code: 'model_mismatch' });

    const file = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...file, count: file.count + 1 }));
    await expect(ExemplarIndex.read(path, model)).rejects.toThrow(ExemplarError);
    await expect(ExemplarIndex.read(join(dir, 'missing.json'), model)).rejects.toThrow(/cannot read exemplar sample .*ENOENT/);
  });

  it('refuses vectors of the wrong dimension and a sample with a single distinct vector', () => {
    expect(() => ExemplarIndex.fromVectors([known[0]!.slice(1)], model)).toThrow(ExemplarError);
    expect(() => ExemplarIndex.fromVectors([known[0]!, [...known[0]!]], model)).toThrow(/at least 2 distinct/);
  });
});
