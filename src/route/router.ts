import { ClioError } from '../errors.ts';
import { inhibitingAreas, isInhibited } from './inhibit.ts';
import { isSilenced } from './silences.ts';
import type { Alert, Notification } from '../alerts/alert.ts';
import type { Routing, Silence } from '../rules/rules.ts';

/** A firing alert as the detector hands it over: where it goes, its recent counts (for the chart) and its rule's routing. */
export interface RoutedAlert {
  alert: Alert;
  channel: string | null;
  series: number[];
  routing: Routing;
}

/**
 * One alert the router holds.
 * - `firing`: the episode is live; notified when its group is due and it is new or its repeat is due, unless silenced.
 * - `resolved`: the episode ended after it was notified; the resolution notice is still to go out.
 * - `done`: an emerging alert already notified; kept only so that re-reports of it notify nothing.
 */
export interface HeldAlert {
  alertId: string;
  /** Latest figures; the resolved alert once the episode has ended. */
  alert: Alert;
  channel: string | null;
  series: number[];
  status: 'firing' | 'resolved' | 'done';
  /** Firing notifications sent so far: the n of `${alert_id}:firing:${n}`. */
  sent: number;
  lastSentAtMs: number | null;
  lastReportedAtMs: number;
  /** Held back at least once by a firing area alert (inhibit.ts); counted once. */
  inhibited?: boolean;
}

/** Alerts that share a rule and the rule's group-by labels, notified together on one schedule. */
export interface GroupState {
  key: string;
  /** The latest routing reported for the group's rule, so tuned timers apply without a restart. */
  routing: Routing;
  createdAtMs: number;
  lastNotifiedAtMs: number | null;
  /** Sorted by alert id. */
  alerts: HeldAlert[];
}

/** Everything the router knows, as plain JSON: persist it with the outbox rows it produced. */
export interface RouterState {
  version: typeof ROUTER_STATE_VERSION;
  /** Sorted by key. */
  groups: GroupState[];
}

export const ROUTER_STATE_VERSION = 1;

/** The labels a rule may group by, in the order they appear in a group key. */
export const GROUP_LABELS = ['rule', 'cluster', 'policy_area', 'severity'] as const;

/** A router input or saved state the router cannot use (bad kind, unknown label, unknown state version). */
export class RouterError extends ClioError {
  constructor(message: string) {
    super('route_invalid', message);
  }
}

/**
 * The group an alert joins: its rule plus the values of the rule's group-by labels, in a fixed label order so the
 * order in config does not matter. Values are URI-encoded so that no value can forge a separator; a cluster's policy
 * areas count as one value (sorted), so each alert belongs to exactly one group.
 */
export function groupKey(alert: Alert, groupBy: readonly string[]): string {
  for (const label of groupBy) {
    if (!(GROUP_LABELS as readonly string[]).includes(label)) {
      throw new RouterError(`unknown group-by label '${label}'; expected one of ${GROUP_LABELS.join(', ')}`);
    }
  }
  const values: Record<(typeof GROUP_LABELS)[number], () => string> = {
    rule: () => encodeURIComponent(alert.rule),
    cluster: () => encodeURIComponent(alert.cluster.id),
    policy_area: () => [...alert.cluster.policy_areas].sort(byCodeUnit).map(encodeURIComponent).join(','),
    severity: () => encodeURIComponent(alert.severity),
  };
  return GROUP_LABELS.filter((label) => label === 'rule' || groupBy.includes(label))
    .map((label) => `${label}=${values[label]()}`)
    .join('&');
}

interface Group extends Omit<GroupState, 'alerts'> {
  alerts: Map<string, HeldAlert>;
}

/**
 * Alertmanager-style routing as a pure state machine on event time: no timers and no I/O. The caller reports firing
 * and resolved alerts, asks `flush` what is due at the watermark, and persists `snapshot()` with the notifications in
 * one transaction, so a restart neither loses nor repeats a notification.
 */
