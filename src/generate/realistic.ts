/**
 * A *realistic* synthetic week, for tests that must face what real traffic does (see DESIGN.md,
 * "Detection on real traffic"). The plain week (scenario.ts) stays as it is; tests opt in here.
 *
 *   const week = generateRealisticWeek({ seed: 7, perDay: 600, events: [
 *     { kind: 'launch', startHour: at(4, 9), factor: 1.8 },
 *     { kind: 'spike', area: 'weapons', startHour: at(5, 10), hours: 6, share: 0.15 },
 *     { kind: 'emerging', family: 'storyteller-jailbreak', startHour: at(6, 8), accounts: 50 },
 *   ] });
 *   for (const { conversation, truth } of week.conversations()) …   // event-time order, same every call
 *   week.truth().get(id)   // { areas, kind, cause, event, subject, form, template, language, scripted }
 *   week.events            // onsets, windows, and the conversations and accounts each one added
 *
 * What makes it realistic:
 * - Harm is diffuse: a harmful request is a *form* (how-to, list, story, role-play, code,
 *   translation, essay, agent task …) around a harmful *subject*, and the same forms carry benign
 *   subjects, so clusters that follow form mix harm with benign traffic. A spike of one area
 *   arrives in every form and in several languages.
 * - Texts are mostly unique (nested alternatives, optional clauses, greetings, context, typos),
 *   and `repeatShare` of ordinary traffic comes from scripted accounts that send one fixed text
 *   again and again (real traffic: ~2,400 distinct texts in ~5,800 conversations).
 * - A share of traffic is in other languages (es, fr, de, pt, id, sw), harmful requests included;
 *   `metadata.language` says which.
 * - Benign look-alikes use words of harm ("kill the process", "shoot a portrait") and carry no area.
 * - A new family (families.ts) arrives from many new accounts as near-duplicates whose wording is
 *   close to ordinary role-play requests; a decoy sends it from only a few accounts.
 * Ground truth lives beside the conversations, never in them: areas per conversation id, the
 * cause (ordinary traffic or an event), the event index, and how the text was made.
 *
 * Smaller pieces: `generateRequests({ seed, count, harmShare, languageShares … })` gives labelled
 * request texts without a week (classifier tests); `composeRequest(random, { language, kind, area,
 * form })` (compose.ts) writes one; `family(id, payloadArea)` (families.ts) gives a new family's
 * variants; `clio-stream generate --realistic [--truth-out f]` writes the week (realistic-file.ts).
 */
import { UsageError } from '../errors.ts';
import type { ContentBlock, Conversation } from '../ingest/conversation.ts';
import { areasIn, composeRequest, LANGUAGES, weightedIndex, type ComposedRequest } from './compose.ts';
import { family as familyOf, FAMILY_IDS, type Family, type FamilyId } from './families.ts';
import { POLICY_AREAS, type FormId, type PolicyArea, type RequestKind } from './phrasebook.ts';
import { seededRandom, type Random, pick } from '../util/random.ts';
import type { LabelledConversation } from './synthetic.ts';
import { cumulative, isWeekend, mix, poisson, rhythm, sample } from './traffic.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How fresh (non-scripted) requests are drawn. */
export interface TrafficMix {
  /** Share of fresh requests per non-English language; default es 5%, fr, de, pt 3% each, id 2%, sw 1%. */
  languageShares?: Partial<Record<string, number>>;
  /** Share of fresh requests that are harmful; default 0.15. */
  harmShare?: number;
  /** Share of fresh requests that are benign look-alikes; default 0.06. */
  lookalikeShare?: number;
  /** Relative frequency of the areas among harmful requests; default weapons, fraud, malware 2; jailbreak, sexual content 1.5; others 1. */
  areaWeights?: Partial<Record<PolicyArea, number>>;
  /** Chance that a text has a typo; default 0.15. */
  typoRate?: number;
}

