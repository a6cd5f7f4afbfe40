/** The clock a limiter waits on; tests pass a fake one. */
export interface SpacingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: SpacingClock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Keeps calls for the same key (a Slack channel) at least `minIntervalMs` apart; different keys do
 * not wait for each other. Each caller reserves the next free slot before sleeping, so concurrent
 * callers queue up in arrival order instead of racing for the same slot.
 */
export class ChannelSpacing {
  private readonly nextFreeMs = new Map<string, number>();

  constructor(
    private readonly minIntervalMs: number,
    private readonly clock: SpacingClock = realClock,
  ) {}

  /** Resolves when the key's next slot has come, and takes it. */
  async take(key: string): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextFreeMs.get(key) ?? now);
    this.nextFreeMs.set(key, slot + this.minIntervalMs);
    if (slot > now) await this.clock.sleep(slot - now);
  }
}
