import type { ContentBlock, Conversation } from '../ingest/conversation.ts';
import { pick, seededRandom, type Random } from '../util/random.ts';
import { cumulative, poisson, sample } from '../generate/traffic.ts';
import { canarySentence, makeCanaries, type CanarySet } from './canary.ts';
import type { EvalScenario } from './scenario.ts';
import { ScenarioError } from './scenario.ts';
import { matchesAny, type LabelledText } from './sources.ts';

/**
 * The week an eval replays, built from labelled prompts: ordinary traffic (accounts with
 * heavy-tailed activity, a daily rhythm, quieter weekends, texts repeated as in real traffic,
 * scripted accounts re-sending one text) and the scenario's events on top. Deterministic for a
 * seed. The ground truth — which conversation belongs to which event — stays in memory.
 */

export type EventKind = 'launch' | 'spike' | 'emerging' | 'decoy';

export interface StreamEvent {
  kind: EventKind;
  name: string;
  labels: string[];
  /** Absolute event times, ms. */
  startMs: number;
  endMs: number;
  product: string | null;
  /** Planted conversations and their distinct accounts (0 for the launch, which plants none). */
  conversations: number;
  accounts: number;
}

export interface StreamConversation {
  conversation: Conversation;
  timeMs: number;
  /** Index into `events`, or null for ordinary traffic and canaries. */
  event: number | null;
  canary: boolean;
}

