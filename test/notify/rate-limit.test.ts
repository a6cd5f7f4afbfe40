import { describe, expect, it } from 'vitest';
import { ChannelSpacing } from '../../src/notify/rate-limit.ts';

/** A clock that only moves when someone sleeps on it. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance: (ms: number) => void (now += ms),
    async sleep(ms: number) {
      sleeps.push(ms);
    },
  };
}

describe('ChannelSpacing', () => {
  it('spaces calls to one channel by the interval, in arrival order', async () => {
    const clock = fakeClock();
    const spacing = new ChannelSpacing(1000, clock);
    await Promise.all([spacing.take('C1'), spacing.take('C1'), spacing.take('C1')]);
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('lets different channels go at once', async () => {
    const clock = fakeClock();
    const spacing = new ChannelSpacing(1000, clock);
    await Promise.all([spacing.take('C1'), spacing.take('C2'), spacing.take('C3')]);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not wait once the interval has passed, and only for what is left of it otherwise', async () => {
    const clock = fakeClock();
    const spacing = new ChannelSpacing(1000, clock);
    await spacing.take('C1');
    clock.advance(1500);
    await spacing.take('C1');
    clock.advance(400);
    await spacing.take('C1');
    expect(clock.sleeps).toEqual([600]);
  });
});
