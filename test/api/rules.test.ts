import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/alerts/alert.ts';
import { createLogger } from '../../src/log.ts';
import { RulesInForce } from '../../src/detect/rules-in-force.ts';
import { ruleLimitsOf } from '../../src/rules/rules.ts';
import { openPostgres } from '../../src/store/postgres-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { waitFor } from '../helpers/cli.ts';
import { freshDatabase } from '../helpers/services.ts';
import { storeBackends } from '../helpers/stores.ts';
import { HOUR, RULES, recentMidnight, rulesDir, runningDetector } from './detector-fixture.ts';
import { openWorkbench, type Workbench } from './workbench-fixture.ts';

type Inject = Workbench['app']['inject'];

describe.each(storeBackends)('rules API (%s)', (_name, openBackend) => {
  let db: SqlClient;
  let cleanup: () => Promise<void>;
  let wb: Workbench;
  let dir: string;
  let inject: Inject;

  beforeEach(async () => {
    ({ db, cleanup } = await openBackend());
    dir = rulesDir();
    wb = await openWorkbench(db, { rulesDir: dir });
    inject = wb.app.inject.bind(wb.app) as Inject;
  }, 60_000);
  afterEach(async () => {
    await wb.close();
    await db.close();
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (name: string, rule: object, reason = 'tune for the launch') =>
    inject({ method: 'PUT', url: `/api/rules/${name}`, headers: wb.as('analyst'), payload: { rule, reason } });

  it('lists the files rules (version 0) in the files spelling, every setting explicit', async () => {
    const res = await inject({ url: '/api/rules', headers: wb.as('viewer') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ version: 0, source: 'files' });
    expect(body.rules.map((r: { name: string }) => r.name)).toEqual(['harm-spike', 'new-patterns']);
    const one = await inject({ url: '/api/rules/harm-spike', headers: wb.as('viewer') });
    expect(one.json()).toMatchObject({ name: 'harm-spike', kind: 'spike', min_ratio: 2, window: '1h', baseline: '1d', min_accounts: 10, match: { policy_areas: ['fraud'] } });
    expect((await inject({ url: '/api/rules/nope', headers: wb.as('viewer') })).statusCode).toBe(404);
    expect((await inject({ url: '/api/rules/history', headers: wb.as('viewer') })).json()).toEqual({ versions: [] });
  });

  it('an edit is a new version with author and reason, in force within seconds; the files it started from are version 1', async () => {
    const current = (await inject({ url: '/api/rules/harm-spike', headers: wb.as('analyst') })).json();
    const res = await put('harm-spike', { ...current, min_ratio: 5 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ version: 2 });
    const history = (await inject({ url: '/api/rules/history', headers: wb.as('viewer') })).json().versions;
    expect(history).toEqual([
      { version: 2, author: 'analyst-token', created_at: expect.any(String), reason: 'tune for the launch', rules: 2 },
      { version: 1, author: 'files', created_at: expect.any(String), reason: expect.stringContaining('alerts/'), rules: 2 },
    ]);
    expect((await inject({ url: '/api/rules', headers: wb.as('viewer') })).json()).toMatchObject({ version: 2, source: 'database' });
    expect((await inject({ url: '/api/rules/harm-spike', headers: wb.as('viewer') })).json().min_ratio).toBe(5);
    // The running process's rules (what the detector reads) follow within a poll.
    await waitFor(async () => (wb.rules.current().rules.find((r) => r.name === 'harm-spike')?.minRatio === 5 ? true : undefined), 'the edit in force', 5000, 50);
    expect(wb.rules.source()).toEqual({ version: 2, source: 'database' });

    // A new rule by name, with only the required keys: defaults apply as in a file.
    const added = await put('cooking-spike', { kind: 'spike', description: 'Cooking grows.', match: { cluster_ids: ['c-cook'] } }, 'watch cooking');
    expect(added.json()).toEqual({ version: 3 });
    await waitFor(async () => (wb.rules.current().rules.some((r) => r.name === 'cooking-spike') ? true : undefined), 'the new rule in force', 5000, 50);
    expect(wb.rules.current().rules.find((r) => r.name === 'cooking-spike')).toMatchObject({ windowSeconds: 3600, baselineSeconds: 7 * 86400, minRatio: 2 });
  });

  it('rejects invalid rules with the files validation (privacy floor included), with details, and writes nothing', async () => {
    const current = (await inject({ url: '/api/rules/harm-spike', headers: wb.as('analyst') })).json();
    const cases: Array<[object, string, RegExp]> = [
      [{ ...current, min_accounts: 3 }, 'rule.min_accounts', /privacy floor of 5/],
      [{ ...current, window: '7m' }, 'rule.window', /multiple/],
      [{ ...current, window: 'soon' }, 'rule.window', /duration/],
      [{ ...current, severity: 'apocalyptic' }, 'rule.severity', /one of info, warning, critical/],
      [{ ...current, thresholdd: 3 }, 'rule.thresholdd', /unknown key/],
      [{ ...current, baseline: '1h' }, 'rule.baseline', /at least two windows/],
    ];
    for (const [rule, path, message] of cases) {
      const res = await put('harm-spike', rule);
      expect(res.statusCode, JSON.stringify(rule)).toBe(400);
      const body = res.json();
      expect(body.error).toBe('invalid_request');
      expect(body.details).toEqual([{ path, message: expect.stringMatching(message) }]);
    }
    const renamed = await put('harm-spike', { ...current, name: 'other' });
    expect(renamed.statusCode).toBe(400);
    expect(renamed.json().details).toEqual([{ path: 'rule.name', message: expect.any(String) }]);
    // Whole set: duplicate names, and the path points into rules[].
    const dup = await inject({ method: 'PUT', url: '/api/rules', headers: wb.as('analyst'), payload: { rules: [current, current], reason: 'x' } });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().details).toEqual([{ path: 'rules[1].name', message: expect.stringMatching(/defined twice/) }]);
    const floor = await inject({ method: 'PUT', url: '/api/rules', headers: wb.as('analyst'), payload: { rules: [{ ...current, min_conversations: 2 }], reason: 'x' } });
    expect(floor.json().details).toEqual([{ path: 'rules[0].min_conversations', message: expect.stringMatching(/privacy floor of 10/) }]);
    // Body shape errors come from the route schema, with details too.
    const noReason = await inject({ method: 'PUT', url: '/api/rules/harm-spike', headers: wb.as('analyst'), payload: { rule: current } });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().details[0].path).toBe('body');
    expect((await inject({ url: '/api/rules/history', headers: wb.as('viewer') })).json()).toEqual({ versions: [] });
    expect(wb.rules.source()).toEqual({ version: 0, source: 'files' });
  });

  it('replaces the whole set, deletes a rule, and rolls back to any earlier version', async () => {
    const all = (await inject({ url: '/api/rules', headers: wb.as('analyst') })).json().rules as Array<Record<string, unknown>>;
    const v2 = await inject({ method: 'PUT', url: '/api/rules', headers: wb.as('analyst'), payload: { rules: all.map((r) => ({ ...r, severity: 'critical' })), reason: 'launch day' } });
    expect(v2.json()).toEqual({ version: 2 });
    const del = await inject({ method: 'DELETE', url: '/api/rules/new-patterns?reason=too%20noisy', headers: wb.as('analyst') });
    expect(del.json()).toEqual({ version: 3 });
    expect((await inject({ url: '/api/rules/new-patterns', headers: wb.as('viewer') })).statusCode).toBe(404);
    expect((await inject({ method: 'DELETE', url: '/api/rules/new-patterns?reason=again', headers: wb.as('analyst') })).statusCode).toBe(404);
    expect((await inject({ method: 'DELETE', url: '/api/rules/harm-spike', headers: wb.as('analyst') })).statusCode).toBe(400);
    await waitFor(async () => (wb.rules.current().rules.length === 1 ? true : undefined), 'the delete in force', 5000, 50);

    const back = await inject({ method: 'POST', url: '/api/rules/rollback', headers: wb.as('analyst'), payload: { version: 1, reason: 'launch over' } });
    expect(back.json()).toEqual({ version: 4 });
    const now = (await inject({ url: '/api/rules', headers: wb.as('viewer') })).json();
    expect(now.version).toBe(4);
    expect(now.rules).toEqual(all);
    await waitFor(async () => (wb.rules.current().rules.length === 2 && wb.rules.current().rules.every((r) => r.severity === 'warning') ? true : undefined), 'the rollback in force', 5000, 50);
    expect((await inject({ method: 'POST', url: '/api/rules/rollback', headers: wb.as('analyst'), payload: { version: 99, reason: 'x' } })).statusCode).toBe(404);
    const history = (await inject({ url: '/api/rules/history', headers: wb.as('viewer') })).json().versions;
    expect(history.map((v: { version: number; rules: number }) => `${v.version}:${v.rules}`)).toEqual(['4:2', '3:1', '2:2', '1:2']);

    // Writes are in the access log (route and rule name), never the rules or the reason.
    const log = await db.query<{ principal: string; action: string; target: string | null }>('SELECT principal, action, target FROM access_log ORDER BY id');
    expect(log).toEqual([
      { principal: 'analyst-token', action: 'rules.put', target: null },
      { principal: 'analyst-token', action: 'rules.delete', target: 'new-patterns' },
      { principal: 'analyst-token', action: 'rules.rollback', target: 'version 1' },
    ]);
    expect(JSON.stringify(await db.query('SELECT * FROM access_log'))).not.toMatch(/launch day|too noisy|critical|min_ratio/);
  });

  it('401 without a token and 403 for viewers on every write', async () => {
    const writes = [
      { method: 'PUT', url: '/api/rules', payload: { rules: [], reason: 'x' } },
      { method: 'PUT', url: '/api/rules/harm-spike', payload: { rule: {}, reason: 'x' } },
      { method: 'DELETE', url: '/api/rules/harm-spike?reason=x' },
      { method: 'POST', url: '/api/rules/rollback', payload: { version: 1, reason: 'x' } },
    ] as const;
    for (const route of writes) {
      expect((await inject({ ...route })).statusCode).toBe(401);
      expect((await inject({ ...route, headers: wb.as('viewer') })).statusCode).toBe(403);
    }
    for (const url of ['/api/rules', '/api/rules/harm-spike', '/api/rules/history']) {
      expect((await inject({ url })).statusCode).toBe(401);
      expect((await inject({ url, headers: wb.as('viewer') })).statusCode).toBe(200);
    }
    expect(await db.query('SELECT * FROM rule_versions')).toEqual([]);
  });

  it('files win until the first API version; after it, a file edit is logged and ignored (file hot reload still works before)', async () => {
    writeFileSync(join(dir, 'rules.yaml'), RULES.replace('min_ratio: 2', 'min_ratio: 3'));
    await waitFor(async () => (wb.rules.current().rules[0]!.minRatio === 3 ? true : undefined), 'the file edit in force', 5000, 50);
    const current = (await inject({ url: '/api/rules/harm-spike', headers: wb.as('analyst') })).json();
    expect(current.min_ratio).toBe(3);
    await put('harm-spike', { ...current, min_ratio: 4 });
    await waitFor(async () => (wb.rules.current().rules[0]!.minRatio === 4 ? true : undefined), 'the API edit in force', 5000, 50);
    writeFileSync(join(dir, 'rules.yaml'), RULES.replace('min_ratio: 2', 'min_ratio: 9'));
    await waitFor(async () => (wb.logs().includes('the database version stays in force') ? true : undefined), 'the ignored file edit reported', 5000, 50);
    expect(wb.rules.current().rules[0]!.minRatio).toBe(4);
    expect((await inject({ url: '/api/rules/harm-spike', headers: wb.as('viewer') })).json().min_ratio).toBe(4);
  });
});

