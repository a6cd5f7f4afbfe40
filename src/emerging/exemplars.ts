import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { HnswIndex } from '../assign/nearest-index.ts';
import { normalise, quantile } from '../catalog/vectors.ts';
import type { ModelIdentity } from '../embed/model-check.ts';
import { ClioError } from '../errors.ts';
import { seededRandom } from '../util/random.ts';

export interface ExemplarOptions {
  modelId: string;
  dimension: number;
  /** Default 5000: enough to cover a catalog's clusters with their clumps, small enough to index in a few seconds (512-d). */
  maxExemplars?: number;
  seed?: number;
  /**
   * Share of known conversations that may test novel. Default 0.02: each percent admits that share
   * of ordinary traffic to the novelty pool as lonely background, while 2% of a held-out part of
   * 1000 still rests on 20 points, so the threshold is stable.
   */
  novelShare?: number;
}

export class ExemplarError extends ClioError {
  constructor(message: string) {
    super('exemplars_invalid', message);
  }
}

/** Version 2 adds how often each sampled text occurred (version 1 files read as once each). */
const FORMAT_VERSION = 2;
const SCALE = 127;
/** Share of the sample held out to calibrate against the rest. */
const HELD_OUT = 0.2;

interface ExemplarFile {
  version: number;
  model_id: string;
  dimension: number;
  threshold: number;
  count: number;
  encoding: 'int8';
  scale: number;
  vectors: string;
  /** Version 2: occurrences of each sampled vector in the build's input, uint32 little-endian, base64. */
  counts?: string;
}

/** `catalog.json` → `catalog.exemplars.json`. */
export function exemplarsPathFor(catalogPath: string): string {
  return catalogPath.endsWith('.json') ? `${catalogPath.slice(0, -'.json'.length)}.exemplars.json` : `${catalogPath}.exemplars.json`;
}

/**
 * Known conversations: a bounded sample of the catalog build's request-facet embeddings in an HNSW
 * index. It is the "known" side of the emerging groups' density contrast (src/emerging/density-contrast.ts),
 * and gives the cheap per-conversation `novel` hint (first-story novelty, Petrovic et al., 2010): a
 * live conversation is novel when its nearest known conversation is less similar than nearly all
 * known conversations are to theirs.
 *
 * The sample is individual-level derived data (one vector per sampled conversation). It stays
 * inside the secure environment, like the store and the dead-letter topic, and is written as a
 * sidecar next to the catalog — never into catalog.json, which holds aggregates only.
 */
export class ExemplarIndex {
  private readonly index: HnswIndex;

  private constructor(
    readonly modelId: string,
    readonly dimension: number,
    readonly threshold: number,
    /** The int8 codes in index order: what is written, and what the index was built from. */
    private readonly codes: Int8Array,
    /** How often each sampled vector occurred in the build's input, in index order. */
    private readonly counts: Uint32Array,
    built?: HnswIndex,
  ) {
    this.conversations = counts.reduce((a, b) => a + b, 0);
    this.index = built ?? new HnswIndex(dimension, this.size);
    for (let i = this.index.size; i < this.size; i++) this.index.add(i, decode(codes, i, dimension));
  }

  /** Known conversations the sample stands for: its vectors weighted by how often each occurred. */
  readonly conversations: number;

  get size(): number {
    return this.codes.length / this.dimension;
  }

  /**
   * A uniform sample of the distinct vectors (identical texts embed identically, and real traffic
   * repeats texts heavily: a repeat would find itself and make the threshold optimistic). The
   * threshold is a low quantile of held-out exemplars' similarity to their nearest neighbour among
   * the rest, so it reflects a fresh conversation meeting the index, not a point meeting itself.
   * All exemplars are indexed afterwards; the extra fifth only makes the threshold a little cautious.
   * Each sampled vector keeps how often it occurred, so that the density contrast weighs a popular
   * known text as the recent window does (where every repeat is a conversation).
   */
  static fromVectors(vectors: readonly (readonly number[])[], opts: ExemplarOptions): ExemplarIndex {
    const { dimension } = opts;
    const max = Math.max(2, opts.maxExemplars ?? 5000);
    const random = seededRandom(opts.seed ?? 1);
    // Reservoir sampling (Algorithm R) over the distinct vectors, so memory stays at the sample's size.
    const reservoir: Array<{ code: Int8Array; key: string }> = [];
    const seen = new Map<string, number>();
    for (const v of vectors) {
      if (v.length !== dimension) throw new ExemplarError(`a ${v.length}-d vector given for a ${dimension}-d exemplar sample`);
      const code = encode(v);
      const key = createHash('sha1').update(code).digest('base64');
      const before = seen.get(key);
      seen.set(key, (before ?? 0) + 1);
      if (before !== undefined) continue;
      if (reservoir.length < max) reservoir.push({ code, key });
      else {
        const j = Math.floor(random() * seen.size);
        if (j < max) reservoir[j] = { code, key };
      }
    }
    if (reservoir.length < 2) throw new ExemplarError(`an exemplar sample needs at least 2 distinct vectors, got ${reservoir.length}`);
    shuffle(reservoir, random); // the reservoir keeps arrival order; the held-out part must be random
    const heldOut = Math.max(1, Math.round(reservoir.length * HELD_OUT));
    const held = reservoir.slice(0, heldOut);
    const rest = reservoir.slice(heldOut);

    const codes = new Int8Array(reservoir.length * dimension);
    const ordered = [...rest, ...held];
    ordered.forEach(({ code }, row) => codes.set(code, row * dimension));
    const counts = Uint32Array.from(ordered, ({ key }) => seen.get(key)!);
    // The rest first; the held-out part joins the same index once measured against it, in the
    // order read() adds them, so a written and read sample answers exactly as this one.
    const index = new HnswIndex(dimension, reservoir.length);
    rest.forEach(({ code }, label) => index.add(label, decode(code, 0, dimension)));
    const nearestSims = held.map(({ code }) => index.nearest(decode(code, 0, dimension), 1)[0]!.similarity);
    const threshold = Math.max(-1, Math.min(1, quantile(nearestSims, opts.novelShare ?? 0.02)));
    return new ExemplarIndex(opts.modelId, dimension, threshold, codes, counts, index);
  }

