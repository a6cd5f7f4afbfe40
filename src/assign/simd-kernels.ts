/**
 * The three inner loops of SketchIndex as a small WebAssembly module, assembled here from the
 * listing below: no build step, no binary file, no dependency. WebAssembly because V8 runs plain
 * JavaScript arithmetic loops scalar (about 0.5 GMAC/s measured here), while these use 128-bit SIMD
 * and the popcount instruction (SIMD is on by default since Node 16.4).
 *
 * Every pointer is a byte offset into the instance's own memory; the caller lays out and grows it.
 */

/** A module's exports, typed. */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  /**
   * `rounds` times: multiplies the n floats at `x` by the next n signs (±1) from `signs`, then
   * applies an unnormalised fast Walsh–Hadamard transform in place. n is a power of two, ≥ 4.
   */
  rotate(x: number, signs: number, n: number, rounds: number): void;
  /**
   * Scans `n` consecutive sign sketches (SKETCH_BITS each) for those nearest the query sketch in
   * Hamming distance, keeping a bound that only falls: a row is written (its number to `rows`, its
   * distance to `distances`) while its distance is within the bound, and the bound drops while at
   * least `wanted` written rows stay within it. `histogram` (i32 per distance 0…SKETCH_BITS, zeroed
   * by the caller) counts the written rows. Returns how many were written: a superset of the
   * `wanted` nearest, ties included; those within the final bound are the shortlist.
   */
  shortlist(query: number, sketches: number, n: number, wanted: number, histogram: number, rows: number, distances: number): number;
  /**
   * Dot products of the f32 query with the rows listed (i32 row numbers) in `rows`, `rowBytes`
   * apart (a multiple of 64), written as f32 to `out`.
   */
  dots(query: number, matrix: number, rows: number, count: number, rowBytes: number, out: number): void;
}

/** Bits in a sign sketch: four 64-bit words, held in registers while a query scans. */
export const SKETCH_BITS = 256;

let compiled: WebAssembly.Module | undefined;

/** A fresh instance with its own memory of `pages` × 64 KiB (grown by the caller). */
export function instantiateKernels(pages: number): Kernels {
  compiled ??= new WebAssembly.Module(assemble());
  const memory = new WebAssembly.Memory({ initial: pages });
  const { exports } = new WebAssembly.Instance(compiled, { env: { memory } });
  return { memory, ...(exports as unknown as Omit<Kernels, 'memory'>) };
}

// ---- encoding (WebAssembly core spec, binary format) --------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vector([...Buffer.from(s)].map((b) => [b]));

function littleEndianF32(x: number): number[] {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x, true);
  return [0, 1, 2, 3].map((i) => view.getUint8(i));
}

const I32 = 0x7f;
const I64 = 0x7e;
const V128 = 0x7b;

const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const tee = (i: number) => [0x22, ...uleb(i)];
const memarg = (alignLog2: number, offset: number) => [...uleb(alignLog2), ...uleb(offset)];
const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];

/** Instructions, numbered as in the spec's binary format (blocks here take and leave nothing: 0x40). */
const op = {
  loop: [0x03, 0x40],
  block: [0x02, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  i32: {
    const: (n: number) => [0x41, ...sleb(n)],
    load: (offset = 0) => [0x28, ...memarg(2, offset)],
    store: (offset = 0) => [0x36, ...memarg(2, offset)],
    eqz: [0x45],
    ltU: [0x49],
    leU: [0x4d],
    geU: [0x4f],
    add: [0x6a],
    sub: [0x6b],
    mul: [0x6c],
    shl: [0x74],
    wrapI64: [0xa7],
  },
  i64: {
    zero: [0x42, 0x00],
    load: (offset = 0) => [0x29, ...memarg(3, offset)],
    popcnt: [0x7b],
    add: [0x7c],
    xor: [0x85],
  },
  f32: { add: [0x92], store: (offset = 0) => [0x38, ...memarg(2, offset)] },
  v128: {
    load: (offset = 0) => simd(0x00, ...memarg(4, offset)),
    store: (offset = 0) => simd(0x0b, ...memarg(4, offset)),
    zero: simd(0x0c, ...new Array<number>(16).fill(0)),
    /** A constant of four f32 lanes. */
    f32s: (lanes: number[]) => simd(0x0c, ...lanes.flatMap(littleEndianF32)),
  },
  i8x16: { shuffle: (lanes: number[]) => simd(0x0d, ...lanes) },
  f32x4: { extractLane: (lane: number) => simd(0x1f, lane), add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6) },
};

