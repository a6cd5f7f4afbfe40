import { EmbedError } from './errors.ts';

/** Scales a vector to unit L2 length; a zero or non-finite vector cannot stand for a text, so it is an error. */
export function toUnit(values: ArrayLike<number>): number[] {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) {
    throw new EmbedError('embed_invalid_vector', `the model returned a ${norm === 0 ? 'zero' : 'non-finite'} vector`);
  }
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / norm;
  return out;
}
