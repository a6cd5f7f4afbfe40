/** Circuit-breaker settings. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before letting one probe call through. */
  coolDownMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = Object.freeze({ failureThreshold: 5, coolDownMs: 30_000 });

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * A consecutive-failure circuit breaker. Pure state machine on an injected clock, no I/O:
 * closed → (N consecutive failures) → open → (cool-down elapsed, one probe admitted) → half_open
 * → success closes it, failure re-opens it for another cool-down.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly options: BreakerOptions,
    private readonly now: () => number,
  ) {}

  get state(): BreakerState {
    return this.current;
  }

  /** May a call go to the service now? In half_open only one probe is admitted at a time. */
  allow(): boolean {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.coolDownMs) {
      this.current = 'half_open';
      this.probing = false;
    }
    if (this.current === 'closed') return true;
    if (this.current === 'half_open' && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  /** The service answered. */
  onSuccess(): void {
    this.current = 'closed';
    this.failures = 0;
    this.probing = false;
  }

  /** The service failed in a way that says it is unhealthy. */
  onFailure(): void {
    this.failures += 1;
    if (this.current === 'half_open' || this.failures >= this.options.failureThreshold) {
      this.current = 'open';
      this.openedAt = this.now();
      this.probing = false;
    }
  }
}
