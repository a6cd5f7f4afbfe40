import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonlAlertLine } from '../../src/notify/jsonl-notifier.ts';
import { buildScenario } from '../../src/generate/scenario.ts';
import { runCli } from '../helpers/cli.ts';
import { kafkaBrokers } from '../helpers/services.ts';

describe('clio-stream demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-demo-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the synthetic week through the real broker: the spike and the new pattern alert in order, the launch and the decoy stay silent', async () => {
    const perDay = 700;
    const { code, output } = await runCli(['demo', '--per-day', String(perDay), '--out-dir', dir], { CLIO_KAFKA_BROKERS: kafkaBrokers().join(',') }, 900_000);
    expect(code, output).toBe(0);
    expect(output).toContain('through Kafka');

    const alerts = readFileSync(join(dir, 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JsonlAlertLine);
    const events = Object.fromEntries(buildScenario({ seed: 2026, conversationsPerDay: perDay }).events.map((e) => [e.kind, e]));
    const firedAt = (a: JsonlAlertLine) => Date.parse(a.alert.fired_at);

    // Nothing fires for the launch alone: no alert between the launch and the spike.
    expect(alerts.filter((a) => firedAt(a) >= events.launch!.startMs && firedAt(a) < events.spike!.startMs).map((a) => a.alert.cluster.name)).toEqual([]);
    // The spike alerts within two hours of its onset; the first alert of the spike period is a spike.
    const spike = alerts.find((a) => a.alert.kind === 'spike' && firedAt(a) >= events.spike!.startMs);
    expect(spike, output).toBeDefined();
    expect(firedAt(spike!) - events.spike!.startMs).toBeLessThanOrEqual(2 * 3_600_000);
    // The decoy (three accounts) never becomes an emerging cluster; the new pattern does, once, after its onset.
    const emerging = alerts.filter((a) => a.alert.kind === 'emerging');
    expect(emerging.length, output).toBeGreaterThanOrEqual(1);
    expect(emerging.every((a) => firedAt(a) >= events.emerging!.startMs)).toBe(true);
    expect(new Set(emerging.map((a) => a.alert.alert_id)).size).toBe(emerging.length);
    // In order: the spike's alert comes before the emerging one.
    expect(alerts.indexOf(spike!)).toBeLessThan(alerts.indexOf(emerging[0]!));
    expect(output).toMatch(/summary: \d+ conversations through Kafka/);
  }, 900_000);
});
