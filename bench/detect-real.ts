/**
 * `npm run bench detect-real`: `clio-stream eval` over the scenarios in bench/scenarios/ — weeks
 * built from the real public prompts in ../shared/data (never copied into the project) — three
 * seeds each, through the same catalog build and replay as the CLI. Prints each scenario's table
 * (targets beside the figures), the held-out scenario apart from the tuning ones, and the elapsed
 * time. Skips with one line when ../shared/data is absent.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import { formatTable, showFigure, type ScenarioResult } from '../src/eval/report.ts';
import { runEval } from '../src/eval/run.ts';
import { loadScenario } from '../src/eval/scenario.ts';

const DATA_DIR = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const SCENARIOS_DIR = fileURLToPath(new URL('./scenarios/', import.meta.url));
const SEEDS = (process.env.BENCH_EVAL_SEEDS ?? '1,2,3').split(',').map(Number);

export async function benchDetectReal(): Promise<Record<string, string>> {
  if (!existsSync(DATA_DIR)) {
    console.log(`detect-real: skipped (${DATA_DIR} not found: the real-data scenarios need ../shared/data beside the project)`);
    return {};
  }
  const only = process.env.BENCH_EVAL_SCENARIO;
  const files = readdirSync(SCENARIOS_DIR).filter((f) => /\.ya?ml$/.test(f) && (!only || f.startsWith(only))).sort();
  const scenarios = files.map((f) => loadScenario(`${SCENARIOS_DIR}${f}`, { dataDir: DATA_DIR }));
  // Tuning scenarios first; the held-out one last, reported on its own.
  scenarios.sort((a, b) => Number(a.heldOut) - Number(b.heldOut));
  const config = loadConfig({ env: process.env });
  const started = performance.now();
  const results = await runEval(config, {
    scenarios, seeds: SEEDS, progress: (line) => process.stderr.write(`${line}\n`),
    onScenario: (r) => console.log(`${formatTable(r)}\n`),
  });
  const seconds = (performance.now() - started) / 1000;
  const figures: Record<string, string> = {};
  const line = (r: ScenarioResult) => {
    const events = r.summary.events.map((e) => `${e.kind} ${e.detected}/${e.of} in ${showFigure(e.delay_minutes)} min${e.kind === 'emerging' ? ` purity ${showFigure(e.purity, 2)}` : ''}`).join('; ');
    return `${events}; ${showFigure(r.summary.false_alerts_per_day, 2)} false/day; ${r.summary.canary_leaks} leaks; targets met ${r.seeds_meeting_targets}/${r.runs.length}`;
  };
  for (const r of results.filter((x) => !x.held_out)) figures[`tuning: ${r.scenario}`] = line(r);
  for (const r of results.filter((x) => x.held_out)) figures[`held out: ${r.scenario}`] = line(r);
  figures['targets'] = 'spike ≤ 60 min; emerging ≤ 180 min with purity ≥ 0.8; ≤ 0.5 false alerts/day; 0 canary leaks';
  figures['elapsed'] = `${Math.round(seconds)} s for ${results.length} scenario(s) × ${SEEDS.length} seed(s)`;
  return figures;
}
