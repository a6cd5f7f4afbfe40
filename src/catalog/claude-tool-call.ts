import Anthropic from '@anthropic-ai/sdk';
import { Ajv, type ValidateFunction } from 'ajv';
import { ClioError } from '../errors.ts';
import { CircuitBreaker } from '../facets/breaker.ts';
import { compileClaudeOptions, type ClaudeExtractorOptions, type ResolvedClaudeOptions } from '../facets/claude-options.ts';
import { classifyApiError } from '../facets/errors.ts';
import { ConcurrencyLimiter } from '../facets/limiter.ts';
import { retryDelayMs } from '../util/backoff.ts';
import { collapseWhitespace, truncateAtWord } from '../facets/transcript.ts';
import { estimateCost, HourlySpend, tokenUsage } from '../facets/usage.ts';
import type { Member } from './naming.ts';

// One forced-tool Claude call for the catalog stages (namer, auditor, policy classifier), built on
// the facet stage's retry policy, breaker, concurrency limit, spend cap and usage accounting.

/**
 * Settings of a catalog-stage Claude client: the facet extractor's, minus what only facets use.
 * Defaults, validation and config keys (`facets.*`, where the Claude settings live) are shared.
 */
export type ClaudeCatalogOptions = Pick<
  ClaudeExtractorOptions,
  | 'apiKey' | 'baseURL' | 'model' | 'maxConcurrency' | 'timeoutMs' | 'maxRetries' | 'retry' | 'maxOutputRetries'
  | 'maxTokens' | 'hourlySpendCapUsd' | 'pricesUsdPerMTok' | 'breaker' | 'onUsage' | 'now' | 'sleep' | 'random'
>;

/** Claude answered, but not with a usable tool call; asking again may help. Messages never carry values. */
export class CatalogOutputError extends ClioError {
  readonly problem: 'no_tool_use' | 'schema' | 'limits';
  constructor(problem: CatalogOutputError['problem'], message: string) {
    super('catalog_output_invalid', message, { retryable: true });
    this.problem = problem;
  }
}

const ajv = new Ajv({ allErrors: false, strict: true });

/** An ajv validator for a tool's input that throws CatalogOutputError naming the rule, not the value. */
export function toolInputParser<T>(schema: Record<string, unknown>): (input: unknown) => T {
  const validate: ValidateFunction<T> = ajv.compile<T>(schema);
  return (input) => {
    if (validate(input)) return input;
    const e = validate.errors?.[0];
    throw new CatalogOutputError('schema', `tool input ${e?.instancePath || '/'} ${e?.message ?? 'is invalid'}`);
  };
}

/** One forced-tool request: the tool Claude must call and how its input becomes a value. */
export interface ForcedToolRequest<T> {
  system: string;
  user: string;
  tool: { name: string; description: string; input_schema: Record<string, unknown> };
  /** Turns the tool input into a value, or throws CatalogOutputError (one more call is made). */
  parse: (input: unknown) => T;
  temperature?: number;
}

/** Why no value came back: callers fall back (namer, classifier) or fail closed (auditor). */
export type ForcedToolFailure = 'malformed' | 'api_error' | 'breaker_open' | 'spend_cap';
export type ForcedToolOutcome<T> = { ok: true; value: T } | { ok: false; failure: ForcedToolFailure };

/**
 * Messages API calls with a forced tool, through the facet stage's policies: SDK retries off, our
 * retry honouring retry-after, circuit breaker, concurrency limit, hourly spend cap and usage
 * callback. Never throws for API or output trouble: it reports a failure instead.
 */
export class ClaudeToolCaller {
  readonly options: Readonly<ResolvedClaudeOptions>;
  private readonly client: Anthropic;
  private readonly breaker: CircuitBreaker;
  private readonly limiter: ConcurrencyLimiter;
  private readonly spend: HourlySpend;

  constructor(options: ClaudeCatalogOptions) {
    this.options = compileClaudeOptions(options);
    const o = this.options;
    this.client = new Anthropic({ apiKey: o.apiKey, baseURL: o.baseURL, timeout: o.timeoutMs, maxRetries: 0, logLevel: 'off', openTelemetry: false });
    this.breaker = new CircuitBreaker(o.breaker, o.now);
    this.limiter = new ConcurrencyLimiter(o.maxConcurrency);
    this.spend = new HourlySpend(o.hourlySpendCapUsd, o.now);
  }

  get breakerState(): CircuitBreaker['state'] {
    return this.breaker.state;
  }

  call<T>(request: ForcedToolRequest<T>): Promise<ForcedToolOutcome<T>> {
    return this.limiter.run(() => this.attempt(request));
  }

  private async attempt<T>(request: ForcedToolRequest<T>): Promise<ForcedToolOutcome<T>> {
    const o = this.options;
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: o.model,
      max_tokens: o.maxTokens,
      system: request.system,
      tools: [structuredClone(request.tool) as unknown as Anthropic.Tool],
      tool_choice: { type: 'tool', name: request.tool.name },
      messages: [{ role: 'user', content: request.user }],
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    };
    let apiRetries = 0;
    let outputRetries = 0;
    for (;;) {
      if (this.spend.exhausted()) return { ok: false, failure: 'spend_cap' };
      if (!this.breaker.allow()) return { ok: false, failure: 'breaker_open' };
      let reply: Anthropic.Message;
      try {
        reply = await this.client.messages.create(params);
      } catch (error) {
        const failure = classifyApiError(error, o.now());
        if (failure.tripsBreaker) this.breaker.onFailure();
        else this.breaker.onSuccess(); // The service answered; the request was the problem.
        const wait = failure.retryable ? retryDelayMs(apiRetries + 1, o.retry, failure.retryAfterMs, o.random) : undefined;
        if (wait === undefined) return { ok: false, failure: 'api_error' };
        apiRetries += 1;
        await o.sleep(wait);
        continue;
      }
      this.breaker.onSuccess();
      this.account(reply.usage);
      try {
        const call = reply.content.find((b) => b.type === 'tool_use' && b.name === request.tool.name);
        if (!call || call.type !== 'tool_use') throw new CatalogOutputError('no_tool_use', `reply has no ${request.tool.name} tool call`);
        return { ok: true, value: request.parse(call.input) };
      } catch (error) {
        if (!(error instanceof CatalogOutputError)) throw error;
        if (outputRetries >= o.maxOutputRetries) return { ok: false, failure: 'malformed' };
        outputRetries += 1;
      }
    }
  }

  private account(usage: Parameters<typeof tokenUsage>[0]): void {
    const tokens = tokenUsage(usage);
    const record = { model: this.options.model, ...tokens, costUsd: estimateCost(tokens, this.options.prices) };
    this.spend.add(record.costUsd);
    this.options.onUsage?.(record);
  }
}

/**
 * Summaries as numbered `<summary>` lines: whitespace collapsed, bounded, deduplicated (real
 * traffic repeats texts), and our tags neutralised so a summary cannot close its list early.
 * Only the text is rendered: account hashes never reach the model.
 */
export function renderSummaries(tag: string, members: readonly Member[], max: number, maxChars = 400): string {
  const texts = [...new Set(members.map((m) => collapseWhitespace(m.text)).filter((t) => t.length > 0))].slice(0, max);
  const lines = texts.map((t) => `<summary>${truncateAtWord(t, maxChars).replace(/<\/?\s*[a-z_]*summar[a-z_]*\s*>/gi, '[tag]')}</summary>`);
  return `<${tag}>\n${lines.length ? lines.join('\n') : '(none)'}\n</${tag}>`;
}
