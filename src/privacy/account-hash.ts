import { createHmac, randomBytes } from 'node:crypto';

/** Keyed hash of an identifier (HMAC-SHA-256): stable per secret, useless without it. */
export type IdHasher = (id: string) => Buffer;

/** Builds the hasher for account and conversation ids; the secret comes from config. */
export function createIdHasher(secret: string, purpose: 'account' | 'conversation'): IdHasher {
  // The purpose is mixed into the key so an account hash never equals a conversation hash.
  const key = createHmac('sha256', secret).update(`clio-stream/${purpose}`).digest();
  return (id) => createHmac('sha256', key).update(id, 'utf8').digest().subarray(0, 16);
}

/** A throwaway secret for `demo` and tests, which may run without one. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}
