import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../alerts/alert.ts';
import { runReplay } from '../app/replay.ts';
import { createCatalogJudges, createEmbedder, createExtractor } from '../app/understanding.ts';
import { buildCatalog } from '../app/catalog-build.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { loadPolicies } from '../catalog/policies.ts';
import type { Config } from '../config/load.ts';
import { loadConfig } from '../config/load.ts';
import type { Embedder } from '../embed/embedder.ts';
import { createLogger } from '../log.ts';
import { generateSecret } from '../privacy/account-hash.ts';
import { DEFAULT_RULES_DIR, loadRules, ruleLimitsOf } from '../rules/rules.ts';
import { stderrProgress } from '../util/progress.ts';
import { findLeaks } from './canary.ts';
import { runResult, summarise, type RunResult, type ScenarioResult } from './report.ts';
import type { EvalScenario } from './scenario.ts';
import { scoreRun, type AssignmentRow } from './score.ts';
import { loadSource, type LabelledText } from './sources.ts';
import { attachProbe } from './probe.ts';
import { buildStream } from './stream.ts';

/**
 * `clio-stream eval`: for each scenario and seed, builds the week from the labelled prompts, runs
 * `catalog build` on its baseline days and `replay` over the whole week — the same functions the
 * CLI commands call — then scores the alerts against the ground truth and looks for the planted
 * canaries in every output that leaves the secure environment (alerts, catalog.json, log and
 * progress lines, the eval's own result). One embedder serves every run, so repeated texts across
 * seeds and scenarios are embedded once.
 */

export interface EvalOptions {
  scenarios: readonly EvalScenario[];
  /** Overrides every scenario's own seeds. */
  seeds?: readonly number[];
  rulesDir?: string;
  /** Keep each run's week, catalog, alerts and assignments here (a folder per scenario and seed). */
  keepDir?: string;
  /** Progress (stderr in the CLI). */
  progress: (line: string) => void;
  /** An embedder to use (its owner closes it); default: the configured one with a large cache. */
  embedder?: Embedder;
  /** Print, per check of the emerging search during each emerging event, how far its conversations got (figures only; see probe.ts). */
  probe?: boolean;
  /** Told about each scenario's result as soon as it is done. */
  onScenario?: (result: ScenarioResult) => void;
}

export async function runEval(base: Readonly<Config>, o: EvalOptions): Promise<ScenarioResult[]> {
  const config = loadConfig({
    overrides: { ...structuredClone(base), privacy: { ...base.privacy, accountHashSecret: base.privacy.accountHashSecret ?? generateSecret() } },
  });
  // Texts are loaded (and bad files reported) before the model starts.
  const inputs = o.scenarios.map((s) => ({ scenario: s, texts: loadTexts(s, o.progress) }));
  const embedder = o.embedder ?? (await createEmbedder({ ...config.embeddings, cacheEntries: Math.max(config.embeddings.cacheEntries, 200_000) }));
  const results: ScenarioResult[] = [];
  try {
    for (const { scenario, texts } of inputs) {
      const started = performance.now();
      const seeds = o.seeds ?? scenario.seeds;
      const runs: RunResult[] = [];
      for (const [i, seed] of seeds.entries()) {
        o.progress(`[${scenario.name} seed ${seed} (${i + 1}/${seeds.length})]`);
        runs.push(await runOnce(config, scenario, texts, seed, embedder, o));
      }
      const result = summarise(scenario.name, scenario.heldOut, runs, scenario.targets, (performance.now() - started) / 1000);
      results.push(result);
      o.onScenario?.(result);
    }
  } finally {
    if (!o.embedder) await embedder.close();
  }
  return results;
}

function loadTexts(scenario: EvalScenario, progress: (line: string) => void): LabelledText[] {
  const texts = scenario.sources.flatMap((spec) => {
    const loaded = loadSource(spec);
    progress(`${scenario.name}: ${spec.name}: ${loaded.length} texts, ${new Set(loaded.flatMap((t) => t.labels)).size} label(s)`);
    return loaded;
  });
  return texts;
}

