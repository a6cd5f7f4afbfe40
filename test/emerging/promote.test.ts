import { describe, expect, it } from 'vitest';
import { OfflineAuditor, type NameAuditor } from '../../src/catalog/audit.ts';
import { checkCatalog, type Catalog, type CatalogCluster } from '../../src/catalog/catalog.ts';
import { TEMPLATE_WORDS, TermNamer, type ClusterNamer, type Member, type NamingInput } from '../../src/catalog/naming.ts';
import { compilePolicyMatcher } from '../../src/catalog/policies.ts';
import { words } from '../../src/catalog/terms.ts';
import { normalise } from '../../src/catalog/vectors.ts';
import { ExemplarIndex } from '../../src/emerging/exemplars.ts';
import { emergingGroups, KNOWN_DEPTH, type EmergingGroup, type RecentPoint } from '../../src/emerging/density-contrast.ts';
import { describeEmerging, type DescribeDeps } from '../../src/emerging/promote.ts';
import { pick, seededRandom } from '../../src/util/random.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

const DIM = 32;
const T0 = Date.parse('2026-11-27T00:00:00Z');
const MINUTE = 60_000;
const PATTERN = ['automate', 'fake', 'reviews', 'browser'];

const nearest: CatalogCluster = {
  id: 'c-004', name: 'Automate browser testing', description: 'Requests about automate and browser testing.', parent: 'p-01', level: 0,
  centroid: new Array(DIM).fill(0).map((_, d) => (d === 0 ? 1 : 0)), size: 120, unique_accounts: 60,
  policy_areas: [], policy_areas_override: ['automation'], provisional: false, named: true, similarity_threshold: 0.6,
};

const deps = (over: Partial<DescribeDeps> = {}): DescribeDeps => ({
  namer: new TermNamer(), auditor: new OfflineAuditor(), vocabularyK: 5, contrast: [], id: 'emerging-001', nearest, nowMs: T0, ...over,
});

/** A group as density contrast hands it over: 40 accounts, each with its own rare word next to the shared ones. */
function group(over: Partial<EmergingGroup> = {}): EmergingGroup {
  const members = Array.from({ length: 80 }, (_, i) => ({ account: `acct-${i % 40}`, text: [...PATTERN, `zanzi${i % 40}`].join(' ') }));
  return {
    key: 'n-0', centroid: normalise(new Array(DIM).fill(1)), conversations: 80, accounts: 40, firstSeenMs: T0, lastSeenMs: T0 + 60 * MINUTE,
    members, similarities: members.map((_, i) => 0.8 + (0.19 * i) / 79), memberIds: members.map((_, i) => `h-${i}`), nearestClusterIds: ['c-004'], contrast: 0.3, ...over,
  };
}

function catalogWith(cluster: CatalogCluster): Catalog {
  return {
    version: 2, created_at: '2026-11-27T00:00:00Z', embedding: { model_id: 'test/model', dimension: DIM }, facet_extractor: 'local',
    privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 5 },
    clusters: [nearest, { ...nearest, id: 'p-01', level: 1, parent: null }, cluster],
  };
}

describe('emerging discovery end to end', () => {
  it('turns a new pattern from 40 accounts into exactly one provisional cluster with an audited name', async () => {
    const random = seededRandom(11);
    const [a, b] = [randomUnit(random, DIM), randomUnit(random, DIM)];
    const clumps = [a, b].flatMap((c) => Array.from({ length: 20 }, () => near(random, c, 0.18)));
    const exemplars = ExemplarIndex.fromVectors(clumps.flatMap((c) => Array.from({ length: 30 }, () => near(random, c, 0.03))), { modelId: 'test/model', dimension: DIM });

    // Live traffic: known conversations from 200 accounts, and the new pattern, between the two clusters, from 40.
    const between = normalise(a!.map((x, d) => x + b![d]!));
    const live: RecentPoint[] = [];
    for (let i = 0; i < 1200; i++) {
      const known = i % 10 !== 0;
      const account = known ? `k-${i % 200}` : `n-${Math.floor(i / 10) % 40}`;
      const terms = known ? ['plan', 'trip', 'itinerary'] : [...PATTERN, pick(random, ['posting', 'product', 'listing']), `zanzi${account.slice(2)}`];
      const vector = near(random, known ? clumps[i % clumps.length]! : between, 0.03);
      live.push({
        idHash: `id-${i}`, accountHash: account, eventTimeMs: T0 + i * MINUTE, terms, nearestClusterId: 'c-004', vector,
        known: exemplars.nearestSimilarities(vector, KNOWN_DEPTH),
      });
    }
    const now = T0 + 1200 * MINUTE;
    const candidates = emergingGroups(live, { knownSize: exemplars.conversations, minSimilarity: 0.8, minAccounts: 10, minConversations: 20 }).groups;
    expect(candidates).toHaveLength(1);
    expect(candidates[0]).toMatchObject({ accounts: 40, conversations: 120 });

    const classify = compilePolicyMatcher({ min_share: 0.5, areas: [{ id: 'platform-manipulation', name: 'Platform manipulation', keywords: ['fake reviews'] }] });
    const described = await describeEmerging(candidates[0]!, deps({ classify, nowMs: now }));
    expect(described.ok).toBe(true);
    if (!described.ok) return;
    const { cluster } = described;
    expect(cluster).toMatchObject({
      id: 'emerging-001', provisional: true, named: true, level: 0, parent: 'p-01', size: 120, unique_accounts: 40,
      policy_areas: ['automation', 'platform-manipulation'],
    });
    expect(cluster.name.toLowerCase()).toMatch(/fake|reviews/);
    // Only shared words: no account's own word reaches the name or description.
    const shared = new Set([...PATTERN, 'posting', 'product', 'listing', ...TEMPLATE_WORDS]);
    for (const word of words(`${cluster.name} ${cluster.description}`.toLowerCase())) expect(shared.has(word), word).toBe(true);
    expect(cluster.similarity_threshold).toBeGreaterThan(0.8);
    expect(cluster.similarity_threshold).toBeLessThan(1);
    expect(() => checkCatalog(catalogWith(cluster))).not.toThrow();
  });
});

