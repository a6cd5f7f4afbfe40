import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Conversation } from '../../src/ingest/conversation.ts';
import { ClaudeFacetExtractor, DEFAULT_FACET_MODEL, type ClaudeExtractorOptions } from '../../src/facets/claude-extractor.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { FACET_OUTCOMES } from '../../src/facets/metrics.ts';
import { REQUEST_PREFIX } from '../../src/facets/prompt.ts';
import type { UsageRecord } from '../../src/facets/usage.ts';
import { behave, goodFacets, startAnthropicStandin, type AnthropicStandin } from '../helpers/anthropic-standin.ts';
import { CANARIES, canaryConversation, findCanary } from '../helpers/canary.ts';

const START = Date.UTC(2026, 10, 27, 14, 10, 0);

/** A clock that only moves when told to, or when the extractor "sleeps" (the wait is recorded). */
function fakeTime() {
  let now = START;
  const waits: number[] = [];
  return {
    now: () => now,
    advance: (ms: number) => void (now += ms),
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
  };
}

function conversation(text: string, index = 0): Conversation {
  return {
    id: `conv-${index}`,
    account_id: 'acct-1',
    timestamp: '2026-11-27T14:00:00Z',
    messages: [
      { role: 'user', content: text },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'computer', input: { action: 'left_click', coordinate: [3, 4] } }] },
    ],
  };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('ClaudeFacetExtractor against the Messages API stand-in', () => {
  let standin: AnthropicStandin;
  let extractors: ClaudeFacetExtractor[];

  beforeEach(async () => {
    standin = await startAnthropicStandin();
    extractors = [];
  });
  afterEach(async () => {
    await Promise.all(extractors.map((e) => e.close()));
    await standin.close();
  });

  function make(overrides: Partial<ClaudeExtractorOptions> = {}) {
    const time = fakeTime();
    const registry = new Registry();
    const extractor = new ClaudeFacetExtractor({
      apiKey: 'test-key',
      baseURL: standin.url,
      now: time.now,
      sleep: time.sleep,
      random: () => 0.5,
      registry,
      ...overrides,
    });
    extractors.push(extractor);
    return { extractor, time, registry };
  }

  it('sends the privacy prompt as a cached system block and forces the record_facets tool', async () => {
    const { extractor } = make();
    await extractor.extract([conversation('Book a table for two at a restaurant on Friday.')]);
    expect(standin.requests).toHaveLength(1);
    const { body, headers } = standin.requests[0]!;
    expect(body.model).toBe(DEFAULT_FACET_MODEL);
    expect(body.system).toHaveLength(1);
    expect(body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    const system: string = body.system[0].text;
    expect(system).toMatch(/omit all personal information/i);
    expect(system).toMatch(/omit proper nouns/i);
    expect(system).toMatch(/at most two sentences/i);
    expect(system).toMatch(/in English, regardless of the language/i);
    expect(system).toContain(REQUEST_PREFIX);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'record_facets' });
    expect(body.tools.map((t: { name: string }) => t.name)).toEqual(['record_facets']);
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0].role).toBe('user');
    expect(body.messages[0].content).toContain('<conversation>');
    expect(body.messages[0].content).toContain('[action: left_click]');
    // This SDK version sends the key as a bearer token; older ones used x-api-key.
    expect(headers['x-api-key'] ?? headers.authorization).toMatch(/^(Bearer )?test-key$/);
    expect(headers['anthropic-version']).toBeTruthy();
  });

  it('parses a good reply into facets, not degraded', async () => {
    const { extractor, registry } = make();
    const facets = goodFacets({ language: 'es', concerning: 4, task: 'create many accounts', actions: ['click', 'type'] });
    standin.enqueue(behave.ok(facets));
    const [result] = await extractor.extract([conversation('Crea muchas cuentas en el foro.')]);
    expect(result).toEqual({ ...facets, degraded: false });
    expect(await metricValue(registry, 'clio_facet_requests_total', { outcome: 'ok' })).toBe(1);
  });

  it('retries malformed output, then falls back to the local extractor, degraded', async () => {
    const { extractor, registry } = make({ maxOutputRetries: 1 });
    standin.enqueue(behave.malformed(), behave.textOnly());
    const c = conversation('Find me a vegetarian lasagna recipe please.');
    const [result] = await extractor.extract([c]);
    expect(standin.requests).toHaveLength(2);
    const [local] = await new LocalFacetExtractor().extract([c]);
    expect(result).toEqual({ ...local, degraded: true });
    expect(await metricValue(registry, 'clio_facet_requests_total', { outcome: 'fallback_malformed' })).toBe(1);
    expect(await metricValue(registry, 'clio_facet_retries_total', { reason: 'malformed_output' })).toBe(1);
  });

  it('recovers when the retry after malformed output is good', async () => {
    const { extractor } = make({ maxOutputRetries: 1 });
    standin.enqueue(behave.malformed({ ...goodFacets(), request: 'The user asked for something without the required opening words.' }), behave.ok());
    const [result] = await extractor.extract([conversation('Book a table.')]);
    expect(standin.requests).toHaveLength(2);
    expect(result!.degraded).toBe(false);
  });

  it('honours retry-after in seconds on 429', async () => {
    const { extractor, time, registry } = make();
    standin.enqueue(behave.rateLimited('7'), behave.ok());
    const [result] = await extractor.extract([conversation('Book a table.')]);
    expect(result!.degraded).toBe(false);
    expect(standin.requests).toHaveLength(2);
    expect(time.waits).toHaveLength(1);
    expect(time.waits[0]).toBeGreaterThanOrEqual(7_000);
    expect(await metricValue(registry, 'clio_facet_retries_total', { reason: 'rate_limited' })).toBe(1);
  });

  it('honours retry-after as an HTTP date on 429, on the injected clock', async () => {
    const { extractor, time } = make();
    standin.enqueue(behave.rateLimited(new Date(START + 12_000).toUTCString()), behave.ok());
    await extractor.extract([conversation('Book a table.')]);
    expect(time.waits[0]).toBeGreaterThanOrEqual(12_000);
  });

  it('falls back instead of waiting out a retry-after beyond the configured maximum', async () => {
    const { extractor, time } = make({ retry: { maxRetryAfterMs: 5_000 } });
    standin.enqueue(behave.rateLimited('3600'));
    const [result] = await extractor.extract([conversation('Book a table.')]);
    expect(result!.degraded).toBe(true);
    expect(standin.requests).toHaveLength(1);
    expect(time.waits).toEqual([]);
  });

  it('retries 529 overloaded and 5xx with growing backoff, and does not let the SDK retry on its own', async () => {
    const { extractor, time, registry } = make({ retry: { baseDelayMs: 100, maxDelayMs: 10_000 } });
    standin.enqueue(behave.overloaded(), behave.overloaded(), behave.serverError(503), behave.ok());
    const [result] = await extractor.extract([conversation('Book a table.')]);
    expect(result!.degraded).toBe(false);
    expect(standin.requests).toHaveLength(4);
    expect(time.waits).toEqual([75, 150, 300]); // random 0.5: ¾ of 100·2ⁿ
    // Each request is a first attempt as far as the SDK knows: the retries are ours.
    expect(standin.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '0', '0', '0']);
    expect(await metricValue(registry, 'clio_facet_retries_total', { reason: 'overloaded' })).toBe(2);
    expect(await metricValue(registry, 'clio_facet_retries_total', { reason: 'server' })).toBe(1);
  });

  it('falls back, degraded, when retries run out; a 400 is not retried', async () => {
    const { extractor, registry } = make({ maxRetries: 2 });
    standin.setDefault(behave.serverError());
    const [exhausted] = await extractor.extract([conversation('Book a table.')]);
    expect(exhausted!.degraded).toBe(true);
    expect(standin.requests).toHaveLength(3);
    standin.setDefault(behave.badRequest());
    const [refused] = await extractor.extract([conversation('Book a table.')]);
    expect(refused!.degraded).toBe(true);
    expect(standin.requests).toHaveLength(4);
    expect(await metricValue(registry, 'clio_facet_requests_total', { outcome: 'fallback_api_error' })).toBe(2);
  });

  it('retries a reply slower than the timeout', async () => {
    const { extractor, registry } = make({ timeoutMs: 100 });
    standin.enqueue(behave.slow(2_000), behave.ok());
    const [result] = await extractor.extract([conversation('Book a table.')]);
    expect(result!.degraded).toBe(false);
    expect(standin.requests).toHaveLength(2);
    expect(await metricValue(registry, 'clio_facet_retries_total', { reason: 'timeout' })).toBe(1);
  });

  it('opens the breaker after N failures (no calls while open) and closes it after the cool-down on success', async () => {
    const { extractor, time, registry } = make({ maxRetries: 0, maxConcurrency: 1, breaker: { failureThreshold: 3, coolDownMs: 60_000 } });
    standin.setDefault(behave.serverError());
    for (let i = 0; i < 3; i++) await extractor.extract([conversation('Book a table.', i)]);
    expect(standin.requests).toHaveLength(3);
    expect(extractor.breakerState).toBe('open');
    expect(await metricValue(registry, 'clio_facet_breaker_open')).toBe(1);

    standin.setDefault(behave.ok());
    const whileOpen = await extractor.extract([1, 2, 3, 4, 5].map((i) => conversation('Book a table.', i)));
    expect(standin.requests).toHaveLength(3);
    expect(whileOpen.every((f) => f.degraded)).toBe(true);
    expect(await metricValue(registry, 'clio_facet_requests_total', { outcome: 'fallback_breaker_open' })).toBe(5);

    time.advance(59_999);
    await extractor.extract([conversation('Book a table.')]);
    expect(standin.requests).toHaveLength(3);

    time.advance(1);
    const [probe] = await extractor.extract([conversation('Book a table.')]);
    expect(standin.requests).toHaveLength(4);
    expect(probe!.degraded).toBe(false);
    expect(extractor.breakerState).toBe('closed');
    expect(await metricValue(registry, 'clio_facet_breaker_open')).toBe(0);
    await extractor.extract([conversation('Book a table.')]);
    expect(standin.requests).toHaveLength(5);
  });

  it('accounts tokens and cost from usage (tokens × prices) in metrics and the usage sink', async () => {
    const records: UsageRecord[] = [];
    const { extractor, registry } = make({
      pricesUsdPerMTok: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
      onUsage: (r) => records.push(r),
    });
    standin.setDefault(behave.ok(goodFacets(), { input_tokens: 1_000, output_tokens: 200, cache_read_input_tokens: 5_000, cache_creation_input_tokens: 2_000 }));
    await extractor.extract([conversation('Book a table.', 1), conversation('Book a table.', 2)]);
    expect(await metricValue(registry, 'clio_facet_tokens_total', { kind: 'input' })).toBe(2_000);
    expect(await metricValue(registry, 'clio_facet_tokens_total', { kind: 'output' })).toBe(400);
    expect(await metricValue(registry, 'clio_facet_tokens_total', { kind: 'cache_read' })).toBe(10_000);
    expect(await metricValue(registry, 'clio_facet_tokens_total', { kind: 'cache_write' })).toBe(4_000);
    // Per call: 1000·3 + 200·15 + 5000·0.3 + 2000·3.75 = 15 000 µ$ → $0.015.
    expect(await metricValue(registry, 'clio_facet_cost_usd_total')).toBeCloseTo(0.03, 10);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ model: DEFAULT_FACET_MODEL, inputTokens: 1_000, outputTokens: 200, cacheReadTokens: 5_000, cacheWriteTokens: 2_000 });
    expect(records[0]!.costUsd).toBeCloseTo(0.015, 10);
    expect(extractor.spentThisHourUsd).toBeCloseTo(0.03, 10);
  });

  it('falls back once the hourly spend cap is reached, until the hour rolls', async () => {
    const { extractor, time, registry } = make({
      maxConcurrency: 1,
      hourlySpendCapUsd: 0.02,
      pricesUsdPerMTok: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    });
    standin.setDefault(behave.ok(goodFacets(), { input_tokens: 1_000, output_tokens: 200, cache_read_input_tokens: 5_000, cache_creation_input_tokens: 2_000 }));
    const results = await extractor.extract([1, 2, 3, 4].map((i) => conversation('Book a table.', i)));
    expect(results.map((f) => f.degraded)).toEqual([false, false, true, true]);
    expect(standin.requests).toHaveLength(2);
    expect(await metricValue(registry, 'clio_facet_requests_total', { outcome: 'fallback_spend_cap' })).toBe(2);

    time.advance(50 * 60_000); // 15:00: a new window
    const [next] = await extractor.extract([conversation('Book a table.')]);
    expect(next!.degraded).toBe(false);
    expect(standin.requests).toHaveLength(3);
  });

  it('keeps at most maxConcurrency calls in flight', async () => {
    const { extractor } = make({ maxConcurrency: 3 });
    standin.setDefault(behave.slow(40));
    const results = await extractor.extract(Array.from({ length: 10 }, (_, i) => conversation('Book a table.', i)));
    expect(results).toHaveLength(10);
    expect(results.every((f) => !f.degraded)).toBe(true);
    expect(standin.requests).toHaveLength(10);
    expect(standin.maxInFlight()).toBe(3);
  });

  it('keeps canary strings from already-redacted text out of metrics and usage records', async () => {
    const records: UsageRecord[] = [];
    const { extractor, registry } = make({ onUsage: (r) => records.push(r), maxOutputRetries: 0 });
    standin.enqueue(behave.ok(goodFacets()), behave.malformed({ request: CANARIES.email, task: CANARIES.name }), behave.serverError());
    standin.setDefault(behave.ok());
    await extractor.extract([canaryConversation('2026-11-27T14:00:00Z', 0), canaryConversation('2026-11-27T14:00:00Z', 1), canaryConversation('2026-11-27T14:00:00Z', 2)]);
    // The canaries were in play: they reached the (stand-in) model.
    expect(standin.requests.some((r) => JSON.stringify(r.body).includes(CANARIES.email))).toBe(true);
    expect(findCanary(await registry.metrics())).toBeUndefined();
    expect(findCanary(JSON.stringify(records))).toBeUndefined();
    // Every label value is from a closed set.
    const outcomes = (await registry.getSingleMetric('clio_facet_requests_total')!.get()).values.map((v) => v.labels.outcome);
    expect(outcomes.every((o) => (FACET_OUTCOMES as readonly unknown[]).includes(o))).toBe(true);
  });

  it('refuses options without an API key or with a non-positive concurrency', () => {
    expect(() => new ClaudeFacetExtractor({ apiKey: '' })).toThrow(/apiKey/);
    expect(() => new ClaudeFacetExtractor({ apiKey: 'k', maxConcurrency: 0 })).toThrow(/maxConcurrency/);
  });
});
