/** US dollars per million tokens, per kind of token the Messages API bills. */
export interface FacetPrices {
  input: number;
  output: number;
  cacheRead: number;
  /** Writing the prompt cache (5-minute TTL). */
  cacheWrite: number;
}

/** Token counts of one call, as the API's `usage` reports them (input excludes cached tokens). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** What the optional usage sink receives per call: counts and cost, never text or ids. */
export interface UsageRecord extends TokenUsage {
  model: string;
  costUsd: number;
}

/** The `kind` label values of the token counter. */
export const TOKEN_KINDS = ['input', 'output', 'cache_read', 'cache_write'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** The API's usage object (fields may be null or absent) as plain counts. */
export function tokenUsage(usage: {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
} | null | undefined): TokenUsage {
  const n = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  return {
    inputTokens: n(usage?.input_tokens),
    outputTokens: n(usage?.output_tokens),
    cacheReadTokens: n(usage?.cache_read_input_tokens),
    cacheWriteTokens: n(usage?.cache_creation_input_tokens),
  };
}

/** Estimated cost of one call in US dollars. */
export function estimateCost(usage: TokenUsage, prices: FacetPrices): number {
  return (
    (usage.inputTokens * prices.input +
      usage.outputTokens * prices.output +
      usage.cacheReadTokens * prices.cacheRead +
      usage.cacheWriteTokens * prices.cacheWrite) /
    1_000_000
  );
}

/**
 * Spend in fixed one-hour windows aligned to the clock's hour. When the current window's spend
 * reaches the cap, calls stop until the next window starts. Calls already in flight still add
 * their cost, so a window can overshoot by up to the concurrency limit's worth of calls.
 */
export class HourlySpend {
  static readonly WINDOW_MS = 3_600_000;
  private window = -1;
  private spent = 0;

  constructor(
    private readonly capUsd: number,
    private readonly now: () => number,
  ) {}

  /** Dollars spent in the current window. */
  get currentUsd(): number {
    this.roll();
    return this.spent;
  }

  add(costUsd: number): void {
    this.roll();
    this.spent += costUsd;
  }

  /** True while the current window has reached the cap. */
  exhausted(): boolean {
    return this.currentUsd >= this.capUsd;
  }

  private roll(): void {
    const window = Math.floor(this.now() / HourlySpend.WINDOW_MS);
    if (window !== this.window) {
      this.window = window;
      this.spent = 0;
    }
  }
}
