import { describe, expect, it } from 'vitest';
import { ClioError } from '../../src/errors.ts';
import { groupKey, Router, RouterError, type RoutedAlert, type RouterState } from '../../src/route/router.ts';
import type { Alert } from '../../src/alerts/alert.ts';
import type { Routing, Silence } from '../../src/rules/rules.ts';

const MINUTE = 60_000;
const at = (minutes: number): number => minutes * MINUTE;

/** group_wait 2 min, group_interval 5 min, repeat_interval 60 min; the detector's windows close every 5 minutes. */
const ROUTING: Routing = { groupBy: [], groupWaitSeconds: 120, groupIntervalSeconds: 300, repeatIntervalSeconds: 3600 };

interface AlertFields {
  cluster?: string;
  rule?: string;
  kind?: Alert['kind'];
  severity?: Alert['severity'];
  areas?: string[];
  conversations?: number;
  subject?: Alert['subject'];
}

function makeAlert(id: string, f: AlertFields = {}): Alert {
  const cluster = f.cluster ?? 'c1';
  return {
    alert_id: id,
    kind: f.kind ?? 'spike',
    rule: f.rule ?? 'spike-share',
    severity: f.severity ?? 'warning',
    ...(f.subject ? { subject: f.subject } : {}),
    cluster: { id: cluster, name: `Cluster ${cluster}`, description: 'd', policy_areas: f.areas ?? ['fraud'], parent: null },
    window: { start: '2026-11-27T14:00:00Z', end: '2026-11-27T14:05:00Z' },
    observed: { conversations: f.conversations ?? 40, unique_accounts: 30, share: 0.04 },
    baseline: { conversations: 10, share: 0.01 },
    ratio: 4,
    score: { method: 'poisson', value: 9 },
    fired_at: '2026-11-27T14:05:00Z',
  };
}

function routed(id: string, f: AlertFields = {}, routing: Routing = ROUTING): RoutedAlert {
  return { alert: makeAlert(id, f), channel: '#trust-safety', series: [1, 2, f.conversations ?? 40], routing };
}

const resolvedAlert = (id: string, f: AlertFields = {}): Alert => makeAlert(id, { ...f, kind: 'resolved' });

/** Runs minutes `from..to`: the scenario's events at each minute, then a flush; returns "minute id" lines. */
function drive(
  router: Router,
  from: number,
  to: number,
  events: (router: Router, nowMs: number, minute: number) => void,
  silences: readonly Silence[] = [],
): string[] {
  const log: string[] = [];
  for (let minute = from; minute <= to; minute++) {
    events(router, at(minute), minute);
    for (const n of router.flush(at(minute), silences)) log.push(`${minute} ${n.id}`);
  }
  return log;
}

const none = (): void => {};

describe('groupKey', () => {
  const alert = makeAlert('a', { cluster: 'c/1', areas: ['privacy', 'fraud'], severity: 'critical' });

  it('always includes the rule, and the group-by labels in a fixed order', () => {
    expect(groupKey(alert, [])).toBe('rule=spike-share');
    expect(groupKey(alert, ['rule'])).toBe('rule=spike-share');
    expect(groupKey(alert, ['severity', 'cluster'])).toBe('rule=spike-share&cluster=c%2F1&severity=critical');
    expect(groupKey(alert, ['cluster', 'severity'])).toBe(groupKey(alert, ['severity', 'cluster']));
  });

  it('takes the sorted policy areas as one value, so an alert has exactly one group', () => {
    const reordered = makeAlert('b', { cluster: 'c2', areas: ['fraud', 'privacy'] });
    expect(groupKey(alert, ['policy_area'])).toBe('rule=spike-share&policy_area=fraud,privacy');
    expect(groupKey(reordered, ['policy_area'])).toBe(groupKey(alert, ['policy_area']));
  });

  it('escapes values so that none can forge a separator', () => {
    const forged = makeAlert('a', { rule: 'r&cluster=x' });
    expect(groupKey(forged, [])).not.toBe(groupKey(makeAlert('a', { rule: 'r', cluster: 'x' }), ['cluster']));
  });

  it('refuses an unknown label with a typed error', () => {
    expect(() => groupKey(alert, ['account'])).toThrow(RouterError);
    expect(() => groupKey(alert, ['account'])).toThrow(/unknown group-by label 'account'/);
  });
});