export class Router {
  private readonly groups = new Map<string, Group>();
  /** alert id → group key; derived from the groups, never persisted. */
  private readonly groupOf = new Map<string, string>();
  /** Alerts newly inhibited since the last drainInhibited(), for a metric. */
  private newlyInhibited = 0;

  constructor(state?: RouterState) {
    if (state === undefined) return;
    if (state.version !== ROUTER_STATE_VERSION) {
      throw new RouterError(`unsupported router state version ${String(state.version)}; expected ${ROUTER_STATE_VERSION}`);
    }
    for (const { alerts, ...group } of structuredClone(state.groups)) {
      this.groups.set(group.key, { ...group, alerts: new Map(alerts.map((held) => [held.alertId, held])) });
      for (const held of alerts) this.groupOf.set(held.alertId, group.key);
    }
  }

  /** Alerts whose episode is open or whose resolution notice is pending (notified emerging alerts are not active). */
  get activeAlerts(): number {
    let count = 0;
    for (const group of this.groups.values()) {
      for (const held of group.alerts.values()) if (held.status !== 'done') count++;
    }
    return count;
  }

  /** The detector reports a firing alert at each window close; repeats of one episode only refresh its figures. */
  firing(routed: RoutedAlert, nowMs: number): void {
    const { alert, channel, series, routing } = structuredClone(routed);
    if (alert.kind === 'resolved') throw new RouterError(`alert ${alert.alert_id} reported firing with kind 'resolved'`);
    const held = this.find(alert.alert_id);
    if (held) {
      const group = this.groups.get(this.groupOf.get(alert.alert_id)!)!;
      group.routing = routing;
      held.lastReportedAtMs = nowMs;
      if (held.status === 'done') return;
      // Firing again before its resolution went out: the episode flapped, and the message still shows it firing.
      held.status = 'firing';
      held.alert = alert;
      held.channel = channel;
      held.series = series;
      return;
    }
    const key = groupKey(alert, routing.groupBy);
    let group = this.groups.get(key);
    if (!group) {
      group = { key, routing, createdAtMs: nowMs, lastNotifiedAtMs: null, alerts: new Map() };
      this.groups.set(key, group);
    }
    group.routing = routing;
    group.alerts.set(alert.alert_id, {
      alertId: alert.alert_id,
      alert,
      channel,
      series,
      status: 'firing',
      sent: 0,
      lastSentAtMs: null,
      lastReportedAtMs: nowMs,
    });
    this.groupOf.set(alert.alert_id, key);
  }

  /** The episode ended. Its resolution is notified only if its firing was, since the notice edits that message. */
  resolved(alertId: string, resolvedAlert: Alert, nowMs: number): void {
    if (resolvedAlert.kind !== 'resolved') {
      throw new RouterError(`alert ${alertId} reported resolved with kind '${resolvedAlert.kind}'`);
    }
    const held = this.find(alertId);
    if (!held) return;
    if (held.status === 'done' || held.sent === 0) {
      this.forget(alertId);
      return;
    }
    held.status = 'resolved';
    held.alert = structuredClone(resolvedAlert);
    held.lastReportedAtMs = nowMs;
  }

  /** The notifications due at `nowMs`, ordered by group key then alert id; the state moves on as if they were sent. */
  flush(nowMs: number, silences: readonly Silence[]): Notification[] {
    const due: Notification[] = [];
    const areas = inhibitingAreas(this.firingAlerts());
    for (const key of [...this.groups.keys()].sort(byCodeUnit)) {
      const group = this.groups.get(key)!;
      this.forgetFinishedEmerging(group, nowMs);
      if (nowMs >= groupDueAtMs(group)) {
        const before = due.length;
        for (const alertId of [...group.alerts.keys()].sort(byCodeUnit)) {
          const notification = this.notify(group, group.alerts.get(alertId)!, nowMs, silences, areas);
          if (notification) due.push(notification);
        }
        if (due.length > before) group.lastNotifiedAtMs = nowMs;
      }
      if (group.alerts.size === 0) this.groups.delete(key);
    }
    return due;
  }

  /** How many alerts were inhibited for the first time since the last call (each alert counts once). */
  drainInhibited(): number {
    const n = this.newlyInhibited;
    this.newlyInhibited = 0;
    return n;
  }

