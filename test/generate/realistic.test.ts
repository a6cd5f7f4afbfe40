import { beforeAll, describe, expect, it } from 'vitest';
import { kmeans } from '../../src/catalog/kmeans.ts';
import { loadConfig } from '../../src/config/load.ts';
import { POLICY_AREAS } from '../../src/generate/phrasebook.ts';
import { seededRandom } from '../../src/util/random.ts';
import {
  at, generateRealisticWeek, generateRequests, RealisticOptionsError, type RealisticConversation, type RealisticWeek,
} from '../../src/generate/realistic.ts';
import { parseConversation } from '../../src/ingest/validate.ts';

const HOUR = 3_600_000;
const textOf = (c: RealisticConversation) => c.conversation.messages[0]!.content as string;
const timeOf = (c: RealisticConversation) => Date.parse(c.conversation.timestamp);
const words = (t: string) => new Set(t.toLowerCase().match(/\p{L}+/gu) ?? []);
const jaccard = (a: Set<string>, b: Set<string>) => {
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const distinctShare = (cs: RealisticConversation[]) => new Set(cs.map(textOf)).size / cs.length;

describe('the realistic week', () => {
  let week: RealisticWeek;
  let all: RealisticConversation[];
  const event = (kind: string) => week.events.findIndex((e) => e.kind === kind);
  const caused = (kind: string) => all.filter((c) => c.truth.event === event(kind));

  beforeAll(() => {
    week = generateRealisticWeek({ seed: 11, perDay: 500, events: [
      { kind: 'launch', startHour: at(4, 9), factor: 1.8 },
      { kind: 'spike', area: 'weapons', startHour: at(5, 10), hours: 6 },
      { kind: 'decoy', startHour: at(5, 19), hours: 4 },
      { kind: 'emerging', startHour: at(6, 8), accounts: 50 },
      { kind: 'canary', startHour: at(5, 3), token: 'Zorblat Quimby4471', count: 5 },
    ] });
    all = [...week.conversations()];
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const small = (seed: number) => generateRealisticWeek({ seed, perDay: 120, days: 5, catalogDays: 2 });
    const a = small(5);
    const first = [...a.conversations()];
    expect([...a.conversations()]).toEqual(first);
    expect([...small(5).conversations()]).toEqual(first);
    expect(small(5).events).toEqual(a.events);
    expect([...small(6).conversations()].slice(0, 50).map(textOf)).not.toEqual(first.slice(0, 50).map(textOf));
    expect(a.truth().get(first[7]!.conversation.id)).toEqual(first[7]!.truth);
  });

  it('yields the week in event-time order with unique ids, and counts what it yields', () => {
    expect(all.length).toBe(week.count);
    expect(new Set(all.map((c) => c.conversation.id)).size).toBe(all.length);
    for (let i = 1; i < all.length; i++) expect(timeOf(all[i]!)).toBeGreaterThanOrEqual(timeOf(all[i - 1]!));
    expect(timeOf(all[0]!)).toBeGreaterThanOrEqual(week.startMs);
    expect(timeOf(all[all.length - 1]!)).toBeLessThan(week.endMs);
    expect(week.catalogCutoffMs).toBe(week.startMs + 4 * 24 * HOUR);
    // Real weeks have ~5,800 conversations at ~830 a weekday; 500 a day gives a few thousand.
    expect(all.length).toBeGreaterThan(3500);
    expect(all.length).toBeLessThan(6000);
  });

  it('writes conversations that pass ingest validation, carrying their labels only beside them', () => {
    const limits = loadConfig().ingest;
    const problems: string[] = [];
    for (const c of all) {
      const parsed = parseConversation(Buffer.from(JSON.stringify(c.conversation)), limits);
      if (!parsed.ok) problems.push(`${c.conversation.id}: ${parsed.detail}`);
      const meta = c.conversation.metadata ?? {};
      if (Object.keys(meta).sort().join() !== 'language,product') problems.push(`${c.conversation.id} metadata ${Object.keys(meta)}`);
      if (meta.language !== c.truth.language) problems.push(`${c.conversation.id} language`);
      const usesComputer = c.conversation.messages.some((m) => typeof m.content !== 'string' && m.content.some((b) => b.type === 'tool_use' && b.name === 'computer'));
      if (usesComputer !== (meta.product === 'computer-use')) problems.push(`${c.conversation.id} computer tool on ${meta.product}`);
      if (c.truth.areas.some((a) => !(POLICY_AREAS as readonly string[]).includes(a))) problems.push(`${c.conversation.id} area`);
      const harmful = c.truth.kind === 'harmful' || c.truth.kind === 'family';
      if (harmful !== c.truth.areas.length > 0) problems.push(`${c.conversation.id} ${c.truth.kind} with areas ${c.truth.areas}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(new Set(all.map((c) => c.conversation.metadata?.product))).toEqual(new Set(['claude-ai', 'api', 'computer-use']));
  });

  it('has mostly unique texts, with repetition from scripted accounts near the asked share', () => {
    const traffic = all.filter((c) => c.cause === 'traffic');
    const scripted = traffic.filter((c) => c.truth.scripted);
    expect(scripted.length / traffic.length).toBeGreaterThan(0.5);
    expect(scripted.length / traffic.length).toBeLessThan(0.6);
    expect(distinctShare(traffic.filter((c) => !c.truth.scripted))).toBeGreaterThan(0.93);
    // Real traffic: ~2,400 distinct texts in ~5,800 conversations (0.42).
    expect(distinctShare(all)).toBeGreaterThan(0.38);
    expect(distinctShare(all)).toBeLessThan(0.55);
    const perText = new Map<string, number>();
    for (const c of all) perText.set(textOf(c), (perText.get(textOf(c)) ?? 0) + 1);
    expect(Math.max(...perText.values())).toBeGreaterThanOrEqual(50);
    // A scripted account sends one text, always the same.
    const byAccount = new Map<string, Set<string>>();
    for (const c of scripted) byAccount.set(c.conversation.account_id, (byAccount.get(c.conversation.account_id) ?? new Set()).add(textOf(c)));
    for (const texts of byAccount.values()) expect(texts.size).toBe(1);
    // The rate follows the option.
    const shareAt = (repeatShare: number) => distinctShare([...generateRealisticWeek({ seed: 3, perDay: 200, days: 3, catalogDays: 1, repeatShare, events: [] }).conversations()]);
    expect(shareAt(0)).toBeGreaterThan(0.93);
    expect(shareAt(0.8)).toBeLessThan(0.3);
  });

  it('spreads the spike of one area over many forms, templates, subjects and languages, from many accounts', () => {
    const spike = week.events[event('spike')]!;
    const extra = caused('spike');
    expect(extra.length).toBe(spike.conversations);
    expect(extra.length).toBeGreaterThanOrEqual(30);
    for (const c of extra) {
      expect(c.truth.areas).toEqual(['weapons']);
      expect(c.cause).toBe('spike');
      expect(timeOf(c)).toBeGreaterThanOrEqual(spike.startMs);
      expect(timeOf(c)).toBeLessThan(spike.endMs);
    }
    expect(spike.accounts).toBe(new Set(extra.map((c) => c.conversation.account_id)).size);
    expect(spike.accounts).toBeGreaterThanOrEqual(20);
    const count = (key: (c: RealisticConversation) => string) => {
      const m = new Map<string, number>();
      for (const c of extra) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
      return m;
    };
    const forms = count((c) => c.truth.form);
    const templates = count((c) => c.truth.template);
    expect(forms.size).toBeGreaterThanOrEqual(6);
    expect(Math.max(...forms.values()) / extra.length).toBeLessThan(0.35);
    expect(templates.size).toBeGreaterThanOrEqual(20);
    expect(Math.max(...templates.values()) / extra.length).toBeLessThan(0.15);
    expect(count((c) => c.truth.subject).size).toBeGreaterThanOrEqual(3);
    expect(count((c) => c.truth.language).size).toBeGreaterThanOrEqual(2);
    // The area rises sharply as one series: far above its own rate in the same hours a day earlier.
    const weaponsIn = (from: number) => all.filter((c) => c.truth.areas.includes('weapons') && c.cause !== 'emerging' && c.cause !== 'decoy' && timeOf(c) >= from && timeOf(c) < from + 6 * HOUR).length;
    expect(weaponsIn(spike.startMs)).toBeGreaterThan(4 * weaponsIn(spike.startMs - 24 * HOUR));
  });

  it('lands the spike in many word clusters, each mixed with other traffic, not in one cluster of its own', () => {
    const spike = week.events[event('spike')]!;
    const around = all.filter((c) => timeOf(c) >= spike.startMs - 12 * HOUR && timeOf(c) < spike.endMs + 6 * HOUR);
    // Bag of hashed words: clusters follow the wording, as sentence embeddings follow form.
    const dims = 256;
    const vectors = around.map((c) => {
      const v = new Array<number>(dims).fill(0);
      for (const w of words(textOf(c))) {
        let h = 2166136261;
        for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
        v[(h >>> 0) % dims]! += 1;
      }
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
    const { assignment } = kmeans(vectors, 30, seededRandom(1), { restarts: 1 });
    const spikeIn = new Map<number, number>();
    const size = new Map<number, number>();
    around.forEach((c, i) => {
      size.set(assignment[i]!, (size.get(assignment[i]!) ?? 0) + 1);
      if (c.cause === 'spike') spikeIn.set(assignment[i]!, (spikeIn.get(assignment[i]!) ?? 0) + 1);
    });
    const total = [...spikeIn.values()].reduce((a, b) => a + b, 0);
    expect(spikeIn.size).toBeGreaterThanOrEqual(8);
    expect(Math.max(...spikeIn.values()) / total).toBeLessThan(0.4);
    const mixed = [...spikeIn].filter(([cluster, n]) => n / size.get(cluster)! < 0.5).length;
    expect(mixed / spikeIn.size).toBeGreaterThan(0.7);
  });

  it('has a share of traffic in other languages, harmful requests included', () => {
    const fresh = all.filter((c) => c.cause === 'traffic' && !c.truth.scripted);
    const foreign = fresh.filter((c) => c.truth.language !== 'en');
    // Default shares sum to 0.17 of fresh requests (areas a table lacks fall back to English).
    expect(foreign.length / fresh.length).toBeGreaterThan(0.12);
    expect(foreign.length / fresh.length).toBeLessThan(0.2);
    expect(new Set(foreign.map((c) => c.truth.language))).toEqual(new Set(['es', 'fr', 'de', 'pt', 'id', 'sw']));
    const harmfulForeign = all.filter((c) => c.truth.language !== 'en' && c.truth.areas.length > 0);
    expect(harmfulForeign.length).toBeGreaterThanOrEqual(20);
    expect(new Set(harmfulForeign.map((c) => c.truth.language)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(harmfulForeign.flatMap((c) => c.truth.areas)).size).toBeGreaterThanOrEqual(3);
    // Spanish text is Spanish: a common Spanish word, no common English one.
    const spanish = foreign.filter((c) => c.truth.language === 'es').map(textOf);
    expect(spanish.filter((t) => /\b(the|how|and|what)\b/i.test(t))).toEqual([]);
    expect(spanish.filter((t) => /\b(de|que|un|una|el|la|en|para|cómo)\b/i.test(t)).length / spanish.length).toBeGreaterThan(0.9);
  });

  it('brings a new family from many new accounts: near-duplicates of each other, as close to old role-play as ordinary traffic is to old traffic', () => {
    const emerging = week.events[event('emerging')]!;
    const family = caused('emerging');
    expect(family.length).toBe(emerging.conversations);
    expect(emerging.areas).toEqual(['jailbreak', 'weapons']);
    for (const c of family) {
      expect(c.truth.areas).toEqual(['jailbreak', 'weapons']);
      expect(timeOf(c)).toBeGreaterThanOrEqual(emerging.startMs);
    }
    const accounts = new Set(family.map((c) => c.conversation.account_id));
    expect(accounts.size).toBeGreaterThanOrEqual(40);
    expect(emerging.accounts).toBe(accounts.size);
    const before = new Set(all.filter((c) => timeOf(c) < emerging.startMs).map((c) => c.conversation.account_id));
    expect([...accounts].filter((a) => before.has(a))).toEqual([]);
    // Not one text repeated: variants with small edits.
    expect(distinctShare(family)).toBeGreaterThan(0.3);

    const old = all.filter((c) => timeOf(c) < week.catalogCutoffMs).map((c) => ({ c, w: words(textOf(c)) }));
    const nearestOld = (w: Set<string>) => {
      let best = { score: -1, form: '' };
      for (const o of old) {
        const s = jaccard(w, o.w);
        if (s > best.score) best = { score: s, form: o.c.truth.form };
      }
      return best;
    };
    const sampleFamily = family.slice(0, 80).map((c) => ({ c, w: words(textOf(c)) }));
    const familyToOld = sampleFamily.map((f) => nearestOld(f.w));
    // Its nearest old conversations are ordinary role-play requests, sharing many words.
    expect(familyToOld.filter((n) => n.form === 'role-play').length / familyToOld.length).toBeGreaterThan(0.8);
    expect(median(familyToOld.map((n) => n.score))).toBeGreaterThan(0.35);
    // As close to old traffic as new ordinary English requests are: novelty alone cannot flag it.
    const ordinary = all.filter((c) => timeOf(c) >= week.catalogCutoffMs && c.cause === 'traffic' && !c.truth.scripted && c.truth.language === 'en').slice(0, 150);
    const ordinaryToOld = median(ordinary.map((c) => nearestOld(words(textOf(c))).score));
    expect(median(familyToOld.map((n) => n.score))).toBeGreaterThan(0.8 * ordinaryToOld);
    // Among themselves, across accounts, they are near-duplicates: much closer than to anything old.
    const toPeers = sampleFamily.map((f) => Math.max(...sampleFamily.filter((g) => g.c.conversation.account_id !== f.c.conversation.account_id).map((g) => jaccard(f.w, g.w))));
    expect(median(toPeers)).toBeGreaterThan(0.8);
    expect(median(toPeers)).toBeGreaterThan(median(familyToOld.map((n) => n.score)) + 0.3);
  });

  it('has a decoy: the family sent unchanged many times by only 3 accounts, none of them in the later family', () => {
    const decoy = week.events[event('decoy')]!;
    const sent = caused('decoy');
    expect(sent.length).toBeGreaterThanOrEqual(20);
    expect(decoy.accounts).toBeLessThanOrEqual(3);
    expect(new Set(sent.map(textOf)).size).toBeLessThanOrEqual(3);
    expect(sent.every((c) => timeOf(c) >= decoy.startMs && timeOf(c) < decoy.endMs)).toBe(true);
    const familyAccounts = new Set(caused('emerging').map((c) => c.conversation.account_id));
    expect(sent.some((c) => familyAccounts.has(c.conversation.account_id))).toBe(false);
  });

  it('has benign look-alikes that use words of harm and carry no area', () => {
    const looks = all.filter((c) => c.truth.kind === 'lookalike');
    expect(looks.length).toBeGreaterThanOrEqual(50);
    expect(looks.every((c) => c.truth.areas.length === 0)).toBe(true);
    const harmWords = /\b(kill|shoot|bomb|execut|hack|crack|exploit|attack|murder|poison|steal|blow|destroy|nuk|trigger|fir(e|ing)\b|matar|tuer|totschlagen|membunuh|kuua)/i;
    const fresh = looks.filter((c) => !c.truth.scripted);
    expect(fresh.filter((c) => harmWords.test(textOf(c))).length / fresh.length).toBeGreaterThan(0.7);
    expect(new Set(fresh.map((c) => c.truth.language)).size).toBeGreaterThanOrEqual(3);
  });

  it('plants canaries: the token in exactly the asked conversations, from distinct accounts', () => {
    const canary = week.events[event('canary')]!;
    const carrying = all.filter((c) => JSON.stringify(c.conversation).includes('Zorblat Quimby4471'));
    expect(carrying.length).toBe(5);
    expect(carrying.every((c) => c.cause === 'canary' && c.truth.areas.length === 0)).toBe(true);
    expect(canary.accounts).toBe(5);
    expect(carrying.every((c) => timeOf(c) >= canary.startMs && timeOf(c) < canary.endMs)).toBe(true);
  });

  it('raises all traffic at the launch', () => {
    const launch = week.events[event('launch')]!;
    // Thursday and Friday are both weekdays; the launch is Friday 09:00.
    const inHours = (day: number, from: number, to: number) => all.filter((c) => c.cause === 'traffic' && timeOf(c) >= week.startMs + (day * 24 + from) * HOUR && timeOf(c) < week.startMs + (day * 24 + to) * HOUR).length;
    const ratio = inHours(4, 10, 24) / inHours(3, 10, 24);
    expect(ratio).toBeGreaterThan(1.55);
    expect(ratio).toBeLessThan(2.05);
    expect(launch.conversations).toBe(all.filter((c) => timeOf(c) >= launch.startMs).length);
  });

  it('uses its default events when none are given, and refuses bad options', () => {
    expect(generateRealisticWeek({ perDay: 60 }).events.map((e) => e.kind)).toEqual(['launch', 'spike', 'decoy', 'emerging']);
    expect(generateRealisticWeek({ perDay: 60, events: [] }).events).toEqual([]);
    const bad = [
      { perDay: 0 }, { days: 0 }, { catalogDays: 7 }, { repeatShare: 1 }, { harmShare: 0.9, lookalikeShare: 0.2 },
      { languageShares: { xx: 0.1 } }, { languageShares: { es: 0.7, fr: 0.5 } }, { areaWeights: { nope: 1 } as never },
      { events: [{ kind: 'spike' as const, area: 'nope' as never, startHour: 10 }] },
      { events: [{ kind: 'spike' as const, area: 'weapons' as const, startHour: 7 * 24 }] },
      { events: [{ kind: 'emerging' as const, startHour: 10, family: 'nope' as never }] },
      { events: [{ kind: 'emerging' as const, startHour: 10, payloadArea: 'scraping' as const }] },
      { events: [{ kind: 'canary' as const, startHour: 10, token: '' }] },
    ];
    for (const options of bad) expect(() => generateRealisticWeek({ perDay: 60, ...options }), JSON.stringify(options)).toThrow(RealisticOptionsError);
  });
});

describe('labelled requests without a week', () => {
  it('draws the asked mix of harmful, look-alike and benign requests, deterministically', () => {
    const requests = generateRequests({ seed: 4, count: 3000, harmShare: 0.3, lookalikeShare: 0.1, languageShares: { de: 0.2 } });
    expect(generateRequests({ seed: 4, count: 3000, harmShare: 0.3, lookalikeShare: 0.1, languageShares: { de: 0.2 } })).toEqual(requests);
    const share = (f: (r: (typeof requests)[number]) => boolean) => requests.filter(f).length / requests.length;
    expect(share((r) => r.kind === 'harmful')).toBeGreaterThan(0.26);
    expect(share((r) => r.kind === 'harmful')).toBeLessThan(0.34);
    expect(share((r) => r.kind === 'lookalike')).toBeGreaterThan(0.07);
    expect(share((r) => r.kind === 'lookalike')).toBeLessThan(0.13);
    // German has no table for some areas: those requests fall back to English.
    expect(share((r) => r.language === 'de')).toBeGreaterThan(0.15);
    expect(share((r) => r.language === 'de')).toBeLessThan(0.22);
    expect(new Set(requests.map((r) => r.language))).toEqual(new Set(['en', 'de']));
    expect(new Set(requests.flatMap((r) => r.areas))).toEqual(new Set(POLICY_AREAS));
  });
});