/** `local -= 1`, leaving the new value on the stack (loop counters that run down to zero). */
const decrement = (local: number) => [...get(local), ...op.i32.const(1), ...op.i32.sub, ...tee(local)];
/** `local += step`. */
const advance = (local: number, step: number[]) => [...get(local), ...step, ...op.i32.add, ...set(local)];

// ---- the kernels --------------------------------------------------------------------------------

function rotate(): number[] {
  const [x, signs, n, rounds, bytes, i, h, j, stop, v, a, b] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  /** The address that is the sum of these locals. */
  const at = (...parts: number[]) => parts.flatMap((p, k) => (k === 0 ? get(p) : [...get(p), ...op.i32.add]));
  // The first two butterfly stages pair lanes inside one vector: v·(1,−1,1,−1) + (v1,v0,v3,v2), then v·(1,1,−1,−1) + (v2,v3,v0,v1).
  const inVector = (pattern: number[], lanes: number[]) => [
    ...get(v), ...op.v128.f32s(pattern), ...op.f32x4.mul,
    ...get(v), ...get(v), ...op.i8x16.shuffle(lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])),
    ...op.f32x4.add, ...set(v),
  ];
  const body = [
    ...get(n), ...op.i32.const(2), ...op.i32.shl, ...set(bytes),
    ...op.block, ...get(rounds), ...op.i32.eqz, ...op.brIf(0),
      ...op.loop, // each round
        ...op.i32.const(0), ...set(i),
        ...op.loop, // signs, and the stages within a vector
          ...at(x, i), ...op.v128.load(), ...at(signs, i), ...op.v128.load(), ...op.f32x4.mul, ...set(v),
          ...inVector([1, -1, 1, -1], [1, 0, 3, 2]),
          ...inVector([1, 1, -1, -1], [2, 3, 0, 1]),
          ...at(x, i), ...get(v), ...op.v128.store(),
          ...advance(i, op.i32.const(16)),
          ...get(i), ...get(bytes), ...op.i32.ltU, ...op.brIf(0),
        ...op.end,
        ...advance(signs, get(bytes)),
        // the stages across vectors: pairs h bytes apart, for h = 16, 32, … < bytes
        ...op.i32.const(16), ...set(h),
        ...op.block,
          ...op.loop,
            ...get(h), ...get(bytes), ...op.i32.geU, ...op.brIf(1),
            ...op.i32.const(0), ...set(i),
            ...op.loop, // each group of 2h bytes
              ...get(i), ...set(j), ...get(i), ...get(h), ...op.i32.add, ...set(stop),
              ...op.loop, // each pair of vectors in the group
                ...at(x, j), ...op.v128.load(), ...set(a),
                ...at(x, j, h), ...op.v128.load(), ...set(b),
                ...at(x, j), ...get(a), ...get(b), ...op.f32x4.add, ...op.v128.store(),
                ...at(x, j, h), ...get(a), ...get(b), ...op.f32x4.sub, ...op.v128.store(),
                ...advance(j, op.i32.const(16)),
                ...get(j), ...get(stop), ...op.i32.ltU, ...op.brIf(0),
              ...op.end,
              ...get(i), ...get(h), ...op.i32.const(1), ...op.i32.shl, ...op.i32.add, ...set(i),
              ...get(i), ...get(bytes), ...op.i32.ltU, ...op.brIf(0),
            ...op.end,
            ...get(h), ...op.i32.const(1), ...op.i32.shl, ...set(h),
            ...op.br(0),
          ...op.end,
        ...op.end,
        ...decrement(rounds), ...op.brIf(0),
      ...op.end,
    ...op.end,
  ];
  return func([[5, I32], [3, V128]], body);
}

