/**
 * Detection benchmarks over the synthetic week (`src/generate/scenario.ts`): replay throughput
 * (conversations/s through `run`'s pipeline from a JSONL file, offline extractor, embedded model,
 * a cold cache) and detection delay in event time, from each injected event's onset to its first
 * alert. The catalog is built from the days before the launch, as the demo does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Notification } from '../src/alerts/alert.ts';
import { writeScenario } from '../src/app/demo.ts';
import { runReplay } from '../src/app/replay.ts';
import { OfflineAuditor } from '../src/catalog/audit.ts';
import { buildCatalog } from '../src/app/catalog-build.ts';
import { loadPolicies } from '../src/catalog/policies.ts';
import { loadConfig } from '../src/config/load.ts';
import { LocalEmbedder } from '../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../src/facets/local-extractor.ts';
import { buildScenario } from '../src/generate/scenario.ts';
import { DEFAULT_RULES_DIR, loadRules, ruleLimitsOf } from '../src/rules/rules.ts';
import { silentProgress } from '../src/util/progress.ts';

const PER_DAY = Number(process.env.BENCH_WEEK_PER_DAY ?? 1400);

export async function benchDetect(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'clio-bench-detect-'));
  try {
    const config = loadConfig({ overrides: { privacy: { accountHashSecret: 'bench-detect-secret-0123456789' } } });
    const scenario = buildScenario({ seed: 2026, conversationsPerDay: PER_DAY });
    const week = join(dir, 'week.jsonl');
    const sample = join(dir, 'sample.jsonl');
    await writeScenario(scenario, week, sample);
    const catalogFile = join(dir, 'catalog.json');
    const embedder = await LocalEmbedder.start({ workers: 2 });
    let buildSeconds: number;
    try {
      const t0 = performance.now();
      await buildCatalog({
        input: sample, out: catalogFile, seed: 1, limits: config.ingest, minAccounts: config.privacy.minAccounts, minConversations: config.privacy.minConversations,
        vocabularyK: config.privacy.vocabularyK, thresholdQuantile: 0.05, extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(),
        policies: loadPolicies(), progress: silentProgress,
      });
      buildSeconds = (performance.now() - t0) / 1000;
    } finally {
      await embedder.close();
    }

    const alerts: Notification[] = [];
    const summary = await runReplay(config, pino({ level: 'silent' }), {
      input: week, catalog: catalogFile, alertsOut: join(dir, 'alerts.jsonl'), progress: (line) => process.stderr.write(`${line}\n`),
      onAlert: (n) => alerts.push(n),
    });

    const rules = await loadRules(DEFAULT_RULES_DIR, ruleLimitsOf(config));
    const bucketOf = (rule: string) => (rules.rules.find((r) => r.name === rule)?.bucketSeconds ?? config.windows.bucketSeconds) * 1000;
    const delay = (kind: 'spike' | 'emerging') => {
      const event = scenario.events.find((e) => e.kind === kind)!;
      const first = alerts.find((n) => n.alert.kind === kind && Date.parse(n.alert.fired_at) >= event.startMs && Date.parse(n.alert.fired_at) <= event.endMs);
      if (!first) return 'not alerted';
      const ms = Date.parse(first.alert.fired_at) - event.startMs;
      return `${Math.round(ms / 60_000)} min of event time (${(ms / bucketOf(first.alert.rule)).toFixed(1)} buckets of rule ${first.alert.rule})`;
    };
    const silentFor = (kind: 'launch' | 'decoy') => {
      const event = scenario.events.find((e) => e.kind === kind)!;
      const next = scenario.events.find((e) => e.startMs > event.startMs && e.kind !== kind)?.startMs ?? event.endMs;
      return alerts.filter((n) => n.alert.kind !== 'resolved' && Date.parse(n.alert.fired_at) >= event.startMs && Date.parse(n.alert.fired_at) < Math.min(event.endMs, next)).length;
    };
    return {
      'week conversations': String(scenario.count),
      'catalog build from the pre-launch days': `${buildSeconds.toFixed(0)} s`,
      'replay throughput (cold cache)': `${Math.round(summary.conversations / summary.seconds)} conversations/s (${summary.seconds.toFixed(0)} s)`,
      'alert notifications': String(alerts.length),
      'spike ×4: onset → first spike alert': delay('spike'),
      'new pattern: onset → emerging alert': delay('emerging'),
      'alerts during the launch alone (expect 0)': String(silentFor('launch')),
      'alerts during the 3-account decoy (expect 0)': String(silentFor('decoy')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
