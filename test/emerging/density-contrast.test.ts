import { describe, expect, it } from 'vitest';
import { dot, normalise } from '../../src/catalog/vectors.ts';
import { contrastScores, emergingGroups, knownCount, KNOWN_DEPTH, linkCandidates, selectWindow, unselectable, type RecentPoint } from '../../src/emerging/density-contrast.ts';
import { ExemplarIndex } from '../../src/emerging/exemplars.ts';
import { PairwiseSimilarity } from '../../src/emerging/pairwise.ts';
import { seededRandom, type Random } from '../../src/util/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

const DIM = 32;
const T0 = Date.parse('2026-11-27T00:00:00Z');
const MINUTE = 60_000;
const GATE = { minSimilarity: 0.65, minAccounts: 10, minConversations: 20 };

/** Known traffic: 40 topics, each a loose clump (paraphrases of many different requests). */
function world(seed: number) {
  const random = seededRandom(seed);
  const topics = Array.from({ length: 40 }, () => randomUnit(random, DIM));
  const ordinary = (r: Random) => near(r, topics[Math.floor(r() * topics.length)]!, 0.25);
  const knownVectors = Array.from({ length: 2000 }, () => ordinary(random));
  const exemplars = ExemplarIndex.fromVectors(knownVectors, { modelId: 'test/model', dimension: DIM });
  // A new family close in form to an old topic: near-duplicates of one text, offset from the topic's centre.
  const familyCentre = normalise(topics[3]!.map((x, d) => x + 0.9 * randomUnit(random, DIM)[d]!));
  return { random, topics, ordinary, knownVectors, exemplars, familyCentre };
}

type World = ReturnType<typeof world>;
let nextId = 0;

function point(w: World, vector: number[], account: string, eventTimeMs: number, terms: string[]): RecentPoint {
  return {
    idHash: `h${(nextId++).toString(16).padStart(8, '0')}`, accountHash: account, eventTimeMs, vector, terms, nearestClusterId: 'c-1',
    known: w.exemplars.nearestSimilarities(vector, KNOWN_DEPTH),
  };
}

/** `n` ordinary conversations from `accounts` accounts over 6 hours. */
function ordinaryTraffic(w: World, n: number, accounts = 200, prefix = 'o'): RecentPoint[] {
  return Array.from({ length: n }, (_, i) => point(w, w.ordinary(w.random), `${prefix}${i % accounts}`, T0 + Math.floor((i * 360 * MINUTE) / n), ['plan', 'trip']));
}

/** The new family: `perAccount` near-duplicates from each of `accounts` accounts. */
function family(w: World, accounts: number, perAccount: number): RecentPoint[] {
  return Array.from({ length: accounts * perAccount }, (_, i) =>
    point(w, near(w.random, w.familyCentre, 0.05), `f${i % accounts}`, T0 + 120 * MINUTE + i * MINUTE, ['pretend', 'unrestricted', 'assistant', `own${i % accounts}`]));
}

function auc(positive: readonly number[], negative: readonly number[]): number {
  let wins = 0;
  for (const p of positive) for (const n of negative) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positive.length * negative.length);
}