describe('Router', () => {
  it('sends two clusters of one rule together, once group_wait after the group began', () => {
    const router = new Router();
    router.firing(routed('b-alert', { cluster: 'c2' }), at(0));
    expect(router.flush(at(0), [])).toEqual([]);
    router.firing(routed('a-alert', { cluster: 'c1' }), at(1));
    expect(router.flush(at(1.9), [])).toEqual([]);

    const sent = router.flush(at(2), []);
    expect(sent.map((n) => n.id)).toEqual(['a-alert:firing:1', 'b-alert:firing:1']);
    expect(sent[0]).toEqual({
      id: 'a-alert:firing:1',
      alert: makeAlert('a-alert', { cluster: 'c1' }),
      channel: '#trust-safety',
      series: [1, 2, 40],
      update: false,
    });
    expect(router.activeAlerts).toBe(2);
  });

  it('splits clusters into groups with group_by cluster, each on its own group_wait, ordered by group key', () => {
    const byCluster = { ...ROUTING, groupBy: ['cluster'] };
    const log = drive(new Router(), 0, 10, (router, now, minute) => {
      if (minute === 0) router.firing(routed('z-alert', { cluster: 'c1' }, byCluster), now);
      if (minute === 1) router.firing(routed('a-alert', { cluster: 'c2' }, byCluster), now);
    });
    expect(log).toEqual(['2 z-alert:firing:1', '3 a-alert:firing:1']);

    // Flushed in one call, cluster c1's group still comes first although its alert id sorts last.
    const router = new Router();
    router.firing(routed('z-alert', { cluster: 'c1' }, byCluster), at(0));
    router.firing(routed('a-alert', { cluster: 'c2' }, byCluster), at(0));
    router.firing(routed('m-alert', { cluster: 'c1' }, byCluster), at(0));
    expect(router.flush(at(5), []).map((n) => n.id)).toEqual(['m-alert:firing:1', 'z-alert:firing:1', 'a-alert:firing:1']);
  });

  it('holds a later alert of a notified group until group_interval after its last notification', () => {
    const log = drive(new Router(), 0, 20, (router, now, minute) => {
      if (minute === 0) router.firing(routed('a', { cluster: 'c1' }), now);
      if (minute === 4) router.firing(routed('b', { cluster: 'c2' }), now);
      if (minute === 8) router.firing(routed('c', { cluster: 'c3' }), now);
    });
    expect(log).toEqual(['2 a:firing:1', '7 b:firing:1', '12 c:firing:1']);
  });

  it('reports of the same firing alert every window add nothing but repeats every repeat_interval', () => {
    const router = new Router();
    const log = drive(router, 0, 180, (r, now, minute) => {
      if (minute % 5 === 0) r.firing(routed('a', { conversations: 100 + minute }), now);
    });
    expect(log).toEqual(['2 a:firing:1', '62 a:firing:2', '122 a:firing:3']);
    expect(router.activeAlerts).toBe(1);
  });

  it('repeats with the latest figures the detector reported', () => {
    const router = new Router();
    router.firing(routed('a', { conversations: 40 }), at(0));
    expect(router.flush(at(2), [])[0].alert.observed.conversations).toBe(40);
    router.firing(routed('a', { conversations: 90 }), at(55));
    const [repeat] = router.flush(at(62), []);
    expect(repeat.id).toBe('a:firing:2');
    expect(repeat.alert.observed.conversations).toBe(90);
    expect(repeat.series).toEqual([1, 2, 90]);
  });

  it('notifies a resolution once, as an update of the original message with the final figures, then forgets it', () => {
    const router = new Router();
    const final = resolvedAlert('a', { conversations: 12 });
    const log = drive(router, 0, 200, (r, now, minute) => {
      if (minute <= 10 && minute % 5 === 0) r.firing(routed('a'), now);
      if (minute === 12) r.resolved('a', final, now);
    });
    expect(log).toEqual(['2 a:firing:1', '12 a:resolved']);
    expect(router.activeAlerts).toBe(0);
    expect(router.snapshot().groups).toEqual([]);

    const again = new Router();
    again.firing(routed('a'), at(0));
    again.flush(at(2), []);
    again.resolved('a', final, at(12));
    expect(again.flush(at(12), [])).toEqual([
      { id: 'a:resolved', alert: final, channel: '#trust-safety', series: [1, 2, 40], update: true },
    ]);
  });

  it('holds a resolution until group_interval after the group last notified', () => {
    const log = drive(new Router(), 0, 20, (router, now, minute) => {
      if (minute === 0) router.firing(routed('a'), now);
      if (minute === 3) router.resolved('a', resolvedAlert('a'), now);
    });
    expect(log).toEqual(['2 a:firing:1', '7 a:resolved']);
  });

  it('sends nothing for the resolution of an alert never notified, and forgets it', () => {
    const beforeGroupWait = new Router();
    const log = drive(beforeGroupWait, 0, 30, (router, now, minute) => {
      if (minute === 0) router.firing(routed('a'), now);
      if (minute === 1) router.resolved('a', resolvedAlert('a'), now);
    });
    expect(log).toEqual([]);
    expect(beforeGroupWait.snapshot().groups).toEqual([]);

    const silenced = new Router();
    const muteAll: Silence[] = [{ id: 's1', matchers: { rule: 'spike-share' }, expiresAtMs: at(1000), comment: 'launch noise' }];
    const silencedLog = drive(
      silenced,
      0,
      60,
      (router, now, minute) => {
        if (minute < 30 && minute % 5 === 0) router.firing(routed('a'), now);
        if (minute === 30) router.resolved('a', resolvedAlert('a'), now);
      },
      muteAll,
    );
    expect(silencedLog).toEqual([]);
    expect(silenced.activeAlerts).toBe(0);
    expect(silenced.snapshot().groups).toEqual([]);
  });

  it('ignores the resolution of an alert it does not hold', () => {
    const router = new Router();
    router.resolved('never-seen', resolvedAlert('never-seen'), at(1));
    expect(router.flush(at(10), [])).toEqual([]);
    expect(router.snapshot().groups).toEqual([]);
  });

  it('suppresses a silenced alert while the silence lasts and sends it at the first flush after it expires', () => {
    const silences: Silence[] = [{ id: 's1', matchers: { clusterId: 'c1' }, expiresAtMs: at(30), comment: 'known issue' }];
    const log = drive(
      new Router(),
      0,
      100,
      (router, now, minute) => {
        if (minute % 5 === 0) {
          router.firing(routed('a', { cluster: 'c1' }), now);
          router.firing(routed('b', { cluster: 'c2' }), now);
        }
      },
      silences,
    );
    expect(log).toEqual(['2 b:firing:1', '30 a:firing:1', '62 b:firing:2', '90 a:firing:2']);
  });

  it('holds a repeat that falls in a silence until the silence expires', () => {
    const silences: Silence[] = [{ id: 's1', matchers: { policyArea: 'fraud' }, expiresAtMs: at(70), comment: 'triaged' }];
    const router = new Router();
    router.firing(routed('a', { areas: ['privacy', 'fraud'] }), at(0));
    expect(router.flush(at(2), []).map((n) => n.id)).toEqual(['a:firing:1']);
    expect(drive(router, 50, 69, none, silences)).toEqual([]);
    expect(drive(router, 70, 70, none, silences)).toEqual(['70 a:firing:2']);
  });

  it('sends a resolution even under a silence: it edits the message already posted', () => {
    const silences: Silence[] = [{ id: 's1', matchers: { clusterId: 'c1' }, expiresAtMs: at(500), comment: 'quiet' }];
    const router = new Router();
    router.firing(routed('a'), at(0));
    router.flush(at(2), []);
    router.resolved('a', resolvedAlert('a'), at(20));
    expect(router.flush(at(20), silences).map((n) => [n.id, n.update])).toEqual([['a:resolved', true]]);
  });

  it('notifies an emerging alert once, never repeats it, and forgets it once it is no longer reported', () => {
    const router = new Router();
    const log = drive(router, 0, 300, (r, now, minute) => {
      if (minute <= 120 && minute % 5 === 0) r.firing(routed('e', { kind: 'emerging' }), now);
    });
    expect(log).toEqual(['2 e:firing:1']);
    expect(router.activeAlerts).toBe(0);
    expect(router.snapshot().groups).toEqual([]);
  });

  it('remembers a notified emerging alert while it is still reported, and sends no resolution for it', () => {
    const router = new Router();
    router.firing(routed('e', { kind: 'emerging' }), at(0));
    expect(router.flush(at(2), []).map((n) => n.id)).toEqual(['e:firing:1']);
    router.firing(routed('e', { kind: 'emerging' }), at(5));
    expect(router.snapshot().groups[0].alerts.map((a) => a.status)).toEqual(['done']);
    router.resolved('e', resolvedAlert('e'), at(10));
    expect(router.flush(at(10), [])).toEqual([]);
    expect(router.snapshot().groups).toEqual([]);
  });

  it('absorbs a flap: firing again before its resolution went out sends neither a resolution nor a new alert', () => {
    const log = drive(new Router(), 0, 40, (router, now, minute) => {
      if (minute === 0) router.firing(routed('a'), now);
      if (minute === 3) router.resolved('a', resolvedAlert('a'), now);
      if (minute === 5) router.firing(routed('a'), now);
      if (minute === 20) router.resolved('a', resolvedAlert('a'), now);
    });
    expect(log).toEqual(['2 a:firing:1', '20 a:resolved']);
  });

  it('applies the latest routing reported for a rule, so tuned timers take effect without a restart', () => {
    const log = drive(new Router(), 0, 60, (router, now, minute) => {
      const routing = minute < 10 ? ROUTING : { ...ROUTING, repeatIntervalSeconds: 900 };
      if (minute % 5 === 0) router.firing(routed('a', {}, routing), now);
    });
    expect(log).toEqual(['2 a:firing:1', '17 a:firing:2', '32 a:firing:3', '47 a:firing:4']);
  });

  describe('snapshot', () => {
    const silences: Silence[] = [{ id: 's1', matchers: { clusterId: 'c3' }, expiresAtMs: at(47), comment: 'c3 known' }];
    const byCluster = { ...ROUTING, groupBy: ['cluster'] };
    /** Two groups, a late joiner, a silence, repeats, resolutions, a flap and an emerging alert. */
    const scenario = (router: Router, now: number, minute: number): void => {
      if (minute % 5 === 0 && minute <= 150) {
        router.firing(routed('a', { cluster: 'c1', conversations: minute }), now);
        if (minute >= 5 && minute <= 30) router.firing(routed('b', { cluster: 'c2' }), now);
        if (minute <= 45) router.firing(routed('c', { cluster: 'c3' }, byCluster), now);
        if (minute >= 20 && minute <= 60) router.firing(routed('e', { cluster: 'c4', kind: 'emerging' }), now);
      }
      if (minute === 33) router.resolved('b', resolvedAlert('b'), now);
      if (minute === 50) router.resolved('c', resolvedAlert('c'), now);
      if (minute === 151) router.resolved('a', resolvedAlert('a', { conversations: 3 }), now);
    };

    it('restores into a router that behaves identically from any point of a scenario', () => {
      const reference = drive(new Router(), 0, 240, scenario, silences);
      expect(reference).toEqual([
        '2 a:firing:1',
        '7 b:firing:1', // joined a's group late: group_interval after a's notice
        '20 e:firing:1',
        '33 b:resolved',
        '47 c:firing:1', // c's own group, silenced until 47
        '52 c:resolved', // resolved at 50, held for group_interval after c's notice
        '62 a:firing:2',
        '122 a:firing:3',
        '151 a:resolved',
      ]);

      for (let cut = 1; cut < 240; cut += 7) {
        const before = new Router();
        const head = drive(before, 0, cut, scenario, silences);
        const saved = JSON.parse(JSON.stringify(before.snapshot())) as RouterState;
        const after = new Router(saved);
        expect(after.activeAlerts).toBe(before.activeAlerts);
        expect(after.snapshot()).toEqual(before.snapshot());
        expect([...head, ...drive(after, cut + 1, 240, scenario, silences)]).toEqual(reference);
      }
    });

    it('is a copy: later changes to the router or the snapshot do not reach each other', () => {
      const router = new Router();
      router.firing(routed('a'), at(0));
      const saved = router.snapshot();
      const copy = JSON.parse(JSON.stringify(saved)) as RouterState;
      router.flush(at(2), []);
      expect(saved).toEqual(copy);

      const restored = new Router(saved);
      saved.groups[0].alerts[0].sent = 99;
      expect(restored.flush(at(2), []).map((n) => n.id)).toEqual(['a:firing:1']);
    });

    it('refuses a state of another version with a typed error', () => {
      const state = { version: 2, groups: [] } as unknown as RouterState;
      expect(() => new Router(state)).toThrow(RouterError);
      expect(() => new Router(state)).toThrow(ClioError);
    });
  });

  it('keeps its state bounded over many episodes', () => {
    const router = new Router();
    const routings = [ROUTING, { ...ROUTING, groupBy: ['cluster'] }];
    let largest = 0;
    let notifications: string[] = [];
    // Episode i starts at minute 10i on cluster c(i mod 7), is reported for three windows, then resolves.
    const episodes = 400;
    notifications = drive(router, 0, episodes * 10 + 60, (r, now, minute) => {
      for (let i = Math.max(0, Math.floor(minute / 10) - 3); i <= minute / 10 && i < episodes; i++) {
        const since = minute - i * 10;
        const f = { cluster: `c${i % 7}`, kind: i % 5 === 0 ? ('emerging' as const) : ('spike' as const) };
        if (since % 5 === 0 && since <= 15) r.firing(routed(`ep-${i}`, f, routings[i % 2]), now);
        if (since === 20) r.resolved(`ep-${i}`, resolvedAlert(`ep-${i}`, f), now);
      }
      largest = Math.max(largest, r.snapshot().groups.reduce((n, g) => n + g.alerts.length, 0));
    });
    expect(notifications.filter((line) => line.endsWith(':firing:1'))).toHaveLength(episodes);
    expect(notifications.filter((line) => line.endsWith(':resolved'))).toHaveLength(episodes - episodes / 5);
    expect(notifications.filter((line) => /:firing:[2-9]/.test(line))).toEqual([]);
    expect(largest).toBeLessThanOrEqual(6);
    expect(router.activeAlerts).toBe(0);
    expect(router.snapshot()).toEqual({ version: 1, groups: [] });
  });

  it('refuses a firing report of kind resolved and a resolution of another kind', () => {
    const router = new Router();
    expect(() => router.firing(routed('a', { kind: 'resolved' }), at(0))).toThrow(RouterError);
    expect(() => router.resolved('a', makeAlert('a'), at(0))).toThrow(/kind 'spike'/);
  });
});

