import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import {
  buildScenario, SCENARIO_TOPICS, ScenarioOptionsError, SPIKE_TOPIC, type Scenario, type ScenarioConversation, type ScenarioEvent,
} from '../../src/generate/scenario.ts';
import { EMERGING_TOPIC, TOPICS } from '../../src/generate/topics.ts';
import { parseConversation } from '../../src/ingest/validate.ts';

const HOUR = 3_600_000;

describe('the synthetic week scenario', () => {
  let scenario: Scenario;
  let all: ScenarioConversation[];
  const timeOf = (c: ScenarioConversation) => Date.parse(c.conversation.timestamp);
  /** Conversations by hour since the start. */
  let byHour: ScenarioConversation[][];
  /** Conversations matching `where` in hours [from, to) of day `day`. */
  const inHours = (day: number, from: number, to: number, where: (c: ScenarioConversation) => boolean = () => true) =>
    byHour.slice(day * 24 + from, day * 24 + to).flat().filter(where);
  const hourly = (day: number, from: number, to: number, where?: (c: ScenarioConversation) => boolean) =>
    Array.from({ length: to - from }, (_, i) => inHours(day, from + i, from + i + 1, where).length);
  const dayOf = (timeMs: number) => Math.floor((timeMs - scenario.startMs) / (24 * HOUR));
  const event = (kind: ScenarioEvent['kind']) => scenario.events.find((e) => e.kind === kind)!;
  const accountsOf = (cs: ScenarioConversation[]) => new Set(cs.map((c) => c.conversation.account_id));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

  beforeAll(() => {
    scenario = buildScenario();
    all = [...scenario.conversations()];
    byHour = Array.from({ length: (scenario.endMs - scenario.startMs) / HOUR }, () => []);
    for (const c of all) byHour[Math.floor((timeOf(c) - scenario.startMs) / HOUR)]!.push(c);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const small = (seed: number) => buildScenario({ seed, conversationsPerDay: 200 });
    const a = small(5);
    const first = [...a.conversations()];
    expect([...a.conversations()]).toEqual(first);
    expect([...small(5).conversations()]).toEqual(first);
    expect(small(5).events).toEqual(a.events);
    expect([...small(6).conversations()].slice(0, 50)).not.toEqual(first.slice(0, 50));
  });

  it('spans the week from a Monday in event-time order, with unique ids, and counts what it yields', () => {
    expect(new Date(scenario.startMs).toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(scenario.endMs - scenario.startMs).toBe(7 * 24 * HOUR);
    expect(scenario.catalogCutoffMs).toBe(scenario.startMs + 4 * 24 * HOUR);
    expect(all.length).toBe(scenario.count);
    let previous = scenario.startMs;
    for (const c of all) {
      expect(timeOf(c)).toBeGreaterThanOrEqual(previous);
      previous = timeOf(c);
    }
    expect(previous).toBeLessThan(scenario.endMs);
    expect(all.map((c) => c.conversation.id)).toEqual(all.map((_, i) => `scn-${i}`));
  });

  it('lists its events in onset order: launch at 09:00 of the first replayed day, spike, decoy, emerging', () => {
    expect(scenario.events.map((e) => e.kind)).toEqual(['launch', 'spike', 'decoy', 'emerging']);
    const starts = scenario.events.map((e) => e.startMs);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(event('launch').startMs).toBe(scenario.catalogCutoffMs + 9 * HOUR);
    expect(event('spike').startMs).toBeGreaterThanOrEqual(scenario.catalogCutoffMs + 24 * HOUR);
    for (const e of scenario.events) expect(e.endMs).toBeGreaterThan(e.startMs);
  });

  it('writes conversations that pass ingest validation, small, with the computer tool on computer-use', () => {
    const limits = loadConfig().ingest;
    const fixedProduct = new Map([...SCENARIO_TOPICS, EMERGING_TOPIC].filter((t) => t.product).map((t) => [t.id, t.product]));
    // Problems are collected rather than asserted one by one: thousands of expects would be slow.
    const problems: string[] = [];
    for (const { conversation, topic } of all) {
      const bytes = Buffer.from(JSON.stringify(conversation));
      const parsed = parseConversation(bytes, limits);
      if (!parsed.ok) problems.push(`${conversation.id} invalid: ${parsed.detail}`);
      if (bytes.length >= 1000) problems.push(`${conversation.id} has ${bytes.length} bytes`);
      const product = conversation.metadata?.product ?? '';
      if (!['claude-ai', 'api', 'computer-use'].includes(product)) problems.push(`${conversation.id} product ${product}`);
      if (fixedProduct.has(topic) && product !== fixedProduct.get(topic)) problems.push(`${conversation.id} of ${topic} on ${product}`);
      const blocks = conversation.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content));
      const usesComputer = blocks.some((b) => b.type === 'tool_use' && b.name === 'computer');
      if (usesComputer !== (product === 'computer-use')) problems.push(`${conversation.id} computer tool ${usesComputer} on ${product}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(new Set(all.map((c) => c.conversation.metadata?.product)).size).toBe(3);
  });

  it('has a week of realistic volume that scales with conversations per day', () => {
    expect(scenario.count).toBeGreaterThanOrEqual(10_000);
    expect(scenario.count).toBeLessThanOrEqual(14_000);
    const half = buildScenario({ conversationsPerDay: 700 }).count / scenario.count;
    expect(half).toBeGreaterThan(0.45);
    expect(half).toBeLessThan(0.55);
  });

  it('looks like real traffic: many topics, a heavy head of accounts, texts repeated many times', () => {
    const topics = new Set(all.filter((c) => c.cause === 'traffic').map((c) => c.topic));
    expect(topics.size).toBeGreaterThanOrEqual(14);
    for (const t of TOPICS) expect(topics.has(t.id)).toBe(true);
    const perAccount = new Map<string, number>();
    for (const c of all) perAccount.set(c.conversation.account_id, (perAccount.get(c.conversation.account_id) ?? 0) + 1);
    const busiest = [...perAccount.values()].sort((a, b) => b - a);
    expect(sum(busiest.slice(0, 10)) / all.length).toBeGreaterThan(0.2);
    expect(perAccount.size).toBeGreaterThan(1000);
    const perText = new Map<string, number>();
    for (const c of all) {
      const text = c.conversation.messages[0]!.content as string;
      perText.set(text, (perText.get(text) ?? 0) + 1);
    }
    expect(Math.max(...perText.values())).toBeGreaterThanOrEqual(50);
    // Yet most wording varies: paraphrases with slots, greetings and remarks.
    expect(perText.size / all.length).toBeGreaterThan(0.4);
  });

  it('has a daily rhythm and quieter weekends', () => {
    const night = sum([0, 1, 2, 3].flatMap((d) => hourly(d, 0, 5)));
    const afternoon = sum([0, 1, 2, 3].flatMap((d) => hourly(d, 12, 17)));
    expect(night / afternoon).toBeLessThan(0.5);
    // Saturday morning is after the launch (×2) and at the weekend (×0.75): ×1.5 Friday's morning.
    const ratio = inHours(5, 0, 9).length / inHours(4, 0, 9).length;
    expect(ratio).toBeGreaterThan(1.3);
    expect(ratio).toBeLessThan(1.7);
  });

  it('doubles all traffic, evenly across topics, from the launch on', () => {
    // Thursday and Friday are both weekdays; the launch is Friday 09:00.
    expect(inHours(4, 0, 9).length / inHours(3, 0, 9).length).toBeLessThan(1.25);
    const before = inHours(3, 10, 24);
    const after = inHours(4, 10, 24);
    expect(after.length / before.length).toBeGreaterThan(1.8);
    expect(after.length / before.length).toBeLessThan(2.2);
    // Per topic too, against the mean of Tuesday to Thursday (less noise than one day).
    const weekdays = [1, 2, 3].flatMap((d) => inHours(d, 10, 24));
    const topicRatio = (id: string) => after.filter((c) => c.topic === id).length / (weekdays.filter((c) => c.topic === id).length / 3);
    for (const id of [SPIKE_TOPIC, 'python-debugging']) {
      expect(topicRatio(id)).toBeGreaterThan(1.6);
      expect(topicRatio(id)).toBeLessThan(2.4);
    }
  });

  it('raises the spike topic ×4 for six hours from many accounts, over a baseline of ≥ 20 an hour', () => {
    const spike = event('spike');
    expect(spike.topic).toBe(SPIKE_TOPIC);
    expect(spike.product).toBe('computer-use');
    const day = dayOf(spike.startMs);
    const from = new Date(spike.startMs).getUTCHours();
    const to = new Date(spike.endMs).getUTCHours();
    const isSpikeTopic = (c: ScenarioConversation) => c.topic === SPIKE_TOPIC;
    // The next day is also after the launch and at the weekend: the same hours without the spike.
    const control = hourly(day + 1, from, to, isSpikeTopic);
    const during = hourly(day, from, to, isSpikeTopic);
    expect(sum(control) / control.length).toBeGreaterThanOrEqual(20);
    expect(Math.min(...control)).toBeGreaterThanOrEqual(15);
    expect(sum(during) / sum(control)).toBeGreaterThan(3.2);
    expect(sum(during) / sum(control)).toBeLessThan(4.8);
    const accounts = accountsOf(inHours(day, from, to, isSpikeTopic));
    expect(accounts.size).toBeGreaterThanOrEqual(30);
    expect(spike.accounts).toBe(accounts.size);
    // The extra conversations exist only inside the window.
    for (const c of all.filter((x) => x.cause === 'spike')) {
      expect(timeOf(c)).toBeGreaterThanOrEqual(spike.startMs);
      expect(timeOf(c)).toBeLessThan(spike.endMs);
    }
  });

  it('brings a new pattern, unknown to the catalog, from ≥ 40 accounts after its onset only', () => {
    const emerging = event('emerging');
    expect(emerging.topic).toBe(EMERGING_TOPIC.id);
    expect(SCENARIO_TOPICS.map((t) => t.id)).not.toContain(EMERGING_TOPIC.id);
    expect(all.filter((c) => timeOf(c) < scenario.catalogCutoffMs && c.topic === EMERGING_TOPIC.id)).toEqual([]);
    const pattern = all.filter((c) => c.cause === 'emerging');
    expect(pattern.every((c) => c.topic === EMERGING_TOPIC.id && timeOf(c) >= emerging.startMs)).toBe(true);
    expect(pattern.every((c) => c.conversation.metadata?.product === 'computer-use')).toBe(true);
    const accounts = accountsOf(pattern);
    expect(accounts.size).toBeGreaterThanOrEqual(40);
    expect(emerging.accounts).toBe(accounts.size);
    // About 15–40 an hour, written in many ways.
    const day = dayOf(emerging.startMs);
    const rate = hourly(day, new Date(emerging.startMs).getUTCHours(), 24, (c) => c.cause === 'emerging');
    expect(sum(rate) / rate.length).toBeGreaterThan(15);
    expect(sum(rate) / rate.length).toBeLessThan(40);
    expect(new Set(pattern.map((c) => c.conversation.messages[0]!.content)).size / pattern.length).toBeGreaterThan(0.5);
  });

  it('has a decoy: the same pattern sent many times by only 3 accounts, before the onset', () => {
    const decoy = event('decoy');
    expect(decoy.topic).toBe(EMERGING_TOPIC.id);
    const early = all.filter((c) => c.topic === EMERGING_TOPIC.id && timeOf(c) < event('emerging').startMs);
    expect(early.every((c) => c.cause === 'decoy' && timeOf(c) >= decoy.startMs && timeOf(c) < decoy.endMs)).toBe(true);
    expect(early.length).toBeGreaterThanOrEqual(40);
    expect(accountsOf(early).size).toBeLessThanOrEqual(3);
    expect(decoy.accounts).toBe(accountsOf(early).size);
    expect(new Set(early.map((c) => c.conversation.messages[0]!.content)).size).toBeLessThanOrEqual(3);
    const onsetAccounts = accountsOf(all.filter((c) => c.cause === 'emerging'));
    expect([...accountsOf(early)].some((a) => onsetAccounts.has(a))).toBe(false);
  });

  it('refuses options that leave no room for the events', () => {
    expect(() => buildScenario({ days: 6, catalogDays: 4 })).toThrow(ScenarioOptionsError);
    expect(() => buildScenario({ catalogDays: 0 })).toThrow(ScenarioOptionsError);
    expect(() => buildScenario({ conversationsPerDay: 0 })).toThrow(ScenarioOptionsError);
    expect(() => buildScenario({ accounts: 5 })).toThrow(ScenarioOptionsError);
    expect(buildScenario({ days: 5, catalogDays: 2, conversationsPerDay: 100 }).events.map((e) => e.kind)).toEqual(['launch', 'spike', 'decoy', 'emerging']);
  });
});
