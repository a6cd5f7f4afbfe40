import { setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { ConfigError } from '../errors.ts';
import { DEFAULT_BREAKER_OPTIONS, type BreakerOptions } from './breaker.ts';
import type { FacetExtractor } from './facets.ts';
import { LocalFacetExtractor } from './local-extractor.ts';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from './prompt.ts';
import type { BackoffPolicy } from '../util/backoff.ts';
import type { FacetPrices, UsageRecord } from './usage.ts';

/** The model facets are extracted with unless configured otherwise; the only place it is named. */
export const DEFAULT_FACET_MODEL = 'claude-haiku-4-5';

/**
 * List prices of DEFAULT_FACET_MODEL in USD per million tokens, when this was written. They only
 * feed the cost estimate and the spend cap: configure them with the model.
 */
export const DEFAULT_FACET_PRICES: FacetPrices = Object.freeze({ input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 });

export interface ClaudeExtractorOptions {
  /** Required: the stage never reads the environment. */
  apiKey: string;
  /** Messages API base URL; tests point it at the local stand-in. */
  baseURL?: string;
  model?: string;
  /** Calls in flight at once, across all extract() calls of this instance. Default 4. */
  maxConcurrency?: number;
  /** Per-call timeout. Default 30 s. */
  timeoutMs?: number;
  /** Retries of failed API calls (429, 529, 5xx, timeouts, connection). Default 4. */
  maxRetries?: number;
  /** Backoff shape; maxRetries above wins over retry.maxRetries. */
  retry?: Partial<RetryPolicy>;
  /** Extra calls when a reply is not valid facets. Default 1. */
  maxOutputRetries?: number;
  /** Output token limit per call. Default 1024. */
  maxTokens?: number;
  /** Estimated spend per clock hour at which calls stop until the hour rolls. Default: no cap. */
  hourlySpendCapUsd?: number;
  /** USD per million tokens. Default DEFAULT_FACET_PRICES. */
  pricesUsdPerMTok?: Partial<FacetPrices>;
  breaker?: Partial<BreakerOptions>;
  /** Used, marked degraded, whenever Claude cannot be. Default: a LocalFacetExtractor. */
  fallback?: FacetExtractor;
  /** Where the facet metrics are registered. Default: a private registry. */
  registry?: Registry;
  /** Called after every billed call with counts and cost (no text, no ids). */
  onUsage?: (record: UsageRecord) => void;
  /** Wall clock in ms (breaker cool-down, spend window, HTTP-date retry-after). */
  now?: () => number;
  /** How backoff waits; tests record instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
  renderLimits?: Partial<RenderLimits>;
}

/** Options with every default applied and checked, compiled once. */
export interface ResolvedClaudeOptions {
  apiKey: string;
  baseURL: string;
  model: string;
  maxConcurrency: number;
  timeoutMs: number;
  retry: RetryPolicy;
  maxOutputRetries: number;
  maxTokens: number;
  hourlySpendCapUsd: number;
  prices: FacetPrices;
  breaker: BreakerOptions;
  fallback: FacetExtractor;
  registry: Registry;
  onUsage: ((record: UsageRecord) => void) | undefined;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  renderLimits: RenderLimits;
}

/** Our retry policy for Messages API calls (the SDK's own retries are off, so this is the only one). */
export type RetryPolicy = Required<Pick<BackoffPolicy, 'maxRetries' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'>>;

const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  // Longer than this, the conversation falls back to the local extractor instead of waiting.
  maxRetryAfterMs: 60_000,
});

export function compileClaudeOptions(options: ClaudeExtractorOptions): Readonly<ResolvedClaudeOptions> {
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new ConfigError('facets.claude.apiKey', 'must be a non-empty string');
  }
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  if (options.maxRetries !== undefined) retry.maxRetries = options.maxRetries;
  const resolved: ResolvedClaudeOptions = {
    apiKey: options.apiKey,
    baseURL: options.baseURL ?? 'https://api.anthropic.com',
    model: options.model ?? DEFAULT_FACET_MODEL,
    maxConcurrency: options.maxConcurrency ?? 4,
    timeoutMs: options.timeoutMs ?? 30_000,
    retry: Object.freeze(retry),
    maxOutputRetries: options.maxOutputRetries ?? 1,
    maxTokens: options.maxTokens ?? 1024,
    hourlySpendCapUsd: options.hourlySpendCapUsd ?? Infinity,
    prices: Object.freeze({ ...DEFAULT_FACET_PRICES, ...options.pricesUsdPerMTok }),
    breaker: Object.freeze({ ...DEFAULT_BREAKER_OPTIONS, ...options.breaker }),
    fallback: options.fallback ?? new LocalFacetExtractor(),
    registry: options.registry ?? new Registry(),
    onUsage: options.onUsage,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms) => delay(ms)),
    random: options.random ?? Math.random,
    renderLimits: Object.freeze({ ...DEFAULT_RENDER_LIMITS, ...options.renderLimits }),
  };
  positiveInteger('facets.claude.maxConcurrency', resolved.maxConcurrency);
  positiveInteger('facets.claude.timeoutMs', resolved.timeoutMs);
  positiveInteger('facets.claude.maxTokens', resolved.maxTokens);
  positiveInteger('facets.claude.breaker.failureThreshold', resolved.breaker.failureThreshold);
  nonNegative('facets.claude.maxRetries', resolved.retry.maxRetries, true);
  nonNegative('facets.claude.maxOutputRetries', resolved.maxOutputRetries, true);
  nonNegative('facets.claude.breaker.coolDownMs', resolved.breaker.coolDownMs);
  nonNegative('facets.claude.retry.baseDelayMs', resolved.retry.baseDelayMs);
  nonNegative('facets.claude.retry.maxDelayMs', resolved.retry.maxDelayMs);
  nonNegative('facets.claude.retry.maxRetryAfterMs', resolved.retry.maxRetryAfterMs);
  if (!(resolved.hourlySpendCapUsd >= 0)) throw new ConfigError('facets.claude.hourlySpendCapUsd', 'must be a number ≥ 0');
  for (const [kind, price] of Object.entries(resolved.prices)) nonNegative(`facets.pricesUsdPerMTok.${kind}`, price);
  return Object.freeze(resolved);
}

function positiveInteger(key: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(key, 'must be an integer ≥ 1');
}

function nonNegative(key: string, value: number, integer = false): void {
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigError(key, `must be ${integer ? 'an integer' : 'a finite number'} ≥ 0`);
  }
}
