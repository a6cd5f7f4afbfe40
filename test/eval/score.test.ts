import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.ts';
import { makeCanaries } from '../../src/eval/canary.ts';
import { seededRandom } from '../../src/util/random.ts';
import { scoreRun, type AssignmentRow } from '../../src/eval/score.ts';
import type { EvalStream, StreamConversation, StreamEvent } from '../../src/eval/stream.ts';

const H = 3_600_000;
const T0 = Date.parse('2026-11-02T00:00:00Z');
const at = (h: number) => T0 + h * H;
const iso = (ms: number) => new Date(ms).toISOString();

const events: StreamEvent[] = [
  { kind: 'launch', name: 'launch', labels: ['*'], startMs: at(33), endMs: at(96), product: null, conversations: 0, accounts: 0 },
  { kind: 'spike', name: 'fraud up', labels: ['fraud'], startMs: at(58), endMs: at(64), product: null, conversations: 30, accounts: 20 },
  { kind: 'emerging', name: 'pirates', labels: ['jb'], startMs: at(80), endMs: at(90), product: null, conversations: 20, accounts: 15 },
  { kind: 'decoy', name: 'decoy', labels: ['weapons'], startMs: at(67), endMs: at(70), product: null, conversations: 12, accounts: 3 },
];

const conversations: StreamConversation[] = [];
const assignments = new Map<string, AssignmentRow>();
function add(n: number, fromH: number, event: number | null, row: AssignmentRow, product = 'claude-ai') {
  for (let i = 0; i < n; i++) {
    const id = `c${conversations.length}`;
    const timeMs = at(fromH) + i * 60_000;
    conversations.push({ conversation: { id, account_id: `a${i}`, timestamp: iso(timeMs), messages: [{ role: 'user', content: 'x' }], metadata: { product } }, timeMs, event, canary: false });
    assignments.set(id, row);
  }
}
// During the spike hour: 30 fraud conversations of the spike (leaf L1 under parent P1, area fraud), 20 ordinary ones in the same area.
add(30, 58, 1, { cluster: 'L1', areas: ['fraud'], novel: false });
add(20, 58, null, { cluster: 'L2', areas: ['fraud'], novel: false }, 'computer-use');
// Ordinary traffic elsewhere during the launch.
add(40, 40, null, { cluster: 'L3', areas: [], novel: false });
// The decoy, then the emerging pattern (later assigned to provisional cluster prov-1, with 5 strays).
add(12, 67, 3, { cluster: 'prov-0', areas: [], novel: true });
add(20, 81, 2, { cluster: 'prov-1', areas: ['jailbreak'], novel: false });
add(5, 81, null, { cluster: 'prov-1', areas: [], novel: false });
// Long after its alert, the new cluster takes ordinary traffic: not the group that was found.
add(30, 94, null, { cluster: 'prov-1', areas: [], novel: false });

const stream: EvalStream = { startMs: T0, endMs: at(96), catalogCutoffMs: at(24), events, conversations, canaries: makeCanaries(seededRandom(1), 0, 1), distinctTexts: 1 };
const ancestors = new Map([['L1', ['P1']], ['L2', ['P1']], ['L3', ['P2']]]);

function alert(id: string, kind: Alert['kind'], cluster: string, firedH: number, windowH: [number, number], rule = 'policy-spike'): Alert {
  return {
    alert_id: id, kind, rule, severity: 'warning', cluster: { id: cluster, name: 'n', description: 'd', policy_areas: [], parent: null },
    window: { start: iso(at(windowH[0])), end: iso(at(windowH[1])) }, observed: { conversations: 1, unique_accounts: 1, share: 0 }, baseline: { conversations: 1, share: 0 },
    ratio: 2, score: { method: 'x', value: 1 }, fired_at: iso(at(firedH)),
  };
}
const score = (alerts: Alert[], ruleProducts = new Map<string, string | null>()) => scoreRun({ stream, alerts, assignments, ancestors, ruleProducts, minShare: 0.25, emergingMajority: 0.5 });

