/** Small vector helpers over plain arrays (hnswlib-node takes plain arrays, not typed ones). */
export type Vector = number[];

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Scales to unit length (a zero vector stays zero). */
export function normalise(v: readonly number[]): Vector {
  const n = Math.sqrt(dot(v, v));
  return n === 0 ? [...v] : v.map((x) => x / n);
}

/** The q-quantile (0…1) of values, by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}
