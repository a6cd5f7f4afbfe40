import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { runEvalCommand } from '../../src/eval/command.ts';
import { formatTable, type ScenarioResult } from '../../src/eval/report.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { EMERGING_TOPIC, TOPICS } from '../../src/generate/topics.ts';
import { UsageError } from '../../src/errors.ts';
import { runCli } from '../helpers/cli.ts';

/** Texts of one generator topic (invented templates, nothing real). */
function textsOf(topicId: string, count: number, seed: number): string[] {
  const topic = [...TOPICS, EMERGING_TOPIC].find((t) => t.id === topicId)!;
  const texts = [...generateConversations({ count, seed, topics: [topic], targetBytes: 0 })].map((c) => c.conversation.messages[0]!.content as string);
  return [...new Set(texts)];
}

const dir = mkdtempSync(join(tmpdir(), 'clio-eval-e2e-'));
const scenarioFile = join(dir, 'scenario.yaml');
const inputTexts: string[] = [];

beforeAll(() => {
  // Benign prompts as JSONL with a category field, harmful ones as CSV, the new pattern as a JSON array.
  const benign = ['python-debugging', 'cooking-recipes', 'travel-planning', 'email-writing', 'math-homework'].flatMap((id, i) => textsOf(id, 40, i + 1).map((prompt) => ({ prompt, category: id })));
  writeFileSync(join(dir, 'benign.jsonl'), benign.map((r) => JSON.stringify(r)).join('\n'));
  const harmful = textsOf('account-creation-abuse', 60, 9);
  writeFileSync(join(dir, 'harmful.csv'), `request,kind\n${harmful.map((t) => `"${t.replace(/"/g, '""')}",abuse/accounts`).join('\n')}\n`);
  const fresh = textsOf(EMERGING_TOPIC.id, 60, 11);
  writeFileSync(join(dir, 'new.json'), JSON.stringify(fresh.map((text) => ({ text }))));
  inputTexts.push(...benign.map((b) => b.prompt), ...harmful, ...fresh);
  writeFileSync(scenarioFile, `
name: tiny-week
start: 2026-11-02T00:00:00Z
days: 4
baseline_days: 2
sources:
  - { name: benign, path: benign.jsonl, text: prompt, label: category, label_prefix: benign/ }
  - { name: harmful, path: harmful.csv, text: request, label: kind }
  - { name: new, path: new.json, text: text, label_value: new/refunds, product: computer-use }
traffic: { per_day: 100, accounts: 120, benign: [benign/*], harmful: [abuse/*], harmful_share: 0.15 }
launch: { start: "day 2 09:00", factor: 1.8 }
spikes:
  - { name: account abuse, label: abuse/accounts, start: "day 3 10:00", hours: 4, extra: 60, accounts: 30 }
emerging:
  - { name: refund claims, label: new/refunds, start: "day 3 06:00", hours: 12, accounts: 20, conversations: 70 }
decoy: { label: abuse/accounts, start: "day 2 19:00", hours: 3, conversations: 20 }
canaries: { conversations: 8, accounts: 4 }
`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clio-stream eval', () => {
  let result: ScenarioResult;
  let stdout = '';

  it('runs catalog build and replay over a small labelled week and reports figures per event as JSON', async () => {
    const config = loadConfig({ overrides: { privacy: { accountHashSecret: 'eval-test-secret-0123456789abcdef' } } });
    const out: string[] = [];
    const progress: string[] = [];
    await runEvalCommand(config, { scenario: [scenarioFile], textField: 'text', seeds: [3], json: true }, { out: (l) => out.push(l), progress: (l) => progress.push(l) });
    stdout = out.join('\n');
    const parsed = JSON.parse(stdout) as { scenarios: ScenarioResult[]; seconds: number };
    expect(parsed.scenarios).toHaveLength(1);
    result = parsed.scenarios[0]!;
    expect(result).toMatchObject({ scenario: 'tiny-week', held_out: false, seeds: [3] });
    const run = result.runs[0]!;
    expect(run.conversations).toBeGreaterThan(300);
    expect(run.conversations).toBeLessThan(1200);
    expect(run.catalog_clusters).toBeGreaterThan(1);
    expect(run.events.map((e) => [e.name, e.kind])).toEqual([['account abuse', 'spike'], ['refund claims', 'emerging']]);
    for (const e of run.events) {
      expect(e.conversations).toBeGreaterThan(20);
      expect(typeof e.detected).toBe('boolean');
      if (e.detected) {
        expect(e.delayMinutes).toBeGreaterThanOrEqual(0);
        expect(e.purity).toBeGreaterThan(0);
      } else {
        expect(e.delayMinutes).toBeNull();
      }
    }
    expect(run.false_alerts_per_day).toBeCloseTo(run.false_alerts / 4, 2);
    // Every episode is listed with its verdict; the false and decoy ones are the false alerts.
    expect(run.alert_episodes).toHaveLength(run.alerts);
    expect(run.alert_episodes.filter((a) => a.verdict === 'false' || a.verdict === 'decoy')).toHaveLength(run.false_alerts);
    for (const a of run.alert_episodes) expect(a.fired).toMatch(/^day [0-3] \d\d:\d\d$/);
    // The canary check looked at every output and found nothing.
    expect(run.canary_leaks).toBe(0);
    expect(Object.keys(run.canary_leaks_by_place).sort()).toEqual(['alerts', 'catalog', 'logs']);
    expect(progress.some((l) => /catalog: \d+ clusters/.test(l))).toBe(true);
    expect(progress.some((l) => /replay: \d+ conversations/.test(l))).toBe(true);
  });

  it('prints figures only: no prompt text, no conversation or account id', () => {
    for (const text of inputTexts) expect(stdout).not.toContain(text);
    expect(stdout).not.toMatch(/"c3-\d+"|cnry|"u\d+"/);
  });

  it('formats a table with the targets next to the figures', () => {
    const table = formatTable(result);
    expect(table).toMatch(/^scenario tiny-week — seeds 3 — \d+ conversations/);
    expect(table).toMatch(/account abuse\s+spike\s+\d+ conv \/ \d+ acct\s+[01]\/1/);
    expect(table).toMatch(/refund claims\s+emerging/);
    expect(table).toContain('≤ 60 min');
    expect(table).toContain('≤ 180 min, purity ≥ 0.8');
    expect(table).toMatch(/false alerts per day\s+[\d.]+\s+≤ 0\.5/);
    expect(table).toMatch(/canary leaks\s+0 \(alerts 0, catalog 0, logs 0\)/);
    // One line per false alert, saying what it was about.
    const falseLines = table.split('\n').filter((l) => l.includes('false in seed 3:'));
    expect(falseLines).toHaveLength(result.runs[0]!.false_alerts);
    const shown = formatTable({
      ...result,
      runs: [{ ...result.runs[0]!, alert_episodes: [{ kind: 'emerging', rule: 'emerging-clusters', subject: 'emerging-002', fired: 'day 3 10:40', verdict: 'false', event: 'refund claims', share: 0.4 }] }],
    });
    expect(shown).toContain('false in seed 3: emerging emerging-002 (emerging-clusters) at day 3 10:40; largest share 0.4 of refund claims');
  });

  it('fails with exit code 2 and the key for a bad scenario, and a clear line for a bad input file', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nsources:\n  - { path: benign.jsonl, text: prompt }\nspikes:\n  - { label: x, start: "day 5 10:00", hours: 2, factor: 0.5 }\n');
    const r = await runCli(['eval', '--scenario', bad, '--seeds', '1,2'], {});
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/clio-stream: scenario .*bad\.yaml: spikes\[0\]\.factor: must be > 1/);
    const missing = join(dir, 'missing-input.yaml');
    writeFileSync(missing, 'name: missing\nsources:\n  - { path: nowhere.jsonl, text: prompt }\n');
    const config = loadConfig({});
    const io = { out: () => {}, progress: () => {} };
    const failure = await runEvalCommand(config, { scenario: [missing], textField: 'text' }, io).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UsageError); // exit code 2
    expect((failure as Error).message).toMatch(/nowhere\.jsonl: no such file/);
  });
});
