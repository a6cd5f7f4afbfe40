/**
 * Alert rules: YAML files an analyst edits (alerts/*.yaml, schemas/rules.schema.json), compiled
 * once into plain typed objects with every default applied and every duration in seconds, so the
 * detector and router never see a missing setting or a "5m".
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { LineCounter, parseDocument } from 'yaml';
import { ClioError } from '../errors.ts';
import { readPolicyAreas, type PolicyAreaRef } from './areas.ts';
import type { Config } from '../config/schema.ts';
import { PRIVACY_FLOOR } from '../config/schema.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { ALL_PRODUCTS, languageSegment } from '../ingest/segments.ts';
import { CONTRAST_MARGIN, DEFAULT_LINK_FLOOR, DEFAULT_LINK_NEIGHBOURS, GROUP_CONTRAST } from '../emerging/density-contrast.ts';

export type Severity = 'info' | 'warning' | 'critical';

/** What a rule can watch: leaf clusters, parent clusters, or policy areas (each area one series). */
export type Level = 'leaf' | 'parent' | 'area';

/**
 * Which series a rule watches; null means "any". For leaves and parents, `policyAreas` keeps the
 * clusters tagged with one of them; for level area, it names the areas judged (null: every area).
 */
export interface RuleMatch {
  policyAreas: string[] | null;
  clusterIds: string[] | null;
  levels: Level[];
  product: string | null;
  /** Only conversations in this language (ISO 639-1), counted as their own segment; null for any. */
  language: string | null;
}

export interface Routing {
  groupBy: string[];
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
}

export interface Rule {
  name: string;
  kind: 'spike' | 'emerging';
  description: string;
  match: RuleMatch;
  bucketSeconds: number;
  windowSeconds: number;
  baselineSeconds: number;
  guardSeconds: number;
  seasonality: boolean;
  /** Effective minimums: never below the privacy floor, never below the configured minimum. */
  minConversations: number;
  minAccounts: number;
  minRatio: number;
  significance: number;
  correction: 'bh' | 'bonferroni';
  forWindows: number;
  keepFiringForWindows: number;
  cooldownSeconds: number;
  severity: Severity;
  /** Severity per policy area, over `severity`: an area's alerts, and a cluster's by its gravest area. */
  areaSeverity: Readonly<Record<string, Severity>>;
  /** null: the notifier's default channel. */
  channel: string | null;
  routing: Routing;
  /** Only for kind 'emerging'. */
  emerging: { horizonSeconds: number; minSimilarity: number; contrastMargin: number; contrastNeighbours: number; linkNeighbours: number; linkFloor: number; groupContrast: number } | null;
}

export interface SilenceMatchers {
  rule?: string;
  clusterId?: string;
  policyArea?: string;
  severity?: Severity;
}

/** Mutes alerts whose labels equal every matcher given, until expiresAtMs (expired ones stay, inert). */
export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  /** A silence scheduled ahead mutes from this time on (absent: from the start). */
  startsAtMs?: number;
  expiresAtMs: number;
  comment: string;
}

export interface RuleSet {
  rules: Rule[];
  silences: Silence[];
  /** The files the set was read from, in load order. */
  files: string[];
  /** The policy taxonomy next to the rules (policies.yaml); absent when there is none. */
  areas?: PolicyAreaRef[];
}

/** What the rules are checked against: the processor's bucket and the privacy minimums. */
export interface RuleLimits {
  bucketSeconds: number;
  minAccounts: number;
  minConversations: number;
  floor: { minAccounts: number; minConversations: number };
}

/** The limits a running processor imposes on rules, from its configuration. */
export function ruleLimitsOf(config: Pick<Config, 'windows' | 'privacy'>): RuleLimits {
  return {
    bucketSeconds: config.windows.bucketSeconds,
    minAccounts: config.privacy.minAccounts,
    minConversations: config.privacy.minConversations,
    floor: { minAccounts: PRIVACY_FLOOR.minAccounts, minConversations: PRIVACY_FLOOR.minConversations },
  };
}