async function runOnce(config: Readonly<Config>, scenario: EvalScenario, texts: readonly LabelledText[], seed: number, embedder: Embedder, o: EvalOptions): Promise<RunResult> {
  const started = performance.now();
  const work = o.keepDir ? join(o.keepDir, `${scenario.name}-seed${seed}`) : mkdtempSync(join(tmpdir(), 'clio-eval-'));
  mkdirSync(work, { recursive: true });
  // Everything the run logs or prints is kept, to look for canaries in it; progress is also shown.
  const logged: string[] = [];
  const say = (line: string) => {
    logged.push(line);
    o.progress(`  ${line}`);
  };
  const logger = createLogger('info', {
    write(line: string) {
      logged.push(line);
      if (/"level":(40|50|60)/.test(line)) process.stderr.write(line);
    },
  });
  try {
    const stream = buildStream(scenario, texts, seed);
    const planted = stream.events.filter((e) => e.kind !== 'launch').map((e) => `${e.kind} ${e.conversations}`).join(', ');
    say(`week: ${stream.conversations.length} conversations, ${stream.distinctTexts} distinct texts${planted ? ` (${planted})` : ''}`);
    const weekFile = join(work, 'week.jsonl');
    const sampleFile = join(work, 'baseline.jsonl');
    writeFileSync(weekFile, stream.conversations.map((c) => `${JSON.stringify(c.conversation)}\n`).join(''));
    writeFileSync(sampleFile, stream.conversations.filter((c) => c.timeMs < stream.catalogCutoffMs).map((c) => `${JSON.stringify(c.conversation)}\n`).join(''));

    say(`catalog build on the ${scenario.baselineDays} baseline days ...`);
    const catalogFile = join(work, 'catalog.json');
    const policies = loadPolicies();
    const extractor = createExtractor(config.facets);
    let catalog: Catalog;
    try {
      catalog = await buildCatalog({
        input: sampleFile, out: catalogFile, seed, limits: config.ingest,
        minAccounts: config.privacy.minAccounts, minConversations: config.privacy.minConversations, vocabularyK: config.privacy.vocabularyK,
        thresholdQuantile: 0.05, extractor, embedder, policies, progress: capturingProgress(say),
        ...createCatalogJudges(config, policies, seed),
      });
    } finally {
      await extractor.close?.();
    }
    const leaves = catalog.clusters.filter((c) => c.level === 0).length;
    say(`catalog: ${leaves} clusters, ${catalog.clusters.length - leaves} parents`);

    const alertsFile = join(work, 'alerts.jsonl');
    const assignmentsFile = join(work, 'assignments.jsonl');
    const alerts: Alert[] = [];
    // --probe: per-check figures of the emerging-group search (figures only).
    const detach = o.probe ? attachProbe(stream, config.privacy.accountHashSecret!, say, { dumpFile: o.keepDir ? join(work, 'recent-dump.json') : undefined }) : () => {};
    const summary = await runReplay(config, logger, {
      input: weekFile, catalog: catalogFile, rulesDir: o.rulesDir, alertsOut: alertsFile, assignmentsOut: assignmentsFile, embedder, progress: say,
      onAlert: (n) => alerts.push(n.alert),
    }).finally(detach);
    say(`replay: ${summary.conversations} conversations in ${summary.seconds.toFixed(0)} s, ${summary.alerts} alert notification(s)`);

    const rules = await ruleFacts(config, o.rulesDir);
    const score = scoreRun({
      stream, alerts, assignments: readAssignments(assignmentsFile), ancestors: ancestorsOf(catalog), ruleProducts: rules.products, ruleHorizons: rules.horizons,
      minShare: scenario.scoring.minShare, emergingMajority: scenario.scoring.emergingMajority,
    });
    const outputs = [
      { place: 'alerts', text: existsSync(alertsFile) ? readFileSync(alertsFile, 'utf8') : '' },
      { place: 'catalog', text: readFileSync(catalogFile, 'utf8') },
      { place: 'logs', text: logged.join('\n') },
    ];
    const figures = { conversations: stream.conversations.length, distinctTexts: stream.distinctTexts, catalogClusters: leaves, seconds: (performance.now() - started) / 1000 };
    const leaks = findLeaks(outputs, stream.canaries);
    const result = runResult(seed, figures, score, leaks);
    // The eval's own output is an output too.
    const self = findLeaks([{ place: 'eval output', text: JSON.stringify(result) }], stream.canaries);
    if (self.total > 0) return runResult(seed, figures, score, { total: leaks.total + self.total, byPlace: { ...leaks.byPlace, ...self.byPlace } });
    return result;
  } finally {
    if (!o.keepDir) rmSync(work, { recursive: true, force: true });
  }
}

export function readAssignments(file: string): Map<string, AssignmentRow> {
  const out = new Map<string, AssignmentRow>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as { id: string; cluster_id: string; novel?: boolean; policy_areas?: string[] };
    out.set(row.id, { cluster: row.cluster_id, areas: row.policy_areas ?? [], novel: row.novel ?? false });
  }
  return out;
}

export function ancestorsOf(catalog: Pick<Catalog, 'clusters'>): Map<string, string[]> {
  const parent = new Map(catalog.clusters.map((c) => [c.id, c.parent]));
  const out = new Map<string, string[]>();
  for (const c of catalog.clusters) {
    const chain: string[] = [];
    for (let p = c.parent; p && !chain.includes(p); p = parent.get(p) ?? null) chain.push(p);
    out.set(c.id, chain);
  }
  return out;
}

/** What scoring needs of the rules replay used: each rule's product, and each emerging rule's horizon. */
async function ruleFacts(config: Readonly<Config>, rulesDir: string | undefined): Promise<{ products: Map<string, string | null>; horizons: Map<string, number> }> {
  try {
    const rules = await loadRules(rulesDir ?? config.alerts.rulesDir ?? DEFAULT_RULES_DIR, ruleLimitsOf(config));
    return {
      products: new Map(rules.rules.map((r) => [r.name, r.match.product])),
      horizons: new Map(rules.rules.flatMap((r) => (r.emerging ? [[r.name, r.emerging.horizonSeconds * 1000] as [string, number]] : []))),
    };
  } catch {
    return { products: new Map(), horizons: new Map() }; // replay read them a moment ago; without them, alerts are scored over every product
  }
}

/** The catalog build's progress as lines, kept for the canary check. */
function capturingProgress(say: (line: string) => void) {
  return stderrProgress({ isTTY: false, write: (text: string) => (say(text.trimEnd()), true) } as unknown as NodeJS.WriteStream);
}

