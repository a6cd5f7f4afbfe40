/**
 * Failed authentications per client address in a fixed window. @fastify/rate-limit counts every
 * request; this counts only the failures, so a client with a good token is never slowed down.
 */
export class FailureLimiter {
  readonly #windows = new Map<string, { startMs: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the client may try again, or 0 when it may try now. */
  retryAfterSeconds(client: string): number {
    const w = this.#current(client);
    if (!w || w.count < this.max) return 0;
    return Math.max(1, Math.ceil((w.startMs + this.windowMs - this.now()) / 1000));
  }

  fail(client: string): void {
    const w = this.#current(client);
    if (w) w.count++;
    else this.#windows.set(client, { startMs: this.now(), count: 1 });
    // Bound memory: drop windows that have ended.
    if (this.#windows.size > 10_000) for (const key of [...this.#windows.keys()]) if (!this.#current(key)) this.#windows.delete(key);
  }

  #current(client: string): { startMs: number; count: number } | undefined {
    const w = this.#windows.get(client);
    if (w && this.now() - w.startMs >= this.windowMs) {
      this.#windows.delete(client);
      return undefined;
    }
    return w;
  }
}