/** The shipped rules directory (alerts/), next to the policy taxonomy. */
export const DEFAULT_RULES_DIR = fileURLToPath(new URL('../../alerts/', import.meta.url));

/** The taxonomy file that shares the rules directory but holds no rules. */
const TAXONOMY_FILE = 'policies.yaml';

/** Where in the rules a problem is: file and line, the rule or silence, and the key within it. */
export interface RulesErrorPlace {
  file: string;
  line?: number | null;
  rule?: string | null;
  silence?: string | null;
  key?: string | null;
  /** The place as a path into the document (e.g. ["rules", 0, "min_accounts"]), for the API's error details. */
  path?: Array<string | number> | null;
}

/** A rules file that cannot be used; says which file, line, rule and key, and why. */
export class RulesError extends ClioError {
  readonly file: string;
  readonly line: number | null;
  readonly rule: string | null;
  readonly silence: string | null;
  readonly key: string | null;
  readonly path: Array<string | number> | null;
  /** The problem alone, without the place. */
  readonly problem: string;
  constructor(place: RulesErrorPlace, problem: string) {
    const { file, line = null, rule = null, silence = null, key = null, path = null } = place;
    const scope = [rule !== null ? `rule "${rule}"` : silence !== null ? `silence "${silence}"` : null, key].filter(Boolean).join(', ');
    super('rules_invalid', `${file}${line ? `:${line}` : ''}: ${scope ? `${scope}: ` : ''}${problem}`);
    this.file = file;
    this.line = line;
    this.rule = rule;
    this.silence = silence;
    this.key = key;
    this.path = path;
    this.problem = problem;
  }
}

/** Parses and checks one rules file (tests, the API). Policy areas are not checked against a taxonomy. */
export function parseRules(text: string, origin: string, limits: RuleLimits): RuleSet {
  return deepFreeze(parseFile(text, origin, limits, null));
}

/**
 * Reads every rules file of a directory (*.yaml and *.yml except policies.yaml, in name order) and
 * merges them. When the directory holds policies.yaml, rules may only name its policy areas.
 */
export async function loadRules(dir: string, limits: RuleLimits): Promise<RuleSet> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isRulesFile).sort();
  } catch (cause) {
    throw new RulesError({ file: dir }, `cannot read the rules directory (${(cause as NodeJS.ErrnoException).code ?? cause})`);
  }
  const taxonomy = readTaxonomy(join(dir, TAXONOMY_FILE));
  const knownAreas = taxonomy ? new Set(taxonomy.map((area) => area.id)) : null;
  const merged: RuleSet = { rules: [], silences: [], files: [], ...(taxonomy ? { areas: taxonomy } : {}) };
  const ruleFile = new Map<string, string>();
  const silenceFile = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new RulesError({ file }, `cannot read the file (${(cause as NodeJS.ErrnoException).code ?? cause})`);
    }
    const set = parseFile(text, file, limits, knownAreas);
    for (const rule of set.rules) {
      const other = ruleFile.get(rule.name);
      if (other) throw new RulesError({ file, rule: rule.name, key: 'name' }, `is also defined in ${other}; rule names must be unique across files`);
      ruleFile.set(rule.name, file);
    }
    for (const silence of set.silences) {
      const other = silenceFile.get(silence.id);
      if (other) throw new RulesError({ file, silence: silence.id, key: 'id' }, `is also defined in ${other}; silence ids must be unique across files`);
      silenceFile.set(silence.id, file);
    }
    merged.rules.push(...set.rules);
    merged.silences.push(...set.silences);
    merged.files.push(file);
  }
  return deepFreeze(merged);
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * The severity of a rule's alert about series carrying these areas: the gravest `area_severity` of
 * them, or the rule's `severity` when it gives none of them.
 */
export function severityOf(rule: Pick<Rule, 'severity' | 'areaSeverity'>, areas: readonly string[]): Severity {
  let worst: Severity | null = null;
  for (const area of areas) {
    const s = rule.areaSeverity[area];
    if (s !== undefined && (worst === null || SEVERITY_RANK[s] > SEVERITY_RANK[worst])) worst = s;
  }
  return worst ?? rule.severity;
}