export interface EvalStream {
  startMs: number;
  endMs: number;
  /** Conversations before this build the catalog. */
  catalogCutoffMs: number;
  events: StreamEvent[];
  /** In event-time order. */
  conversations: StreamConversation[];
  canaries: CanarySet;
  distinctTexts: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REPLIES = ['Here is a careful answer to your request.', 'Sure, let me help with that.', 'Good question; here is what I would do.'];
const AGENT_REPLIES = ['I will start by taking a screenshot to see the screen.', 'Let me look at the screen first.'];

export function buildStream(scenario: EvalScenario, texts: readonly LabelledText[], seed: number): EvalStream {
  const random = seededRandom(seed * 7919 + 17);
  const t = scenario.traffic;
  const startMs = scenario.startMs;
  const endMs = startMs + scenario.days * DAY;
  const fail = (key: string, problem: string) => new ScenarioError(scenario.origin, key, problem);
  const known = () => [...new Set(texts.flatMap((x) => x.labels))].slice(0, 12).join(', ');

  // Texts of emerging patterns are kept out of everything else: the pattern is new.
  const reservedSelectors = scenario.emerging.flatMap((e) => e.labels);
  const free = texts.filter((x) => !matchesAny(x.labels, reservedSelectors));
  const harmfulPool = t.harmful.length ? free.filter((x) => matchesAny(x.labels, t.harmful)) : [];
  const harmfulSet = new Set(harmfulPool);
  const benignPool = free.filter((x) => !harmfulSet.has(x) && (t.benign === null || matchesAny(x.labels, t.benign)));
  if (t.harmfulShare < 1 && benignPool.length === 0) throw fail('traffic.benign', `no text has a benign label (labels seen: ${known()})`);
  if (t.harmfulShare > 0 && harmfulPool.length === 0) throw fail('traffic.harmful', `no text has a label matching ${t.harmful.join(', ')} (labels seen: ${known()})`);
  const poolOf = (key: string, selectors: string[], from: readonly LabelledText[]) => {
    const pool = from.filter((x) => matchesAny(x.labels, selectors));
    if (pool.length === 0) throw fail(`${key}.labels`, `no text has a label matching ${selectors.join(', ')} (labels seen: ${known()})`);
    return pool;
  };

  const weights = Object.entries(t.weights);
  const weightOf = (x: LabelledText) => weights.find(([selector]) => matchesAny(x.labels, [selector]))?.[1] ?? 1;
  const events: StreamEvent[] = [];
  const launch = scenario.launch;
  if (launch) {
    events.push({ kind: 'launch', name: `launch ×${launch.factor}`, labels: ['*'], startMs: startMs + launch.startMs, endMs: startMs + launch.startMs + launch.hours * HOUR, product: null, conversations: 0, accounts: 0 });
  }
  const launchFactor = (ms: number) => (launch && ms >= startMs + launch.startMs && ms < startMs + launch.startMs + launch.hours * HOUR ? launch.factor : 1);
  const rhythm = (ms: number) => 1 + t.rhythm * Math.cos((2 * Math.PI * (new Date(ms).getUTCHours() - 14)) / 24);
  const weekend = (ms: number) => ([0, 6].includes(new Date(ms).getUTCDay()) ? t.weekendFactor : 1);
  const trafficRate = (ms: number) => (t.perDay / 24) * rhythm(ms) * weekend(ms) * launchFactor(ms);

  interface Planned {
    event: number;
    window: [number, number];
    /** Conversations in the hour starting at `ms`. */
    perHour: (ms: number) => number;
    draw: () => LabelledText;
    account: () => string;
    product?: string;
  }
  const planned: Planned[] = [];
  const allowed = [...benignPool, ...harmfulPool];
  for (const [i, s] of scenario.spikes.entries()) {
    const pool = poolOf(`spikes[${i}]`, s.labels, free);
    const window: [number, number] = [startMs + s.startMs, startMs + s.startMs + s.hours * HOUR];
    let perHour: (ms: number) => number;
    if (s.factor !== undefined) {
      // The labels' share of ordinary traffic, from the pools they are drawn from.
      const mass = (pool: readonly LabelledText[]) => pool.reduce((sum, x) => sum + weightOf(x), 0);
      const inHarmful = mass(harmfulPool.filter((x) => matchesAny(x.labels, s.labels)));
      const inBenign = mass(benignPool.filter((x) => matchesAny(x.labels, s.labels)));
      const share = (harmfulPool.length ? (t.harmfulShare * inHarmful) / mass(harmfulPool) : 0) + (benignPool.length ? ((1 - t.harmfulShare) * inBenign) / mass(benignPool) : 0);
      if (share === 0) throw fail(`spikes[${i}].factor`, 'its labels are not part of ordinary traffic, so there is no rate to multiply: use extra');
      const factor = s.factor;
      perHour = (ms) => (factor - 1) * trafficRate(ms) * share;
    } else {
      perHour = spread(s.extra!, window, rhythm);
    }
    const drawer = new TextDrawer(pool, t.repeat, random);
    planned.push({ event: events.length, window, perHour, draw: () => drawer.draw(), account: accountsOf(random, `s${i}`, s.accounts), product: s.product });
    events.push({ kind: 'spike', name: s.name, labels: s.labels, startMs: window[0], endMs: window[1], product: s.product ?? null, conversations: 0, accounts: 0 });
  }
  for (const [i, e] of scenario.emerging.entries()) {
    const pool = poolOf(`emerging[${i}]`, e.labels, texts);
    const window: [number, number] = [startMs + e.startMs, startMs + e.startMs + e.hours * HOUR];
    // A new pattern catches on over its first hours.
    const ramp = (ms: number) => rhythm(ms) * Math.min(1, 0.6 + (0.2 * (ms - window[0])) / HOUR);
    const drawer = new TextDrawer(pool, e.repeat, random);
    planned.push({ event: events.length, window, perHour: spread(e.conversations, window, ramp), draw: () => drawer.draw(), account: accountsOf(random, `e${i}`, e.accounts), product: e.product });
    events.push({ kind: 'emerging', name: e.name, labels: e.labels, startMs: window[0], endMs: window[1], product: e.product ?? null, conversations: 0, accounts: 0 });
  }
  const d = scenario.decoy;
  if (d) {
    const pool = poolOf('decoy', d.labels, texts);
    const window: [number, number] = [startMs + d.startMs, startMs + d.startMs + d.hours * HOUR];
    const one = pick(random, pool); // one harmful text, repeated by a few accounts
    planned.push({ event: events.length, window, perHour: spread(d.conversations, window, rhythm), draw: () => one, account: accountsOf(random, 'd', d.accounts), product: d.product });
    events.push({ kind: 'decoy', name: 'decoy', labels: d.labels, startMs: window[0], endMs: window[1], product: d.product ?? null, conversations: 0, accounts: 0 });
  }
  if (allowed.length === 0) throw fail('sources', 'no text is left for ordinary traffic');

  const canaries = makeCanaries(random, scenario.canaries.conversations, scenario.canaries.accounts);
  const canaryTimes = Array.from({ length: scenario.canaries.conversations }, () => startMs + Math.floor(random() * (endMs - startMs) / 1000) * 1000);

  // Ordinary traffic: Zipf-like accounts, the heaviest ones scripted.
  const zipf = cumulative(Array.from({ length: t.accounts }, (_, rank) => 1 / Math.pow(rank + 1, t.zipf)));
  const benign = new TextDrawer(benignPool, t.repeat, random, weightOf);
  const harmful = new TextDrawer(harmfulPool, t.repeat, random, weightOf);
  const scripted = new Map<number, LabelledText>();
  const products = Object.entries(t.products).filter(([, w]) => w > 0);
  const productWeights = cumulative(products.map(([, w]) => w));
  const drawProduct = () => products[sample(random, productWeights)]![0];
  const ordinary = (): { text: LabelledText; account: string } => {
    const rank = sample(random, zipf);
    const drawText = () => (random() < t.harmfulShare ? harmful.draw() : benign.draw());
    let text: LabelledText;
    if (rank < t.scriptedAccounts) {
      text = scripted.get(rank) ?? drawText();
      scripted.set(rank, text);
    } else text = drawText();
    return { text, account: `u${rank}` };
  };

  const out: StreamConversation[] = [];
  const distinct = new Set<string>();
  let n = 0;
  const make = (timeMs: number, text: string, account: string, product: string, language: string | undefined, id = `c${seed}-${n++}`): Conversation => {
    distinct.add(text);
    const reply: ContentBlock[] = product === 'computer-use'
      ? [{ type: 'text', text: pick(random, AGENT_REPLIES) }, { type: 'tool_use', id: `toolu_${n}`, name: 'computer', input: { action: 'screenshot' } }]
      : [{ type: 'text', text: pick(random, REPLIES) }];
    return {
      id, account_id: account, timestamp: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
      messages: [{ role: 'user', content: text }, { role: 'assistant', content: reply }],
      metadata: { product, ...(language ? { language } : {}) },
    };
  };

  const eventAccounts = events.map(() => new Set<string>());
  for (let hourMs = startMs; hourMs < endMs; hourMs += HOUR) {
    const slots: Array<{ offset: number; planned: Planned | null }> = [];
    for (let i = poisson(random, trafficRate(hourMs)); i > 0; i--) slots.push({ offset: Math.floor(random() * 3600) * 1000, planned: null });
    for (const p of planned) {
      if (hourMs < p.window[0] - HOUR || hourMs >= p.window[1]) continue;
      // The part of this hour inside the event's window.
      const from = Math.max(hourMs, p.window[0]);
      const to = Math.min(hourMs + HOUR, p.window[1]);
      if (to <= from) continue;
      for (let i = poisson(random, p.perHour(hourMs) * ((to - from) / HOUR)); i > 0; i--) slots.push({ offset: from - hourMs + Math.floor((random() * (to - from)) / 1000) * 1000, planned: p });
    }
    slots.sort((a, b) => a.offset - b.offset);
    for (const slot of slots) {
      const timeMs = hourMs + slot.offset;
      if (!slot.planned) {
        const { text, account } = ordinary();
        out.push({ conversation: make(timeMs, text.text, account, text.product ?? drawProduct(), text.language), timeMs, event: null, canary: false });
        continue;
      }
      const p = slot.planned;
      const text = p.draw();
      const account = p.account();
      eventAccounts[p.event]!.add(account);
      events[p.event]!.conversations++;
      out.push({ conversation: make(timeMs, text.text, account, p.product ?? text.product ?? drawProduct(), text.language), timeMs, event: p.event, canary: false });
    }
  }
  for (const [i, timeMs] of canaryTimes.entries()) {
    const text = benign.draw();
    const account = canaries.accountIds[i % canaries.accountIds.length]!;
    out.push({ conversation: make(timeMs, `${canarySentence(canaries)} ${text.text}`, account, text.product ?? drawProduct(), text.language, canaries.conversationIds[i]), timeMs, event: null, canary: true });
  }
  out.sort((a, b) => a.timeMs - b.timeMs);
  events.forEach((e, i) => (e.accounts = eventAccounts[i]!.size));
  return { startMs, endMs, catalogCutoffMs: startMs + scenario.baselineDays * DAY, events, conversations: out, canaries, distinctTexts: distinct.size };
}

/**
 * Draws texts the way real traffic repeats them: with chance `repeat` a text already sent (in
 * proportion to how often it was sent, so popular texts get more popular), else any text of the pool.
 */
export class TextDrawer {
  private readonly used: LabelledText[] = [];
  private readonly cumulativeWeights: Float64Array | null;
  constructor(private readonly pool: readonly LabelledText[], private readonly repeat: number, private readonly random: Random, weightOf?: (x: LabelledText) => number) {
    this.cumulativeWeights = weightOf && pool.length ? cumulative(pool.map(weightOf)) : null;
  }

  draw(): LabelledText {
    const fresh = () => (this.cumulativeWeights ? this.pool[sample(this.random, this.cumulativeWeights)]! : pick(this.random, this.pool));
    const text = this.used.length > 0 && this.random() < this.repeat ? this.used[Math.floor(this.random() * this.used.length)]! : fresh();
    this.used.push(text);
    return text;
  }
}

/** A per-hour rate that puts `total` conversations over the window, following `shape`. */
function spread(total: number, window: [number, number], shape: (ms: number) => number): (ms: number) => number {
  let mass = 0;
  for (let ms = Math.floor(window[0] / HOUR) * HOUR; ms < window[1]; ms += HOUR) {
    mass += shape(ms) * ((Math.min(ms + HOUR, window[1]) - Math.max(ms, window[0])) / HOUR);
  }
  return (ms) => (mass > 0 ? (total * shape(ms)) / mass : 0);
}

/** Draws accounts from a pool of `count` new accounts, uniformly. */
function accountsOf(random: Random, prefix: string, count: number): () => string {
  return () => `${prefix}-${Math.floor(random() * count)}`;
}

