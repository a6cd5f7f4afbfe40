import { describe, expect, it } from 'vitest';
import { findCanary } from '../helpers/canary.ts';
import { CLOSED, HOUR, useFedWorkbench } from './read-fixture.ts';

describe('GET /api/clusters and /api/overview', () => {
  const fixture = useFedWorkbench();
  const { bodies } = fixture;

  const get = async (url: string, role: 'viewer' | 'analyst' | null = 'viewer') => {
    const res = await fixture.wb.app.inject({ method: 'GET', url, headers: role ? fixture.wb.as(role) : {} });
    bodies.push(res.body);
    return res;
  };

  it('needs a token (401) and takes a viewer', async () => {
    expect((await get('/api/clusters', null)).statusCode).toBe(401);
    expect((await get('/api/clusters/c-mid', null)).statusCode).toBe(401);
    expect((await get('/api/overview', null)).statusCode).toBe(401);
    expect((await get('/api/clusters')).statusCode).toBe(200);
  });

  it('lists the tree with the current window; a cluster from 3 accounts only as part of "other"', async () => {
    const res = await get('/api/clusters');
    const body = res.json();
    expect(body.catalog_version).toBe(3);
    // The last closed hour of event time (the clock is at the last event, lateness 5 minutes).
    expect(body.window).toEqual({ start: new Date(CLOSED - HOUR).toISOString(), end: new Date(CLOSED).toISOString() });
    expect(body.minimums).toEqual({ conversations: 20, accounts: 10 });
    const ids = body.clusters.map((c: { id: string }) => c.id).sort();
    expect(ids).toEqual(['c-big', 'c-mid', 'c-other', 'p-1']);
    // Counted, never described; its 24 conversations from 3 accounts are not given even as the "other" total.
    expect(body.other).toEqual({ clusters: 1, conversations: null });

    const byId = Object.fromEntries(body.clusters.map((c: { id: string }) => [c.id, c]));
    expect(byId['p-1']).toMatchObject({ level: 'parent', parent_id: null, children: ['c-big', 'c-mid', 'c-other'], conversations: 12 * 36 });
    expect(byId['c-other']).toMatchObject({ level: 'leaf', parent_id: 'p-1', provisional: true, children: [], conversations: 24, accounts: 24 });
    expect(byId['c-big']).toMatchObject({ policy_areas: ['fraud'], conversations: 288, accounts: 200, name: 'Topic c-big', description: 'Requests about c-big.' });
    // c-mid surges ×4 from new accounts: its share and ratio show it, and its alert is its last alert.
    const mid = byId['c-mid'];
    expect(mid).toMatchObject({ conversations: 96, accounts: 96 });
    expect(mid.share).toBeCloseTo(8 / 36, 4);
    // Expected: its share over the rule's trailing day before the guard band (before the surge).
    expect(mid.expected_share).toBeCloseTo(2 / 30, 5);
    expect(mid.ratio).toBeGreaterThan(2.5);
    expect(mid.last_alert).toMatchObject({ rule: 'topic-rise', state: 'firing' });
    expect(byId['c-big'].ratio).toBeLessThan(1);
    // Sparklines: 24 buckets of share; a bucket under the minimums is null, never a small share.
    expect(mid.sparkline).toHaveLength(24);
    expect(byId['c-other'].sparkline.every((s: number | null) => s === null)).toBe(true); // 2 conversations per bucket < 20
    expect(byId['p-1'].sparkline.every((s: number | null) => typeof s === 'number' && s > 0)).toBe(true);
    expect(byId['c-big'].sparkline.at(-1)).toBeCloseTo(24 / 36, 5);
  });

  it('searches by name, description or id', async () => {
    const body = (await get('/api/clusters?q=C-MID')).json();
    expect(body.clusters.map((c: { id: string }) => c.id)).toEqual(['c-mid']);
    expect((await get('/api/clusters?q=small')).json().clusters).toEqual([]);
  });

  it('answers one cluster, and 404 alike for an unknown one and one under the minimums', async () => {
    const mid = await get('/api/clusters/c-mid');
    expect(mid.statusCode).toBe(200);
    expect(mid.json()).toMatchObject({ id: 'c-mid', parent_id: 'p-1' });
    const small = await get('/api/clusters/c-small');
    const unknown = await get('/api/clusters/nope');
    expect(small.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(small.json()).toEqual(unknown.json());
  });

  it('the overview: traffic, alerts firing and the top movers by ratio', async () => {
    const res = await get('/api/overview');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ conversations: 12 * 36, accounts_min_ok: true, window: { end: new Date(CLOSED).toISOString() } });
    expect(body.alerts_firing).toBeGreaterThanOrEqual(1);
    expect(body.top_movers[0].id).toBe('c-mid');
    expect(body.top_movers.map((r: { id: string }) => r.id)).not.toContain('c-small');
  });

  it('no canary and no trace of the small cluster in any answer', () => {
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) {
      expect(findCanary(body)).toBeUndefined();
      expect(body).not.toContain('c-small"');
      expect(body).not.toContain('Topic c-small');
    }
  });
});