/** A rule as it is written in a rules file, every setting spelled out (the API's form of a rule). */
export type RuleDocumentRule = RawRule;

/** Writes a compiled rule back in the files' spelling, every setting explicit: parsing it gives the same rule. */
export function toDocumentRule(rule: Rule): RuleDocumentRule {
  return {
    name: rule.name,
    kind: rule.kind,
    description: rule.description,
    match: {
      policy_areas: rule.match.policyAreas ? [...rule.match.policyAreas] : null,
      cluster_ids: rule.match.clusterIds ? [...rule.match.clusterIds] : null,
      levels: [...rule.match.levels],
      language: rule.match.language,
      metadata: { product: rule.match.product },
    },
    bucket: formatDuration(rule.bucketSeconds),
    window: formatDuration(rule.windowSeconds),
    baseline: formatDuration(rule.baselineSeconds),
    guard: formatDuration(rule.guardSeconds),
    seasonality: rule.seasonality,
    min_conversations: rule.minConversations,
    min_accounts: rule.minAccounts,
    min_ratio: rule.minRatio,
    significance: rule.significance,
    correction: rule.correction,
    for: rule.forWindows,
    keep_firing_for: rule.keepFiringForWindows,
    cooldown: formatDuration(rule.cooldownSeconds),
    severity: rule.severity,
    area_severity: { ...rule.areaSeverity },
    channel: rule.channel,
    routing: {
      group_by: [...rule.routing.groupBy],
      group_wait: formatDuration(rule.routing.groupWaitSeconds),
      group_interval: formatDuration(rule.routing.groupIntervalSeconds),
      repeat_interval: formatDuration(rule.routing.repeatIntervalSeconds),
    },
    ...(rule.emerging
      ? {
          emerging: {
            horizon: formatDuration(rule.emerging.horizonSeconds),
            min_similarity: rule.emerging.minSimilarity,
            contrast_margin: rule.emerging.contrastMargin,
            contrast_neighbours: rule.emerging.contrastNeighbours,
            link_neighbours: rule.emerging.linkNeighbours,
            link_floor: rule.emerging.linkFloor,
            group_contrast: rule.emerging.groupContrast,
          },
        }
      : {}),
  };
}

/** The JSON schema of one rules file (schemas/rules.schema.json), for the API's OpenAPI document. */
export function rulesFileSchema(): Record<string, unknown> {
  return structuredClone(schema) as Record<string, unknown>;
}

/** The policy areas a rule watches at level area, out of the taxonomy's (in taxonomy order). */
export function ruleAreas(rule: Rule, taxonomy: readonly string[]): string[] {
  if (!rule.match.levels.includes('area')) return [];
  const wanted = rule.match.policyAreas;
  return wanted === null ? [...taxonomy] : taxonomy.filter((area) => wanted.includes(area));
}

/** The counts segment a rule reads: its language's, its product's, or all traffic (''). */
export function ruleSegment(match: Pick<RuleMatch, 'product' | 'language'>): string {
  if (match.language) return languageSegment(match.language);
  return match.product ?? ALL_PRODUCTS;
}

/**
 * Whether a rule watches this cluster's counts for conversations of `product` (null: counts over
 * every product, or of unknown product — which a rule that names a product never matches).
 */
export function ruleMatches(
  rule: Rule,
  cluster: { id: string; level: 'leaf' | 'parent'; policyAreas: readonly string[] },
  product: string | null,
): boolean {
  const { match } = rule;
  return (
    match.levels.includes(cluster.level) &&
    (match.clusterIds === null || match.clusterIds.includes(cluster.id)) &&
    (match.policyAreas === null || match.policyAreas.some((area) => cluster.policyAreas.includes(area))) &&
    (match.product === null || match.product === product)
  );
}

function isRulesFile(name: string): boolean {
  // Dot files are editor locks and Kubernetes ConfigMap internals, not rules.
  return /\.ya?ml$/.test(name) && !name.startsWith('.') && name !== TAXONOMY_FILE && name !== 'policies.yml';
}