export interface RealisticWeekOptions extends TrafficMix {
  seed?: number;
  /** Midnight UTC of the first day; default 2026-11-16T00:00:00Z, a Monday. */
  startMs?: number;
  /** Default 7. */
  days?: number;
  /** Days whose traffic builds the catalog; default 4. */
  catalogDays?: number;
  /** Weekday conversations a day before any launch; default 800 (real weeks: ~830). */
  perDay?: number;
  /** Ordinary account pool (scripted accounts included); default max(100, 1.5 × perDay). */
  accounts?: number;
  /** Share of ordinary traffic that scripted accounts send, each repeating one fixed text; default 0.55. */
  repeatShare?: number;
  /** How many scripted accounts; default 20 (their activity is heavy-tailed too). */
  scriptedAccounts?: number;
  /** Default: defaultRealisticEvents(catalogDays, days). Pass [] for none. */
  events?: readonly RealisticEventSpec[];
  /** Prefix of conversation ids; default 'rw'. */
  idPrefix?: string;
}

/** Hours are counted from the start of the week: at(day, hour). */
export type RealisticEventSpec =
  /** All ordinary traffic ×factor (default 1.8) from startHour on. */
  | { kind: 'launch'; startHour: number; factor?: number }
  /**
   * Extra requests of one area for `hours` (default 6), in every form and language, from `accounts`
   * (default 150) new accounts. How many, first that is set: `perHour` (before the daily rhythm);
   * `share` of the hour's ordinary traffic; `factor` × the area's own ordinary rate. Default: share 0.15.
   */
  | { kind: 'spike'; area: PolicyArea; startHour: number; hours?: number; share?: number; factor?: number; perHour?: number; accounts?: number }
  /** A new family from `accounts` (default 50) new accounts, about `perHour` (default 1.8% of perDay) an hour, until `hours` (default: the end). */
  | { kind: 'emerging'; startHour: number; family?: FamilyId; payloadArea?: PolicyArea; hours?: number; accounts?: number; perHour?: number }
  /** The same family, sent unchanged by only `accounts` (default 3) accounts, for `hours` (default 4). */
  | { kind: 'decoy'; startHour: number; family?: FamilyId; payloadArea?: PolicyArea; hours?: number; accounts?: number; perHour?: number }
  /** `count` (default 6) benign conversations from distinct new accounts that contain `token`, for leak tests. */
  | { kind: 'canary'; startHour: number; token: string; hours?: number; count?: number };

export type RealisticCause = 'traffic' | 'spike' | 'emerging' | 'decoy' | 'canary';

/** An event as it happened: what it added, counted from what was generated. */
export interface RealisticEvent {
  kind: RealisticEventSpec['kind'];
  startMs: number;
  endMs: number;
  /** The spike's area; null otherwise. */
  area: PolicyArea | null;
  family: FamilyId | null;
  /** Ground-truth areas of the event's conversations (empty for launch and canary). */
  areas: PolicyArea[];
  /** Conversations and distinct accounts the event added (for a launch: all traffic in its window). */
  conversations: number;
  accounts: number;
  description: string;
}

export interface ConversationTruth {
  /** Sorted policy areas; empty for benign traffic and look-alikes. */
  areas: PolicyArea[];
  kind: RequestKind | 'family';
  cause: RealisticCause;
  /** Index into `events` of the event that added it; null for ordinary traffic. */
  event: number | null;
  subject: string;
  form: FormId | 'family';
  /** Which template shaped the text (`<language>/<form>/<index>`, or `family/<id>`). */
  template: string;
  language: string;
  /** Sent by a scripted account repeating one text. */
  scripted: boolean;
}

export interface RealisticConversation extends LabelledConversation {
  cause: RealisticCause;
  truth: ConversationTruth;
}

export interface RealisticWeek {
  startMs: number;
  endMs: number;
  catalogCutoffMs: number;
  events: RealisticEvent[];
  count: number;
  conversations(): Generator<RealisticConversation>;
  /** Ground truth by conversation id. */
  truth(): Map<string, ConversationTruth>;
}

export class RealisticOptionsError extends UsageError {}

/** Hours since the start of the week. */
export function at(day: number, hour: number): number {
  return day * 24 + hour;
}

