import { UsageError } from '../errors.ts';
import type { ContentBlock, Conversation } from '../ingest/conversation.ts';
import { fillTemplate, type LabelledConversation } from './synthetic.ts';
import { EMERGING_TOPIC, FILLER, MORE_TOPICS, TOPICS, type Topic } from './topics.ts';
import { pick, seededRandom, type Random } from '../util/random.ts';
import { cumulative, isWeekend, mix, poisson, rhythm, sample } from './traffic.ts';

/**
 * A synthetic week of traffic with known incidents, for `clio-stream demo`, the replay benchmark
 * and the end-to-end tests. It is shaped like real traffic, because the detector must work there:
 * a daily rhythm and quieter weekends, a heavy head of accounts, scripted accounts that send the
 * same text again and again, a launch that doubles everything, one spike, one new pattern and a
 * decoy that only looks like one.
 */

export interface ScenarioOptions {
  seed?: number;
  /** Midnight UTC of the first day; default 2026-11-16T00:00:00Z, a Monday. Event times are relative to it. */
  startMs?: number;
  /** Length of the scenario in days; default 7, at least catalogDays + 3. */
  days?: number;
  /** Weekday volume before the launch; default 1400. Every event scales with it. */
  conversationsPerDay?: number;
  /** Size of the ordinary account pool; event accounts come on top. Default 1.5 × conversationsPerDay. */
  accounts?: number;
  /** Days before the launch, whose traffic builds the catalog; default 4. */
  catalogDays?: number;
}

/**
 * Ground truth. `launch` and `decoy` must stay silent; `spike` and `emerging` must alert.
 * `topic` is '*' for the launch (every topic). `accounts` counts the distinct accounts among the
 * conversations of `topic` (all conversations, for the launch) inside [startMs, endMs).
 */
export interface ScenarioEvent {
  kind: 'launch' | 'spike' | 'decoy' | 'emerging';
  startMs: number;
  endMs: number;
  topic: string;
  product: string | null;
  accounts: number;
  description: string;
}

/** Why a conversation is in the stream: ordinary traffic, or one of the events on top of it. */
export type Cause = 'traffic' | 'spike' | 'decoy' | 'emerging';

export interface ScenarioConversation extends LabelledConversation {
  cause: Cause;
}

export interface Scenario {
  startMs: number;
  endMs: number;
  /** Conversations before this build the catalog; the rest is replayed. */
  catalogCutoffMs: number;
  /** In onset order: launch, spike, decoy, emerging. */
  events: ScenarioEvent[];
  /** In event-time order (timestamps nondecreasing), the same on every call for a seed. */
  conversations(): Generator<ScenarioConversation>;
  count: number;
}

/** Bad scenario options; a usage error, since they come from command-line flags. */
export class ScenarioOptionsError extends UsageError {}

/** Everyday traffic of the scenario: the catalog topics and a few more. */
export const SCENARIO_TOPICS: readonly Topic[] = [...TOPICS, ...MORE_TOPICS];

/** The policy-relevant computer-use topic that spikes the day after the launch. */
export const SPIKE_TOPIC = 'account-creation-abuse';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LAUNCH_FACTOR = 2;
const WEEKEND_FACTOR = 0.75;
const SPIKE_FACTOR = 4;
/** Share of traffic per topic (relative weights; 1 unless listed). The spike topic is common enough
 *  (~23%) to count ≥ 20 an hour in the spike's hours, so a 1-hour window can see it. */
const TOPIC_WEIGHTS: Readonly<Record<string, number>> = {
  [SPIKE_TOPIC]: 5.5, 'python-debugging': 2, 'email-writing': 1.5, 'sql-queries': 1.5, 'javascript-frontend': 1.5,
};
const topicCumulative = cumulative(SCENARIO_TOPICS.map((t) => TOPIC_WEIGHTS[t.id] ?? 1));
const spikeTopic = SCENARIO_TOPICS.find((t) => t.id === SPIKE_TOPIC)!;
const spikeTopicShare = (TOPIC_WEIGHTS[SPIKE_TOPIC] ?? 1) / topicCumulative[topicCumulative.length - 1]!;
/** New-pattern and decoy conversations per hour, as a share of weekday conversations per day (1400 → ~25/h). */
const EVENT_RATE = 0.018;
/** Heaviest-ranked accounts are scripted: they send one fixed text per topic, over and over. */
const SCRIPTED_ACCOUNTS = 12;
/** Zipf exponent of account activity: the top 12 of 2,000 accounts send about a quarter of the traffic. */
const ZIPF_EXPONENT = 0.9;
const SPIKE_ACCOUNTS = 150;
const EMERGING_ACCOUNTS = 60;
const DECOY_ACCOUNTS = 3;

