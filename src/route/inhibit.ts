import { subjectOf, type Alert } from '../alerts/alert.ts';

/**
 * Alertmanager-style inhibition, pure. Real harm is diffuse: one incident lifts a policy area and,
 * with it, some of the leaves and parents its conversations fall in. While a spike alert about the
 * area fires, spike alerts about clusters carrying that area are the same incident seen in pieces:
 * they are held back, and the area's notification stands for them all. An inhibited alert stays
 * due, so it is notified if it still fires once the area's episode has ended.
 */

/** The areas whose spike alert is firing (a silenced area alert still inhibits, as in Alertmanager). */
export function inhibitingAreas(firing: Iterable<Alert>): Set<string> {
  const areas = new Set<string>();
  for (const alert of firing) {
    if (alert.kind === 'spike' && subjectOf(alert) === 'policy_area') for (const area of alert.cluster.policy_areas) areas.add(area);
  }
  return areas;
}

/** Whether a firing alert is held back by one of these areas: a cluster's spike alert carrying any of them. */
export function isInhibited(alert: Alert, areas: ReadonlySet<string>): boolean {
  return alert.kind === 'spike' && subjectOf(alert) === 'cluster' && alert.cluster.policy_areas.some((area) => areas.has(area));
}
