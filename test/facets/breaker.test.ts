import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/facets/breaker.ts';

describe('CircuitBreaker', () => {
  const setup = () => {
    let now = 1_000;
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 10_000 }, () => now);
    return { breaker, advance: (ms: number) => (now += ms) };
  };

  it('opens after N consecutive failures, and a success resets the count', () => {
    const { breaker } = setup();
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.allow()).toBe(true);
    breaker.onFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
  });

  it('half-opens after the cool-down with a single probe; success closes it', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i++) breaker.onFailure();
    advance(9_999);
    expect(breaker.allow()).toBe(false);
    advance(1);
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe('half_open');
    expect(breaker.allow()).toBe(false); // one probe at a time
    breaker.onSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
  });

  it('a failed probe re-opens it for a fresh cool-down', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i++) breaker.onFailure();
    advance(10_000);
    expect(breaker.allow()).toBe(true);
    breaker.onFailure();
    expect(breaker.state).toBe('open');
    advance(5_000);
    expect(breaker.allow()).toBe(false);
    advance(5_000);
    expect(breaker.allow()).toBe(true);
  });
});