export const DEFAULT_LANGUAGE_SHARES: Readonly<Record<string, number>> = { es: 0.05, fr: 0.03, de: 0.03, pt: 0.03, id: 0.02, sw: 0.01 };
export const DEFAULT_AREA_WEIGHTS: Readonly<Partial<Record<PolicyArea, number>>> = { weapons: 2, fraud: 2, malware: 2, jailbreak: 1.5, 'sexual-content': 1.5 };

/** Launch on the first replayed day at 09:00, a diffuse weapons spike the next day, a decoy that evening, the new family on the last day. */
export function defaultRealisticEvents(catalogDays = 4, days = 7): RealisticEventSpec[] {
  return [
    { kind: 'launch', startHour: at(catalogDays, 9), factor: 1.8 },
    { kind: 'spike', area: 'weapons', startHour: at(catalogDays + 1, 10), hours: 6, share: 0.15 },
    { kind: 'decoy', startHour: at(catalogDays + 1, 19), hours: 4, family: 'storyteller-jailbreak' },
    { kind: 'emerging', startHour: at(days - 1, 8), family: 'storyteller-jailbreak' },
  ];
}

/** Labelled request texts drawn from a traffic mix, without accounts or times. */
export function generateRequests(options: TrafficMix & { seed?: number; count: number }): ComposedRequest[] {
  const random = seededRandom(options.seed ?? 1);
  const mixOf = resolveMix(options);
  return Array.from({ length: options.count }, () => drawFresh(random, mixOf));
}

export function generateRealisticWeek(options: RealisticWeekOptions = {}): RealisticWeek {
  const plan = compilePlan(options);
  const conversations = () => generate(plan);
  const events = plan.events.map((e) => ({ ...e.event }));
  const accounts = events.map(() => new Set<string>());
  let count = 0;
  for (const c of conversations()) {
    count++;
    const t = Date.parse(c.conversation.timestamp);
    events.forEach((e, i) => {
      const counts = e.kind === 'launch' ? t >= e.startMs && t < e.endMs : c.truth.event === i;
      if (counts) {
        e.conversations++;
        accounts[i]!.add(c.conversation.account_id);
      }
    });
  }
  events.forEach((e, i) => (e.accounts = accounts[i]!.size));
  return {
    startMs: plan.startMs, endMs: plan.endMs, catalogCutoffMs: plan.catalogCutoffMs, events, count, conversations,
    truth: () => new Map([...conversations()].map((c) => [c.conversation.id, c.truth])),
  };
}

interface ResolvedMix {
  languages: string[];
  languageWeights: number[];
  harmShare: number;
  lookalikeShare: number;
  areaWeights: Partial<Record<PolicyArea, number>>;
  typoRate: number;
}

interface PlannedEvent {
  spec: RealisticEventSpec;
  event: RealisticEvent;
  /** First account number of the event's own accounts, and how many. */
  accountBase: number;
  accountCount: number;
  family: Family | null;
  /** Canary send times. */
  times: number[];
}

interface Plan {
  seed: number;
  startMs: number;
  endMs: number;
  catalogCutoffMs: number;
  perHour: number;
  accounts: number;
  scripted: number;
  repeatShare: number;
  mix: ResolvedMix;
  events: PlannedEvent[];
  idPrefix: string;
}

function resolveMix(options: TrafficMix): ResolvedMix {
  const shares = options.languageShares ?? DEFAULT_LANGUAGE_SHARES;
  const languages = Object.keys(shares).filter((l) => l !== 'en');
  for (const l of languages) {
    if (!LANGUAGES.includes(l)) throw new RealisticOptionsError(`no phrase table for language "${l}"; have ${LANGUAGES.join(', ')}`);
    if (!((shares[l] ?? 0) >= 0)) throw new RealisticOptionsError(`language share of ${l} must be ≥ 0`);
  }
  const other = languages.reduce((s, l) => s + (shares[l] ?? 0), 0);
  if (other > 1) throw new RealisticOptionsError(`language shares sum to ${other} > 1`);
  const harmShare = options.harmShare ?? 0.15;
  const lookalikeShare = options.lookalikeShare ?? 0.06;
  if (!(harmShare >= 0 && lookalikeShare >= 0 && harmShare + lookalikeShare <= 1)) throw new RealisticOptionsError('harm and look-alike shares must be ≥ 0 and sum to ≤ 1');
  const areaWeights = { ...DEFAULT_AREA_WEIGHTS, ...options.areaWeights };
  for (const a of Object.keys(areaWeights)) if (!(POLICY_AREAS as readonly string[]).includes(a)) throw new RealisticOptionsError(`unknown policy area "${a}"`);
  if (!POLICY_AREAS.some((a) => (areaWeights[a] ?? 1) > 0)) throw new RealisticOptionsError('area weights must not all be 0');
  const typoRate = options.typoRate ?? 0.15;
  if (!(typoRate >= 0 && typoRate <= 1)) throw new RealisticOptionsError('typo rate must be in [0, 1]');
  return { languages: ['en', ...languages], languageWeights: [1 - other, ...languages.map((l) => shares[l] ?? 0)], harmShare, lookalikeShare, areaWeights, typoRate };
}

