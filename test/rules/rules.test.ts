import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import {
  DEFAULT_RULES_DIR,
  loadRules,
  parseRules,
  ruleLimitsOf,
  ruleAreas,
  ruleMatches,
  RulesError,
  severityOf,
  type Rule,
  type RuleLimits,
} from '../../src/rules/rules.ts';

const limits: RuleLimits = { bucketSeconds: 300, minAccounts: 10, minConversations: 20, floor: { minAccounts: 5, minConversations: 10 } };

/** A rules file with one rule; `extra` is indented rule YAML. */
function oneRule(extra = '', head = 'name: r\n    kind: spike\n    description: test rule'): string {
  const lines = [`  - ${head}`, ...extra.split('\n').filter(Boolean).map((line) => `    ${line}`)];
  return `rules:\n${lines.join('\n')}\n`;
}

function ruleOf(text: string, l = limits): Rule {
  return parseRules(text, 'test.yaml', l).rules[0]!;
}

function errorOf(fn: () => unknown): RulesError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RulesError) return e;
    throw e;
  }
  throw new Error('expected a RulesError');
}

async function asyncErrorOf(promise: Promise<unknown>): Promise<RulesError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof RulesError) return e;
    throw e;
  }
  throw new Error('expected a RulesError');
}

function rulesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'clio-rules-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('parseRules: defaults', () => {
  it('fills every setting of a bare rule from the built-in defaults and the configured minimums', () => {
    expect(ruleOf(oneRule())).toEqual({
      name: 'r',
      kind: 'spike',
      description: 'test rule',
      match: { policyAreas: null, clusterIds: null, levels: ['leaf', 'parent'], product: null, language: null },
      bucketSeconds: 300,
      windowSeconds: 3600,
      baselineSeconds: 7 * 86400,
      guardSeconds: 3600,
      seasonality: true,
      minConversations: 20,
      minAccounts: 10,
      minRatio: 2,
      significance: 0.01,
      correction: 'bh',
      forWindows: 1,
      keepFiringForWindows: 2,
      cooldownSeconds: 6 * 3600,
      severity: 'warning',
      areaSeverity: {},
      channel: null,
      routing: { groupBy: ['rule'], groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 4 * 3600 },
      emerging: null,
    });
  });

  it('gives emerging rules the emerging defaults', () => {
    const rule = ruleOf(oneRule('', 'name: e\n    kind: emerging\n    description: new groups'));
    expect(rule.emerging).toEqual({ horizonSeconds: 6 * 3600, minSimilarity: 0.65, contrastMargin: 0.03, contrastNeighbours: 10, linkNeighbours: 5, linkFloor: 0.25, groupContrast: 0.15 });
  });

  it('documents in the schema exactly the defaults the code applies', () => {
    // A rule that spells out every `default` annotation of the schema must equal a bare rule.
    const schema = JSON.parse(readFileSync(new URL('../../schemas/rules.schema.json', import.meta.url), 'utf8'));
    const resolve = (node: { $ref?: string }): Record<string, unknown> =>
      node.$ref ? node.$ref.slice(2).split('/').reduce((at: any, part) => at[part], schema) : node;
    const defaultsOf = (node: Record<string, unknown>): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries((resolve(node).properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if ('default' in property) out[key] = property.default;
        else if (resolve(property).properties) out[key] = defaultsOf(property);
      }
      return out;
    };
    const documented = defaultsOf(schema.definitions.settings);
    expect(Object.keys(documented).sort()).toEqual(
      ['area_severity', 'bucket', 'baseline', 'channel', 'cooldown', 'correction', 'emerging', 'for', 'guard', 'keep_firing_for', 'match', 'min_ratio', 'routing', 'seasonality', 'severity', 'significance', 'window'].sort(),
    );
    // YAML reads JSON, so the spelled-out rule can be written as one.
    const spelledOut = `rules:\n  - ${JSON.stringify({ name: 'e', kind: 'emerging', description: 'new groups', ...documented })}\n`;
    expect(ruleOf(spelledOut)).toEqual(ruleOf(oneRule('', 'name: e\n    kind: emerging\n    description: new groups')));
  });
});