describe('eval scoring', () => {
  it('matches a spike alert on an area series, with delay from onset and purity in the alert window', () => {
    const r = score([alert('s1', 'spike', 'area:fraud', 59, [58, 59])]);
    expect(r.events[0]).toMatchObject({ name: 'fraud up', kind: 'spike', detected: true, delayMinutes: 60, purity: 0.6, alerts: 1 });
    expect(r.falseAlerts).toBe(0);
  });

  it('counts a parent alert through its leaves, and restricts to the rule’s product', () => {
    expect(score([alert('s2', 'spike', 'P1', 58.5, [58, 59])]).events[0]).toMatchObject({ detected: true, delayMinutes: 30, purity: 0.6 });
    // The computer-use rule sees only the 20 ordinary computer-use conversations: no match, a false alert.
    const r = score([alert('s3', 'spike', 'area:fraud', 59, [58, 59], 'cu')], new Map([['cu', 'computer-use']]));
    expect(r.events[0]!.detected).toBe(false);
    expect(r.falseAlerts).toBe(1);
  });

  it('does not match a spike alert before the onset, or long after the end', () => {
    expect(score([alert('s4', 'spike', 'area:fraud', 57, [56, 57])]).events[0]!.detected).toBe(false);
    expect(score([alert('s5', 'spike', 'area:fraud', 70, [58, 59])]).events[0]!.detected).toBe(false);
  });

  it('matches an emerging alert by the members of its new cluster within the rule horizon', () => {
    const r = score([alert('e1', 'emerging', 'prov-1', 82, [80, 82])]);
    expect(r.events[1]).toMatchObject({ name: 'pirates', detected: true, delayMinutes: 120, purity: 0.8 });
    // With a 20-hour horizon the later ordinary traffic counts too, and the group is no longer the pattern's.
    const long = scoreRun({ stream, alerts: [alert('e1', 'emerging', 'prov-1', 82, [80, 82])], assignments, ancestors, ruleProducts: new Map(), ruleHorizons: new Map([['policy-spike', 20 * H]]), minShare: 0.25, emergingMajority: 0.5 });
    expect(long.events[1]!.detected).toBe(false);
  });

  it('counts alerts about the decoy, during the launch, or about nothing as false; once per episode', () => {
    const r = score([
      alert('d1', 'emerging', 'prov-0', 69, [67, 69]),
      alert('f1', 'spike', 'L3', 41, [40, 41]),
      { ...alert('f1', 'spike', 'L3', 45, [44, 45]) }, // a repeat of the same episode
      { ...alert('f1', 'resolved', 'L3', 46, [45, 46]) },
    ]);
    // Only f1 fired during the launch alone (before the spike's onset).
    expect(r).toMatchObject({ alerts: 2, falseAlerts: 2, decoyAlerts: 1, launchAlerts: 1 });
    expect(r.falseAlertsPerDay).toBe(0.5);
    // Each episode once, in firing order, with what it was about: ids and figures only.
    expect(r.verdicts).toEqual([
      { kind: 'spike', rule: 'policy-spike', subject: 'L3', firedMinute: 41 * 60, verdict: 'false', event: null, share: null },
      { kind: 'emerging', rule: 'policy-spike', subject: 'prov-0', firedMinute: 69 * 60, verdict: 'decoy', event: 'decoy', share: 1 },
    ]);
  });

  it('names the event a false alert came closest to, and marks matched and related episodes', () => {
    // The spike's leaf alone is 30 of 50 in the area's hour; a window before the onset holds none of it.
    const early = score([alert('s7', 'spike', 'P1', 64.5, [63.5, 64.5]), alert('s8', 'spike', 'area:fraud', 59, [58, 59]), alert('s9', 'spike', 'area:jailbreak', 82, [81, 82])]);
    expect(early.verdicts.map((v) => [v.subject, v.verdict, v.event, v.share])).toEqual([
      ['area:fraud', 'event', 'fraud up', 0.6],
      ['P1', 'false', null, null],
      ['area:jailbreak', 'related', 'pirates', 1],
    ]);
    // An emerging group of 20 pattern and 5 stray members, fired before the pattern's onset: false, yet closest to it.
    const before = score([alert('e2', 'emerging', 'prov-1', 79, [78, 79])]);
    expect(before.verdicts[0]).toMatchObject({ verdict: 'false', event: 'pirates', share: 0.8 });
  });

  it('counts a spike alert about an emerging pattern as related, not false', () => {
    const r = score([alert('s6', 'spike', 'area:jailbreak', 82, [81, 82])]);
    expect(r.falseAlerts).toBe(0);
    expect(r.events[1]).toMatchObject({ detected: false, related: 1 });
  });

  it('reads an area subject (subject: policy_area) restricted to its rule’s product', () => {
    const a = { ...alert('s7', 'spike', 'area:fraud', 59, [58, 59], 'chat-areas'), subject: 'policy_area' } as Alert;
    expect(score([a], new Map([['chat-areas', 'claude-ai']])).events[0]).toMatchObject({ detected: true, purity: 1 });
  });
});