function drawLanguage(random: Random, mix: ResolvedMix): string {
  return mix.languages[weightedIndex(random, mix.languageWeights)]!;
}

/** A fresh request: language, then kind, then (if harmful) area, by the mix. */
function drawFresh(random: Random, mix: ResolvedMix, area?: PolicyArea): ComposedRequest {
  const language = drawLanguage(random, mix);
  if (area) return composeRequest(random, { language, kind: 'harmful', area, typoRate: mix.typoRate });
  const u = random();
  const kind: RequestKind = u < mix.harmShare ? 'harmful' : u < mix.harmShare + mix.lookalikeShare ? 'lookalike' : 'benign';
  const drawn = kind === 'harmful' ? POLICY_AREAS[weightedIndex(random, POLICY_AREAS.map((a) => mix.areaWeights[a] ?? 1))] : undefined;
  return composeRequest(random, { language, kind, area: drawn, typoRate: mix.typoRate });
}

function compilePlan(options: RealisticWeekOptions): Plan {
  const seed = options.seed ?? 2026;
  const startMs = options.startMs ?? Date.parse('2026-11-16T00:00:00Z');
  const days = options.days ?? 7;
  const catalogDays = options.catalogDays ?? 4;
  const perDay = options.perDay ?? 800;
  const accounts = options.accounts ?? Math.max(100, Math.round(perDay * 1.5));
  const scripted = options.scriptedAccounts ?? 20;
  const repeatShare = options.repeatShare ?? 0.55;
  const fail = (message: string) => {
    throw new RealisticOptionsError(message);
  };
  if (!Number.isFinite(startMs)) fail('start must be a valid time');
  if (!Number.isInteger(days) || days < 1) fail(`days must be a whole number ≥ 1, got ${days}`);
  if (!Number.isInteger(catalogDays) || catalogDays < 0 || catalogDays >= days) fail(`catalog days must be a whole number in [0, days), got ${catalogDays}`);
  if (!(perDay > 0 && Number.isFinite(perDay))) fail(`conversations per day must be positive, got ${perDay}`);
  if (!Number.isInteger(scripted) || scripted < 1) fail(`scripted accounts must be a whole number ≥ 1, got ${scripted}`);
  if (!Number.isInteger(accounts) || accounts < scripted + 20) fail(`accounts must be a whole number ≥ scripted accounts + 20, got ${accounts}`);
  if (!(repeatShare >= 0 && repeatShare <= 0.95)) fail(`repeat share must be in [0, 0.95], got ${repeatShare}`);
  const mix = resolveMix(options);
  const endMs = startMs + days * DAY;
  let nextAccount = accounts;
  const events = (options.events ?? defaultRealisticEvents(catalogDays, days)).map((spec): PlannedEvent => {
    const planned = planEvent(spec, startMs, endMs, perDay, nextAccount);
    nextAccount += planned.accountCount;
    return planned;
  });
  return { seed, startMs, endMs, catalogCutoffMs: startMs + catalogDays * DAY, perHour: perDay / 24, accounts, scripted, repeatShare, mix, events, idPrefix: options.idPrefix ?? 'rw' };
}