describe('parseRules: file defaults and overrides', () => {
  const text = `
defaults:
  window: 30m
  severity: info
  routing: { repeat_interval: 1h }
rules:
  - name: plain
    kind: spike
    description: takes the file defaults
  - name: tuned
    kind: spike
    description: overrides some
    window: 2h
    baseline: 3d
    guard: 0s
    seasonality: false
    min_ratio: 3.5
    significance: 0.001
    correction: bonferroni
    for: 2
    keep_firing_for: 0
    cooldown: 30m
    severity: critical
    channel: "#tns-launch"
    routing: { group_by: [rule, cluster] }
    match:
      policy_areas: [fraud]
      cluster_ids: [c-1, c-2]
      levels: [parent]
      metadata: { product: computer-use }
`;

  it('applies the file defaults over the built-in ones', () => {
    const plain = parseRules(text, 'test.yaml', limits).rules[0]!;
    expect(plain.windowSeconds).toBe(1800);
    expect(plain.severity).toBe('info');
    expect(plain.routing).toEqual({ groupBy: ['rule'], groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 3600 });
    expect(plain.bucketSeconds).toBe(300);
  });

  it("lets a rule's own values win, merging nested maps key by key", () => {
    const tuned = parseRules(text, 'test.yaml', limits).rules[1]!;
    expect(tuned).toMatchObject({
      windowSeconds: 7200,
      baselineSeconds: 3 * 86400,
      guardSeconds: 0,
      seasonality: false,
      minRatio: 3.5,
      significance: 0.001,
      correction: 'bonferroni',
      forWindows: 2,
      keepFiringForWindows: 0,
      cooldownSeconds: 1800,
      severity: 'critical',
      channel: '#tns-launch',
      match: { policyAreas: ['fraud'], clusterIds: ['c-1', 'c-2'], levels: ['parent'], product: 'computer-use' },
    });
    // group_by from the rule, repeat_interval from the file defaults, the rest built in.
    expect(tuned.routing).toEqual({ groupBy: ['rule', 'cluster'], groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 3600 });
  });

  it('lets a rule reset a list matcher set by the file defaults to "any" with null', () => {
    const rule = ruleOf('defaults:\n  match: { policy_areas: [fraud] }\n' + oneRule('match: { policy_areas: null }'));
    expect(rule.match.policyAreas).toBeNull();
  });

  it('reads an empty file, or sections left empty, as no rules', () => {
    expect(parseRules('', 'empty.yaml', limits)).toEqual({ rules: [], silences: [], files: ['empty.yaml'] });
    expect(parseRules('defaults:\n  # window: 1h\nrules:\nsilences:\n', 'empty.yaml', limits).rules).toEqual([]);
  });

  it('hands out frozen rules', () => {
    const rule = ruleOf(oneRule());
    expect(Object.isFrozen(rule)).toBe(true);
    expect(Object.isFrozen(rule.match.levels)).toBe(true);
  });
});

describe('parseRules: privacy minimums', () => {
  it.each([
    ['min_accounts: 4', 'min_accounts', /4 is not allowed: never below the privacy floor of 5/],
    ['min_conversations: 9', 'min_conversations', /9 is not allowed: never below the privacy floor of 10/],
  ])('rejects %s in a rule', (line, key, message) => {
    const error = errorOf(() => parseRules(oneRule(line), 'test.yaml', limits));
    expect(error).toMatchObject({ code: 'rules_invalid', file: 'test.yaml', rule: 'r', key, line: 5 });
    expect(error.message).toMatch(message);
  });

  it('rejects a floor breach in the file defaults even with no rule using it', () => {
    const error = errorOf(() => parseRules('defaults:\n  min_accounts: 2\n', 'test.yaml', limits));
    expect(error).toMatchObject({ file: 'test.yaml', rule: null, key: 'defaults.min_accounts', line: 2 });
    expect(error.message).toContain('never below the privacy floor of 5');
  });

  it('raises values between the floor and the configured minimum to the configured minimum', () => {
    const rule = ruleOf(oneRule('min_accounts: 7\nmin_conversations: 12'));
    expect(rule.minAccounts).toBe(10);
    expect(rule.minConversations).toBe(20);
  });

  it('keeps values above the configured minimum', () => {
    const rule = ruleOf(oneRule('min_accounts: 25\nmin_conversations: 40'));
    expect(rule.minAccounts).toBe(25);
    expect(rule.minConversations).toBe(40);
  });

  it('takes the floor itself when it is reached exactly and config asks for no more', () => {
    const atFloor = { ...limits, minAccounts: 5, minConversations: 10 };
    expect(ruleOf(oneRule('min_accounts: 5\nmin_conversations: 10'), atFloor)).toMatchObject({ minAccounts: 5, minConversations: 10 });
  });
});

