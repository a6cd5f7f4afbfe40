import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { ClioError } from '../errors.ts';
import { retryAfterFromHeaders } from '../util/backoff.ts';

/** Why a Messages API call failed: a closed set, used as a metrics label. */
export type FacetApiFailure =
  | 'rate_limited'
  | 'overloaded'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'auth'
  | 'bad_request';

/** Every FacetApiFailure, for initialising metric label sets. */
export const FACET_API_FAILURES: readonly FacetApiFailure[] = [
  'rate_limited', 'overloaded', 'server', 'timeout', 'connection', 'auth', 'bad_request',
];

/**
 * The Messages API refused or failed a call. Messages carry status and error type only: the
 * request held conversation text, and nothing of it is repeated here.
 */
export class FacetApiError extends ClioError {
  readonly failure: FacetApiFailure;
  readonly status: number | undefined;
  /** The server's `retry-after`, in milliseconds from now, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(failure: FacetApiError['failure'], message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(`facet_api_${failure}`, message, { retryable: RETRYABLE.has(failure), cause: options.cause });
    this.failure = failure;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /**
   * Whether this failure says the service is unhealthy for everyone (counts towards the circuit
   * breaker); a bad request is about this one conversation.
   */
  get tripsBreaker(): boolean {
    return this.failure !== 'bad_request';
  }
}

/** Why a reply could not be used as facets. */
export type FacetOutputProblem = 'no_tool_use' | 'schema' | 'request_prefix';

/** Claude answered, but not with valid facets; asking again may help. */
export class FacetOutputError extends ClioError {
  readonly problem: FacetOutputProblem;
  constructor(problem: FacetOutputProblem, message: string) {
    super('facet_output_invalid', message, { retryable: true });
    this.problem = problem;
  }
}

const RETRYABLE: ReadonlySet<FacetApiFailure> = new Set(['rate_limited', 'overloaded', 'server', 'timeout', 'connection']);

/** Turns whatever the SDK threw into a FacetApiError; `nowMs` resolves HTTP-date retry-after. */
export function classifyApiError(error: unknown, nowMs: number): FacetApiError {
  if (error instanceof FacetApiError) return error;
  if (error instanceof APIConnectionTimeoutError) return new FacetApiError('timeout', 'Messages API call timed out', { cause: error });
  if (error instanceof APIUserAbortError) return new FacetApiError('timeout', 'Messages API call aborted', { cause: error });
  if (error instanceof APIConnectionError) return new FacetApiError('connection', 'Messages API unreachable', { cause: error });
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const headers = error.headers instanceof Headers ? error.headers : undefined;
    const retryAfterMs = retryAfterFromHeaders(headers, nowMs);
    const type = error.type ?? 'unknown';
    const message = `Messages API returned ${status} (${type})`;
    const failure = failureForStatus(status, type);
    return new FacetApiError(failure, message, { status, retryAfterMs, cause: error });
  }
  return new FacetApiError('connection', `Messages API call failed: ${error instanceof Error ? error.name : typeof error}`, { cause: error });
}

function failureForStatus(status: number, type: string): FacetApiFailure {
  if (status === 429) return 'rate_limited';
  if (status === 529 || type === 'overloaded_error') return 'overloaded';
  if (status === 408) return 'timeout';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'server';
  return 'bad_request';
}
