import Anthropic from '@anthropic-ai/sdk';
import { ClioError } from '../errors.ts';
import type { Conversation } from '../ingest/conversation.ts';
import { CircuitBreaker } from './breaker.ts';
import { compileClaudeOptions, type ClaudeExtractorOptions, type ResolvedClaudeOptions } from './claude-options.ts';
import { classifyApiError, FacetOutputError } from './errors.ts';
import type { FacetExtractor, Facets } from './facets.ts';
import { ConcurrencyLimiter } from './limiter.ts';
import { FacetMetrics, type FacetOutcome } from './metrics.ts';
import { parseFacetReply } from './parse-reply.ts';
import { facetSystemPrompt, facetTool, FACET_TOOL_NAME, renderConversation, type FacetPolicyArea } from './prompt.ts';
import { retryDelayMs } from '../util/backoff.ts';
import { estimateCost, HourlySpend, tokenUsage } from './usage.ts';

export { DEFAULT_FACET_MODEL, DEFAULT_FACET_PRICES, type ClaudeExtractorOptions } from './claude-options.ts';

export interface ClaudeFacetOptions extends ClaudeExtractorOptions {
  /**
   * The policy taxonomy's areas: when given, Claude also classifies each request into them
   * (Facets.policyAreas, ids restricted to these), and the policy classifier uses that instead of its offline guess.
   */
  policyAreas?: readonly FacetPolicyArea[];
}

/**
 * Facets from Claude, one Messages call per conversation, with Clio's prompt (cached), forced
 * structured output, and our own retry policy, circuit breaker, concurrency limit and hourly
 * spend cap. Whenever Claude cannot give valid facets the fallback extractor does, and the result
 * is marked degraded: extract() always resolves with one Facets per conversation.
 */
export class ClaudeFacetExtractor implements FacetExtractor {
  readonly name = 'claude';
  readonly metrics: FacetMetrics;
  private readonly options: Readonly<ResolvedClaudeOptions>;
  private readonly client: Anthropic;
  private readonly breaker: CircuitBreaker;
  private readonly spend: HourlySpend;
  private readonly limiter: ConcurrencyLimiter;
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;
  private readonly system: string;
  private readonly tool: ReturnType<typeof facetTool>;
  private readonly areaIds: ReadonlySet<string> | null;

  constructor(options: ClaudeFacetOptions) {
    this.options = compileClaudeOptions(options);
    // Fixed per instance, so the cached prompt prefix stays the same from call to call.
    this.system = facetSystemPrompt(options.policyAreas);
    this.tool = facetTool(options.policyAreas);
    this.areaIds = options.policyAreas?.length ? new Set(options.policyAreas.map((a) => a.id)) : null;
    const o = this.options;
    this.client = new Anthropic({
      apiKey: o.apiKey,
      baseURL: o.baseURL,
      timeout: o.timeoutMs,
      // Our policy decides retries (and honours retry-after); the SDK's would double them.
      maxRetries: 0,
      // The SDK logs request details at debug level; nothing about conversations is logged here.
      logLevel: 'off',
      openTelemetry: false,
    });
    this.breaker = new CircuitBreaker(o.breaker, o.now);
    this.spend = new HourlySpend(o.hourlySpendCapUsd, o.now);
    this.limiter = new ConcurrencyLimiter(o.maxConcurrency);
    this.metrics = new FacetMetrics(o.registry);
    this.metrics.breakerOpen.set(0);
  }

  /** The breaker's state, for health endpoints. */
  get breakerState(): CircuitBreaker['state'] {
    return this.breaker.state;
  }

  /** Estimated spend in the current hour window. */
  get spentThisHourUsd(): number {
    return this.spend.currentUsd;
  }

  async extract(conversations: readonly Conversation[]): Promise<Facets[]> {
    if (this.closed) throw new ClioError('facet_extractor_closed', 'the Claude facet extractor is closed');
    const work = Promise.all(conversations.map((c) => this.limiter.run(() => this.extractOne(c))));
    this.pending.add(work);
    try {
      return await work;
    } finally {
      this.pending.delete(work);
    }
  }

