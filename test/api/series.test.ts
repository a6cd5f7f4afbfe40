import { describe, expect, it } from 'vitest';
import { findCanary } from '../helpers/canary.ts';
import { BUCKET, CLOSED, HOUR, SURGE_START, T0, useFedWorkbench } from './read-fixture.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('GET /api/clusters/:id/series', () => {
  const fixture = useFedWorkbench();
  const { bodies } = fixture;

  const get = async (url: string, role: 'viewer' | 'admin' | null = 'viewer') => {
    const res = await fixture.wb.app.inject({ method: 'GET', url, headers: role ? fixture.wb.as(role) : {} });
    bodies.push(res.body);
    return res;
  };

  it('needs a token', async () => {
    expect((await get('/api/clusters/c-mid/series', null)).statusCode).toBe(401);
  });

  it('gives hourly counts, distinct accounts, share and the expected share with its band, and the alerts as markers', async () => {
    const from = SURGE_START - 3 * HOUR;
    const res = await get(`/api/clusters/c-mid/series?from=${iso(from)}&to=${iso(SURGE_START + 2 * HOUR)}&step=1h`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.cluster_id).toBe('c-mid');
    expect(body.step_seconds).toBe(3600);
    expect(body.points.map((p: { t: string }) => p.t)).toEqual([0, 1, 2, 3, 4].map((h) => iso(from + h * HOUR)));
    const [quiet, , , surge1, surge2] = body.points;
    // Before the surge: 2 per bucket from a rotation of 30 accounts → 24 conversations, 24 distinct accounts an hour.
    expect(quiet).toMatchObject({ conversations: 24, accounts: 24, suppressed: false });
    expect(quiet.share).toBeCloseTo(2 / 30, 5);
    expect(quiet.expected).toBeCloseTo(2 / 30, 5);
    expect(quiet.lower).toBeLessThan(quiet.expected);
    expect(quiet.upper).toBeGreaterThan(quiet.expected);
    // The surge: 96 conversations from 96 new accounts, far above the band.
    expect(surge1).toMatchObject({ conversations: 96, accounts: 96, suppressed: false });
    expect(surge1.share).toBeCloseTo(8 / 36, 5);
    expect(surge1.share).toBeGreaterThan(surge1.upper);
    expect(surge2.conversations).toBe(96);
    expect(body.alerts).toEqual([{ id: `topic-rise/c-mid/${iso(SURGE_START).replace('.000Z', 'Z')}`, rule: 'topic-rise', kind: 'spike', state: 'firing', at: iso(SURGE_START) }]);
  });

  it('defaults to the counting bucket over the last day; a bucket under the minimums is suppressed, never a small number', async () => {
    const body = (await get('/api/clusters/c-mid/series')).json();
    expect(body.step_seconds).toBe(BUCKET / 1000);
    expect(body.points).toHaveLength(288);
    expect(body.points.at(-1).t).toBe(iso(CLOSED - BUCKET));
    // 2 (then 8) conversations per 5-minute bucket: under 20, every point is suppressed.
    for (const p of body.points) expect(p).toEqual({ t: p.t, conversations: null, accounts: null, share: null, expected: null, lower: null, upper: null, suppressed: true });
  });

  it('a cluster whose conversations come from 3 accounts is never shown, at any step', async () => {
    for (const step of ['5m', '1h', '1d']) {
      const res = await get(`/api/clusters/c-small/series?from=${iso(T0)}&to=${iso(T0 + 26 * HOUR)}&step=${step}`);
      expect(res.statusCode).toBe(200);
      const points = res.json().points as Array<{ suppressed: boolean; conversations: number | null; accounts: number | null; share: number | null; expected: number | null }>;
      expect(points.length).toBeGreaterThan(0);
      for (const p of points) {
        expect(p.suppressed).toBe(true);
        expect([p.conversations, p.accounts, p.share, p.expected]).toEqual([null, null, null, null]);
      }
    }
  });

  it('refuses a step finer than the bucket, too many points, a reversed span, and answers 404 for an unknown cluster', async () => {
    expect((await get('/api/clusters/c-mid/series?step=1m')).statusCode).toBe(400);
    const tooMany = await get(`/api/clusters/c-mid/series?from=${iso(T0 - 30 * 24 * HOUR)}&to=${iso(T0)}&step=5m`);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({ error: 'invalid_request' });
    expect((await get(`/api/clusters/c-mid/series?from=${iso(T0 + HOUR)}&to=${iso(T0)}`)).statusCode).toBe(400);
    expect((await get('/api/clusters/nope/series')).statusCode).toBe(404);
  });

  it('writes every series read to the access log (who, what, which cluster), never a body', async () => {
    const before = await fixture.db.query<{ n: string | number }>("SELECT count(*) AS n FROM access_log WHERE action = 'series.read'");
    await get(`/api/clusters/p-1/series?step=1h`, 'admin');
    const rows = await fixture.db.query<{ principal: string; role: string; action: string; target: string }>(
      "SELECT principal, role, action, target FROM access_log WHERE action = 'series.read' ORDER BY id",
    );
    expect(rows.length).toBe(Number(before[0]!.n) + 1);
    expect(rows.at(-1)).toEqual({ principal: 'admin-token', role: 'admin', action: 'series.read', target: 'p-1' });
    expect(rows.map((r) => r.target)).toEqual(expect.arrayContaining(['c-mid', 'c-small']));
    expect(findCanary(JSON.stringify(await fixture.db.query('SELECT * FROM access_log')))).toBeUndefined();
  });

  it('no canary in any answer', () => {
    expect(bodies.length).toBeGreaterThan(8);
    for (const body of bodies) expect(findCanary(body)).toBeUndefined();
  });
});
