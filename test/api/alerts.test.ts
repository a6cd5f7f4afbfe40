import { describe, expect, it } from 'vitest';
import { findCanary } from '../helpers/canary.ts';
import { fixtureRules, HOUR, SURGE_START, T0, useFedWorkbench } from './read-fixture.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('GET /api/alerts', () => {
  const fixture = useFedWorkbench(async (db) => {
    // An earlier episode, notified and resolved (as the outbox holds it), to list beside the live one.
    await db.query(
      `INSERT INTO alert_outbox (id, alert_id, payload) VALUES ($1, $2, $3::jsonb), ($4, $2, $5::jsonb)`,
      [
        'topic-rise/c-big/2026-11-20T03:00:00Z:firing:1', 'topic-rise/c-big/2026-11-20T03:00:00Z',
        JSON.stringify(notification('spike', T0 + 4 * HOUR)), 'topic-rise/c-big/2026-11-20T03:00:00Z:resolved', JSON.stringify(notification('resolved', T0 + 6 * HOUR)),
      ],
    );
  });
  const { bodies } = fixture;

  function notification(kind: 'spike' | 'resolved', firedAtMs: number) {
    return {
      id: `topic-rise/c-big/2026-11-20T03:00:00Z:${kind === 'spike' ? 'firing:1' : 'resolved'}`, channel: null, series: [1, 2], update: kind === 'resolved',
      alert: {
        alert_id: 'topic-rise/c-big/2026-11-20T03:00:00Z', kind, rule: 'topic-rise', severity: 'warning', subject: 'cluster',
        cluster: { id: 'c-big', name: 'Topic c-big', description: 'Requests about c-big.', policy_areas: ['fraud'], parent: { id: 'p-1', name: 'Topic group one' } },
        window: { start: iso(T0 + 3 * HOUR), end: iso(T0 + 4 * HOUR) }, observed: { conversations: 500, unique_accounts: 150, share: 0.9 },
        baseline: { conversations: 200, share: 0.8 }, ratio: 2.5, score: { method: 'binomial-share', value: 9 }, fired_at: iso(firedAtMs),
      },
    };
  }

  const get = async (url: string, role: 'viewer' | null = 'viewer') => {
    const res = await fixture.wb.app.inject({ method: 'GET', url, headers: role ? fixture.wb.as(role) : {} });
    bodies.push(res.body);
    return res;
  };

  it('needs a token', async () => {
    expect((await get('/api/alerts', null)).statusCode).toBe(401);
  });

  it('lists firing and resolved episodes, newest first, with the alert schema aggregates', async () => {
    const body = (await get('/api/alerts')).json();
    expect(body.alerts).toHaveLength(2);
    const [mid, big] = body.alerts;
    expect(mid).toMatchObject({
      id: `topic-rise/c-mid/${iso(SURGE_START).replace('.000Z', 'Z')}`, rule: 'topic-rise', kind: 'spike', severity: 'warning', state: 'firing',
      started_at: iso(SURGE_START), resolved_at: null, subject: 'cluster', cluster: { id: 'c-mid', name: 'Topic c-mid', policy_areas: [] }, conversations: 96,
    });
    expect(mid.ratio).toBeGreaterThan(2);
    expect(mid.accounts).toBeGreaterThanOrEqual(10);
    expect(mid.observed_share).toBeGreaterThan(mid.expected_share);
    expect(Object.keys(mid).sort()).toEqual(
      ['accounts', 'cluster', 'conversations', 'expected_share', 'id', 'kind', 'observed_share', 'ratio', 'resolved_at', 'rule', 'severity', 'started_at', 'state', 'subject'],
    );
    expect(big).toMatchObject({
      id: 'topic-rise/c-big/2026-11-20T03:00:00Z', state: 'resolved', started_at: iso(T0 + 3 * HOUR), resolved_at: iso(T0 + 6 * HOUR),
      observed_share: 0.9, expected_share: 0.8, ratio: 2.5, conversations: 500, accounts: 150, cluster: { id: 'c-big', name: 'Topic c-big', policy_areas: ['fraud'] },
    });
  });

  it('filters by state, kind, rule and period', async () => {
    const ids = async (query: string) => (await get(`/api/alerts?${query}`)).json().alerts.map((a: { cluster: { id: string } }) => a.cluster.id);
    expect(await ids('state=firing')).toEqual(['c-mid']);
    expect(await ids('state=resolved')).toEqual(['c-big']);
    expect(await ids('kind=emerging')).toEqual([]);
    expect(await ids('rule=other')).toEqual([]);
    expect(await ids(`from=${iso(T0 + 7 * HOUR)}`)).toEqual(['c-mid']);
    expect(await ids(`to=${iso(T0 + 5 * HOUR)}`)).toEqual(['c-big']);
    expect((await get('/api/alerts?state=sleeping')).statusCode).toBe(400);
  });

  it('an emerging alert, a one-off notice, is resolved when it was sent: state and resolved_at always agree', async () => {
    const id = 'new-things/c-new/2026-11-20T04:00:00Z';
    const emerging = notification('spike', T0 + 5 * HOUR);
    emerging.id = `${id}:firing:1`;
    Object.assign(emerging.alert, {
      alert_id: id, kind: 'emerging', rule: 'new-things', baseline: { conversations: 0, share: 0 }, ratio: 0, score: { method: 'emerging-accounts', value: 40 },
      cluster: { ...emerging.alert.cluster, id: 'c-new', name: 'New pattern', parent: null },
    });
    await fixture.db.query(`INSERT INTO alert_outbox (id, alert_id, payload) VALUES ($1, $2, $3::jsonb)`, [emerging.id, id, JSON.stringify(emerging)]);
    try {
      const listed = (await get('/api/alerts?kind=emerging')).json().alerts;
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ id, kind: 'emerging', state: 'resolved', resolved_at: iso(T0 + 5 * HOUR), started_at: iso(T0 + 4 * HOUR) });
      const all = (await get('/api/alerts')).json().alerts as Array<{ state: string; resolved_at: string | null }>;
      expect(all).toHaveLength(3);
      for (const a of all) expect(a.resolved_at !== null).toBe(a.state === 'resolved');
    } finally {
      await fixture.db.query('DELETE FROM alert_outbox WHERE alert_id = $1', [id]);
    }
  });

  it('a firing alert under an active silence is listed as silenced', async () => {
    fixture.wb.setRules(fixtureRules(`
silences:
  - id: launch-quiet
    matchers: { cluster_id: c-mid }
    expires_at: ${iso(Date.now() + 3600_000)}
    comment: Known launch.
`));
    try {
      const body = (await get('/api/alerts')).json();
      expect(body.alerts.find((a: { cluster: { id: string } }) => a.cluster.id === 'c-mid').state).toBe('silenced');
      expect((await get('/api/alerts?state=silenced')).json().alerts).toHaveLength(1);
      expect((await get('/api/overview')).json().alerts_firing).toBe(0);
    } finally {
      fixture.wb.setRules(fixtureRules());
    }
  });

  it('no canary in any answer', () => {
    for (const body of bodies) expect(findCanary(body)).toBeUndefined();
  });
});
