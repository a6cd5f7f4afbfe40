/**
 * The one retry backoff of the process (Claude calls, the HTTP embedder, alert delivery):
 * exponential with equal jitter, and never sooner than a server's Retry-After.
 */
export interface BackoffPolicy {
  /** Wait before the first retry; doubles with each one. */
  baseDelayMs: number;
  /** Ceiling of the exponential wait (a server's Retry-After may exceed it, unless `retryAfterCapMs` says otherwise). */
  maxDelayMs: number;
  /** Retries allowed after the first attempt; past them the answer is "give up". Default: no limit. */
  maxRetries?: number;
  /** A Retry-After longer than this is not waited for: the answer is "give up". Default: no limit. */
  maxRetryAfterMs?: number;
  /** A Retry-After longer than this is shortened to it (for callers that would rather retry than give up). Default: none. */
  retryAfterCapMs?: number;
}

/**
 * Milliseconds to wait before retry number `retry` (1-based: the first retry is 1), or undefined
 * to give up. Equal jitter — half the exponential step fixed, half random — so waits neither
 * collapse to zero nor march in step across clients (full jitter can answer 0 ms, hammering a
 * server that just said it is overloaded).
 */
export function retryDelayMs(
  retry: number,
  policy: Readonly<BackoffPolicy>,
  retryAfterMs: number | undefined = undefined,
  random: () => number = Math.random,
): number | undefined {
  if (retry > (policy.maxRetries ?? Infinity)) return undefined;
  if (retryAfterMs !== undefined && retryAfterMs > (policy.maxRetryAfterMs ?? Infinity)) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const asked = Math.min(retryAfterMs ?? 0, policy.retryAfterCapMs ?? Infinity);
  return Math.ceil(Math.max(ceiling / 2 + (random() * ceiling) / 2, asked));
}

/** A `retry-after` header value (delta-seconds or an HTTP date) as milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // An HTTP date names its day and month; without letters, Date.parse would read "-3" as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** What a reply's headers ask: `retry-after-ms` (OpenAI's and Anthropic's precise form) first, then `retry-after`. */
export function retryAfterFromHeaders(headers: { get(name: string): string | null } | undefined, nowMs: number): number | undefined {
  if (!headers) return undefined;
  const precise = headers.get('retry-after-ms')?.trim();
  if (precise) {
    const ms = Number(precise);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  return parseRetryAfter(headers.get('retry-after'), nowMs);
}
