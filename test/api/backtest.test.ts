import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/detect/backtest.ts';
import { idleBacktestWorkers } from '../../src/detect/backtest-pool.ts';
import { createLogger } from '../../src/log.ts';
import { IngestStore, type CountedConversation } from '../../src/store/ingest-store.ts';
import { findCanary } from '../helpers/canary.ts';
import { BUCKET, CLOSED, fixtureCatalog, fixtureRules, HOUR, SURGE_START, T0, useFedWorkbench } from './read-fixture.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** The rule in force, in the files' spelling, with one setting changed. */
function candidate(overrides: Record<string, unknown> = {}) {
  return {
    name: 'topic-rise-candidate', kind: 'spike', description: 'A topic grows (candidate).', match: { levels: ['leaf', 'parent'] },
    window: '1h', baseline: '1d', guard: '1h', seasonality: false, min_ratio: 2, keep_firing_for: 0, cooldown: '1h',
    routing: { group_wait: '0s', group_interval: '5m', repeat_interval: '1d', group_by: ['rule', 'cluster'] }, ...overrides,
  };
}

describe('POST /api/backtest', () => {
  const fixture = useFedWorkbench();
  const { bodies } = fixture;

  const post = async (body: unknown, role: 'viewer' | 'analyst' | null = 'analyst') => {
    const res = await fixture.wb.app.inject({ method: 'POST', url: '/api/backtest', payload: body as object, headers: role ? fixture.wb.as(role) : {} });
    bodies.push(res.body);
    return res;
  };
  const period = { from: iso(T0 + 12 * HOUR), to: iso(CLOSED) };

  it('needs an analyst: 401 without a token, 403 for a viewer', async () => {
    expect((await post({ rules: [candidate()] }, null)).statusCode).toBe(401);
    expect((await post({ rules: [candidate()] }, 'viewer')).statusCode).toBe(403);
  });

  it('gets the workers ready on the rule editor\'s word (analysts only), and the backtest after takes them', async () => {
    const prepare = async (role: 'viewer' | 'analyst', payload: object = {}) => {
      const res = await fixture.wb.app.inject({ method: 'POST', url: '/api/backtest/prepare', payload, headers: fixture.wb.as(role) });
      bodies.push(res.body);
      return res;
    };
    expect((await prepare('viewer')).statusCode).toBe(403);
    const res = await prepare('analyst');
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'preparing' });
    expect(idleBacktestWorkers()).toBe(2);
    // Twice is once: no more workers than a backtest takes. With a period, its counts are read ahead
    // too; the backtest right after waits for that read and starts from it.
    await prepare('analyst', period);
    expect(idleBacktestWorkers()).toBe(2);
    // A period that cannot be backtested is refused as the backtest refuses it.
    const reversed = await prepare('analyst', { from: period.to, to: period.from });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json()).toMatchObject({ error: 'invalid_request', details: [{ path: 'body/from' }] });
    const body = (await post({ rules: [candidate()], ...period })).json();
    expect(body.candidate.map((a: { cluster_id: string }) => a.cluster_id)).toEqual(['c-mid']);
    // Given back after the backtest, for the next one.
    expect(idleBacktestWorkers()).toBe(2);
  });

  it('answers what the candidate would have raised beside what the rules in force raise, by the detector over the stored counts', async () => {
    const res = await post({ rules: [candidate()], ...period });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ from: period.from, to: period.to, skipped: [], not_backtested: [] });
    expect(body.took_ms).toBeGreaterThanOrEqual(0);
    expect(body.candidate).toEqual([
      { rule: 'topic-rise-candidate', kind: 'spike', cluster_id: 'c-mid', cluster_name: 'Topic c-mid', subject: 'cluster', started_at: iso(SURGE_START), resolved_at: null, ratio: expect.any(Number) },
    ]);
    expect(body.current).toEqual([{ ...body.candidate[0], rule: 'topic-rise' }]);
    // The same as the backtest function over the same store (what test/detect proves equal to a replay).
    const direct = await backtest({
      db: fixture.db, catalog: fixtureCatalog(), rules: fixtureRules(), fromMs: T0 + 12 * HOUR, toMs: CLOSED, bucketMs: BUCKET, privacy: { minAccounts: 10, minConversations: 20 },
      policyAreas: [], logger: createLogger('silent'),
    });
    expect(body.current).toEqual(direct.alerts);
  });

  it('a stricter candidate raises nothing where the rules in force raise the surge', async () => {
    const body = (await post({ rules: [candidate({ min_ratio: 8 })], ...period })).json();
    expect(body.candidate).toEqual([]);
    expect(body.current.map((a: { cluster_id: string }) => a.cluster_id)).toEqual(['c-mid']);
  });

  it('takes a rule set; emerging rules are listed as skipped', async () => {
    const emerging = { name: 'new-things', kind: 'emerging', description: 'New patterns.', min_accounts: 10 };
    const body = (await post({ rules: [candidate({ name: 'a' }), candidate({ name: 'b', min_ratio: 8 }), emerging], ...period })).json();
    expect(body.skipped).toEqual(['new-things']);
    expect(body.not_backtested).toEqual([{ rule: 'new-things', set: 'candidate', kind: 'emerging', reason: expect.stringContaining('not over a backtest period') }]);
    expect(body.candidate.map((a: { rule: string }) => a.rule)).toEqual(['a']);
  });

  it('says which rules in force were not backtested, rather than leaving them out silently', async () => {
    fixture.wb.setRules(fixtureRules(`
  - name: new-patterns
    kind: emerging
    description: New patterns.
    min_accounts: 10
`));
    try {
      const body = (await post({ rules: [candidate()], ...period })).json();
      expect(body.skipped).toEqual([]);
      expect(body.not_backtested).toEqual([{ rule: 'new-patterns', set: 'current', kind: 'emerging', reason: expect.any(String) }]);
      expect(body.current.map((a: { rule: string }) => a.rule)).toEqual(['topic-rise']);
    } finally {
      fixture.wb.setRules(fixtureRules());
    }
  });

  it('refuses an invalid rule with the same validation as the rules files, and a bad period', async () => {
    const floor = await post({ rules: [candidate({ min_accounts: 2 })] });
    expect(floor.statusCode).toBe(400);
    expect(floor.json()).toMatchObject({ error: 'invalid_request', details: [{ path: 'rules[0].min_accounts', message: expect.stringContaining('privacy floor') }] });
    const unknownKey = await post({ rules: [candidate({ treshold: 3 })] });
    expect(unknownKey.statusCode).toBe(400);
    expect(unknownKey.json().details[0].path).toContain('treshold');
    expect((await post({ rules: [] })).statusCode).toBe(400);
    expect((await post({ rules: [candidate()], from: period.to, to: period.from })).statusCode).toBe(400);
    expect((await post({ rules: [candidate()], from: iso(T0 - 60 * 24 * HOUR), to: period.to })).statusCode).toBe(400);
  });

  it('is written to the access log, and no canary is in any answer', async () => {
    const rows = await fixture.db.query<{ principal: string; action: string; target: string }>("SELECT principal, action, target FROM access_log WHERE action = 'backtest.run'");
    expect(rows[0]).toEqual({ principal: 'analyst-token', action: 'backtest.run', target: 'topic-rise-candidate' });
    for (const body of bodies) expect(findCanary(body)).toBeUndefined();
  });

  it('sees counts stored since the last backtest (the counts it keeps are read again where they may have changed)', async () => {
    const body = { rules: [candidate()], ...period };
    const before = (await post(body)).json();
    expect(before.current.map((a: { cluster_id: string }) => a.cluster_id)).not.toContain('c-other');
    // A rise in c-other over the last two closed hours, from many accounts, stored after that backtest.
    const conversations: CountedConversation[] = [];
    let k = 0;
    for (let b = CLOSED - 2 * HOUR; b < CLOSED; b += BUCKET) {
      for (let i = 0; i < 12; i++, k++) {
        conversations.push({ idHash: `rise-${k}`, accountHash: `rise-acct-${k % 40}`, eventTimeMs: b + i * 20_000, clusterId: 'c-other', ancestorIds: ['p-1'], policyAreas: [], product: null, offset: BigInt(k) });
      }
    }
    await new IngestStore(fixture.db).applyChunk({ consumer: 'test-rise', topic: 't', partition: 0, nextOffset: BigInt(k), bucketMs: BUCKET, conversations, deadLetters: [] });
    const after = (await post(body)).json();
    expect(after.current.map((a: { cluster_id: string }) => a.cluster_id)).toContain('c-other');
    const direct = await backtest({
      db: fixture.db, catalog: fixtureCatalog(), rules: fixtureRules(), fromMs: T0 + 12 * HOUR, toMs: CLOSED, bucketMs: BUCKET, privacy: { minAccounts: 10, minConversations: 20 },
      policyAreas: [], logger: createLogger('silent'),
    });
    expect(after.current).toEqual(direct.alerts);
  });
});