  /** A deep copy of the state, in a deterministic order. */
  snapshot(): RouterState {
    const groups = [...this.groups.values()]
      .sort((a, b) => byCodeUnit(a.key, b.key))
      .map(({ alerts, ...group }) => ({ ...group, alerts: [...alerts.values()].sort((a, b) => byCodeUnit(a.alertId, b.alertId)) }));
    return structuredClone({ version: ROUTER_STATE_VERSION, groups });
  }

  /** One held alert at a flush of its due group: its notification, if it needs one now. */
  private notify(group: Group, held: HeldAlert, nowMs: number, silences: readonly Silence[], areas: ReadonlySet<string>): Notification | null {
    if (held.status === 'done') return null;
    if (held.status === 'resolved') {
      // Sent even under a silence: it edits a message already posted and pages no one, and it closes the episode.
      this.forget(held.alertId);
      return notification(`${held.alertId}:resolved`, held, true);
    }
    // repeat_interval: a long-running episode is re-announced so it is not forgotten in the channel's history.
    const repeatDue = held.lastSentAtMs !== null && nowMs >= held.lastSentAtMs + ms(group.routing.repeatIntervalSeconds);
    if (held.sent > 0 && !repeatDue) return null;
    // A silenced alert stays due, so it goes out at the first flush after the silence expires, if still firing.
    if (isSilenced(held.alert, silences, nowMs)) return null;
    // The same incident is being notified under its policy area: stay due, as under a silence.
    if (isInhibited(held.alert, areas)) {
      if (!held.inhibited) this.newlyInhibited += 1;
      held.inhibited = true;
      return null;
    }
    held.sent += 1;
    held.lastSentAtMs = nowMs;
    // An emerging group is news once; it never repeats.
    if (held.alert.kind === 'emerging') held.status = 'done';
    return notification(`${held.alertId}:firing:${held.sent}`, held, false);
  }

  /**
   * A notified emerging alert is remembered only to absorb the detector's re-reports; once it has gone unreported for
   * a repeat interval its episode is over, and forgetting it keeps the state bounded.
   */
  private forgetFinishedEmerging(group: Group, nowMs: number): void {
    for (const held of [...group.alerts.values()]) {
      if (held.status === 'done' && nowMs >= held.lastReportedAtMs + ms(group.routing.repeatIntervalSeconds)) {
        this.forget(held.alertId);
      }
    }
  }

  private *firingAlerts(): Generator<Alert> {
    for (const group of this.groups.values()) {
      for (const held of group.alerts.values()) if (held.status === 'firing') yield held.alert;
    }
  }

  private find(alertId: string): HeldAlert | undefined {
    const key = this.groupOf.get(alertId);
    return key === undefined ? undefined : this.groups.get(key)?.alerts.get(alertId);
  }

  /** Drops an alert; an emptied group goes too, so the next alert of its key waits a fresh group_wait. */
  private forget(alertId: string): void {
    const key = this.groupOf.get(alertId);
    if (key === undefined) return;
    this.groupOf.delete(alertId);
    const group = this.groups.get(key);
    group?.alerts.delete(alertId);
    if (group && group.alerts.size === 0) this.groups.delete(key);
  }
}

/**
 * When a group may next notify. group_wait holds a new group's first notice so that alerts starting together (one
 * incident over several clusters) go out together; group_interval spaces later notices (new alerts, resolutions) so
 * a busy group sends batches rather than a stream.
 */
function groupDueAtMs(group: Group): number {
  return group.lastNotifiedAtMs === null
    ? group.createdAtMs + ms(group.routing.groupWaitSeconds)
    : group.lastNotifiedAtMs + ms(group.routing.groupIntervalSeconds);
}

function notification(id: string, held: HeldAlert, update: boolean): Notification {
  return structuredClone({ id, alert: held.alert, channel: held.channel, series: held.series, update });
}

function ms(seconds: number): number {
  return seconds * 1000;
}

/** Locale-independent ordering, so notification order is the same on every machine. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