describe('density contrast', () => {
  it('finds a new family close in form to an old topic, sent by 40 accounts, as one pure group', () => {
    const w = world(1);
    const fam = family(w, 40, 2);
    const window = [...ordinaryTraffic(w, 600), ...fam];
    const { scores, groups } = emergingGroups(window, { knownSize: w.exemplars.conversations, ...GATE });
    const isFamily = new Set(fam);
    const famScores = window.flatMap((p, i) => (isFamily.has(p) ? [scores[i]!] : []));
    const otherScores = window.flatMap((p, i) => (isFamily.has(p) ? [] : [scores[i]!]));
    expect(auc(famScores, otherScores)).toBeGreaterThan(0.95);
    expect(groups).toHaveLength(1);
    const [group] = groups;
    expect(group!.accounts).toBeGreaterThanOrEqual(36);
    // Purity: the group's members are the family's (its accounts all start with f).
    expect(group!.members.filter((m) => m.account.startsWith('f')).length / group!.members.length).toBeGreaterThanOrEqual(0.8);
    expect(dot(group!.centroid, w.familyCentre)).toBeGreaterThan(0.95);
    // The naming sample keeps at most two members per account.
    const perAccount = new Map<string, number>();
    for (const m of group!.members) perAccount.set(m.account, (perAccount.get(m.account) ?? 0) + 1);
    expect(Math.max(...perAccount.values())).toBeLessThanOrEqual(2);
  });

  it("keeps a group only when its members' mean contrast reaches group_contrast", () => {
    const w = world(7);
    const window = [...ordinaryTraffic(w, 600), ...family(w, 40, 2)];
    const [group] = emergingGroups(window, { knownSize: w.exemplars.conversations, ...GATE }).groups;
    expect(group).toBeDefined();
    expect(emergingGroups(window, { knownSize: w.exemplars.conversations, ...GATE, groupContrast: group!.contrast - 0.05 }).groups).toHaveLength(1);
    expect(emergingGroups(window, { knownSize: w.exemplars.conversations, ...GATE, groupContrast: group!.contrast + 0.05 }).groups).toEqual([]);
  });

  it('does not group the same family from 3 accounts, however often they send it', () => {
    const w = world(2);
    const window = [...ordinaryTraffic(w, 600), ...family(w, 3, 30)];
    expect(emergingGroups(window, { knownSize: w.exemplars.conversations, ...GATE }).groups).toEqual([]);
  });

  it('finds no group in ordinary traffic, nor in a launch that doubles it', () => {
    for (const seed of [3, 4, 5]) {
      const w = world(seed);
      const ordinary = ordinaryTraffic(w, 600);
      expect(emergingGroups(ordinary, { knownSize: w.exemplars.conversations, ...GATE }).groups, `seed ${seed}`).toEqual([]);
      const launch = [...ordinary, ...ordinaryTraffic(w, 600, 400, 'l')];
      expect(emergingGroups(launch, { knownSize: w.exemplars.conversations, ...GATE }).groups, `seed ${seed}, launch`).toEqual([]);
      // Matched neighbour counts keep ordinary traffic near zero whatever the window's size.
      const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(Math.abs(mean(contrastScores(ordinary, { knownSize: w.exemplars.conversations })))).toBeLessThan(0.05);
      expect(Math.abs(mean(contrastScores(launch, { knownSize: w.exemplars.conversations })))).toBeLessThan(0.05);
    }
  });

  it('does not take a surge of a known text for a new pattern (that is a spike)', () => {
    const w = world(10);
    // One text the baseline saw once, now sent by 30 accounts: denser than known, but known.
    const repeats = Array.from({ length: 30 }, (_, i) => point(w, [...w.knownVectors[0]!], `r${i}`, T0 + i * MINUTE, ['popular', 'question']));
    const window = [...ordinaryTraffic(w, 600), ...repeats];
    const { scores, groups } = emergingGroups(window, { knownSize: w.exemplars.conversations, ...GATE });
    expect(Math.min(...scores.slice(600))).toBeGreaterThan(0.2);
    expect(groups).toEqual([]);
  });

  it('leaves out conversations a promoted cluster explains', () => {
    const w = world(6);
    const fam = family(w, 40, 2);
    const window = [...ordinaryTraffic(w, 600), ...fam.map((p) => ({ ...p, explained: true }))];
    expect(emergingGroups(window, { knownSize: w.exemplars.conversations, ...GATE }).groups).toEqual([]);
  });

  it('gives the same groups whatever order the window comes in', () => {
    const w = world(7);
    const window = [...ordinaryTraffic(w, 300), ...family(w, 20, 2)];
    const a = emergingGroups(window, { knownSize: w.exemplars.conversations, ...GATE }).groups;
    const b = emergingGroups([...window].reverse(), { knownSize: w.exemplars.conversations, ...GATE }).groups;
    expect(a).toHaveLength(1);
    expect(b).toEqual(a);
  });

  it('ignores neighbours from the same account: one account repeating itself has no recent density', () => {
    const w = world(8);
    const spam = Array.from({ length: 50 }, (_, i) => point(w, near(w.random, w.familyCentre, 0.01), 'solo', T0 + i * MINUTE, ['x']));
    const scores = contrastScores([...ordinaryTraffic(w, 200), ...spam], { knownSize: w.exemplars.conversations });
    expect(Math.max(...scores.slice(200))).toBeLessThan(0.1);
  });

  it('matches the known neighbour count to the sample sizes, within bounds', () => {
    expect(knownCount(10, 5000, 5000)).toBe(10);
    expect(knownCount(10, 5000, 10_000)).toBe(5);
    expect(knownCount(10, 5000, 100)).toBe(KNOWN_DEPTH);
    expect(knownCount(10, 100, 1_000_000)).toBe(1);
    expect(knownCount(10, null, 50)).toBe(1);
  });
});

