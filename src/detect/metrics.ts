import { Counter, type Registry } from 'prom-client';

/** Detection's Prometheus metrics. Labels are closed sets: alert kinds and rule names from config. */
export class DetectionMetrics {
  readonly bucketsClosed: Counter;
  readonly firing: Counter<'kind' | 'rule'>;
  readonly gated: Counter<'kind'>;
  readonly inhibited: Counter<'kind'>;
  readonly narrow: Counter<'kind'>;
  readonly notifications: Counter<'kind'>;
  readonly emerging: Counter<'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.bucketsClosed = new Counter({ name: 'clio_buckets_closed_total', help: 'Event-time buckets closed by the watermark and judged.', registers });
    this.firing = new Counter({ name: 'clio_alerts_firing_total', help: 'Alert reports handed to the router, per window while firing.', labelNames: ['kind', 'rule'], registers });
    this.gated = new Counter({ name: 'clio_alerts_gated_total', help: 'Alerts withheld by the privacy gate (too few accounts or conversations, or an unaudited name).', labelNames: ['kind'], registers });
    this.inhibited = new Counter({ name: 'clio_alerts_inhibited_total', help: 'Alerts held back as part of an incident already notified: spike alerts about clusters while an alert about one of their policy areas fires (each counted once), and emerging groups that began within a surge of their area already alerted.', labelNames: ['kind'], registers });
    this.narrow = new Counter({ name: 'clio_spikes_narrow_total', help: 'Spike windows that passed the test but whose rise came from fewer new distinct accounts than the minimum (a few accounts repeating).', labelNames: ['kind'], registers });
    this.notifications = new Counter({ name: 'clio_notifications_enqueued_total', help: 'Notifications written to the outbox.', labelNames: ['kind'], registers });
    this.emerging = new Counter({ name: 'clio_emerging_candidates_total', help: 'Emerging groups judged, by outcome: promoted, not_promoted (no k-anonymous name or a failed audit), continued (more of a family already promoted).', labelNames: ['outcome'], registers });
  }
}
