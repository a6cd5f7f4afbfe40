import { instantiateKernels, type Kernels } from '../assign/simd-kernels.ts';

const PAGE = 65_536;

/**
 * Cosine similarities between the rows of one set of unit vectors, on the SIMD dot-product kernel
 * of the assignment index (~5 G multiply-adds/s here against ~0.4 in plain JavaScript): a
 * 6,000-point window's all-pairs matrix takes about 2 s instead of 25.
 */
export class PairwiseSimilarity {
  private readonly kernels: Kernels;
  private readonly rowBytes: number;
  /** Row numbers 0…size−1, written once: `after` points into it. */
  private readonly identityAt: number;
  private readonly listAt: number;
  private readonly outAt: number;
  readonly size: number;

  constructor(vectors: ReadonlyArray<ArrayLike<number>>, readonly dimension: number) {
    this.size = vectors.length;
    // The kernel reads 64 bytes (16 floats) per step: rows are zero-padded to a multiple of that.
    const padded = Math.max(16, Math.ceil(dimension / 16) * 16);
    this.rowBytes = padded * 4;
    this.identityAt = this.size * this.rowBytes;
    this.listAt = this.identityAt + this.size * 4;
    this.outAt = this.listAt + this.size * 4;
    const bytes = this.outAt + this.size * 4;
    this.kernels = instantiateKernels(Math.max(1, Math.ceil(bytes / PAGE)));
    const floats = new Float32Array(this.kernels.memory.buffer, 0, this.size * padded);
    vectors.forEach((v, i) => {
      if (v.length !== dimension) throw new RangeError(`a ${v.length}-d vector among ${dimension}-d ones`);
      for (let d = 0; d < dimension; d++) floats[i * padded + d] = v[d]!;
    });
    new Int32Array(this.kernels.memory.buffer, this.identityAt, this.size).forEach((_, i, a) => (a[i] = i));
  }

  /**
   * Similarities of row i with the rows listed (in order), as a view that the next call reuses:
   * read or copy it before calling again.
   */
  with(i: number, rows: ArrayLike<number>): Float32Array {
    if (rows.length > this.size) throw new RangeError('more rows listed than held');
    const list = new Int32Array(this.kernels.memory.buffer, this.listAt, rows.length);
    for (let r = 0; r < rows.length; r++) list[r] = rows[r]!;
    this.kernels.dots(i * this.rowBytes, 0, this.listAt, rows.length, this.rowBytes, this.outAt);
    return new Float32Array(this.kernels.memory.buffer, this.outAt, rows.length);
  }

  /** Similarities of row i with rows i+1 … size−1. */
  after(i: number): Float32Array {
    return this.range(i, i + 1, this.size);
  }

  /** Similarities of row i with rows from … to−1 (a view, as with `with`). */
  range(i: number, from: number, to: number): Float32Array {
    const count = Math.min(to, this.size) - from;
    if (count <= 0) return new Float32Array(0);
    this.kernels.dots(i * this.rowBytes, 0, this.identityAt + from * 4, count, this.rowBytes, this.outAt);
    return new Float32Array(this.kernels.memory.buffer, this.outAt, count);
  }
}