describe('rule versions reach every instance', () => {
  it('leader and follower (two processes on one PostgreSQL) both put an edit in force within seconds', async () => {
    const fresh = await freshDatabase();
    const db = await openPostgres(fresh.url);
    const cleanup = fresh.drop;
    const dir = rulesDir();
    const wb = await openWorkbench(db, { rulesDir: dir });
    // A second instance: its own connection pool, its own RulesInForce at the default poll interval.
    const otherDb = await openPostgres(fresh.url);
    const follower = new RulesInForce({ dir, limits: ruleLimitsOf(wb.config), db: otherDb, logger: createLogger('silent'), pollMs: 2000 });
    try {
      await follower.start();
      const current = (await wb.app.inject({ url: '/api/rules/harm-spike', headers: wb.as('analyst') })).json();
      const startedAt = Date.now();
      await wb.app.inject({ method: 'PUT', url: '/api/rules/harm-spike', headers: wb.as('analyst'), payload: { rule: { ...current, min_ratio: 7 }, reason: 'stricter' } });
      await waitFor(async () => (follower.current().rules[0]!.minRatio === 7 && wb.rules.current().rules[0]!.minRatio === 7 ? true : undefined), 'both instances', 6000, 50);
      expect(Date.now() - startedAt).toBeLessThan(5000);
    } finally {
      follower.close();
      await otherDb.close();
      await wb.close();
      await db.close();
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a running detector follows rule edits made through the API', () => {
  it('a stricter threshold stops an alert at the next pass; a rollback brings it back', async () => {
    const [, openBackend] = storeBackends[0]!;
    const { db, cleanup } = await openBackend();
    const dir = rulesDir();
    const wb = await openWorkbench(db, { rulesDir: dir });
    try {
      const { advanceTo, traffic } = await runningDetector(db, () => wb.rules.current());
      const T0 = recentMidnight() - 24 * HOUR;
      const quiet = { 'c-fraud': 2, 'c-cook': 6, 'c-code': 6 };
      await traffic(T0, T0 + 24 * HOUR, quiet);
      expect(await advanceTo(T0 + 24 * HOUR)).toEqual([]);

      const current = (await wb.app.inject({ url: '/api/rules/harm-spike', headers: wb.as('analyst') })).json();
      const strict = await wb.app.inject({ method: 'PUT', url: '/api/rules/harm-spike', headers: wb.as('analyst'), payload: { rule: { ...current, min_ratio: 50 }, reason: 'too noisy' } });
      expect(strict.json()).toEqual({ version: 2 });
      await waitFor(async () => (wb.rules.current().rules[0]!.minRatio === 50 ? true : undefined), 'the stricter rule in force', 5000, 50);

      // Two hours at three times the usual fraud traffic: under the strict rule, the first window fires nothing.
      const spike = { ...quiet, 'c-fraud': 6 };
      const start = T0 + 24 * HOUR;
      await traffic(start, start + 2 * HOUR, spike);
      const strictPass = (await advanceTo(start + HOUR)).filter((n) => n.alert.kind === 'spike');
      expect(strictPass).toEqual([]);

      // Rolled back to the files' rules (version 1): the next window, the same surge, fires.
      const back = await wb.app.inject({ method: 'POST', url: '/api/rules/rollback', headers: wb.as('analyst'), payload: { version: 1, reason: 'back to the files' } });
      expect(back.json()).toEqual({ version: 3 });
      await waitFor(async () => (wb.rules.current().rules[0]!.minRatio === 2 ? true : undefined), 'the rollback in force', 5000, 50);
      const fired: Notification[] = (await advanceTo(start + 2 * HOUR)).filter((n) => n.alert.kind === 'spike');
      expect(fired.map((n) => n.alert.cluster.id)).toContain('c-fraud');
      expect(fired.every((n) => n.alert.rule === 'harm-spike')).toBe(true);
    } finally {
      await wb.close();
      await db.close();
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rules in the API spelling', () => {
  it('every shipped rule written back in the files spelling parses to the same rule', async () => {
    const { loadRules, DEFAULT_RULES_DIR, parseRuleDocument, toDocumentRule } = await import('../../src/rules/rules.ts');
    const { loadConfig } = await import('../../src/config/load.ts');
    const limits = ruleLimitsOf(loadConfig({}));
    const shipped = await loadRules(DEFAULT_RULES_DIR, limits);
    const again = parseRuleDocument({ rules: shipped.rules.map(toDocumentRule) }, 'api', limits, shipped.areas ?? null);
    expect(again.rules).toEqual(shipped.rules);
  });
});
