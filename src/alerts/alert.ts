import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { ClioError } from '../errors.ts';

export type AlertKind = 'spike' | 'emerging' | 'resolved';
export type Severity = 'info' | 'warning' | 'critical';
/** What an alert is about: a catalog cluster, or a policy area across clusters. */
export type AlertSubject = 'cluster' | 'policy_area';

/** One alert about a cluster or a policy area (schemas/alert.schema.json): aggregates only, never text or ids of people. */
export interface Alert {
  /** Dedupe key: one per rule, cluster and episode. */
  alert_id: string;
  kind: AlertKind;
  rule: string;
  severity: Severity;
  /** Absent (older alerts): cluster. For policy_area, `cluster` describes the area: id `area:<id>`, the taxonomy's name and description, policy_areas [id], parent null. */
  subject?: AlertSubject;
  cluster: {
    id: string;
    name: string;
    description: string;
    policy_areas: string[];
    parent: { id: string; name: string } | null;
  };
  window: { start: string; end: string };
  observed: { conversations: number; unique_accounts: number; share: number };
  baseline: { conversations: number; share: number };
  ratio: number;
  score: { method: string; value: number };
  /** The series' language mix over the window (rules over all traffic): only languages that alone pass the privacy minimums. */
  languages?: Array<{ language: string; share: number }>;
  /** Event time at which the rule fired (or resolved). */
  fired_at: string;
}

/** One message to send about an alert: what the outbox stores and a notifier delivers. */
export interface Notification {
  /** Idempotency key, e.g. `${alert_id}:firing:1` or `${alert_id}:resolved`. */
  id: string;
  alert: Alert;
  /** Where to send it; null for the notifier's default. */
  channel: string | null;
  /** Conversations per bucket across the window, for the sparkline. */
  series: number[];
  /** True: edit the message first posted for alert.alert_id (resolved) instead of posting anew. */
  update: boolean;
}

/** An alert or notification that breaks the contract; names where, never the offending value. */
export class AlertInvalidError extends ClioError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super('alert_invalid', `alert invalid at ${path}: ${problem}`);
    this.path = path;
  }
}

const alertSchema = JSON.parse(readFileSync(new URL('../../schemas/alert.schema.json', import.meta.url), 'utf8'));

const notificationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'alert', 'channel', 'series', 'update'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9._:/-]{1,250}$' },
    alert: { $ref: alertSchema.$id },
    channel: { anyOf: [{ type: 'null' }, { type: 'string', pattern: '^#?[A-Za-z0-9._-]{1,80}$' }] },
    series: { type: 'array', maxItems: 1000, items: { type: 'number', minimum: 0 } },
    update: { type: 'boolean' },
  },
};

const ajv = new Ajv({ allErrors: false, strict: false });
addFormats.default(ajv, ['date-time']);
const checkAlert = ajv.compile<Alert>(alertSchema); // also registers it for the notification's $ref
const checkNotification = ajv.compile<Notification>(notificationSchema);

/** What an alert is about; alerts from before the field existed are about a cluster. */
export function subjectOf(alert: Pick<Alert, 'subject'>): AlertSubject {
  return alert.subject ?? 'cluster';
}

/** The value as an Alert, or AlertInvalidError naming the first path that breaks the contract. */
export function validateAlert(value: unknown): Alert {
  if (!checkAlert(value)) throw invalid(checkAlert.errors);
  checkWindow(value, '');
  return value;
}

/** The value as a Notification (its alert included), or AlertInvalidError naming the path. */
export function validateNotification(value: unknown): Notification {
  if (!checkNotification(value)) throw invalid(checkNotification.errors);
  checkWindow(value.alert, '/alert');
  return value;
}

function checkWindow(alert: Alert, at: string): void {
  if (Date.parse(alert.window.start) > Date.parse(alert.window.end)) {
    throw new AlertInvalidError(`${at}/window`, 'start is after end');
  }
}

/** Only a property name that looks like one is echoed: the message may end up in a log. */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function invalid(errors: ErrorObject[] | null | undefined): AlertInvalidError {
  const error = errors?.[0];
  if (!error) return new AlertInvalidError('/', 'is invalid');
  const path = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') {
    const name = String(error.params.additionalProperty);
    return new AlertInvalidError(path, PLAIN_NAME.test(name) ? `unexpected property "${name}"` : 'unexpected property');
  }
  return new AlertInvalidError(path, error.message ?? 'is invalid');
}
