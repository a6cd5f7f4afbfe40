import { describe, expect, it } from 'vitest';
import { instantiateKernels, SKETCH_BITS } from '../../src/assign/simd-kernels.ts';
import { seededRandom } from '../../src/util/random.ts';

const random = seededRandom(1);

function walshHadamard(x: number[]): number[] {
  const y = [...x];
  for (let h = 1; h < y.length; h <<= 1) {
    for (let i = 0; i < y.length; i += 2 * h) {
      for (let j = i; j < i + h; j++) [y[j], y[j + h]] = [y[j]! + y[j + h]!, y[j]! - y[j + h]!];
    }
  }
  return y;
}

function popcount(byte: number): number {
  let count = 0;
  for (let b = byte; b; b >>= 1) count += b & 1;
  return count;
}

describe('rotate', () => {
  it.each([
    [4, 1],
    [16, 3],
    [512, 3],
  ])('applies signs then a Walsh–Hadamard transform, %i floats, %i rounds', (n, rounds) => {
    const kernels = instantiateKernels(1);
    const floats = new Float32Array(kernels.memory.buffer);
    const x = Array.from({ length: n }, () => random() - 0.5);
    const signs = Array.from({ length: n * rounds }, () => (random() < 0.5 ? -1 : 1));
    floats.set(x, 0);
    floats.set(signs, n);
    kernels.rotate(0, n * 4, n, rounds);
    let expected = x;
    for (let r = 0; r < rounds; r++) expected = walshHadamard(expected.map((v, i) => v * signs[r * n + i]!));
    const scale = Math.sqrt(n) ** rounds;
    Array.from(floats.subarray(0, n)).forEach((v, i) => expect(v / scale).toBeCloseTo(expected[i]! / scale, 5));
  });
});

describe('shortlist', () => {
  const bytes = SKETCH_BITS / 8;
  const layout = { query: 0, sketches: 64, histogram: 64 + 1000 * bytes, rows: 80_000, distances: 90_000 };

  function scan(n: number, wanted: number) {
    const kernels = instantiateKernels(2);
    const u8 = new Uint8Array(kernels.memory.buffer);
    const ints = new Int32Array(kernels.memory.buffer);
    for (let i = 0; i < (n + 2) * bytes; i++) u8[i] = Math.floor(random() * 256);
    const written = kernels.shortlist(layout.query, layout.sketches, n, wanted, layout.histogram, layout.rows, layout.distances);
    const distance = (row: number) => {
      let d = 0;
      for (let b = 0; b < bytes; b++) d += popcount(u8[layout.query + b]! ^ u8[layout.sketches + row * bytes + b]!);
      return d;
    };
    const rows = Array.from(ints.subarray(layout.rows / 4, layout.rows / 4 + written));
    const distances = Array.from(ints.subarray(layout.distances / 4, layout.distances / 4 + written));
    const histogram = Array.from(ints.subarray(layout.histogram / 4, layout.histogram / 4 + SKETCH_BITS + 1));
    return { rows, distances, histogram, all: Array.from({ length: n }, (_, row) => distance(row)) };
  }

  it('writes, in row order, a superset of the nearest sketches with their Hamming distances', () => {
    const { rows, distances, histogram, all } = scan(1000, 20);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    rows.forEach((row, i) => expect(distances[i]).toBe(all[row]));
    // Every row within the 20th-smallest distance is written.
    const bound = [...all].sort((a, b) => a - b)[19]!;
    const within = all.flatMap((d, row) => (d <= bound ? [row] : []));
    expect(rows.filter((_, i) => distances[i]! <= bound)).toEqual(within);
    expect(within.length).toBeGreaterThanOrEqual(20);
    // The histogram counts exactly the written rows.
    expect(histogram.reduce((a, b) => a + b)).toBe(rows.length);
    distances.forEach((d) => expect(histogram[d]).toBeGreaterThan(0));
    // The bound falls as it goes: far fewer rows than the whole are written.
    expect(rows.length).toBeLessThan(500);
  });

  it('writes every row when fewer than wanted, and nothing for none', () => {
    expect(scan(5, 20).rows).toEqual([0, 1, 2, 3, 4]);
    expect(scan(0, 20).rows).toEqual([]);
  });
});

describe('dots', () => {
  it('computes the dot product of the query with each listed row', () => {
    const kernels = instantiateKernels(1);
    const floats = new Float32Array(kernels.memory.buffer);
    const ints = new Int32Array(kernels.memory.buffer);
    const rowFloats = 32; // two 16-float steps
    const query = Array.from({ length: rowFloats }, () => random() - 0.5);
    const matrix = Array.from({ length: 5 * rowFloats }, () => random() - 0.5);
    floats.set(query, 0);
    floats.set(matrix, rowFloats);
    ints.set([3, 0, 4], 1000);
    kernels.dots(0, rowFloats * 4, 4000, 3, rowFloats * 4, 8000);
    [3, 0, 4].forEach((row, i) => {
      const expected = query.reduce((s, q, d) => s + q * matrix[row * rowFloats + d]!, 0);
      expect(floats[2000 + i]).toBeCloseTo(expected, 5);
    });
  });
});
