/**
 * The nearest-labelled-example vote: example requests per area and benign ones, embedded once,
 * and for each conversation the k most similar examples above a similarity floor. A brute-force
 * dot product over a few hundred Float32 rows costs microseconds, cheaper than any index.
 */

/** Label of a benign example. */
export const BENIGN = -1;

export interface Neighbour {
  label: number;
  similarity: number;
}

export class ExampleIndex {
  private readonly rows: Float32Array;
  readonly size: number;

  constructor(
    vectors: readonly (readonly number[])[],
    private readonly labels: readonly number[],
    readonly dimension: number,
  ) {
    if (vectors.length !== labels.length) throw new Error(`${vectors.length} example vectors for ${labels.length} labels`);
    this.size = vectors.length;
    this.rows = new Float32Array(this.size * dimension);
    vectors.forEach((v, i) => {
      if (v.length !== dimension) throw new Error(`example vector ${i} has ${v.length} dimensions, expected ${dimension}`);
      this.rows.set(v, i * dimension);
    });
  }

  /** The k most similar examples, most similar first (unit vectors: dot = cosine). */
  nearest(vector: ArrayLike<number>, k: number): Neighbour[] {
    const d = this.dimension;
    if (vector.length !== d) throw new Error(`a ${vector.length}-d vector against ${d}-d examples`);
    const query = vector instanceof Float32Array ? vector : Float32Array.from(vector);
    const rows = this.rows;
    const top: Neighbour[] = [];
    let worst = -Infinity;
    for (let r = 0, o = 0; r < this.size; r++, o += d) {
      // Four partial sums: fewer dependent additions per step, about twice as fast in V8.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let j = 0;
      for (; j + 3 < d; j += 4) {
        s0 += rows[o + j]! * query[j]!;
        s1 += rows[o + j + 1]! * query[j + 1]!;
        s2 += rows[o + j + 2]! * query[j + 2]!;
        s3 += rows[o + j + 3]! * query[j + 3]!;
      }
      for (; j < d; j++) s0 += rows[o + j]! * query[j]!;
      const s = s0 + s1 + s2 + s3;
      if (top.length === k && s <= worst) continue;
      let at = top.length < k ? top.length : k - 1;
      if (top.length < k) top.push({ label: 0, similarity: 0 });
      while (at > 0 && top[at - 1]!.similarity < s) {
        top[at] = top[at - 1]!;
        at--;
      }
      top[at] = { label: this.labels[r]!, similarity: s };
      if (top.length === k) worst = top[k - 1]!.similarity;
    }
    return top;
  }
}