function readTaxonomy(path: string): PolicyAreaRef[] | null {
  if (!existsSync(path)) return null;
  try {
    return readPolicyAreas(path);
  } catch (cause) {
    throw new RulesError({ file: path }, `the policy taxonomy next to the rules is invalid: ${(cause as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// One file: YAML → schema → layering of defaults → checks that need more than the schema.

interface RawMatch {
  policy_areas?: string[] | null;
  cluster_ids?: string[] | null;
  levels?: Level[];
  language?: string | null;
  metadata?: { product?: string | null };
}

interface RawSettings {
  match?: RawMatch;
  bucket?: string;
  window?: string;
  baseline?: string;
  guard?: string;
  seasonality?: boolean;
  min_conversations?: number;
  min_accounts?: number;
  min_ratio?: number;
  significance?: number;
  correction?: 'bh' | 'bonferroni';
  for?: number;
  keep_firing_for?: number;
  cooldown?: string;
  severity?: Severity;
  area_severity?: Record<string, Severity>;
  channel?: string | null;
  routing?: { group_by?: string[]; group_wait?: string; group_interval?: string; repeat_interval?: string };
  emerging?: { horizon?: string; min_similarity?: number; contrast_margin?: number; contrast_neighbours?: number; link_neighbours?: number; link_floor?: number; group_contrast?: number };
}

/** Settings once the built-in layer is under them: every key present. */
interface FullSettings extends Required<Omit<RawSettings, 'match' | 'routing' | 'emerging' | 'min_accounts' | 'min_conversations'>> {
  match: Required<Omit<RawMatch, 'metadata'>> & { metadata: { product: string | null } };
  routing: Required<NonNullable<RawSettings['routing']>>;
  emerging: Required<NonNullable<RawSettings['emerging']>>;
}

type Layered = FullSettings & Pick<RawSettings, 'min_accounts' | 'min_conversations'>;

interface RawRule extends RawSettings {
  name: string;
  kind: 'spike' | 'emerging';
  description: string;
}

interface RawSilence {
  id: string;
  matchers: { rule?: string; cluster_id?: string; policy_area?: string; severity?: Severity };
  expires_at: string;
  comment: string;
}

interface RawFile {
  defaults?: RawSettings;
  rules?: RawRule[];
  silences?: RawSilence[];
}

/**
 * The bottom layer under every file's defaults, in the files' own spelling (README and the
 * schema's `default` annotations document the same values; a test keeps them in step).
 * min_conversations and min_accounts default to the configured minimums instead.
 */
const BUILT_IN_DEFAULTS: FullSettings = {
  match: { policy_areas: null, cluster_ids: null, levels: ['leaf', 'parent'], language: null, metadata: { product: null } },
  bucket: '5m',
  window: '1h',
  baseline: '7d',
  guard: '1h',
  seasonality: true,
  min_ratio: 2,
  significance: 0.01,
  correction: 'bh',
  for: 1,
  keep_firing_for: 2,
  cooldown: '6h',
  severity: 'warning',
  area_severity: {},
  channel: null,
  routing: { group_by: ['rule'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' },
  emerging: { horizon: '6h', min_similarity: 0.65, contrast_margin: CONTRAST_MARGIN, contrast_neighbours: 10, link_neighbours: DEFAULT_LINK_NEIGHBOURS, link_floor: DEFAULT_LINK_FLOOR, group_contrast: GROUP_CONTRAST },
};

const schema = JSON.parse(readFileSync(new URL('../../schemas/rules.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: false, strict: true, verbose: true });
addFormats.default(ajv, ['date-time']);
const validateFile = ajv.compile<RawFile>(schema);

function parseFile(text: string, file: string, limits: RuleLimits, knownAreas: Set<string> | null): RuleSet {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const problem = yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new RulesError({ file, line: yamlError.linePos?.[0].line ?? null }, `not valid YAML: ${problem}`);
  }
  const data: unknown = withoutEmptySections(doc.toJS() ?? {});
  const lineOf = (path: Array<string | number>): number | null => {
    for (let end = path.length; end >= 0; end--) {
      const node = doc.getIn(path.slice(0, end), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return null;
  };
  return parseData(data, file, limits, knownAreas, lineOf);
}

/**
 * A rules document already parsed (the API's JSON bodies, rule versions in the database): the same
 * schema and checks as a file, without line numbers. `taxonomy` is the policy taxonomy next to the
 * rules files (RuleSet.areas), which rules may then only name.
 */
export function parseRuleDocument(data: unknown, origin: string, limits: RuleLimits, taxonomy: readonly PolicyAreaRef[] | null = null): RuleSet {
  const knownAreas = taxonomy ? new Set(taxonomy.map((area) => area.id)) : null;
  const set = parseData(withoutEmptySections(data ?? {}), origin, limits, knownAreas, () => null);
  return deepFreeze(taxonomy ? { ...set, areas: [...taxonomy] } : set);
}

function parseData(data: unknown, file: string, limits: RuleLimits, knownAreas: Set<string> | null, lineOf: (path: Path) => number | null): RuleSet {
  if (!validateFile(data)) throw schemaError(validateFile.errors![0]!, data, file, lineOf);

  const checker = new FileChecker(data, file, limits, knownAreas, lineOf);
  const defaults = data.defaults ?? {};
  checker.checkFloors(defaults, ['defaults']);
  const rules: Rule[] = [];
  const seen = new Set<string>();
  (data.rules ?? []).forEach((raw, index) => {
    if (seen.has(raw.name)) throw checker.error(['rules', index, 'name'], `"${raw.name}" is defined twice in this file`);
    seen.add(raw.name);
    rules.push(checker.resolveRule(raw, index, defaults));
  });
  const silences: Silence[] = [];
  const silenceIds = new Set<string>();
  (data.silences ?? []).forEach((raw, index) => {
    if (silenceIds.has(raw.id)) throw checker.error(['silences', index, 'id'], `"${raw.id}" is defined twice in this file`);
    silenceIds.add(raw.id);
    silences.push(resolveSilence(raw));
  });
  return { rules, silences, files: [file] };
}

/** A section whose entries are all commented out reads as null; treat it as absent. */
function withoutEmptySections(data: unknown): unknown {
  if (!isMap(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== null));
}

type Path = Array<string | number>;

/** Semantic checks over the layered settings, with errors that point at the line a value came from. */
class FileChecker {
  constructor(
    private readonly data: RawFile,
    private readonly file: string,
    private readonly limits: RuleLimits,
    private readonly knownAreas: Set<string> | null,
    private readonly lineOf: (path: Path) => number | null,
  ) {}

  error(path: Path, problem: string): RulesError {
    return new RulesError({ file: this.file, line: this.lineOf(path), path, ...describePath(path, this.data) }, problem);
  }

  /** Privacy floor: refused outright, so nobody believes a smaller group can ever be shown. */
  checkFloors(settings: RawSettings, at: Path): void {
    const floors = [
      ['min_accounts', this.limits.floor.minAccounts],
      ['min_conversations', this.limits.floor.minConversations],
    ] as const;
    for (const [key, floor] of floors) {
      const value = settings[key];
      if (value !== undefined && value < floor) throw this.error([...at, key], `${value} is not allowed: never below the privacy floor of ${floor}`);
    }
  }

  resolveRule(raw: RawRule, index: number, defaults: RawSettings): Rule {
    const at: Path = ['rules', index];
    if (raw.kind !== 'emerging' && raw.emerging !== undefined) {
      throw this.error([...at, 'emerging'], 'applies only to rules of kind emerging');
    }
    this.checkFloors(raw, at);
    const s = layer(layer(BUILT_IN_DEFAULTS, defaults), raw) as Layered;
    // Where a layered value came from, so the message points at the line to edit.
    const blame = (key: string): Path => (key in raw ? [...at, key] : key in defaults ? ['defaults', key] : at);
    const from = (key: string): string => (key in raw ? '' : key in defaults ? ' (from defaults)' : ' (built-in default)');
    const fail = (key: string, problem: string): never => {
      throw new RulesError({ file: this.file, line: this.lineOf(blame(key)), path: blame(key), rule: raw.name, key }, `${problem}${from(key)}`);
    };

    const bucket = seconds(s.bucket);
    const window = seconds(s.window);
    const baseline = seconds(s.baseline);
    const guard = seconds(s.guard);
    const shown = formatDuration;
    if (bucket % this.limits.bucketSeconds !== 0) {
      fail('bucket', `${s.bucket} must be a multiple of the processor's counting bucket ${shown(this.limits.bucketSeconds)} (config windows.bucketSeconds)`);
    }
    if (window % bucket !== 0) fail('window', `${s.window} must be a multiple of bucket ${shown(bucket)}`);
    if (baseline < 2 * window) fail('baseline', `${s.baseline} must be at least two windows (${shown(2 * window)})`);
    if (baseline % bucket !== 0) fail('baseline', `${s.baseline} must be a multiple of bucket ${shown(bucket)}`);
    if (guard % bucket !== 0) fail('guard', `${s.guard} must be a multiple of bucket ${shown(bucket)}`);
    if (this.knownAreas && s.match.policy_areas) {
      const unknown = s.match.policy_areas.filter((area) => !this.knownAreas!.has(area));
      if (unknown.length > 0) {
        fail('match', `policy_areas names ${unknown.map((a) => `"${a}"`).join(', ')}, not in ${TAXONOMY_FILE} (known: ${[...this.knownAreas].join(', ')})`);
      }
    }
    if (this.knownAreas) {
      const unknown = Object.keys(s.area_severity).filter((area) => !this.knownAreas!.has(area));
      if (unknown.length > 0) {
        fail('area_severity', `names ${unknown.map((a) => `"${a}"`).join(', ')}, not in ${TAXONOMY_FILE} (known: ${[...this.knownAreas].join(', ')})`);
      }
    }
    // Counts are kept per product and per language, not per pair: a rule watches one segment.
    if (s.match.language && s.match.metadata.product) {
      fail('match', `language cannot be combined with metadata.product (counts are kept per product and per language, not per pair); write one rule for each`);
    }
    // An area is not a cluster: a list of clusters cannot pick areas, and silently ignoring it would mislead.
    if (raw.kind === 'spike' && s.match.levels.includes('area') && s.match.cluster_ids) {
      fail('match', 'cluster_ids cannot be combined with level area (an area is one series across all clusters); use policy_areas to pick areas');
    }

    return {
      name: raw.name,
      kind: raw.kind,
      description: raw.description,
      match: {
        policyAreas: s.match.policy_areas ?? null,
        clusterIds: s.match.cluster_ids ?? null,
        levels: [...s.match.levels],
        product: s.match.metadata.product ?? null,
        language: s.match.language ?? null,
      },
      bucketSeconds: bucket,
      windowSeconds: window,
      baselineSeconds: baseline,
      guardSeconds: guard,
      seasonality: s.seasonality,
      // Between the floor and the configured minimum the configured minimum wins: config is the stricter word.
      minConversations: Math.max(s.min_conversations ?? 0, this.limits.minConversations, this.limits.floor.minConversations),
      minAccounts: Math.max(s.min_accounts ?? 0, this.limits.minAccounts, this.limits.floor.minAccounts),
      minRatio: s.min_ratio,
      significance: s.significance,
      correction: s.correction,
      forWindows: s.for,
      keepFiringForWindows: s.keep_firing_for,
      cooldownSeconds: seconds(s.cooldown),
      severity: s.severity,
      areaSeverity: { ...s.area_severity },
      channel: s.channel,
      routing: {
        groupBy: [...s.routing.group_by],
        groupWaitSeconds: seconds(s.routing.group_wait),
        groupIntervalSeconds: seconds(s.routing.group_interval),
        repeatIntervalSeconds: seconds(s.routing.repeat_interval),
      },
      emerging:
        raw.kind === 'emerging'
          ? {
              horizonSeconds: seconds(s.emerging.horizon),
              minSimilarity: s.emerging.min_similarity,
              contrastMargin: s.emerging.contrast_margin,
              contrastNeighbours: s.emerging.contrast_neighbours,
              linkNeighbours: s.emerging.link_neighbours,
              linkFloor: s.emerging.link_floor,
              groupContrast: s.emerging.group_contrast,
            }
          : null,
    };
  }
}