describe('describeEmerging', () => {
  it('calibrates the threshold from the members, never below the floor', async () => {
    const tight = await describeEmerging(group(), deps());
    expect(tight.ok && tight.cluster.similarity_threshold).toBeCloseTo(0.8 + 0.19 * 0.05, 2);
    const loose = await describeEmerging(group({ similarities: new Array(80).fill(0.2) }), deps());
    expect(loose.ok && loose.cluster.similarity_threshold).toBe(0.6);
    const custom = await describeEmerging(group({ similarities: new Array(80).fill(0.2) }), deps({ minThreshold: 0.7 }));
    expect(custom.ok && custom.cluster.similarity_threshold).toBe(0.7);
  });

  it('places the cluster under its nearest leaf’s parent, or under the nearest parent, or at the top', async () => {
    const parentOf = async (n: CatalogCluster | null) => {
      const d = await describeEmerging(group(), deps({ nearest: n }));
      return d.ok ? d.cluster.parent : 'failed';
    };
    expect(await parentOf(nearest)).toBe('p-01');
    expect(await parentOf({ ...nearest, id: 'p-02', level: 1, parent: null })).toBe('p-02');
    expect(await parentOf(null)).toBeNull();
  });

  it('ranks words the contrast set shares below the group’s own, and hands the contrast to the namer', async () => {
    const contrast: Member[] = Array.from({ length: 60 }, (_, i) => ({ account: `c-${i % 30}`, text: 'automate browser testing scripts' }));
    const seen: NamingInput[] = [];
    const recording: ClusterNamer = { name: 'recording', nameCluster: async (input) => (seen.push(input), new TermNamer().nameCluster(input)) };
    await describeEmerging(group(), deps({ namer: recording }));
    await describeEmerging(group(), deps({ namer: recording, contrast }));
    const rank = (input: NamingInput, term: string) => input.ranked.findIndex((t) => t.term === term);
    expect(rank(seen[0]!, 'browser')).toBeLessThan(rank(seen[0]!, 'fake')); // a tie, broken alphabetically
    expect(rank(seen[1]!, 'browser')).toBeGreaterThan(rank(seen[1]!, 'fake'));
    expect(seen[1]!.contrast).toBe(contrast);
  });

  it('does not promote a group whose words are all its own accounts’, and says why without any text', async () => {
    const members = Array.from({ length: 80 }, (_, i) => ({ account: `acct-${i % 40}`, text: `zanzi${i % 40} quokka${i % 40}` }));
    const described = await describeEmerging(group({ members }), deps());
    expect(described).toEqual({ ok: false, reason: 'no term is used by 5 or more of its accounts' });
  });

  it('does not promote a name the auditor fails, and keeps the auditor’s words out of the reason', async () => {
    const strict: NameAuditor = { name: 'claude', audit: async (c) => ({ pass: false, score: 2, reasons: [`privacy score 2: "${c.name}" singles out a user`] }) };
    const described = await describeEmerging(group(), deps({ auditor: strict }));
    expect(described).toEqual({ ok: false, reason: 'failed the claude privacy audit (score 2)' });
  });

  it('refuses a group below the privacy floor even if handed one', async () => {
    const described = await describeEmerging(group({ accounts: 3 }), deps());
    expect(described.ok).toBe(false);
  });
});
