import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.ts';

/**
 * The scenario of `clio-stream eval`: which labelled prompt files make the traffic, how ordinary
 * traffic behaves, and the events planted on top. Validated against
 * schemas/eval-scenario.schema.json; every error names the key.
 */

/** A bad scenario file: names the file and the key. A usage error (exit 2). */
export class ScenarioError extends UsageError {
  readonly key: string;
  constructor(origin: string, key: string, problem: string) {
    super(`scenario ${origin}: ${key}: ${problem}`);
    this.key = key;
  }
}

export type Condition = string | number | boolean | { in?: Array<string | number | boolean>; not_in?: Array<string | number | boolean>; empty?: boolean };

export interface SourceSpec {
  name: string;
  /** Absolute, resolved against the data folder. */
  path: string;
  format: 'jsonl' | 'csv' | 'json';
  text: string[];
  label?: string;
  labelValue?: string;
  labelPrefix: string;
  labelList: boolean;
  language?: string;
  product?: string;
  filter: Record<string, Condition>;
  maxChars: number;
  limit?: number;
}

export interface TrafficSpec {
  perDay: number;
  accounts: number;
  zipf: number;
  scriptedAccounts: number;
  rhythm: number;
  weekendFactor: number;
  repeat: number;
  /** Label selectors; null: every label that is not harmful. */
  benign: string[] | null;
  harmful: string[];
  harmfulShare: number;
  /** Label selector → draw weight of its texts (default 1). */
  weights: Record<string, number>;
  products: Record<string, number>;
}

interface Timed {
  /** Offset from the scenario start, ms. */
  startMs: number;
  hours: number;
}

export interface SpikeSpec extends Timed {
  name: string;
  labels: string[];
  factor?: number;
  extra?: number;
  accounts: number;
  product?: string;
}

export interface EmergingSpec extends Timed {
  name: string;
  labels: string[];
  accounts: number;
  conversations: number;
  repeat: number;
  product?: string;
}

export interface DecoySpec extends Timed {
  labels: string[];
  accounts: number;
  conversations: number;
  product?: string;
}

export interface Targets {
  spikeDelayMinutes: number;
  emergingDelayMinutes: number;
  emergingPurity: number;
  falseAlertsPerDay: number;
  canaryLeaks: number;
}