const OPENERS = ['Hi! ', 'Hello. ', 'Quick question: ', 'Please help: ', 'Hey there. '];
const REPLIES = [
  'Here is a careful answer to your request, step by step.',
  'Sure. Let me walk you through it.',
  'Good question; here is what I would do.',
];
const AGENT_REPLIES = [
  'I will start by taking a screenshot to see the screen.',
  'Let me look at the screen first.',
  'Sure, I will begin by checking what is open.',
];

interface Plan {
  seed: number;
  startMs: number;
  endMs: number;
  catalogCutoffMs: number;
  perHour: number;
  accounts: number;
  launchMs: number;
  spike: Window;
  decoy: Window;
  emergingMs: number;
}

interface Window {
  startMs: number;
  endMs: number;
}

/** Builds the scenario and counts the distinct accounts of each event (one generating pass). */
export function buildScenario(options: ScenarioOptions = {}): Scenario {
  const plan = compilePlan(options);
  const conversations = () => generateWeek(plan);
  const events = plannedEvents(plan);
  const accounts = events.map(() => new Set<string>());
  let count = 0;
  for (const { topic, conversation } of conversations()) {
    count++;
    const timeMs = Date.parse(conversation.timestamp);
    events.forEach((e, i) => {
      if ((e.topic === '*' || e.topic === topic) && inWindow(timeMs, e)) accounts[i]!.add(conversation.account_id);
    });
  }
  events.forEach((e, i) => (e.accounts = accounts[i]!.size));
  return { startMs: plan.startMs, endMs: plan.endMs, catalogCutoffMs: plan.catalogCutoffMs, events, conversations, count };
}

/** The events as planned; `accounts` is counted afterwards, from what was generated. */
function plannedEvents(plan: Plan): ScenarioEvent[] {
  const hours = (w: Window) => (w.endMs - w.startMs) / HOUR;
  return [
    {
      kind: 'launch', startMs: plan.launchMs, endMs: plan.endMs, topic: '*', product: 'computer-use', accounts: 0,
      description: `Product launch: all traffic rises ×${LAUNCH_FACTOR}, evenly across topics. No alert expected.`,
    },
    {
      kind: 'spike', ...plan.spike, topic: SPIKE_TOPIC, product: 'computer-use', accounts: 0,
      description: `Account-creation abuse through computer use rises ×${SPIKE_FACTOR} for ${hours(plan.spike)} hours, from many accounts. A spike alert is expected.`,
    },
    {
      kind: 'decoy', ...plan.decoy, topic: EMERGING_TOPIC.id, product: 'computer-use', accounts: 0,
      description: `The fake-refund-claim pattern, sent many times over ${hours(plan.decoy)} hours by only ${DECOY_ACCOUNTS} accounts. No alert expected: too few accounts.`,
    },
    {
      kind: 'emerging', startMs: plan.emergingMs, endMs: plan.endMs, topic: EMERGING_TOPIC.id, product: 'computer-use', accounts: 0,
      description: 'New pattern, unknown to the catalog: the browser agent files fake refund claims in bulk, from many accounts. An emerging alert is expected.',
    },
  ];
}

function compilePlan(options: ScenarioOptions): Plan {
  const seed = options.seed ?? 2026;
  const startMs = options.startMs ?? Date.parse('2026-11-16T00:00:00Z');
  const days = options.days ?? 7;
  const catalogDays = options.catalogDays ?? 4;
  const perDay = options.conversationsPerDay ?? 1400;
  const accounts = options.accounts ?? Math.max(200, Math.round(perDay * 1.5));
  if (!Number.isFinite(startMs)) throw new ScenarioOptionsError('scenario start must be a valid time');
  if (!Number.isInteger(catalogDays) || catalogDays < 1) throw new ScenarioOptionsError(`scenario catalog days must be a whole number ≥ 1, got ${catalogDays}`);
  // The launch day, the spike (and decoy) day and the emerging day each need a day of their own.
  if (!Number.isInteger(days) || days < catalogDays + 3) throw new ScenarioOptionsError(`scenario days must be a whole number ≥ catalog days + 3 (${catalogDays + 3}), got ${days}`);
  if (!(perDay > 0 && Number.isFinite(perDay))) throw new ScenarioOptionsError(`scenario conversations per day must be positive, got ${perDay}`);
  if (!Number.isInteger(accounts) || accounts < 20) throw new ScenarioOptionsError(`scenario accounts must be a whole number ≥ 20, got ${accounts}`);
  const day = (d: number, hour: number) => startMs + d * DAY + hour * HOUR;
  return {
    seed, startMs, endMs: day(days, 0), catalogCutoffMs: day(catalogDays, 0), perHour: perDay / 24, accounts,
    launchMs: day(catalogDays, 9),
    spike: { startMs: day(catalogDays + 1, 10), endMs: day(catalogDays + 1, 16) },
    decoy: { startMs: day(catalogDays + 1, 19), endMs: day(catalogDays + 1, 23) },
    emergingMs: day(days - 1, 8),
  };
}