describe('linkCandidates', () => {
  /** A family alike in framing, not in content: each member = a shared style direction plus its own topic (pairwise cosine ~0.3). */
  function diffuseFamily(random: Random, style: number[], n: number, account: string) {
    return Array.from({ length: n }, (_, i) => {
      const topic = randomUnit(random, 256);
      return { vector: normalise(style.map((x, d) => 0.55 * x + 0.83 * topic[d]!)), accountHash: `${account}${i}` };
    });
  }
  const sizes = (components: number[][]) => components.map((c) => c.length).sort((a, b) => b - a);

  it('groups a diffuse family through nearest-candidate links that single link at a paraphrase threshold splits apart', () => {
    const random = seededRandom(11);
    const family = diffuseFamily(random, randomUnit(random, 256), 24, 'f');
    const pairwise = family.flatMap((a, i) => family.slice(i + 1).map((b) => dot(a.vector, b.vector)));
    expect(Math.max(...pairwise)).toBeLessThan(0.65);
    expect(sizes(linkCandidates(family, { minSimilarity: 0.65, linkNeighbours: 0 }))).toEqual(Array(24).fill(1));
    expect(sizes(linkCandidates(family, { minSimilarity: 0.65, linkNeighbours: 3, linkFloor: 0.25 }))).toEqual([24]);
  });

  it('keeps two unrelated families apart, and links no candidate to one of its own account', () => {
    const random = seededRandom(12);
    const a = diffuseFamily(random, randomUnit(random, 256), 20, 'a');
    const b = diffuseFamily(random, randomUnit(random, 256), 20, 'b');
    const components = linkCandidates([...a, ...b], { minSimilarity: 0.65, linkNeighbours: 3, linkFloor: 0.25 });
    expect(components.map((c) => c.length).sort()).toEqual([20, 20]);
    expect(components.every((c) => c.every((i) => i < 20) || c.every((i) => i >= 20))).toBe(true);
    // One account sending the whole family: nothing links through neighbours.
    const oneAccount = a.map((p) => ({ ...p, accountHash: 'same' }));
    expect(sizes(linkCandidates(oneAccount, { minSimilarity: 0.65, linkNeighbours: 3, linkFloor: 0.25 }))).toEqual(Array(20).fill(1));
  });
});

describe('selectWindow', () => {
  const at = (idHash: string, eventTimeMs: number) => ({ idHash, eventTimeMs });
  const opts = { endMs: T0 + 60 * MINUTE, horizonMs: 60 * MINUTE, sliceMs: 15 * MINUTE, perSliceCap: 2 };

  it('keeps whole slices of the horizon, the lowest id hashes of each, nothing at or after the end', () => {
    const points = [
      at('c', T0), at('a', T0 + MINUTE), at('b', T0 + 2 * MINUTE), // slice 0: keeps a, b
      at('z', T0 + 20 * MINUTE), // slice 1
      at('0', T0 - MINUTE), // before the window
      at('1', T0 + 60 * MINUTE), // at the end: next bucket
    ];
    expect(selectWindow(points, opts).map((p) => p.idHash).sort()).toEqual(['a', 'b', 'z']);
  });

  it('selects per slice, so what one slice keeps does not depend on another', () => {
    const slice0 = [at('m', T0), at('n', T0 + MINUTE)];
    const withOther = selectWindow([...slice0, at('a', T0 + 16 * MINUTE), at('b', T0 + 17 * MINUTE), at('c', T0 + 18 * MINUTE)], opts);
    expect(withOther.filter((p) => p.eventTimeMs < T0 + 15 * MINUTE).map((p) => p.idHash)).toEqual(['m', 'n']);
  });
});