function planEvent(spec: RealisticEventSpec, weekStartMs: number, weekEndMs: number, perDay: number, accountBase: number): PlannedEvent {
  const startMs = weekStartMs + spec.startHour * HOUR;
  if (!(Number.isFinite(startMs) && startMs >= weekStartMs && startMs < weekEndMs)) throw new RealisticOptionsError(`${spec.kind} must start inside the week, got hour ${spec.startHour}`);
  const hours = (fallback: number) => {
    const h = 'hours' in spec && spec.hours !== undefined ? spec.hours : fallback;
    if (!(h > 0)) throw new RealisticOptionsError(`${spec.kind} hours must be positive, got ${h}`);
    return Math.min(weekEndMs, startMs + h * HOUR);
  };
  const positive = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && !(value >= min && Number.isFinite(value))) throw new RealisticOptionsError(`${spec.kind} ${name} must be ≥ ${min}, got ${value}`);
  };
  const base = { startMs, area: null, family: null, areas: [] as PolicyArea[], conversations: 0, accounts: 0 };
  const make = (event: RealisticEvent, accountCount: number, family: Family | null = null, times: number[] = []): PlannedEvent => ({ spec, event, accountBase, accountCount, family, times });
  switch (spec.kind) {
    case 'launch':
      positive('factor', spec.factor, 1);
      return make({ ...base, kind: 'launch', endMs: weekEndMs, description: `Launch: all traffic ×${spec.factor ?? 1.8}. No alert expected.` }, 0);
    case 'spike': {
      if (!(POLICY_AREAS as readonly string[]).includes(spec.area)) throw new RealisticOptionsError(`unknown spike area "${spec.area}"`);
      positive('factor', spec.factor, 1);
      positive('share', spec.share, 0);
      positive('perHour', spec.perHour, 0);
      positive('accounts', spec.accounts, 1);
      const endMs = hours(6);
      const size = spec.perHour !== undefined ? `${spec.perHour} an hour` : spec.share === undefined && spec.factor !== undefined ? `×${spec.factor} its own rate` : `${spec.share ?? 0.15} of traffic`;
      return make({ ...base, kind: 'spike', endMs, area: spec.area, areas: [spec.area], description: `Diffuse spike: extra ${spec.area} requests (${size}) for ${(endMs - startMs) / HOUR} h, in every form and several languages, from many accounts. An alert on the area is expected.` }, Math.round(spec.accounts ?? 150));
    }
    case 'emerging':
    case 'decoy': {
      const id = spec.family ?? 'storyteller-jailbreak';
      if (!FAMILY_IDS.includes(id)) throw new RealisticOptionsError(`unknown family "${id}"; have ${FAMILY_IDS.join(', ')}`);
      let family: Family;
      try {
        family = familyOf(id, spec.payloadArea);
      } catch (error) {
        throw new RealisticOptionsError((error as Error).message);
      }
      positive('accounts', spec.accounts, 1);
      positive('perHour', spec.perHour, 0);
      const endMs = spec.kind === 'emerging' ? hours((weekEndMs - startMs) / HOUR) : hours(4);
      const accountCount = Math.round(spec.accounts ?? (spec.kind === 'emerging' ? 50 : 3));
      const description = spec.kind === 'emerging'
        ? `New family "${id}" from ${accountCount} new accounts, near-duplicates close in form to ordinary requests. An emerging alert is expected.`
        : `Decoy: family "${id}" sent unchanged, many times, by only ${accountCount} accounts. No alert expected.`;
      return make({ ...base, kind: spec.kind, endMs, family: id, areas: [...family.areas], description }, accountCount, family);
    }
    case 'canary': {
      if (typeof spec.token !== 'string' || spec.token.length === 0) throw new RealisticOptionsError('canary token must be a non-empty string');
      positive('count', spec.count, 1);
      const endMs = hours(1);
      const count = Math.round(spec.count ?? 6);
      const times = Array.from({ length: count }, (_, i) => startMs + Math.floor(((i + 0.5) / count) * (endMs - startMs) / 1000) * 1000);
      return make({ ...base, kind: 'canary', endMs, description: `${count} conversations carrying a canary token. Must never leak.` }, count, null, times);
    }
  }
}

