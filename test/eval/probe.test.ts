import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emergenceProbe } from '../../src/detect/emergence.ts';
import type { RecentPoint } from '../../src/emerging/density-contrast.ts';
import { makeCanaries } from '../../src/eval/canary.ts';
import { attachProbe } from '../../src/eval/probe.ts';
import type { EvalStream, StreamConversation, StreamEvent } from '../../src/eval/stream.ts';
import { seededRandom } from '../../src/util/random.ts';
import { createIdHasher } from '../../src/privacy/account-hash.ts';

const H = 3_600_000;
const T0 = Date.parse('2026-11-02T00:00:00Z');
const SECRET = 'probe-test-secret-0123456789';
const events: StreamEvent[] = [
  { kind: 'emerging', name: 'pirates', labels: ['jb'], startMs: T0 + 10 * H, endMs: T0 + 20 * H, product: null, conversations: 30, accounts: 15 },
];

/** 30 conversations of the event (15 accounts, ids carrying a canary) and 30 ordinary ones, as the probe and the search see them. */
function world() {
  const canaries = makeCanaries(seededRandom(3), 4, 2);
  const canaryId = canaries.conversationIds[0]!;
  const hash = createIdHasher(SECRET, 'conversation');
  const conversations: StreamConversation[] = [];
  const window: RecentPoint[] = [];
  for (let i = 0; i < 60; i++) {
    const event = i < 30 ? 0 : null;
    const id = `${canaryId}-${i}`;
    const timeMs = T0 + 10 * H + i * 60_000;
    conversations.push({ conversation: { id, account_id: `${canaryId}-acc${i % 15}`, timestamp: new Date(timeMs).toISOString(), messages: [{ role: 'user', content: 'x' }] }, timeMs, event, canary: false });
    const vector = event === 0 ? [1, 0, 0] : [0, 1, 0];
    window.push({ idHash: hash(id).toString('hex'), accountHash: `acct-hash-${i % 15}`, eventTimeMs: timeMs, vector, terms: [], nearestClusterId: 'c-1', known: [0.1] });
  }
  const stream: EvalStream = { startMs: T0, endMs: T0 + 24 * H, catalogCutoffMs: T0, events, conversations, canaries, distinctTexts: 2 };
  return { stream, window, canaryId };
}

describe('eval probe of the emerging search', () => {
  it("reports per check how many of the event's conversations are in the window and clear the margin, figures only", () => {
    const { stream, window, canaryId } = world();
    const dir = mkdtempSync(join(tmpdir(), 'clio-probe-'));
    const lines: string[] = [];
    const detach = attachProbe(stream, SECRET, (l) => lines.push(l), { dumpFile: join(dir, 'dump.json') });
    try {
      const scores = Float64Array.from(window, (_, i) => (i < 30 ? 0.3 : i < 40 ? 0.05 : -0.1));
      emergenceProbe.onCheck!({ endMs: T0 + 11 * H, window, scores, margin: 0.12, neighbours: 10, minSimilarity: 0.65, linkNeighbours: 3, linkFloor: 0.25, groupContrast: 0.15, groups: 1 });
      // Not on the probe's cadence, or before the event: nothing.
      emergenceProbe.onCheck!({ endMs: T0 + 11 * H + 5 * 60_000, window, scores, margin: 0.12, neighbours: 10, minSimilarity: 0.65, linkNeighbours: 3, linkFloor: 0.25, groupContrast: 0.15, groups: 1 });
      emergenceProbe.onCheck!({ endMs: T0 + 9 * H, window, scores, margin: 0.12, neighbours: 10, minSimilarity: 0.65, linkNeighbours: 3, linkFloor: 0.25, groupContrast: 0.15, groups: 0 });
    } finally {
      detach();
    }
    expect(emergenceProbe.onCheck).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('+60m');
    expect(lines[0]).toContain('event 30 (15 acc)');
    expect(lines[0]).toContain('>0 30; >margin 30 (15 acc)');
    expect(lines[0]).toContain('best linked set 30 of 30 (15 acc, mean contrast 0.300 vs group_contrast 0.15)');
    // Figures only: no id, account or hash of any conversation.
    expect(lines[0]).not.toContain(canaryId);
    for (const p of window) {
      expect(lines[0]).not.toContain(p.idHash);
      expect(lines[0]).not.toContain(p.accountHash);
    }
    // The dump (kept-folder only, like the week beside it) holds each scored conversation once.
    expect(existsSync(join(dir, 'dump.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'dump.json'), 'utf8')).points).toHaveLength(60);
    rmSync(dir, { recursive: true, force: true });
  });
});