describe('parseRules: windows', () => {
  it.each([
    ['bucket: 7m', 'bucket', /7m must be a multiple of the processor's counting bucket 5m/],
    ['bucket: 15m\nwindow: 50m', 'window', /50m must be a multiple of bucket 15m/],
    ['window: 4h\nbaseline: 6h', 'baseline', /6h must be at least two windows \(8h\)/],
    ['bucket: 10m\nguard: 15m', 'guard', /15m must be a multiple of bucket 10m/],
  ])('rejects %j', (lines, key, message) => {
    const error = errorOf(() => parseRules(oneRule(lines), 'test.yaml', limits));
    expect(error).toMatchObject({ rule: 'r', key });
    expect(error.message).toMatch(message);
  });

  it('follows the processor bucket from the limits', () => {
    expect(ruleOf(oneRule('bucket: 2m\nwindow: 10m'), { ...limits, bucketSeconds: 60 }).bucketSeconds).toBe(120);
    expect(errorOf(() => ruleOf(oneRule(), { ...limits, bucketSeconds: 600 })).message).toMatch(/5m must be a multiple .* 10m .*\(built-in default\)/);
  });

  it('says when the offending value came from the file defaults, and points at its line', () => {
    const error = errorOf(() => parseRules('defaults:\n  window: 1h\n  baseline: 90m\n' + oneRule(), 'test.yaml', limits));
    expect(error).toMatchObject({ rule: 'r', key: 'baseline', line: 3 });
    expect(error.message).toMatch(/90m must be at least two windows \(2h\) \(from defaults\)/);
  });

  it.each(['significance: 0.5', 'significance: 0', 'min_ratio: 0.5', 'for: 0'])('rejects %j', (line) => {
    expect(errorOf(() => ruleOf(oneRule(line))).key).toBe(line.split(':')[0]);
  });
});

describe('parseRules: errors name the file, the rule and the key', () => {
  it('reports YAML syntax errors with their line', () => {
    const error = errorOf(() => parseRules('rules:\n  - name: r\n    kind: spike\n  description: [\n', 'bad.yaml', limits));
    expect(error.file).toBe('bad.yaml');
    expect(error.line).toBeGreaterThanOrEqual(2);
    expect(error.message).toMatch(/^bad\.yaml:\d+: not valid YAML: /);
  });

  it('rejects metadata keys other than product', () => {
    const error = errorOf(() => parseRules(oneRule('match:\n  metadata:\n    product: computer-use\n    model: x'), 'test.yaml', limits));
    expect(error).toMatchObject({ file: 'test.yaml', rule: 'r', key: 'match.metadata.model', line: 8 });
    expect(error.message).toBe('test.yaml:8: rule "r", match.metadata.model: unknown key (allowed here: product)');
  });

  it.each([
    ['windw: 1h', 'windw', /unknown key \(allowed here: name, kind, description, match, bucket/],
    ['window: 60', 'window', /must be a duration such as 30s, 5m, 1h or 7d .*\(got 60\)/],
    ['window: 1 hour', 'window', /must be a duration .*\(got "1 hour"\)/],
    ['severity: high', 'severity', /must be one of info, warning, critical \(got "high"\)/],
    ['correction: holm', 'correction', /must be one of bh, bonferroni/],
    ['channel: "tns alerts"', 'channel', /must be a Slack channel/],
    ['routing: { group_by: [rule, account] }', 'routing.group_by[1]', /must be one of rule, cluster, policy_area, severity/],
    ['match: { levels: [] }', 'match.levels', /must NOT have fewer than 1 items/],
    ['match: { policy_areas: [Fraud] }', 'match.policy_areas[0]', /must be a policy area id/],
    ['emerging: { horizon: 1h }', 'emerging', /applies only to rules of kind emerging/],
  ])('%j', (line, key, message) => {
    const error = errorOf(() => parseRules(oneRule(line), 'test.yaml', limits));
    expect(error).toMatchObject({ file: 'test.yaml', rule: 'r', key });
    expect(error.message).toMatch(message);
  });

  it('names a rule without a name by its position', () => {
    const error = errorOf(() => parseRules('rules:\n  - kind: spike\n    description: d\n', 'test.yaml', limits));
    expect(error).toMatchObject({ rule: null, key: 'rules[0].name', line: 2 });
    expect(error.message).toContain('is required');
  });

  it('rejects an unknown top-level section', () => {
    expect(errorOf(() => parseRules('rule:\n  - name: r\n', 'test.yaml', limits)).message).toMatch(/rule: unknown key \(allowed here: defaults, rules, silences\)/);
  });

  it('rejects a duplicate rule name within a file', () => {
    const text = oneRule() + '  - name: r\n    kind: emerging\n    description: again\n';
    const error = errorOf(() => parseRules(text, 'test.yaml', limits));
    expect(error).toMatchObject({ rule: 'r', key: 'name', line: 5 });
    expect(error.message).toContain('"r" is defined twice in this file');
  });
});

describe('parseRules: silences', () => {
  const silence = (body: string) => `silences:\n  - id: s1\n    comment: load test\n${body}`;

  it('resolves matchers and the expiry, and keeps an expired silence', () => {
    const set = parseRules(
      silence('    expires_at: 2020-01-01T00:00:00Z\n    matchers: { rule: r, cluster_id: c-1, policy_area: fraud, severity: critical }\n') +
        '  - id: s2\n    comment: c\n    expires_at: 2026-11-28T10:00:00+01:00\n    matchers: { rule: r }\n',
      'test.yaml',
      limits,
    );
    expect(set.silences).toEqual([
      { id: 's1', comment: 'load test', expiresAtMs: Date.UTC(2020, 0, 1), matchers: { rule: 'r', clusterId: 'c-1', policyArea: 'fraud', severity: 'critical' } },
      { id: 's2', comment: 'c', expiresAtMs: Date.UTC(2026, 10, 28, 9), matchers: { rule: 'r' } },
    ]);
  });

  it.each([
    ['    expires_at: 2026-11-28T10:00:00\n    matchers: { rule: r }\n', 'expires_at', /RFC 3339 time with a zone/],
    ['    expires_at: tomorrow\n    matchers: { rule: r }\n', 'expires_at', /RFC 3339/],
    ['    expires_at: 2026-11-28T10:00:00Z\n    matchers: {}\n', 'matchers', /at least one of rule, cluster_id, policy_area, severity/],
    ['    expires_at: 2026-11-28T10:00:00Z\n    matchers: { account: a }\n', 'matchers.account', /unknown key/],
  ])('rejects %j', (body, key, message) => {
    const error = errorOf(() => parseRules(silence(body), 'test.yaml', limits));
    expect(error).toMatchObject({ silence: 's1', key });
    expect(error.message).toMatch(message);
  });
});

describe('loadRules', () => {
  const taxonomy = 'min_share: 0.3\nareas:\n  - id: fraud\n    name: Fraud\n    keywords: [scam]\n';

  it('merges every .yaml and .yml file in name order, skipping policies.yaml and other files', async () => {
    const dir = rulesDir({
      'b.yml': oneRule('', 'name: from-b\n    kind: spike\n    description: b'),
      'a.yaml': oneRule('', 'name: from-a\n    kind: spike\n    description: a') + 'silences:\n  - { id: s, comment: c, expires_at: 2026-01-01T00:00:00Z, matchers: { rule: from-b } }\n',
      'policies.yaml': taxonomy,
      'notes.txt': 'not yaml: [',
      '.#a.yaml': 'an editor lock: [',
    });
    const set = await loadRules(dir, limits);
    expect(set.rules.map((r) => r.name)).toEqual(['from-a', 'from-b']);
    expect(set.silences.map((s) => s.id)).toEqual(['s']);
    expect(set.files).toEqual([join(dir, 'a.yaml'), join(dir, 'b.yml')]);
  });

  it('names both files when two define the same rule', async () => {
    const dir = rulesDir({ 'a.yaml': oneRule(), 'b.yaml': oneRule() });
    const error = await asyncErrorOf(loadRules(dir, limits));
    expect(error).toMatchObject({ file: join(dir, 'b.yaml'), rule: 'r' });
    expect(error.message).toContain(`is also defined in ${join(dir, 'a.yaml')}`);
  });

  it('names both files when two define the same silence', async () => {
    const s = 'silences:\n  - { id: s, comment: c, expires_at: 2026-01-01T00:00:00Z, matchers: { rule: r } }\n';
    const error = await asyncErrorOf(loadRules(rulesDir({ 'a.yaml': s, 'b.yaml': s }), limits));
    expect(error).toMatchObject({ silence: 's' });
    expect(error.message).toMatch(/a\.yaml/);
  });

  it('names the file of a schema error', async () => {
    const dir = rulesDir({ 'a.yaml': oneRule(), 'b.yaml': oneRule('bucket: soon', 'name: other\n    kind: spike\n    description: d') });
    const error = await asyncErrorOf(loadRules(dir, limits));
    expect(error).toMatchObject({ file: join(dir, 'b.yaml'), rule: 'other', key: 'bucket', line: 5 });
  });

  it('refuses policy areas the taxonomy next to the rules does not know', async () => {
    const dir = rulesDir({ 'policies.yaml': taxonomy, 'a.yaml': oneRule('match: { policy_areas: [fraud, frod] }') });
    const error = await asyncErrorOf(loadRules(dir, limits));
    expect(error).toMatchObject({ rule: 'r', key: 'match', line: 5 });
    expect(error.message).toMatch(/"frod", not in policies\.yaml \(known: fraud\)/);
    const fine = rulesDir({ 'policies.yaml': taxonomy, 'a.yaml': oneRule('match: { policy_areas: [fraud] }') });
    expect((await loadRules(fine, limits)).rules[0]!.match.policyAreas).toEqual(['fraud']);
  });

  it('reports a missing directory', async () => {
    const error = await asyncErrorOf(loadRules(join(tmpdir(), 'clio-no-such-rules-dir'), limits));
    expect(error.message).toMatch(/cannot read the rules directory \(ENOENT\)/);
  });

  it('loads the shipped alerts/rules.yaml against the default configuration', async () => {
    const set = await loadRules(DEFAULT_RULES_DIR, ruleLimitsOf(loadConfig()));
    expect(set.files.map((f) => f.split('/').pop())).toEqual(['rules.yaml']);
    checkShipped(set.rules);
    // The taxonomy next to the rules comes with them: area rules judge its areas.
    expect(set.areas!.map((a) => a.id)).toEqual(expect.arrayContaining(FINAL_AREAS));
  });

  it('ships rules that validate against the final taxonomy ids', async () => {
    const taxonomy = `min_share: 0.3\nareas:\n${FINAL_AREAS.map((id) => `  - { id: ${id}, name: ${id} }`).join('\n')}\n`;
    const dir = rulesDir({ 'policies.yaml': taxonomy, 'rules.yaml': readFileSync(join(DEFAULT_RULES_DIR, 'rules.yaml'), 'utf8') });
    checkShipped((await loadRules(dir, ruleLimitsOf(loadConfig()))).rules);
  });
});

const FINAL_AREAS = [
  'sexual-content', 'child-safety', 'violent-extremism', 'hate-harassment', 'self-harm', 'weapons', 'malware', 'fraud',
  'platform-manipulation', 'captcha-evasion', 'scraping', 'privacy-surveillance', 'jailbreak', 'misinformation',
];

/** Every area (all traffic), every area of computer use (faster, critical), every leaf and parent (stricter), and emerging. */
function checkShipped(rules: readonly Rule[]): void {
  const byName = new Map(rules.map((r) => [r.name, r]));
  expect([...byName.keys()].sort()).toEqual(['computer-use-areas', 'emerging-clusters', 'policy-areas', 'topic-spike']);
  const areas = byName.get('policy-areas')!;
  expect(areas.match).toEqual({ policyAreas: null, clusterIds: null, levels: ['area'], product: null, language: null });
  expect(ruleAreas(areas, FINAL_AREAS)).toEqual(FINAL_AREAS);
  for (const grave of ['child-safety', 'weapons', 'violent-extremism']) expect(severityOf(areas, [grave])).toBe('critical');
  expect(severityOf(areas, ['scraping'])).toBe('warning');
  expect(areas.routing.groupBy).toContain('policy_area');
  const cu = byName.get('computer-use-areas')!;
  expect(cu).toMatchObject({ kind: 'spike', severity: 'critical', correction: 'bonferroni', channel: '#tns-computer-use', match: { product: 'computer-use', levels: ['area'], policyAreas: null } });
  expect(cu.windowSeconds).toBeLessThan(areas.windowSeconds);
  const topics = byName.get('topic-spike')!;
  expect(topics.match).toEqual({ policyAreas: null, clusterIds: null, levels: ['leaf', 'parent'], product: null, language: null });
  // Hundreds of clusters: a higher bar than the areas'.
  expect(topics.minRatio).toBeGreaterThan(areas.minRatio);
  expect(topics.significance).toBeLessThan(areas.significance);
  expect(byName.get('emerging-clusters')!.emerging).not.toBeNull();
  for (const rule of rules) expect(rule.minAccounts).toBeGreaterThanOrEqual(10);
}

describe('area rules', () => {
  const taxonomy = 'min_share: 0.3\nareas:\n  - { id: fraud, name: Fraud, description: Scams. }\n  - { id: weapons, name: Weapons }\n  - { id: malware, name: Malware }\n';

  it('watch every area of the taxonomy, or those listed, in taxonomy order', () => {
    expect(ruleAreas(ruleOf(oneRule('match: { levels: [area] }')), ['fraud', 'weapons', 'malware'])).toEqual(['fraud', 'weapons', 'malware']);
    expect(ruleAreas(ruleOf(oneRule('match: { levels: [area], policy_areas: [malware, fraud] }')), ['fraud', 'weapons', 'malware'])).toEqual(['fraud', 'malware']);
    // A rule without level area judges no area.
    expect(ruleAreas(ruleOf(oneRule()), ['fraud'])).toEqual([]);
  });

  it('take a severity per area; a cluster takes the gravest of its areas', () => {
    const rule = ruleOf(oneRule('severity: warning\narea_severity: { weapons: critical, fraud: info }'));
    expect(rule.areaSeverity).toEqual({ weapons: 'critical', fraud: 'info' });
    expect(severityOf(rule, ['weapons'])).toBe('critical');
    expect(severityOf(rule, ['fraud'])).toBe('info');
    expect(severityOf(rule, ['fraud', 'weapons'])).toBe('critical');
    expect(severityOf(rule, ['malware'])).toBe('warning');
    expect(severityOf(rule, [])).toBe('warning');
    // File defaults merge with the rule's own entries key by key.
    const layered = ruleOf('defaults:\n  area_severity: { weapons: critical }\n' + oneRule('area_severity: { fraud: info }'));
    expect(layered.areaSeverity).toEqual({ weapons: 'critical', fraud: 'info' });
  });

  it('refuse cluster ids with level area, an unknown severity and areas the taxonomy does not know', async () => {
    expect(errorOf(() => ruleOf(oneRule('match: { levels: [area], cluster_ids: [c-1] }'))).message).toMatch(/cluster_ids cannot be combined with level area/);
    expect(errorOf(() => ruleOf(oneRule('area_severity: { weapons: urgent }'))).message).toMatch(/area_severity/);
    expect(errorOf(() => ruleOf(oneRule('match: { levels: [areas] }'))).message).toMatch(/must be one of leaf, parent, area/);
    const dir = rulesDir({ 'policies.yaml': taxonomy, 'a.yaml': oneRule('area_severity: { weapon: critical }') });
    const error = await asyncErrorOf(loadRules(dir, limits));
    expect(error.message).toMatch(/area_severity: names "weapon", not in policies.yaml/);
  });

  it('carry the taxonomy next to the rules: ids, names and descriptions', async () => {
    const dir = rulesDir({ 'policies.yaml': taxonomy, 'a.yaml': oneRule('match: { levels: [area, leaf] }') });
    const set = await loadRules(dir, limits);
    expect(set.areas).toEqual([
      { id: 'fraud', name: 'Fraud', description: 'Scams.' },
      { id: 'weapons', name: 'Weapons', description: '' },
      { id: 'malware', name: 'Malware', description: '' },
    ]);
    expect(set.rules[0]!.match.levels).toEqual(['area', 'leaf']);
  });
});

describe('ruleMatches', () => {
  const leaf = { id: 'c-1', level: 'leaf' as const, policyAreas: ['fraud', 'scraping'] };
  const bare = ruleOf(oneRule());
  const withMatch = (match: string) => ruleOf(oneRule(`match: ${match}`));

  it('matches any cluster and product when the rule has no matchers', () => {
    expect(ruleMatches(bare, leaf, null)).toBe(true);
    expect(ruleMatches(bare, { id: 'c-2', level: 'parent', policyAreas: [] }, 'computer-use')).toBe(true);
  });

  it('matches policy areas when any area is shared', () => {
    expect(ruleMatches(withMatch('{ policy_areas: [malware, scraping] }'), leaf, null)).toBe(true);
    expect(ruleMatches(withMatch('{ policy_areas: [malware] }'), leaf, null)).toBe(false);
    expect(ruleMatches(withMatch('{ policy_areas: [malware] }'), { ...leaf, policyAreas: [] }, null)).toBe(false);
  });

  it('matches cluster ids', () => {
    expect(ruleMatches(withMatch('{ cluster_ids: [c-1, c-9] }'), leaf, null)).toBe(true);
    expect(ruleMatches(withMatch('{ cluster_ids: [c-9] }'), leaf, null)).toBe(false);
  });

  it('matches levels', () => {
    expect(ruleMatches(withMatch('{ levels: [parent] }'), leaf, null)).toBe(false);
    expect(ruleMatches(withMatch('{ levels: [parent] }'), { ...leaf, level: 'parent' }, null)).toBe(true);
    expect(ruleMatches(withMatch('{ levels: [leaf] }'), leaf, null)).toBe(true);
  });

  it('matches the product exactly; a product rule does not match traffic of unknown product', () => {
    const rule = withMatch('{ metadata: { product: computer-use } }');
    expect(ruleMatches(rule, leaf, 'computer-use')).toBe(true);
    expect(ruleMatches(rule, leaf, 'claude-ai')).toBe(false);
    expect(ruleMatches(rule, leaf, null)).toBe(false);
  });

  it('requires every matcher to hold', () => {
    const rule = withMatch('{ policy_areas: [fraud], cluster_ids: [c-1], levels: [leaf], metadata: { product: computer-use } }');
    expect(ruleMatches(rule, leaf, 'computer-use')).toBe(true);
    expect(ruleMatches(rule, { ...leaf, id: 'c-2' }, 'computer-use')).toBe(false);
    expect(ruleMatches(rule, { ...leaf, policyAreas: ['malware'] }, 'computer-use')).toBe(false);
  });
});
