import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.ts';
import { toRuleSilence } from '../../src/detect/rules-in-force.ts';
import { isSilenced } from '../../src/route/silences.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { waitFor } from '../helpers/cli.ts';
import { storeBackends } from '../helpers/stores.ts';
import { HOUR, RULES, recentMidnight, rulesDir, runningDetector } from './detector-fixture.ts';
import { openWorkbench, type Workbench } from './workbench-fixture.ts';

type Inject = Workbench['app']['inject'];

describe.each(storeBackends)('silences API (%s)', (_name, openBackend) => {
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

  const create = (payload: object, role: 'analyst' | 'viewer' = 'analyst') => inject({ method: 'POST', url: '/api/silences', headers: wb.as(role), payload });

  it('creates a silence (author from the token), lists it as active, expires it into the expired list', async () => {
    const endsAt = new Date(Date.now() + 2 * HOUR).toISOString();
    const res = await create({ matchers: { rule: 'harm-spike', cluster_id: 'c-fraud' }, ends_at: endsAt, comment: 'known launch traffic' });
    expect(res.statusCode).toBe(201);
    const silence = res.json();
    expect(silence).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), matchers: { rule: 'harm-spike', cluster_id: 'c-fraud' }, starts_at: expect.any(String), ends_at: endsAt,
      author: 'analyst-token', comment: 'known launch traffic',
    });
    expect(Math.abs(Date.parse(silence.starts_at) - Date.now())).toBeLessThan(60_000);
    expect((await inject({ url: '/api/silences', headers: wb.as('viewer') })).json()).toEqual({ active: [silence], expired: [] });
    await waitFor(async () => (wb.rules.current().silences.some((s) => s.id === `api:${silence.id}`) ? true : undefined), 'the silence in force', 5000, 50);

    const del = await inject({ method: 'DELETE', url: `/api/silences/${silence.id}`, headers: wb.as('analyst') });
    expect(del.json()).toEqual({ id: silence.id, expired: true });
    const listed = (await inject({ url: '/api/silences', headers: wb.as('viewer') })).json();
    expect(listed.active).toEqual([]);
    expect(listed.expired).toEqual([{ ...silence, ends_at: expect.any(String) }]);
    expect(Date.parse(listed.expired[0].ends_at)).toBeLessThanOrEqual(Date.now());
    expect((await inject({ method: 'DELETE', url: '/api/silences/no-such-id', headers: wb.as('analyst') })).statusCode).toBe(404);

    const log = await db.query<{ principal: string; action: string; target: string }>('SELECT principal, action, target FROM access_log ORDER BY id');
    expect(log).toEqual([
      { principal: 'analyst-token', action: 'silences.create', target: silence.id },
      { principal: 'analyst-token', action: 'silences.expire', target: silence.id },
    ]);
    expect(JSON.stringify(await db.query('SELECT * FROM access_log'))).not.toContain('known launch traffic');
  });

  it('validates matchers, times and comment as a rules file silence, with details', async () => {
    const endsAt = new Date(Date.now() + HOUR).toISOString();
    const cases: Array<[object, string, RegExp]> = [
      [{ matchers: {}, ends_at: endsAt, comment: 'x' }, 'matchers', /at least one of rule, cluster_id, policy_area, severity/],
      [{ matchers: { rule: 'Bad Name' }, ends_at: endsAt, comment: 'x' }, 'matchers.rule', /rule name/],
      [{ matchers: { colour: 'red' }, ends_at: endsAt, comment: 'x' }, 'matchers.colour', /unknown key/],
      [{ matchers: { severity: 'fatal' }, ends_at: endsAt, comment: 'x' }, 'matchers.severity', /one of info, warning, critical/],
      [{ matchers: { rule: 'harm-spike' }, ends_at: 'tomorrow', comment: 'x' }, 'ends_at', /RFC 3339/],
      [{ matchers: { rule: 'harm-spike' }, ends_at: endsAt, comment: '' }, 'comment', /fewer than 1|at least 1|must NOT have fewer/],
      [{ matchers: { rule: 'harm-spike' }, ends_at: new Date(Date.now() - HOUR).toISOString(), comment: 'x' }, 'ends_at', /after starts_at/],
      [{ matchers: { rule: 'harm-spike' }, starts_at: 'soon', ends_at: endsAt, comment: 'x' }, 'starts_at', /RFC 3339/],
    ];
    for (const [payload, path, message] of cases) {
      const res = await create(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().details).toEqual([{ path, message: expect.stringMatching(message) }]);
    }
    expect((await inject({ url: '/api/silences', headers: wb.as('viewer') })).json()).toEqual({ active: [], expired: [] });
  });

  it('401 without a token, 403 for viewers on writes', async () => {
    const payload = { matchers: { rule: 'harm-spike' }, ends_at: new Date(Date.now() + HOUR).toISOString(), comment: 'x' };
    expect((await inject({ method: 'POST', url: '/api/silences', payload })).statusCode).toBe(401);
    expect((await create(payload, 'viewer')).statusCode).toBe(403);
    expect((await inject({ method: 'DELETE', url: '/api/silences/x' })).statusCode).toBe(401);
    expect((await inject({ method: 'DELETE', url: '/api/silences/x', headers: wb.as('viewer') })).statusCode).toBe(403);
    expect((await inject({ url: '/api/silences' })).statusCode).toBe(401);
    expect((await inject({ method: 'POST', url: '/api/silences', headers: wb.as('investigator'), payload })).statusCode).toBe(201);
  });
});

