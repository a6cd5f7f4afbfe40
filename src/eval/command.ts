import type { Config } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { formatTable, type ScenarioResult } from './report.ts';
import { runEval } from './run.ts';
import { loadScenario, sourceFromFlags, type EvalScenario } from './scenario.ts';

export interface EvalCommandOptions {
  scenario: string[];
  input?: string[];
  textField: string;
  labelField?: string;
  format?: string;
  dataDir?: string;
  seeds?: number[];
  rules?: string;
  keepDir?: string;
  json?: boolean;
  probe?: boolean;
}

/** `clio-stream eval`: reads the scenarios, runs them, prints a table per scenario (or JSON). */
export async function runEvalCommand(config: Readonly<Config>, o: EvalCommandOptions, io: { out: (line: string) => void; progress: (line: string) => void }): Promise<ScenarioResult[]> {
  const extra = (o.input ?? []).map((path) => sourceFromFlags(path, { textField: o.textField, labelField: o.labelField, format: o.format }));
  const scenarios: EvalScenario[] = o.scenario.map((file) => {
    const s = loadScenario(file, { dataDir: o.dataDir });
    for (const source of extra) {
      if (s.sources.some((x) => x.name === source.name)) throw new UsageError(`--input ${source.path}: scenario ${file} already has a source named "${source.name}"`);
    }
    return { ...s, sources: [...s.sources, ...extra] };
  });
  const started = performance.now();
  const results = await runEval(config, {
    scenarios, seeds: o.seeds, rulesDir: o.rules, keepDir: o.keepDir, probe: o.probe, progress: io.progress,
    onScenario: o.json ? undefined : (r) => io.out(`${formatTable(r)}\n`),
  });
  if (o.json) io.out(JSON.stringify({ scenarios: results, seconds: Math.round((performance.now() - started) / 1000) }, null, 2));
  else io.out(`elapsed: ${Math.round((performance.now() - started) / 1000)} s`);
  return results;
}
