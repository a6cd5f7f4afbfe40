import { describe, expect, it } from 'vitest';
import { dot } from '../../src/catalog/vectors.ts';
import { NoveltyPool, UnknownGroupError, type NovelPoint } from '../../src/emerging/novelty-pool.ts';
import { seededRandom, type Random } from '../../src/generate/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

const DIM = 32;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-27T00:00:00Z');
const gate = { minAccounts: 10, minConversations: 20 };
const options = { dimension: DIM, joinSimilarity: 0.8, horizonMs: 6 * HOUR, halfLifeMs: 2 * HOUR };

let serial = 0;
function point(random: Random, centre: readonly number[], account: string, timeMs: number, terms: string[]): NovelPoint {
  return { idHash: `id-${serial++}`, accountHash: account, eventTimeMs: timeMs, vector: near(random, centre, 0.04), terms, nearestClusterId: 'c-001' };
}

/** A near-paraphrase pattern: `accounts` accounts, `perAccount` conversations each, spread evenly over `spanMs`. */
function pattern(random: Random, centre: readonly number[], o: { accounts: number; perAccount: number; startMs: number; spanMs: number; prefix: string }): NovelPoint[] {
  const n = o.accounts * o.perAccount;
  return Array.from({ length: n }, (_, i) => point(random, centre, `${o.prefix}${i % o.accounts}`, o.startMs + Math.floor((i * o.spanMs) / n), ['automate', 'fake', 'reviews', 'browser']));
}

/** Lonely points: each from its own account, in its own direction. */
function lonely(random: Random, n: number, startMs: number, spanMs: number): NovelPoint[] {
  return Array.from({ length: n }, (_, i) => point(random, randomUnit(random, DIM), `lonely-${serial}`, startMs + Math.floor((i * spanMs) / n), ['misc']));
}