interface Slot {
  offsetMs: number;
  cause: RealisticCause;
  event: number | null;
}

function* generate(plan: Plan): Generator<RealisticConversation> {
  const random = seededRandom(plan.seed);
  const writer = new Writer(plan, random);
  const areaTotal = POLICY_AREAS.reduce((s, a) => s + (plan.mix.areaWeights[a] ?? 1), 0);
  const inside = (t: number, e: RealisticEvent) => t >= e.startMs && t < e.endMs;
  for (let hourMs = plan.startMs; hourMs < plan.endMs; hourMs += HOUR) {
    let launch = 1;
    for (const { spec, event } of plan.events) if (spec.kind === 'launch' && hourMs >= event.startMs) launch *= spec.factor ?? 1.8;
    const traffic = plan.perHour * rhythm(hourMs) * (isWeekend(hourMs) ? 0.75 : 1) * launch;
    const slots: Slot[] = [];
    const add = (n: number, cause: RealisticCause, event: number | null) => {
      for (let i = 0; i < n; i++) slots.push({ offsetMs: Math.floor(random() * 3600) * 1000, cause, event });
    };
    add(poisson(random, traffic), 'traffic', null);
    plan.events.forEach(({ spec, event, times }, i) => {
      if (spec.kind === 'canary') {
        for (const t of times) if (t >= hourMs && t < hourMs + HOUR) slots.push({ offsetMs: t - hourMs, cause: 'canary', event: i });
        return;
      }
      if (spec.kind === 'launch' || !inside(hourMs, event)) return;
      if (spec.kind === 'spike') {
        const areaRate = traffic * (1 - plan.repeatShare) * plan.mix.harmShare * ((plan.mix.areaWeights[spec.area] ?? 1) / areaTotal);
        const extra = spec.perHour !== undefined ? spec.perHour * rhythm(hourMs)
          : spec.share === undefined && spec.factor !== undefined ? (spec.factor - 1) * areaRate
            : (spec.share ?? 0.15) * traffic;
        add(poisson(random, extra), 'spike', i);
      } else {
        const rate = (spec.perHour ?? plan.perHour * 24 * 0.018) * rhythm(hourMs);
        // A new family catches on over its first hours.
        const ramp = spec.kind === 'emerging' ? Math.min(1, 0.6 + (0.2 * (hourMs - event.startMs)) / HOUR) : 1;
        add(poisson(random, rate * ramp), spec.kind, i);
      }
    });
    slots.sort((a, b) => a.offsetMs - b.offsetMs);
    for (const slot of slots) yield writer.write(slot, hourMs + slot.offsetMs);
  }
}

const REPLIES = ['Here is a careful answer, step by step.', 'Sure, let me walk you through it.', 'Good question; here is what I would do.'];
const REFUSALS = ['I can\'t help with that.', 'I won\'t help with this request, but I can help with something related and safe.'];
const AGENT_REPLIES = ['I will start by taking a screenshot to see the screen.', 'Let me look at the screen first.'];

class Writer {
  private next = 0;
  private readonly zipfScripted: Float64Array;
  private readonly zipfOrdinary: Float64Array;
  private readonly variants = new Map<string, string>();
  private readonly fixed = new Map<number, { text: string; truth: Omit<ConversationTruth, 'cause' | 'event'>; computerUse: boolean }>();

  constructor(private readonly plan: Plan, private readonly random: Random) {
    const zipf = (n: number) => cumulative(Array.from({ length: n }, (_, rank) => 1 / Math.pow(rank + 1, 0.9)));
    this.zipfScripted = zipf(plan.scripted);
    this.zipfOrdinary = zipf(plan.accounts - plan.scripted);
  }