/** Hour by hour: draw how many conversations each cause contributes, spread them over the hour, write them. */
function* generateWeek(plan: Plan): Generator<ScenarioConversation> {
  const random = seededRandom(plan.seed);
  const writer = new ConversationWriter(plan, random);
  const eventRate = plan.perHour * 24 * EVENT_RATE;
  for (let hourMs = plan.startMs; hourMs < plan.endMs; hourMs += HOUR) {
    const traffic = plan.perHour * rhythm(hourMs) * (isWeekend(hourMs) ? WEEKEND_FACTOR : 1) * (hourMs >= plan.launchMs ? LAUNCH_FACTOR : 1);
    const counts: Record<Cause, number> = {
      traffic: poisson(random, traffic),
      spike: inWindow(hourMs, plan.spike) ? poisson(random, (SPIKE_FACTOR - 1) * traffic * spikeTopicShare) : 0,
      decoy: inWindow(hourMs, plan.decoy) ? poisson(random, eventRate * rhythm(hourMs)) : 0,
      // A new pattern catches on over its first hours.
      emerging: hourMs >= plan.emergingMs ? poisson(random, eventRate * rhythm(hourMs) * Math.min(1, 0.6 + (0.2 * (hourMs - plan.emergingMs)) / HOUR)) : 0,
    };
    const slots: Array<{ offsetMs: number; cause: Cause }> = [];
    for (const cause of Object.keys(counts) as Cause[]) {
      for (let i = 0; i < counts[cause]; i++) slots.push({ offsetMs: Math.floor(random() * 3600) * 1000, cause });
    }
    slots.sort((a, b) => a.offsetMs - b.offsetMs);
    for (const slot of slots) yield writer.write(slot.cause, hourMs + slot.offsetMs);
  }
}

/** Writes one conversation of a cause: picks its topic, account and text. */
class ConversationWriter {
  private next = 0;
  private readonly zipf: Float64Array;
  private readonly scripted = new Map<string, string>();

  constructor(private readonly plan: Plan, private readonly random: Random) {
    this.zipf = cumulative(Array.from({ length: plan.accounts }, (_, rank) => 1 / Math.pow(rank + 1, ZIPF_EXPONENT)));
  }

  write(cause: Cause, timeMs: number): ScenarioConversation {
    const { random, plan } = this;
    let topic: Topic;
    let account: number;
    let text: string;
    switch (cause) {
      case 'traffic':
        topic = SCENARIO_TOPICS[sample(random, topicCumulative)]!;
        account = sample(random, this.zipf);
        text = account < SCRIPTED_ACCOUNTS ? this.scriptedText(account, topic) : phrase(random, topic);
        break;
      case 'spike':
        topic = spikeTopic;
        account = plan.accounts + Math.floor(random() * SPIKE_ACCOUNTS);
        text = phrase(random, topic);
        break;
      case 'emerging':
        topic = EMERGING_TOPIC;
        account = plan.accounts + SPIKE_ACCOUNTS + Math.floor(random() * EMERGING_ACCOUNTS);
        text = phrase(random, topic);
        break;
      case 'decoy':
        topic = EMERGING_TOPIC;
        account = plan.accounts + SPIKE_ACCOUNTS + EMERGING_ACCOUNTS + Math.floor(random() * DECOY_ACCOUNTS);
        text = this.scriptedText(account, topic);
        break;
    }
    const n = this.next++;
    const product = topic.product ?? (account < SCRIPTED_ACCOUNTS || random() < 0.25 ? 'api' : 'claude-ai');
    const reply: ContentBlock[] = product === 'computer-use'
      ? [{ type: 'text', text: pick(random, AGENT_REPLIES) }, { type: 'tool_use', id: `toolu_${n}`, name: 'computer', input: { action: 'screenshot' } }]
      : [{ type: 'text', text: pick(random, REPLIES) }];
    const conversation: Conversation = {
      id: `scn-${n}`,
      account_id: `acct-${account}`,
      timestamp: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
      messages: [{ role: 'user', content: text }, { role: 'assistant', content: reply }],
      metadata: { product, language: 'en' },
    };
    return { conversation, topic: topic.id, cause };
  }

  /** One fixed text per (account, topic), as an integration or a script sends it: the same every time. */
  private scriptedText(account: number, topic: Topic): string {
    const key = `${account}/${topic.id}`;
    let text = this.scripted.get(key);
    if (text === undefined) {
      text = phrase(seededRandom(mix(this.plan.seed, account, topic.id)), topic);
      this.scripted.set(key, text);
    }
    return text;
  }
}

/** A request of the topic, sometimes with a greeting before it or a remark after it, as people write. */
function phrase(random: Random, topic: Topic): string {
  const opener = random() < 0.25 ? pick(random, OPENERS) : '';
  const closer = random() < 0.35 ? ` ${pick(random, FILLER)}` : '';
  return `${opener}${fillTemplate(random, topic)}${closer}`;
}

function inWindow(timeMs: number, window: Window): boolean {
  return timeMs >= window.startMs && timeMs < window.endMs;
}