export interface EvalScenario {
  name: string;
  description: string;
  heldOut: boolean;
  /** Where the file was read from (for messages). */
  origin: string;
  /** Midnight UTC of day 0, ms. */
  startMs: number;
  days: number;
  baselineDays: number;
  seeds: number[];
  sources: SourceSpec[];
  traffic: TrafficSpec;
  launch: (Timed & { factor: number }) | null;
  spikes: SpikeSpec[];
  emerging: EmergingSpec[];
  decoy: DecoySpec | null;
  canaries: { conversations: number; accounts: number };
  scoring: { minShare: number; emergingMajority: number };
  targets: Targets;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const schema = JSON.parse(readFileSync(new URL('../../schemas/eval-scenario.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true });
addFormats.default(ajv, ['date-time']);
const validate = ajv.compile(schema);

export interface LoadScenarioOptions {
  /** Overrides the scenario's data_dir (relative source paths start here). */
  dataDir?: string;
  /** Now, for the default start; tests pin it. */
  nowMs?: number;
}

/** Reads and validates a scenario file. */
export function loadScenario(file: string, options: LoadScenarioOptions = {}): EvalScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`scenario ${file}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? cause})`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new UsageError(`scenario ${file}: not valid YAML (${(cause as Error).message.split('\n')[0]})`);
  }
  return parseScenario(raw, file, { ...options, baseDir: dirname(resolve(file)) });
}

/** Validates a scenario object (already parsed from YAML); `baseDir` is where a relative data_dir starts. */
export function parseScenario(raw: unknown, origin: string, options: LoadScenarioOptions & { baseDir?: string } = {}): EvalScenario {
  const value = structuredClone(raw ?? {});
  if (!validate(value)) throw schemaError(origin, validate.errors);
  const s = value as RawScenario;
  const baseDir = options.baseDir ?? process.cwd();
  const dataDir = options.dataDir ? resolve(options.dataDir) : s.data_dir ? resolve(baseDir, s.data_dir) : baseDir;
  const fail = (key: string, problem: string) => new ScenarioError(origin, key, problem);

  const days = s.days!;
  const baselineDays = s.baseline_days!;
  if (baselineDays >= days) throw fail('baseline_days', `must be less than days (${days})`);
  const startMs = s.start ? Date.parse(s.start) : defaultStart(options.nowMs ?? Date.now());
  if (new Date(startMs).toISOString().slice(11) !== '00:00:00.000Z') throw fail('start', 'must be midnight UTC');

  const at = (key: string, when: string, hours: number | undefined): Timed => {
    const [, d, h, m] = /^day (\d+) (\d\d):(\d\d)$/.exec(when)!;
    const offset = Number(d) * DAY + Number(h) * HOUR + Number(m) * 60_000;
    if (offset >= days * DAY) throw fail(`${key}.start`, `"${when}" is after the last day (day ${days - 1})`);
    const length = hours ?? (days * DAY - offset) / HOUR;
    if (offset + length * HOUR > days * DAY) throw fail(`${key}.hours`, `runs past the end of the scenario (day ${days - 1} 24:00)`);
    return { startMs: offset, hours: length };
  };
  const labelsOf = (key: string, e: { label?: string; labels?: string[] }): string[] => {
    if (e.label && e.labels) throw fail(key, 'give label or labels, not both');
    const labels = e.labels ?? (e.label ? [e.label] : null);
    if (!labels) throw fail(key, 'needs label or labels');
    return labels;
  };

  const sourceNames = new Set<string>();
  const sources = s.sources.map((src, i): SourceSpec => {
    const path = isAbsolute(src.path) ? src.path : resolve(dataDir, src.path);
    const name = src.name ?? basenameOf(src.path);
    if (sourceNames.has(name)) throw fail(`sources[${i}].name`, `"${name}" is used twice; give each source its own name`);
    sourceNames.add(name);
    const format = src.format ?? formatOf(src.path);
    if (!format) throw fail(`sources[${i}].format`, `cannot tell the format of ${src.path} from its extension: set format (jsonl, csv or json)`);
    if (src.label && src.label_value) throw fail(`sources[${i}]`, 'give label or label_value, not both');
    return {
      name, path, format, text: Array.isArray(src.text) ? src.text : [src.text], label: src.label, labelValue: src.label_value,
      labelPrefix: src.label_prefix ?? '', labelList: src.label_list ?? false, language: src.language, product: src.product,
      filter: src.filter ?? {}, maxChars: src.max_chars ?? 4000, limit: src.limit,
    };
  });

  const t = s.traffic ?? {};
  const traffic: TrafficSpec = {
    perDay: t.per_day ?? 700, accounts: t.accounts ?? 1000, zipf: t.zipf ?? 0.9, scriptedAccounts: t.scripted_accounts ?? 10,
    rhythm: t.rhythm ?? 0.6, weekendFactor: t.weekend_factor ?? 0.75, repeat: t.repeat ?? 0.55,
    benign: t.benign ?? null, harmful: t.harmful ?? [], harmfulShare: t.harmful_share ?? (t.harmful?.length ? 0.1 : 0), weights: t.weights ?? {},
    products: t.products ?? { 'claude-ai': 0.75, api: 0.25 },
  };
  if (traffic.scriptedAccounts >= traffic.accounts) throw fail('traffic.scripted_accounts', `must be less than traffic.accounts (${traffic.accounts})`);
  if (Object.values(traffic.products).every((w) => w === 0)) throw fail('traffic.products', 'needs at least one positive weight');
  if (traffic.harmfulShare > 0 && traffic.harmful.length === 0) throw fail('traffic.harmful', 'is required when traffic.harmful_share is above 0');

  const spikes = (s.spikes ?? []).map((e, i): SpikeSpec => {
    const key = `spikes[${i}]`;
    if ((e.factor === undefined) === (e.extra === undefined)) throw fail(key, 'needs exactly one of factor or extra');
    return { name: e.name ?? `spike ${i + 1}`, labels: labelsOf(key, e), ...at(key, e.start, e.hours), factor: e.factor, extra: e.extra, accounts: e.accounts ?? 150, product: e.product };
  });
  const baselineEndMs = baselineDays * DAY;
  const emerging = (s.emerging ?? []).map((e, i): EmergingSpec => {
    const key = `emerging[${i}]`;
    const timed = at(key, e.start, e.hours);
    if (timed.startMs < baselineEndMs) throw fail(`${key}.start`, `must come after the baseline days (day ${baselineDays} 00:00 or later): an emerging pattern is absent from the baseline`);
    const accounts = e.accounts ?? 50;
    return { name: e.name ?? `emerging ${i + 1}`, labels: labelsOf(key, e), ...timed, accounts, conversations: e.conversations ?? 4 * accounts, repeat: e.repeat ?? traffic.repeat, product: e.product };
  });
  for (const [i, e] of spikes.entries()) if (e.startMs < baselineEndMs) throw fail(`spikes[${i}].start`, `must come after the baseline days (day ${baselineDays} 00:00 or later)`);
  const decoy = s.decoy ? { labels: labelsOf('decoy', s.decoy), ...at('decoy', s.decoy.start, s.decoy.hours), accounts: s.decoy.accounts ?? 3, conversations: s.decoy.conversations ?? 60, product: s.decoy.product } : null;
  const launch = s.launch ? { ...at('launch', s.launch.start, s.launch.hours), factor: s.launch.factor } : null;

  const sc = s.scoring ?? {};
  const tg = s.targets ?? {};
  return {
    name: s.name, description: s.description ?? '', heldOut: s.held_out ?? false, origin, startMs, days, baselineDays,
    seeds: s.seeds ?? [1], sources, traffic, launch, spikes, emerging, decoy,
    canaries: { conversations: s.canaries?.conversations ?? 20, accounts: s.canaries?.accounts ?? 10 },
    scoring: { minShare: sc.min_share ?? 0.25, emergingMajority: sc.emerging_majority ?? 0.5 },
    targets: {
      spikeDelayMinutes: tg.spike_delay_minutes ?? 60, emergingDelayMinutes: tg.emerging_delay_minutes ?? 180, emergingPurity: tg.emerging_purity ?? 0.8,
      falseAlertsPerDay: tg.false_alerts_per_day ?? 0.5, canaryLeaks: tg.canary_leaks ?? 0,
    },
  };
}

/** The Monday 00:00 UTC at least 14 days before now: event times must not lie in the future (ingest dead-letters those). */
export function defaultStart(nowMs: number): number {
  const day = Math.floor(nowMs / DAY) * DAY - 14 * DAY;
  const weekday = new Date(day).getUTCDay(); // 0 = Sunday
  return day - ((weekday + 6) % 7) * DAY;
}

function formatOf(path: string): SourceSpec['format'] | undefined {
  const p = path.toLowerCase().replace(/\.gz$/, '');
  if (p.endsWith('.jsonl') || p.endsWith('.ndjson')) return 'jsonl';
  if (p.endsWith('.csv')) return 'csv';
  if (p.endsWith('.json')) return 'json';
  return undefined;
}

function basenameOf(path: string): string {
  const base = path.split(/[\\/]/).pop()!.replace(/\.gz$/i, '').replace(/\.[^.]+$/, '');
  return base.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60) || 'source';
}

/** A schema error as `key: problem`, the key written the way it appears in the YAML (spikes[0].factor). */
function schemaError(origin: string, errors: ErrorObject[] | null | undefined): ScenarioError {
  const e = errors?.[0];
  if (!e) return new ScenarioError(origin, '(root)', 'is invalid');
  let key = e.instancePath.split('/').slice(1).map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('').replace(/^\./, '');
  let problem = e.message ?? 'is invalid';
  if (e.keyword === 'required') {
    key = key ? `${key}.${e.params.missingProperty}` : String(e.params.missingProperty);
    problem = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    key = key ? `${key}.${e.params.additionalProperty}` : String(e.params.additionalProperty);
    problem = 'is not a known key';
  } else if (e.keyword === 'pattern' && key.endsWith('start')) {
    problem = 'must look like "day 4 09:00"';
  }
  return new ScenarioError(origin, key || '(root)', problem);
}

interface RawSource {
  name?: string; path: string; format?: SourceSpec['format']; text: string | string[]; label?: string; label_value?: string; label_prefix?: string;
  label_list?: boolean; language?: string; product?: string; filter?: Record<string, Condition>; max_chars?: number; limit?: number;
}
interface RawEvent { name?: string; label?: string; labels?: string[]; start: string; hours?: number; product?: string; accounts?: number }
interface RawScenario {
  name: string; description?: string; held_out?: boolean; data_dir?: string; start?: string; days?: number; baseline_days?: number; seeds?: number[];
  sources: RawSource[];
  traffic?: {
    per_day?: number; accounts?: number; zipf?: number; scripted_accounts?: number; rhythm?: number; weekend_factor?: number; repeat?: number;
    benign?: string[]; harmful?: string[]; harmful_share?: number; weights?: Record<string, number>; products?: Record<string, number>;
  };
  launch?: { start: string; factor: number; hours?: number };
  spikes?: Array<RawEvent & { hours: number; factor?: number; extra?: number }>;
  emerging?: Array<RawEvent & { hours: number; conversations?: number; repeat?: number }>;
  decoy?: RawEvent & { hours: number; conversations?: number };
  canaries?: { conversations?: number; accounts?: number };
  scoring?: { min_share?: number; emerging_majority?: number };
  targets?: { spike_delay_minutes?: number; emerging_delay_minutes?: number; emerging_purity?: number; false_alerts_per_day?: number; canary_leaks?: number };
}

/** A source given on the command line (`eval --input FILE --text-field F --label-field L`). */
export function sourceFromFlags(path: string, o: { textField: string; labelField?: string; format?: string }): SourceSpec {
  const format = (o.format ?? formatOf(path)) as SourceSpec['format'] | undefined;
  if (!format || !['jsonl', 'csv', 'json'].includes(format)) {
    throw new UsageError(`--input ${path}: cannot tell the format from its extension; give --format jsonl, csv or json`);
  }
  return {
    name: basenameOf(path), path: resolve(path), format, text: [o.textField], label: o.labelField, labelPrefix: '', labelList: false, filter: {}, maxChars: 4000,
  };
}
