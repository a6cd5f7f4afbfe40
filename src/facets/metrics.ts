import { Counter, Gauge, type Registry } from 'prom-client';
import { FACET_API_FAILURES, type FacetApiFailure } from './errors.ts';
import { TOKEN_KINDS, type TokenKind, type UsageRecord } from './usage.ts';

/** How one conversation's facets were obtained: a closed set, the `outcome` label. */
export const FACET_OUTCOMES = [
  'ok',
  'fallback_malformed',
  'fallback_api_error',
  'fallback_breaker_open',
  'fallback_spend_cap',
] as const;
export type FacetOutcome = (typeof FACET_OUTCOMES)[number];

/** Why a call was retried: API failures plus malformed output. */
export type RetryReason = FacetApiFailure | 'malformed_output';
const RETRY_REASONS: readonly RetryReason[] = [...FACET_API_FAILURES, 'malformed_output'];

/**
 * Facet-stage metrics, registered into the registry the caller passes. Every label value comes
 * from a closed set defined in code: never text, ids or model output.
 */
export class FacetMetrics {
  readonly tokens: Counter<'kind'>;
  readonly costUsd: Counter;
  readonly requests: Counter<'outcome'>;
  readonly retries: Counter<'reason'>;
  readonly breakerOpen: Gauge;

  constructor(registry: Registry) {
    // Reuse metrics another extractor already registered in the same registry.
    const existing = <T>(name: string): T | undefined => registry.getSingleMetric(name) as T | undefined;
    const registers = [registry];
    this.tokens = existing<Counter<'kind'>>('clio_facet_tokens_total') ?? new Counter({
      name: 'clio_facet_tokens_total', help: 'Tokens billed for facet extraction, by kind.', labelNames: ['kind'], registers,
    });
    this.costUsd = existing<Counter>('clio_facet_cost_usd_total') ?? new Counter({
      name: 'clio_facet_cost_usd_total', help: 'Estimated cost of facet extraction in US dollars (tokens × configured prices).', registers,
    });
    this.requests = existing<Counter<'outcome'>>('clio_facet_requests_total') ?? new Counter({
      name: 'clio_facet_requests_total', help: 'Conversations through the Claude facet extractor, by outcome.', labelNames: ['outcome'], registers,
    });
    this.retries = existing<Counter<'reason'>>('clio_facet_retries_total') ?? new Counter({
      name: 'clio_facet_retries_total', help: 'Messages API calls retried, by reason.', labelNames: ['reason'], registers,
    });
    this.breakerOpen = existing<Gauge>('clio_facet_breaker_open') ?? new Gauge({
      name: 'clio_facet_breaker_open', help: '1 while the facet circuit breaker is open or half-open, else 0.', registers,
    });
    for (const kind of TOKEN_KINDS) this.tokens.inc({ kind }, 0);
    for (const outcome of FACET_OUTCOMES) this.requests.inc({ outcome }, 0);
    for (const reason of RETRY_REASONS) this.retries.inc({ reason }, 0);
  }

  recordUsage(usage: UsageRecord): void {
    const byKind: Record<TokenKind, number> = {
      input: usage.inputTokens,
      output: usage.outputTokens,
      cache_read: usage.cacheReadTokens,
      cache_write: usage.cacheWriteTokens,
    };
    for (const kind of TOKEN_KINDS) this.tokens.inc({ kind }, byKind[kind]);
    this.costUsd.inc(usage.costUsd);
  }
}