describe('an API silence in the router', () => {
  const alert = { rule: 'harm-spike', severity: 'warning', cluster: { id: 'c-fraud', policy_areas: ['fraud'] } } as unknown as Alert;
  const base = { id: 's', matchers: { clusterId: 'c-fraud' }, author: 'a', comment: 'c' };

  it('a silence made now mutes from the start of event time; one scheduled ahead mutes from its start', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const immediate = toRuleSilence({ ...base, createdAtMs: now, startsAtMs: now, endsAtMs: now + HOUR });
    expect(isSilenced(alert, [immediate], now - 10 * 60_000)).toBe(true);
    expect(isSilenced(alert, [immediate], now + HOUR)).toBe(false);
    const scheduled = toRuleSilence({ ...base, createdAtMs: now, startsAtMs: now + HOUR, endsAtMs: now + 2 * HOUR });
    expect(isSilenced(alert, [scheduled], now)).toBe(false);
    expect(isSilenced(alert, [scheduled], now + HOUR + 1)).toBe(true);
  });

  it('mutes a live alert of a running detector: the silenced cluster sends nothing, the other one fires', async () => {
    const [, openBackend] = storeBackends[0]!;
    const { db, cleanup } = await openBackend();
    // A second rule, judged on its own, is the control: its alert is not silenced.
    const dir = rulesDir(`${RULES}
  - name: cook-spike
    kind: spike
    description: Cooking grows.
    match: { cluster_ids: [c-cook], levels: [leaf] }
    window: 1h
    baseline: 1d
    guard: 1h
    seasonality: false
    keep_firing_for: 0
    routing: { group_wait: 0s, group_by: [rule, cluster] }
`);
    const wb = await openWorkbench(db, { rulesDir: dir });
    try {
      const { advanceTo, traffic } = await runningDetector(db, () => wb.rules.current());
      const T0 = recentMidnight() - 24 * HOUR;
      const quiet = { 'c-fraud': 2, 'c-cook': 2, 'c-code': 40 };
      await traffic(T0, T0 + 24 * HOUR, quiet);
      expect(await advanceTo(T0 + 24 * HOUR)).toEqual([]);

      const res = await wb.app.inject({
        method: 'POST', url: '/api/silences', headers: wb.as('analyst'),
        payload: { matchers: { rule: 'harm-spike', cluster_id: 'c-fraud' }, ends_at: new Date(Date.now() + 6 * HOUR).toISOString(), comment: 'expected launch surge' },
      });
      expect(res.statusCode).toBe(201);
      await waitFor(async () => (wb.rules.current().silences.length === 1 ? true : undefined), 'the silence in force', 5000, 50);

      // Fraud and cooking both surge: the silenced fraud alert sends nothing, the cooking one is notified.
      const start = T0 + 24 * HOUR;
      await traffic(start, start + HOUR, { ...quiet, 'c-fraud': 10, 'c-cook': 10 });
      const sent = (await advanceTo(start + HOUR)).filter((n) => n.alert.kind === 'spike');
      expect(sent.map((n) => `${n.alert.rule}/${n.alert.cluster.id}`)).toEqual(['cook-spike/c-cook']);
      // The silenced alert is live (firing in the router), only its notification is held back.
      const [row] = await db.query<{ state: unknown }>("SELECT state FROM detector_state WHERE name = 'detector'");
      const state = (typeof row!.state === 'string' ? JSON.parse(row!.state) : row!.state) as { router: { groups: Array<{ alerts: Array<{ alert: { cluster: { id: string } }; status: string; sent: number }> }> } };
      const held = state.router.groups.flatMap((g) => g.alerts).find((a) => a.alert.cluster.id === 'c-fraud');
      expect(held).toMatchObject({ status: 'firing', sent: 0 });
    } finally {
      await wb.close();
      await db.close();
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
