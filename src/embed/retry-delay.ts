export interface BackoffOptions {
  /** First backoff step; doubles each attempt. */
  baseMs: number;
  /** Ceiling for any wait, including one a server asks for. */
  maxMs: number;
}

/**
 * How long to wait before retry number `attempt` (1-based). A server that says when to come back
 * (`retry-after-ms`, or `retry-after` in seconds or as an HTTP date) is obeyed; otherwise
 * exponential backoff with full jitter, so that many clients do not retry in step.
 */
export function retryDelayMs(
  attempt: number,
  headers: { retryAfterMs?: string | null; retryAfter?: string | null },
  options: BackoffOptions,
  now: number = Date.now(),
  random: () => number = Math.random,
): number {
  const asked = serverDelayMs(headers, now);
  if (asked !== undefined) return Math.min(asked, options.maxMs);
  return Math.round(random() * Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1)));
}

function serverDelayMs(headers: { retryAfterMs?: string | null; retryAfter?: string | null }, now: number): number | undefined {
  const ms = nonNegative(headers.retryAfterMs);
  if (ms !== undefined) return ms;
  const seconds = nonNegative(headers.retryAfter);
  if (seconds !== undefined) return seconds * 1000;
  const date = Date.parse(headers.retryAfter ?? '');
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function nonNegative(value: string | null | undefined): number | undefined {
  if (!value?.trim()) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