describe('NoveltyPool', () => {
  it('groups a pattern from 40 accounts, spread over slices, into exactly one candidate among lonely points', () => {
    const random = seededRandom(1);
    const centre = randomUnit(random, DIM);
    const pool = new NoveltyPool(options);
    pool.add([...pattern(random, centre, { accounts: 40, perAccount: 2, startMs: T0, spanMs: 3 * HOUR, prefix: 'a' }), ...lonely(random, 300, T0, 3 * HOUR)]);

    const [group, ...rest] = pool.candidates(T0 + 3 * HOUR, gate);
    expect(rest).toEqual([]);
    expect(group).toMatchObject({ accounts: 40, conversations: 80, nearestClusterIds: ['c-001'] });
    expect(dot(group!.centroid, centre)).toBeGreaterThan(0.99);
    expect(group!.firstSeenMs).toBe(T0);
    expect(group!.lastSeenMs).toBeGreaterThan(T0 + 2.9 * HOUR);
    // The naming sample: at most two per account, every account represented.
    const perAccount = new Map<string, number>();
    for (const m of group!.members) perAccount.set(m.account, (perAccount.get(m.account) ?? 0) + 1);
    expect(perAccount.size).toBe(40);
    expect(Math.max(...perAccount.values())).toBeLessThanOrEqual(2);
    expect(group!.members[0]!.text).toBe('automate fake reviews browser');
    expect(group!.similarities).toHaveLength(group!.members.length);
    expect(Math.min(...group!.similarities)).toBeGreaterThan(0.8);
  });

  it('does not propose the same conversations from 3 accounts, whatever the gate says', () => {
    const random = seededRandom(2);
    const pool = new NoveltyPool(options);
    pool.add(pattern(random, randomUnit(random, DIM), { accounts: 3, perAccount: 27, startMs: T0, spanMs: HOUR, prefix: 'few' }));
    expect(pool.candidates(T0 + HOUR, gate)).toEqual([]);
    // Config cannot take the gate below the privacy floor.
    expect(pool.candidates(T0 + HOUR, { minAccounts: 2, minConversations: 2 })).toEqual([]);
  });

  it('never makes a candidate of one account repeating one text, and holds it in one micro-cluster', () => {
    const random = seededRandom(3);
    const centre = randomUnit(random, DIM);
    const pool = new NoveltyPool(options);
    const repeats = Array.from({ length: 500 }, (_, i): NovelPoint => ({
      idHash: `rep-${i}`, accountHash: 'one', eventTimeMs: T0 + i * 1000, vector: centre, terms: ['automate', 'fake', 'reviews'], nearestClusterId: 'c-002',
    }));
    pool.add(repeats);
    expect(pool.size).toBe(1);
    expect(pool.candidates(T0 + HOUR, { minAccounts: 1, minConversations: 1 })).toEqual([]);
  });

  it('is idempotent on conversation ids', () => {
    const random = seededRandom(4);
    const points = pattern(random, randomUnit(random, DIM), { accounts: 20, perAccount: 2, startMs: T0, spanMs: HOUR, prefix: 'i' });
    const pool = new NoveltyPool(options);
    pool.add(points);
    pool.add(points);
    pool.add(points.slice(0, 10));
    expect(pool.candidates(T0 + HOUR, gate)[0]).toMatchObject({ conversations: 40, accounts: 20 });
  });

  it('forgets what left the horizon and stays within maxMicroClusters, keeping the dense group', () => {
    const random = seededRandom(5);
    const pool = new NoveltyPool({ ...options, maxMicroClusters: 50 });
    pool.add(pattern(random, randomUnit(random, DIM), { accounts: 40, perAccount: 2, startMs: T0, spanMs: HOUR, prefix: 'd' }));
    const noise = lonely(random, 400, T0 + HOUR, HOUR);
    for (let i = 0; i < noise.length; i += 20) {
      pool.add(noise.slice(i, i + 20));
      expect(pool.size).toBeLessThanOrEqual(50);
    }
    // The lightest go first: lonely micro-clusters, not the pattern's.
    expect(pool.candidates(T0 + 2 * HOUR, gate)).toMatchObject([{ accounts: 40, conversations: 80 }]);

    // A day of lonely traffic, evicting hourly: only the horizon's slices stay.
    const unbounded = new NoveltyPool(options);
    for (let h = 0; h < 24; h++) {
      unbounded.add(lonely(random, 60, T0 + h * HOUR, HOUR));
      unbounded.evict(T0 + (h + 1) * HOUR);
      expect(unbounded.size).toBeLessThanOrEqual(60 * 6.5);
    }
    pool.evict(T0 + 8 * HOUR);
    expect(pool.candidates(T0 + 8 * HOUR, gate)).toEqual([]);
    expect(pool.size).toBe(0);
    // Late points from before the horizon are not taken back in.
    pool.add(pattern(random, randomUnit(random, DIM), { accounts: 40, perAccount: 1, startMs: T0, spanMs: HOUR, prefix: 'late' }));
    expect(pool.size).toBe(0);
  });

  it('gives the same groups when refilled from the horizon after a restart', () => {
    const random = seededRandom(6);
    const steady = randomUnit(random, DIM);
    const burst = randomUnit(random, DIM);
    // A pattern that started long before the horizon and goes on, a burst inside it, lonely traffic throughout.
    const stream = [
      ...pattern(random, steady, { accounts: 60, perAccount: 3, startMs: T0, spanMs: 18 * HOUR, prefix: 's' }),
      ...pattern(random, burst, { accounts: 15, perAccount: 2, startMs: T0 + 14 * HOUR, spanMs: 2 * HOUR, prefix: 'b' }),
      ...lonely(random, 400, T0, 18 * HOUR),
    ].sort((a, b) => a.eventTimeMs - b.eventTimeMs);

    const running = new NoveltyPool(options);
    for (let h = 1; h <= 18; h++) {
      running.add(stream.filter((p) => p.eventTimeMs >= T0 + (h - 1) * HOUR && p.eventTimeMs < T0 + h * HOUR));
      running.evict(T0 + h * HOUR);
    }
    const now = T0 + 18 * HOUR;
    const before = running.candidates(now, gate);
    expect(before.map((g) => g.accounts).sort()).toEqual([15, 60]);

    const restarted = new NoveltyPool(options);
    restarted.evict(now);
    restarted.add(stream.filter((p) => p.eventTimeMs >= restarted.horizonStartMs(now)));
    expect(restarted.candidates(now, gate)).toEqual(before);
    // Counting follows the horizon: the steady pattern's older conversations no longer count.
    expect(before.find((g) => g.accounts === 60)!.conversations).toBeLessThan(180 / 2);
  });

  it('does not propose a promoted group again, nor later points close to it', () => {
    const random = seededRandom(7);
    const first = randomUnit(random, DIM);
    const second = randomUnit(random, DIM);
    const pool = new NoveltyPool(options);
    pool.add(pattern(random, first, { accounts: 40, perAccount: 2, startMs: T0, spanMs: HOUR, prefix: 'p' }));
    const [group] = pool.candidates(T0 + HOUR, gate);
    expect(() => pool.markPromoted('n-unknown', 'emerging-001')).toThrow(UnknownGroupError);
    pool.markPromoted(group!.key, 'emerging-001');
    expect(pool.candidates(T0 + HOUR, gate)).toEqual([]);

    pool.add(pattern(random, first, { accounts: 40, perAccount: 2, startMs: T0 + HOUR, spanMs: HOUR, prefix: 'q' }));
    expect(pool.candidates(T0 + 2 * HOUR, gate)).toEqual([]);
    // Another new pattern still surfaces.
    pool.add(pattern(random, second, { accounts: 20, perAccount: 2, startMs: T0 + HOUR, spanMs: HOUR, prefix: 'r' }));
    const after = pool.candidates(T0 + 2 * HOUR, gate);
    expect(after).toHaveLength(1);
    expect(dot(after[0]!.centroid, second)).toBeGreaterThan(0.99);

    // After a restart the provisional cluster is declared known before the horizon is re-added.
    const restarted = new NoveltyPool(options);
    restarted.markKnown('emerging-001', group!.centroid);
    restarted.add(pattern(random, first, { accounts: 40, perAccount: 2, startMs: T0, spanMs: HOUR, prefix: 'p2' }));
    expect(restarted.candidates(T0 + HOUR, gate)).toEqual([]);
    // Marking the same cluster again moves it rather than adding a second one.
    restarted.markKnown('emerging-001', second);
    restarted.add(pattern(random, first, { accounts: 40, perAccount: 2, startMs: T0 + HOUR, spanMs: HOUR, prefix: 'p3' }));
    expect(restarted.candidates(T0 + 2 * HOUR, gate)).toMatchObject([{ accounts: 40 }]);
  });
});