function resolveSilence(raw: RawSilence): Silence {
  const m = raw.matchers;
  const matchers: SilenceMatchers = {};
  if (m.rule !== undefined) matchers.rule = m.rule;
  if (m.cluster_id !== undefined) matchers.clusterId = m.cluster_id;
  if (m.policy_area !== undefined) matchers.policyArea = m.policy_area;
  if (m.severity !== undefined) matchers.severity = m.severity;
  // RFC 3339 allows a space for the T; Date.parse wants the T.
  return { id: raw.id, matchers, expiresAtMs: Date.parse(raw.expires_at.replace(' ', 'T')), comment: raw.comment };
}

/** The schema has already checked the spelling; this only converts. */
function seconds(duration: string): number {
  const value = parseDuration(duration);
  if (value === null) throw new Error(`unchecked duration ${duration}`);
  return value;
}

/** A rule's own settings over its file's defaults over the built-in ones; nested maps merge, lists replace. */
function layer<T extends object>(base: T, over: object): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    out[key] = isMap(value) && isMap(below) ? layer(below, value) : value;
  }
  return out as T;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Schema errors in an analyst's words: which rule, which key, what was expected.

/** A path into the file as the rule or silence it falls in (by name) and the key inside it. */
function describePath(path: Path, data: unknown): Pick<RulesErrorPlace, 'rule' | 'silence' | 'key'> {
  const keyOf = (parts: Path): string | null =>
    parts.length === 0 ? null : parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  const [head, index, ...rest] = path;
  if ((head === 'rules' || head === 'silences') && typeof index === 'number') {
    const entry = (data as Record<string, unknown[]>)[head]?.[index] as Record<string, unknown> | undefined;
    const label = head === 'rules' ? entry?.name : entry?.id;
    if (typeof label === 'string') return head === 'rules' ? { rule: label, key: keyOf(rest) } : { silence: label, key: keyOf(rest) };
  }
  return { key: keyOf(path) };
}