describe('unselectable', () => {
  it('drops from a slice still filling only what no later check selects, and keeps the slice near its cap', () => {
    const random = seededRandom(5);
    const sliceMs = 15 * MINUTE;
    const perSliceCap = 25;
    const READ_AHEAD = 3 * MINUTE;
    const hash = () => Math.floor(random() * 2 ** 48).toString(16).padStart(12, '0');
    // 5,000 conversations in one slice, arriving in time order (some at the same millisecond), a check every minute.
    const stream = Array.from({ length: 5000 }, (_, i) => ({ idHash: hash(), eventTimeMs: T0 + Math.floor((i / 5000) * sliceMs / 7) * 7 }));
    const held: typeof stream = [];
    let arrived = 0;
    let most = 0;
    for (let minute = 1; minute <= 15; minute++) {
      const endMs = T0 + minute * MINUTE;
      // What arrived up to the check and was read ahead of it (a pass can judge several buckets behind
      // the reader), pruned as the tracker prunes after each check.
      while (arrived < stream.length && stream[arrived]!.eventTimeMs < endMs + READ_AHEAD) held.push(stream[arrived++]!);
      const opts = { endMs, horizonMs: 60 * MINUTE, sliceMs, perSliceCap };
      const everything = stream.filter((p) => p.eventTimeMs < endMs + READ_AHEAD);
      expect(selectWindow(held, opts)).toEqual(selectWindow(everything, opts).filter((p) => held.includes(p)));
      expect(selectWindow(held, opts).map((p) => p.idHash).sort()).toEqual(selectWindow(everything, opts).map((p) => p.idHash).sort());
      for (const p of unselectable(held, perSliceCap)) held.splice(held.indexOf(p), 1);
      most = Math.max(most, held.length);
    }
    // Near 25·(1 + ln(5000/25)) ≈ 157 held at once, not 5,000.
    expect(most).toBeLessThan(400);
    expect(unselectable(held.slice(0, perSliceCap), perSliceCap)).toEqual([]);
  });

  it('drops a conversation once the cap of its slice with lower hashes came no later, never one older than them', () => {
    const at = (idHash: string, eventTimeMs: number) => ({ idHash, eventTimeMs });
    // 'c' and 'd' are out: 'a' and 'b' came before them. 'b' stays, though '0' and 'a' are lower now:
    // a check before 'a' arrived selects it.
    const slice = [at('b', T0), at('a', T0 + 1), at('c', T0 + 2), at('0', T0 + 3), at('d', T0 + 4)];
    expect(unselectable(slice, 2).map((p) => p.idHash).sort()).toEqual(['c', 'd']);
    // 'z' came first: the checks before 'a' and 'b' arrived selected it.
    expect(unselectable([at('z', T0), at('a', T0 + 1), at('b', T0 + 2)], 2)).toEqual([]);
  });
});

describe('PairwiseSimilarity', () => {
  it('equals the plain dot products, for dimensions that are not a multiple of the kernel width', () => {
    const random = seededRandom(9);
    for (const dim of [3, 16, 37]) {
      const vectors = Array.from({ length: 7 }, () => randomUnit(random, dim));
      const pairs = new PairwiseSimilarity(vectors, dim);
      for (let i = 0; i < 7; i++) {
        const after = Array.from(pairs.after(i));
        expect(after).toHaveLength(6 - i);
        after.forEach((s, t) => expect(s).toBeCloseTo(dot(vectors[i]!, vectors[i + 1 + t]!), 5));
      }
      expect(Array.from(pairs.with(2, [0, 5]))).toEqual([expect.closeTo(dot(vectors[2]!, vectors[0]!), 5), expect.closeTo(dot(vectors[2]!, vectors[5]!), 5)]);
    }
  });
});