  /** Refuses new work and waits for the calls in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending]);
  }

  private async extractOne(conversation: Conversation): Promise<Facets> {
    const params = this.requestParams(conversation);
    let apiRetries = 0;
    let outputRetries = 0;
    for (;;) {
      if (this.spend.exhausted()) return this.fallBack(conversation, 'fallback_spend_cap');
      const admitted = this.breaker.allow();
      this.syncBreakerGauge();
      if (!admitted) return this.fallBack(conversation, 'fallback_breaker_open');

      let reply: Anthropic.Message;
      try {
        reply = await this.client.messages.create(params);
      } catch (error) {
        const failure = classifyApiError(error, this.options.now());
        if (failure.tripsBreaker) this.breaker.onFailure();
        else this.breaker.onSuccess(); // The service answered; the request was the problem.
        this.syncBreakerGauge();
        const wait = failure.retryable
          ? retryDelayMs(apiRetries + 1, this.options.retry, failure.retryAfterMs, this.options.random)
          : undefined;
        if (wait === undefined) return this.fallBack(conversation, 'fallback_api_error');
        apiRetries += 1;
        this.metrics.retries.inc({ reason: failure.failure });
        await this.options.sleep(wait);
        continue;
      }

      this.breaker.onSuccess();
      this.syncBreakerGauge();
      this.account(reply.usage);
      try {
        const facets = this.withKnownAreas(parseFacetReply(reply));
        this.metrics.requests.inc({ outcome: 'ok' });
        return facets;
      } catch (error) {
        if (!(error instanceof FacetOutputError)) throw error;
        if (outputRetries >= this.options.maxOutputRetries) return this.fallBack(conversation, 'fallback_malformed');
        outputRetries += 1;
        this.metrics.retries.inc({ reason: 'malformed_output' });
      }
    }
  }

  private requestParams(conversation: Conversation): Anthropic.MessageCreateParamsNonStreaming {
    return {
      model: this.options.model,
      max_tokens: this.options.maxTokens,
      // The fixed prefix (tools, then system) is cached: every call after the first reads it.
      system: [{ type: 'text', text: this.system, cache_control: { type: 'ephemeral' } }],
      tools: [structuredClone(this.tool) as unknown as Anthropic.Tool],
      tool_choice: { type: 'tool', name: FACET_TOOL_NAME },
      messages: [{ role: 'user', content: renderConversation(conversation, this.options.renderLimits) }],
    };
  }

  /** Areas only when a taxonomy was offered and Claude answered them, and only its ids (else the offline guess stands). */
  private withKnownAreas(facets: Facets): Facets {
    const { policyAreas, ...rest } = facets;
    if (!this.areaIds || !policyAreas) return rest;
    return { ...rest, policyAreas: policyAreas.filter((id) => this.areaIds!.has(id)) };
  }

  private account(usage: Parameters<typeof tokenUsage>[0]): void {
    const tokens = tokenUsage(usage);
    const record = { model: this.options.model, ...tokens, costUsd: estimateCost(tokens, this.options.prices) };
    this.spend.add(record.costUsd);
    this.metrics.recordUsage(record);
    this.options.onUsage?.(record);
  }

  private async fallBack(conversation: Conversation, outcome: Exclude<FacetOutcome, 'ok'>): Promise<Facets> {
    this.metrics.requests.inc({ outcome });
    const [facets] = await this.options.fallback.extract([conversation]);
    if (!facets) throw new ClioError('facet_fallback_failed', `fallback extractor ${this.options.fallback.name} returned no facets`);
    return { ...facets, degraded: true };
  }

  private syncBreakerGauge(): void {
    this.metrics.breakerOpen.set(this.breaker.state === 'closed' ? 0 : 1);
  }
}