function schemaError(error: ErrorObject, data: unknown, file: string, lineOf: (path: Path) => number | null): RulesError {
  const path: Path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const parent = error.parentSchema as { description?: string; pattern?: string; format?: string; properties?: object } | undefined;
  let problem: string;
  if (error.keyword === 'additionalProperties') {
    path.push(String(error.params.additionalProperty));
    problem = `unknown key (allowed here: ${Object.keys(parent?.properties ?? {}).join(', ')})`;
  } else if (error.keyword === 'required') {
    path.push(String(error.params.missingProperty));
    problem = 'is required';
  } else if (error.keyword === 'enum') {
    problem = `must be one of ${(error.params.allowedValues as unknown[]).join(', ')} (got ${JSON.stringify(error.data)})`;
  } else if (error.keyword === 'minProperties') {
    problem = `must set at least one of ${Object.keys(parent?.properties ?? {}).join(', ')}`;
  } else if ((parent?.pattern || parent?.format) && parent.description && ['pattern', 'format', 'type'].includes(error.keyword)) {
    // Schemas with a pattern or format describe their form as a noun phrase.
    problem = `must be ${parent.description} (got ${JSON.stringify(error.data)})`;
  } else {
    problem = `${error.message}${isMap(error.data) || Array.isArray(error.data) ? '' : ` (got ${JSON.stringify(error.data)})`}`;
  }
  if (path.length === 0 && error.keyword === 'type') problem = 'must be a map with defaults, rules and silences';
  return new RulesError({ file, line: lineOf(path), path, ...describePath(path, data) }, problem);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
