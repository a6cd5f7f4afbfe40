import type { Random } from '../../src/util/random.ts';
import { normalise } from '../../src/catalog/vectors.ts';

/** A standard normal draw (Box–Muller). */
export function gaussian(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function randomUnit(random: Random, dim: number): number[] {
  return normalise(Array.from({ length: dim }, () => gaussian(random)));
}

/** A unit vector near `centre`: centre + isotropic noise of the given scale, renormalised. */
export function near(random: Random, centre: readonly number[], noise: number): number[] {
  return normalise(centre.map((x) => x + gaussian(random) * noise));
}