  write(slot: Slot, timeMs: number): RealisticConversation {
    const { random, plan } = this;
    let account: number;
    let text: string;
    let truth: ConversationTruth;
    let computerUse: boolean;
    const event = slot.event === null ? null : plan.events[slot.event]!;
    switch (slot.cause) {
      case 'traffic':
        if (random() < plan.repeatShare) {
          account = sample(random, this.zipfScripted);
          const script = this.scriptOf(account);
          ({ text, computerUse } = script);
          truth = { ...script.truth, cause: 'traffic', event: null, scripted: true };
        } else {
          account = plan.scripted + sample(random, this.zipfOrdinary);
          const r = drawFresh(random, plan.mix);
          ({ text, computerUse } = r);
          truth = truthOf(r, 'traffic', null);
        }
        break;
      case 'spike': {
        account = event!.accountBase + Math.floor(random() * event!.accountCount);
        const r = drawFresh(random, plan.mix, event!.event.area!);
        ({ text, computerUse } = r);
        truth = truthOf(r, 'spike', slot.event);
        break;
      }
      case 'emerging':
      case 'decoy': {
        const f = event!.family!;
        account = event!.accountBase + Math.floor(random() * event!.accountCount);
        const variant = this.variantOf(f, account);
        text = slot.cause === 'decoy' ? variant : f.send(random, variant);
        computerUse = f.product === 'computer-use';
        truth = { areas: [...f.areas], kind: 'family', cause: slot.cause, event: slot.event, subject: f.id, form: 'family', template: `family/${f.id}`, language: f.language, scripted: slot.cause === 'decoy' };
        break;
      }
      case 'canary': {
        account = event!.accountBase + event!.times.indexOf(timeMs);
        const r = composeRequest(random, { kind: 'benign', typoRate: 0 });
        text = `${pick(random, ['My name is', 'I am', 'This is'])} ${(event!.spec as { token: string }).token}. ${r.text}`;
        computerUse = r.computerUse;
        truth = truthOf(r, 'canary', slot.event);
        break;
      }
    }
    const n = this.next++;
    const scripted = slot.cause === 'traffic' && truth.scripted;
    const product = computerUse ? 'computer-use' : scripted || random() < 0.25 ? 'api' : 'claude-ai';
    const refuse = truth.areas.length > 0 && random() < 0.5;
    const reply: ContentBlock[] = computerUse
      ? [{ type: 'text', text: pick(random, AGENT_REPLIES) }, { type: 'tool_use', id: `toolu_${n}`, name: 'computer', input: { action: 'screenshot' } }]
      : [{ type: 'text', text: pick(random, refuse ? REFUSALS : REPLIES) }];
    const conversation: Conversation = {
      id: `${plan.idPrefix}-${n}`,
      account_id: `acct-${account}`,
      timestamp: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
      messages: [{ role: 'user', content: text }, { role: 'assistant', content: reply }],
      metadata: { product, language: truth.language },
    };
    return { conversation, topic: truth.subject, cause: slot.cause, truth };
  }

  /**
   * A scripted account's one text, the same whenever it is first sent. Benign (or a look-alike):
   * a heavy scripted account with a harmful text would make area baselines depend on the seed.
   */
  private scriptOf(account: number) {
    let script = this.fixed.get(account);
    if (!script) {
      const random = seededRandom(mix(this.plan.seed, account, 'script'));
      const r = composeRequest(random, { kind: random() < 0.1 ? 'lookalike' : 'benign', language: random() < 0.9 ? 'en' : drawLanguage(random, this.plan.mix), typoRate: this.plan.mix.typoRate });
      const { cause: _c, event: _e, ...truth } = truthOf(r, 'traffic', null);
      script = { text: r.text, truth, computerUse: r.computerUse };
      this.fixed.set(account, script);
    }
    return script;
  }

  /** One account's own variant of a family, the same whenever it is first sent. */
  private variantOf(f: Family, account: number): string {
    const key = `${f.id}/${account}`;
    let v = this.variants.get(key);
    if (v === undefined) {
      v = f.variant(seededRandom(mix(this.plan.seed, account, f.id)));
      this.variants.set(key, v);
    }
    return v;
  }
}

function truthOf(r: ComposedRequest, cause: RealisticCause, event: number | null): ConversationTruth {
  return { areas: r.areas, kind: r.kind, cause, event, subject: r.subject, form: r.form, template: r.template, language: r.language, scripted: false };
}

/** Areas a language's phrase table covers (harmful requests in other areas fall back to English). */
export { areasIn };
