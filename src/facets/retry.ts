/** Our retry policy for Messages API calls (the SDK's own retries are off, so this is the only one). */
export interface RetryPolicy {
  /** Retries after the first attempt, for API failures. */
  maxRetries: number;
  /** First backoff; doubles each retry. */
  baseDelayMs: number;
  /** Ceiling of the exponential backoff (a server's retry-after may exceed it). */
  maxDelayMs: number;
  /** A retry-after longer than this is not waited for: the conversation falls back instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
});

/**
 * Milliseconds to wait before retry number `retry` (0-based), or undefined to give up.
 * Exponential backoff with equal jitter (half fixed, half random, so waits never collapse to
 * zero), and never shorter than the server's retry-after.
 */
export function retryDelay(policy: RetryPolicy, retry: number, retryAfterMs: number | undefined, random: () => number): number | undefined {
  if (retry >= policy.maxRetries) return undefined;
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const backoff = ceiling / 2 + (random() * ceiling) / 2;
  return Math.ceil(Math.max(backoff, retryAfterMs ?? 0));
}

/** A `retry-after` header value (delta-seconds or an HTTP date) as milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}