function shortlist(): number[] {
  const [query, sketches, n, wanted, histogram, rows, distances] = [0, 1, 2, 3, 4, 5, 6];
  const [row, d, bound, within, count] = [7, 8, 9, 10, 11];
  const queryWord = [12, 13, 14, 15];
  const element = (base: number, index: number) => [...get(base), ...get(index), ...op.i32.const(2), ...op.i32.shl, ...op.i32.add];
  // popcount(query word w ^ sketch word w)
  const word = (w: number) => [...get(queryWord[w]!), ...get(sketches), ...op.i64.load(8 * w), ...op.i64.xor, ...op.i64.popcnt];
  const body = [
    ...queryWord.flatMap((local, w) => [...get(query), ...op.i64.load(8 * w), ...set(local)]),
    ...op.i32.const(SKETCH_BITS), ...set(bound),
    ...op.block, ...get(n), ...op.i32.eqz, ...op.brIf(0),
      ...op.loop, // each sketch
        ...word(0), ...word(1), ...op.i64.add, ...word(2), ...word(3), ...op.i64.add, ...op.i64.add, ...op.i32.wrapI64,
        ...tee(d), ...get(bound), ...op.i32.leU,
        ...op.if,
          ...element(rows, count), ...get(row), ...op.i32.store(),
          ...element(distances, count), ...get(d), ...op.i32.store(),
          ...advance(count, op.i32.const(1)),
          ...element(histogram, d), ...element(histogram, d), ...op.i32.load(), ...op.i32.const(1), ...op.i32.add, ...op.i32.store(),
          ...advance(within, op.i32.const(1)),
          // lower the bound while the rows strictly inside it are enough
          ...op.block,
            ...op.loop,
              ...get(within), ...element(histogram, bound), ...op.i32.load(), ...op.i32.sub, ...get(wanted), ...op.i32.ltU, ...op.brIf(1),
              ...get(within), ...element(histogram, bound), ...op.i32.load(), ...op.i32.sub, ...set(within),
              ...get(bound), ...op.i32.const(1), ...op.i32.sub, ...set(bound),
              ...op.br(0),
            ...op.end,
          ...op.end,
        ...op.end,
        ...advance(sketches, op.i32.const(SKETCH_BITS / 8)),
        ...advance(row, op.i32.const(1)),
        ...get(row), ...get(n), ...op.i32.ltU, ...op.brIf(0),
      ...op.end,
    ...op.end,
    ...get(count),
  ];
  return func([[5, I32], [4, I64]], body);
}

function dots(): number[] {
  const [query, matrix, rows, count, rowBytes, out, j, row, a0] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const acc = [a0, a0 + 1, a0 + 2, a0 + 3];
  // Four accumulators so consecutive adds do not wait on each other.
  const mac = (k: number) => [
    ...get(acc[k]!),
    ...get(query), ...get(j), ...op.i32.add, ...op.v128.load(16 * k),
    ...get(row), ...get(j), ...op.i32.add, ...op.v128.load(16 * k),
    ...op.f32x4.mul, ...op.f32x4.add, ...set(acc[k]!),
  ];
  const body = [
    ...op.block, ...get(count), ...op.i32.eqz, ...op.brIf(0),
      ...op.loop,
        ...get(matrix), ...get(rows), ...op.i32.load(), ...get(rowBytes), ...op.i32.mul, ...op.i32.add, ...set(row),
        ...acc.flatMap((a) => [...op.v128.zero, ...set(a)]),
        ...op.i32.const(0), ...set(j),
        ...op.loop,
          ...mac(0), ...mac(1), ...mac(2), ...mac(3),
          ...advance(j, op.i32.const(64)),
          ...get(j), ...get(rowBytes), ...op.i32.ltU, ...op.brIf(0),
        ...op.end,
        ...get(acc[0]!), ...get(acc[1]!), ...op.f32x4.add, ...get(acc[2]!), ...get(acc[3]!), ...op.f32x4.add, ...op.f32x4.add, ...set(acc[0]!),
        ...get(out),
        ...get(acc[0]!), ...op.f32x4.extractLane(0), ...get(acc[0]!), ...op.f32x4.extractLane(1), ...op.f32.add,
        ...get(acc[0]!), ...op.f32x4.extractLane(2), ...get(acc[0]!), ...op.f32x4.extractLane(3), ...op.f32.add, ...op.f32.add,
        ...op.f32.store(),
        ...advance(rows, op.i32.const(4)),
        ...advance(out, op.i32.const(4)),
        ...decrement(count), ...op.brIf(0),
      ...op.end,
    ...op.end,
  ];
  return func([[2, I32], [4, V128]], body);
}

/** A code-section entry: declared locals (count, type) and the body. */
function func(locals: Array<[number, number]>, body: number[]): number[] {
  const code = [...vector(locals.map(([n, type]) => [...uleb(n), type])), ...body, ...op.end];
  return [...uleb(code.length), ...code];
}

function assemble(): Uint8Array<ArrayBuffer> {
  const i32s = (count: number) => vector(Array.from({ length: count }, () => [I32]));
  const types = [
    [0x60, ...i32s(4), ...vector([])], // rotate
    [0x60, ...i32s(7), ...i32s(1)], // shortlist
    [0x60, ...i32s(6), ...vector([])], // dots
  ];
  const exportFunc = (s: string, index: number) => [...name(s), 0x00, ...uleb(index)];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])), // imported memory, ≥ 1 page
    ...section(3, vector([[0], [1], [2]])), // each function's type
    ...section(7, vector([exportFunc('rotate', 0), exportFunc('shortlist', 1), exportFunc('dots', 2)])),
    ...section(10, vector([rotate(), shortlist(), dots()])),
  ]);
}