  /** Cosine similarity to the nearest known conversation. */
  nearest(vector: readonly number[]): number {
    return this.index.nearest(vector, 1)[0]?.similarity ?? -1;
  }

  /** Cosine similarities to the k nearest known conversations, most similar first: the known side of the density contrast. */
  nearestSimilarities(vector: readonly number[], k: number): number[] {
    const out: number[] = [];
    for (const n of this.index.nearest(vector, k)) {
      for (let c = 0; c < this.counts[n.label]! && out.length < k; c++) out.push(n.similarity);
      if (out.length === k) break;
    }
    return out;
  }

  /** No known conversation is as close as nearly all known conversations are to theirs. */
  isNovel(vector: readonly number[]): boolean {
    return this.nearest(vector) < this.threshold;
  }

  /** Atomically (temp file + rename), like the catalog. */
  async write(path: string): Promise<void> {
    const file: ExemplarFile = {
      version: FORMAT_VERSION,
      model_id: this.modelId,
      dimension: this.dimension,
      threshold: this.threshold,
      count: this.size,
      encoding: 'int8',
      scale: SCALE,
      vectors: Buffer.from(this.codes.buffer, this.codes.byteOffset, this.codes.byteLength).toString('base64'),
      counts: Buffer.from(new Uint8Array(Uint32Array.from(this.counts).buffer)).toString('base64'),
    };
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, `${JSON.stringify(file)}\n`);
    await rename(tmp, path);
  }

  /** Reads a sidecar, refusing one built with another model (its vectors would not be comparable). */
  static async read(path: string, expected: ModelIdentity): Promise<ExemplarIndex> {
    let file: ExemplarFile;
    try {
      file = JSON.parse(await readFile(path, 'utf8')) as ExemplarFile;
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new ExemplarError(code ? `cannot read exemplar sample ${path}: ${code}` : `exemplar sample ${path} is not JSON`);
    }
    if (![1, FORMAT_VERSION].includes(file?.version) || file.encoding !== 'int8' || file.scale !== SCALE || typeof file.vectors !== 'string' || !Number.isFinite(file.threshold)) {
      throw new ExemplarError(`exemplar sample ${path} is not a version ${FORMAT_VERSION} int8 sample`);
    }
    if (file.model_id !== expected.modelId || file.dimension !== expected.dimension) {
      throw new ClioError(
        'model_mismatch',
        `exemplar sample ${path} was built with ${file.model_id} (d=${file.dimension}) but the embedder is ${expected.modelId} (d=${expected.dimension}): rebuild the catalog or configure the same model`,
      );
    }
    const bytes = Buffer.from(file.vectors, 'base64');
    if (!Number.isInteger(file.count) || file.count < 1 || bytes.length !== file.count * file.dimension) {
      throw new ExemplarError(`exemplar sample ${path} holds ${bytes.length} bytes, not ${file.count} vectors of ${file.dimension}`);
    }
    const codes = new Int8Array(bytes.length);
    codes.set(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    return new ExemplarIndex(file.model_id, file.dimension, file.threshold, codes, readCounts(file, path));
  }
}

/** Version 1 samples knew no multiplicities: each vector counts once. */
function readCounts(file: ExemplarFile, path: string): Uint32Array {
  if (file.version === 1 || file.counts === undefined) {
    if (file.version !== 1) throw new ExemplarError(`exemplar sample ${path} has no counts`);
    return new Uint32Array(file.count).fill(1);
  }
  const bytes = Buffer.from(file.counts, 'base64');
  if (bytes.length !== file.count * 4) throw new ExemplarError(`exemplar sample ${path} holds ${bytes.length / 4} counts for ${file.count} vectors`);
  const counts = new Uint32Array(file.count);
  for (let i = 0; i < file.count; i++) counts[i] = bytes.readUInt32LE(i * 4);
  if (counts.some((c) => c < 1)) throw new ExemplarError(`exemplar sample ${path} has a count below 1`);
  return counts;
}

/** A unit vector's components as int8 (x·127): a quarter of float32, similarities within ~0.005. */
export function encode(vector: readonly number[]): Int8Array {
  const unit = normalise(vector);
  return Int8Array.from(unit, (x) => Math.max(-SCALE, Math.min(SCALE, Math.round(x * SCALE))));
}

/** Row `row` of int8 codes back to a unit vector. */
export function decode(codes: Int8Array, row: number, dimension: number): number[] {
  return normalise(Array.from(codes.subarray(row * dimension, (row + 1) * dimension), (q) => q / SCALE));
}

/** Seeded Fisher–Yates, in place. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
