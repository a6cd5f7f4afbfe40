// A valid alert and notification for tests, with overrides per field.
import type { Alert, Notification } from '../../src/alerts/alert.ts';

export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    alert_id: 'share-spike:c-17:2026-11-27T14:00Z',
    kind: 'spike',
    rule: 'share-spike',
    severity: 'critical',
    cluster: {
      id: 'c-17',
      name: 'Automated account sign-ups through the browser',
      description: 'Requests to create many accounts on a website with the computer-use tool & solve checks.',
      policy_areas: ['platform-manipulation', 'captcha-evasion'],
      parent: { id: 'p-3', name: 'Account automation' },
    },
    window: { start: '2026-11-27T14:00:00Z', end: '2026-11-27T15:00:00Z' },
    observed: { conversations: 412, unique_accounts: 95, share: 0.0412 },
    baseline: { conversations: 37.5, share: 0.0038 },
    ratio: 10.99,
    score: { method: 'poisson-z', value: 8.413 },
    fired_at: '2026-11-27T15:00:00Z',
    ...overrides,
  };
}

/** An alert about a policy area (subject policy_area), as the detector builds it from the taxonomy. */
export function sampleAreaAlert(overrides: Partial<Alert> = {}): Alert {
  return sampleAlert({
    alert_id: 'policy-areas/area:weapons/2026-11-27T14:00:00Z',
    rule: 'policy-areas',
    subject: 'policy_area',
    cluster: {
      id: 'area:weapons',
      name: 'Weapons',
      description: 'Making or acquiring weapons, explosives or chemical, biological, radiological or nuclear agents.',
      policy_areas: ['weapons'],
      parent: null,
    },
    score: { method: 'binomial-share', value: 12.5 },
    ...overrides,
  });
}

export function sampleNotification(overrides: Partial<Notification> = {}, alert: Partial<Alert> = {}): Notification {
  const a = sampleAlert(alert);
  return {
    id: `${a.alert_id}:firing:1`,
    alert: a,
    channel: 'C0ALERTS',
    series: [3, 4, 2, 5, 4, 3, 9, 30, 80, 120],
    update: false,
    ...overrides,
  };
}

/** A firing notification and its resolution, for one alert id. */
export function firingAndResolved(alertId: string, channel = 'C0ALERTS'): [Notification, Notification] {
  const firing = sampleNotification({ id: `${alertId}:firing:1`, channel }, { alert_id: alertId });
  const resolved = sampleNotification(
    { id: `${alertId}:resolved`, channel, update: true },
    { alert_id: alertId, kind: 'resolved', fired_at: '2026-11-27T17:00:00Z' },
  );
  return [firing, resolved];
}
