import type { Alert } from '../alerts/alert.ts';
import type { Silence } from '../rules/rules.ts';

/**
 * Whether any silence mutes the alert at event time `nowMs`. A silence mutes when it has started, has not expired and every
 * matcher it gives matches; `policyArea` matches any of the cluster's areas. A silence that gives no matcher mutes
 * nothing: an accidental empty silence must not swallow every alert.
 */
export function isSilenced(alert: Alert, silences: readonly Silence[], nowMs: number): boolean {
  return silences.some((silence) => (silence.startsAtMs === undefined || nowMs >= silence.startsAtMs) && nowMs < silence.expiresAtMs && matches(alert, silence));
}

function matches(alert: Alert, { matchers }: Silence): boolean {
  const checks: boolean[] = [];
  if (matchers.rule !== undefined) checks.push(matchers.rule === alert.rule);
  if (matchers.clusterId !== undefined) checks.push(matchers.clusterId === alert.cluster.id);
  if (matchers.policyArea !== undefined) checks.push(alert.cluster.policy_areas.includes(matchers.policyArea));
  if (matchers.severity !== undefined) checks.push(matchers.severity === alert.severity);
  return checks.length > 0 && checks.every(Boolean);
}
