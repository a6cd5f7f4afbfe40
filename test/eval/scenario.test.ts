import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStart, loadScenario, parseScenario, ScenarioError } from '../../src/eval/scenario.ts';
import { UsageError } from '../../src/errors.ts';

const minimal = () => ({
  name: 'tiny',
  start: '2026-11-02T00:00:00Z',
  sources: [{ path: 'prompts.jsonl', text: 'prompt', label: 'category' }],
  traffic: { harmful: ['bad/*'] },
});

function errorOf(raw: unknown): ScenarioError {
  try {
    parseScenario(raw, 'test.yaml', { baseDir: '/data' });
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect(e).toBeInstanceOf(UsageError); // exit code 2 in the CLI
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('eval scenario validation', () => {
  it('fills defaults and resolves source paths against the data folder', () => {
    const s = parseScenario(minimal(), 'test.yaml', { baseDir: '/data' });
    expect(s.days).toBe(7);
    expect(s.baselineDays).toBe(4);
    expect(s.sources[0]).toMatchObject({ name: 'prompts', path: '/data/prompts.jsonl', format: 'jsonl', text: ['prompt'], label: 'category' });
    expect(s.traffic).toMatchObject({ perDay: 700, harmfulShare: 0.1, repeat: 0.55, benign: null });
    expect(s.targets).toEqual({ spikeDelayMinutes: 60, emergingDelayMinutes: 180, emergingPurity: 0.8, falseAlertsPerDay: 0.5, canaryLeaks: 0 });
    expect(parseScenario(minimal(), 'test.yaml', { baseDir: '/data', dataDir: '/elsewhere' }).sources[0]!.path).toBe('/elsewhere/prompts.jsonl');
  });

  it('names the key of a missing, unknown or malformed field', () => {
    expect(errorOf({ ...minimal(), sources: undefined }).key).toBe('sources');
    expect(errorOf({ ...minimal(), colour: 'red' }).key).toBe('colour');
    const noText = minimal();
    delete (noText.sources[0] as Partial<(typeof noText.sources)[0]>).text;
    expect(errorOf(noText).key).toBe('sources[0].text');
    const e = errorOf({ ...minimal(), spikes: [{ label: 'bad/x', start: 'tuesday', hours: 6, factor: 4 }] });
    expect(e.key).toBe('spikes[0].start');
    expect(e.message).toMatch(/scenario test\.yaml: spikes\[0\]\.start: must look like "day 4 09:00"/);
    expect(errorOf({ ...minimal(), launch: { start: 'day 4 09:00', factor: -1 } }).key).toBe('launch.factor');
    expect(errorOf({ ...minimal(), traffic: { harmful: ['bad/*'], harmful_share: 2 } }).key).toBe('traffic.harmful_share');
  });

  it('checks what the schema cannot: event times, one of factor or extra, a label, the baseline', () => {
    expect(errorOf({ ...minimal(), spikes: [{ label: 'bad/x', start: 'day 5 10:00', hours: 6 }] }).key).toBe('spikes[0]');
    expect(errorOf({ ...minimal(), spikes: [{ label: 'bad/x', start: 'day 5 10:00', hours: 6, factor: 4, extra: 10 }] }).key).toBe('spikes[0]');
    expect(errorOf({ ...minimal(), spikes: [{ start: 'day 5 10:00', hours: 6, factor: 4 }] }).message).toMatch(/spikes\[0\]: needs label or labels/);
    expect(errorOf({ ...minimal(), spikes: [{ label: 'bad/x', start: 'day 9 10:00', hours: 6, factor: 4 }] }).key).toBe('spikes[0].start');
    expect(errorOf({ ...minimal(), spikes: [{ label: 'bad/x', start: 'day 6 20:00', hours: 6, factor: 4 }] }).key).toBe('spikes[0].hours');
    expect(errorOf({ ...minimal(), emerging: [{ label: 'new', start: 'day 1 10:00', hours: 6 }] }).message).toMatch(/emerging\[0\]\.start: must come after the baseline days/);
    expect(errorOf({ ...minimal(), baseline_days: 7 }).key).toBe('baseline_days');
    expect(errorOf({ ...minimal(), start: '2026-11-02T05:00:00Z' }).key).toBe('start');
    expect(errorOf({ ...minimal(), traffic: { harmful_share: 0.2 } }).key).toBe('traffic.harmful');
  });

  it('reads YAML files and reports unreadable or broken ones by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-eval-scenario-'));
    try {
      const good = join(dir, 'good.yaml');
      writeFileSync(good, 'name: tiny\ndata_dir: data\nsources:\n  - { path: a.csv, text: request }\n');
      expect(loadScenario(good).sources[0]).toMatchObject({ path: join(dir, 'data', 'a.csv'), format: 'csv' });
      const broken = join(dir, 'broken.yaml');
      writeFileSync(broken, 'name: [unclosed\n');
      expect(() => loadScenario(broken)).toThrow(/broken\.yaml: not valid YAML/);
      expect(() => loadScenario(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read it \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts by default on a Monday at least two weeks back, so no event time lies in the future', () => {
    const now = Date.parse('2026-12-02T07:00:00Z'); // a Wednesday
    const start = defaultStart(now);
    expect(new Date(start).getUTCDay()).toBe(1);
    expect(now - start).toBeGreaterThanOrEqual(14 * 86_400_000);
    expect(now - start).toBeLessThan(22 * 86_400_000);
  });
});

