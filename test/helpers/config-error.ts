import { ConfigError } from '../../src/errors.ts';

/** The ConfigError `fn` throws; any other outcome fails the test. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}
