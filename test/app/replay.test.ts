import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAlert } from '../../src/alerts/alert.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { buildCatalog } from '../../src/app/catalog-build.ts';
import { loadPolicies } from '../../src/catalog/policies.ts';
import { LocalEmbedder } from '../../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { silentProgress } from '../../src/util/progress.ts';
import { CANARIES, canaryConversation, findCanary } from '../helpers/canary.ts';
import { runCli } from '../helpers/cli.ts';

const limits = { maxMessageBytes: 65_536, maxMessages: 50, maxBlockChars: 20_000 };

describe('clio-stream replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-replay-test-'));
  const catalogFile = join(dir, 'catalog.json');
  const input = join(dir, 'recorded.jsonl');
  let expected = 0;

  beforeAll(async () => {
    const baseline = join(dir, 'baseline.jsonl');
    writeFileSync(baseline, [...generateConversations({ count: 800, seed: 8, accounts: 200, targetBytes: 0, idPrefix: 'base' })].map((l) => JSON.stringify(l.conversation)).join('\n'));
    const embedder = await LocalEmbedder.start({ workers: 2 });
    try {
      await buildCatalog({
        input: baseline, out: catalogFile, clusters: 8, seed: 1, limits, minAccounts: 10, minConversations: 20, vocabularyK: 5, thresholdQuantile: 0.05,
        extractor: new LocalFacetExtractor(), embedder, auditor: new OfflineAuditor(), policies: loadPolicies(), progress: silentProgress,
      });
    } finally {
      await embedder.close();
    }
    // A recorded day, with a new pattern carrying personal data from 30 accounts in its evening, and one broken line.
    const lines = [...generateConversations({ count: 400, seed: 9, accounts: 100, targetBytes: 0, idPrefix: 'rec', startMs: Date.parse('2026-11-20T00:00:00Z'), spanMs: 20 * 3_600_000 })].map((l) => l.conversation);
    for (let i = 0; i < 30; i++) {
      const c = canaryConversation(new Date(Date.parse('2026-11-20T20:00:00Z') + i * 60_000).toISOString(), i);
      lines.push({ ...c, account_id: `${CANARIES.accountId}-${i}` });
    }
    lines.push(...[...generateConversations({ count: 30, seed: 10, accounts: 20, targetBytes: 0, idPrefix: 'late', startMs: Date.parse('2026-11-20T21:00:00Z'), spanMs: 3_600_000 })].map((l) => l.conversation));
    expected = lines.length;
    writeFileSync(input, `${lines.map((c) => JSON.stringify(c)).join('\n')}\n{"id": "broken"\n`);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays a recorded stream on its own clock: assignments per conversation, alerts as valid JSON lines, progress on stderr, no personal data', async () => {
    const alertsOut = join(dir, 'alerts.jsonl');
    const assignmentsOut = join(dir, 'assignments.jsonl');
    const db = join(dir, 'store');
    const { code, output } = await runCli(
      ['replay', '--input', input, '--catalog', catalogFile, '--alerts-out', alertsOut, '--assignments-out', assignmentsOut, '--db', db],
      { CLIO_LOG_LEVEL: 'debug' },
      600_000,
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(new RegExp(`replayed ${expected} conversations in [0-9.]+ s \\(\\d+/s\\); 1 invalid; \\d+ alert notification\\(s\\) written to`));

    const assignments = readFileSync(assignmentsOut, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(assignments).toHaveLength(expected);
    const leafIds = new Set(JSON.parse(readFileSync(catalogFile, 'utf8')).clusters.filter((c: { level: number }) => c.level === 0).map((c: { id: string }) => c.id));
    for (const a of assignments) {
      expect(Object.keys(a).sort()).toEqual(['cluster_id', 'id', 'novel', 'policy_areas', 'similarity']);
      expect(leafIds.has(a.cluster_id) || a.cluster_id.startsWith('emerging-'), a.cluster_id).toBe(true);
    }
    // The new pattern is novel against the catalog's known conversations.
    const canaryRows = assignments.filter((a) => a.id.startsWith(CANARIES.conversationId));
    expect(canaryRows.filter((a) => a.novel).length).toBeGreaterThanOrEqual(20);

    const alerts = readFileSync(alertsOut, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const emerging = alerts.filter((l) => l.alert.kind === 'emerging');
    expect(emerging, output).toHaveLength(1);
    for (const line of alerts) validateAlert(line.alert);
    expect(findCanary(readFileSync(alertsOut, 'utf8'))).toBeUndefined();
    expect(findCanary(output)).toBeUndefined();
    expect(existsSync(db)).toBe(true);
  }, 600_000);

  it('refuses a missing input or catalog with one clear line', async () => {
    const { code, output } = await runCli(['replay', '--input', join(dir, 'nope.jsonl'), '--catalog', catalogFile, '--alerts-out', join(dir, 'a.jsonl')], {}, 60_000);
    expect(code).toBe(2);
    expect(output).toContain(`--input ${join(dir, 'nope.jsonl')}: no such file or directory`);
    const missingFlag = await runCli(['replay', '--input', input, '--alerts-out', join(dir, 'a.jsonl')], {}, 60_000);
    expect(missingFlag.code).toBe(2);
    expect(missingFlag.output).toContain("required option '--catalog <catalog.json>' not specified");
  });
});