describe('Router: inhibition by policy area', () => {
  const areaAlert = (id: string, area: string): RoutedAlert =>
    routed(id, { rule: 'areas', subject: 'policy_area', cluster: `area:${area}`, areas: [area] }, { ...ROUTING, groupBy: ['policy_area'] });
  const clusterAlert = (id: string, cluster: string, areas: string[], kind: Alert['kind'] = 'spike'): RoutedAlert =>
    routed(id, { rule: 'topics', cluster, areas, kind }, { ...ROUTING, groupBy: ['cluster'] });

  it('holds back cluster spikes carrying a firing area, counts each once, and lets them out when the area resolves', () => {
    const router = new Router();
    const log = drive(router, 0, 40, (r, now, minute) => {
      if (minute === 0) {
        r.firing(areaAlert('area-fraud', 'fraud'), now);
        r.firing(clusterAlert('leaf-1', 'c1', ['fraud']), now);
        r.firing(clusterAlert('leaf-2', 'c2', ['fraud', 'scraping']), now);
        // Not the area's: a cluster of another area, and an emerging group (news, never inhibited).
        r.firing(clusterAlert('leaf-3', 'c3', ['scraping']), now);
        r.firing(clusterAlert('new-1', 'e1', ['fraud'], 'emerging'), now);
      }
      // The leaves keep firing; the area's episode ends at minute 20.
      if (minute % 5 === 0 && minute > 0) {
        r.firing(clusterAlert('leaf-1', 'c1', ['fraud']), now);
        r.firing(clusterAlert('leaf-2', 'c2', ['fraud', 'scraping']), now);
      }
      if (minute === 20) r.resolved('area-fraud', makeAlert('area-fraud', { rule: 'areas', subject: 'policy_area', cluster: 'area:fraud', areas: ['fraud'], kind: 'resolved' }), now);
    });
    expect(log.filter((line) => line.startsWith('2 '))).toEqual(['2 area-fraud:firing:1', '2 leaf-3:firing:1', '2 new-1:firing:1']);
    expect(log.filter((line) => /leaf-[12]/.test(line) && Number(line.split(' ')[0]) < 20)).toEqual([]);
    // Counted once each, however many flushes held them back.
    expect(router.drainInhibited()).toBe(2);
    expect(router.drainInhibited()).toBe(0);
    // Once the area has resolved, the leaves still firing are notified.
    expect(log.filter((line) => Number(line.split(' ')[0]) >= 20)).toEqual(['20 area-fraud:resolved', '20 leaf-1:firing:1', '20 leaf-2:firing:1']);
  });

  it('still inhibits after a restart from the saved state, without counting again', () => {
    const before = new Router();
    before.firing(areaAlert('area-fraud', 'fraud'), at(0));
    before.firing(clusterAlert('leaf-1', 'c1', ['fraud']), at(0));
    expect(before.flush(at(2), []).map((n) => n.id)).toEqual(['area-fraud:firing:1']);
    expect(before.drainInhibited()).toBe(1);
    const after = new Router(before.snapshot());
    expect(after.flush(at(10), [])).toEqual([]);
    expect(after.drainInhibited()).toBe(0);
  });

  it('does not inhibit through an area alert that is resolved or only an old cluster alert', () => {
    const router = new Router();
    // An alert without subject is about a cluster (older payloads): it inhibits nothing.
    router.firing(routed('old', { rule: 'areas', cluster: 'c9', areas: ['fraud'] }), at(0));
    router.firing(clusterAlert('leaf-1', 'c1', ['fraud']), at(0));
    expect(router.flush(at(2), []).map((n) => n.id).sort()).toEqual(['leaf-1:firing:1', 'old:firing:1']);
  });
});
