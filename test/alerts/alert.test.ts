import { describe, expect, it } from 'vitest';
import { AlertInvalidError, subjectOf, validateAlert, validateNotification } from '../../src/alerts/alert.ts';
import { passesPrivacyGate } from '../../src/alerts/privacy-gate.ts';
import { ClioError } from '../../src/errors.ts';
import { CANARIES, findCanary } from '../helpers/canary.ts';
import { sampleAlert, sampleAreaAlert, sampleNotification } from './sample-alert.ts';

/** A deep copy with `value` set at a slash path, e.g. '/cluster/parent/extra'. */
function withValueAt(path: string, value: unknown): Record<string, any> {
  const copy = structuredClone(sampleAlert()) as Record<string, any>;
  const keys = path.split('/').slice(1);
  const last = keys.pop()!;
  const parent = keys.reduce((node, key) => node[key], copy);
  parent[last] = value;
  return copy;
}

function rejection(value: unknown): AlertInvalidError {
  try {
    validateAlert(value);
  } catch (error) {
    expect(error).toBeInstanceOf(AlertInvalidError);
    return error as AlertInvalidError;
  }
  throw new Error('expected the alert to be refused');
}

describe('validateAlert', () => {
  it('accepts a valid alert, with or without a parent cluster, and returns it', () => {
    const alert = sampleAlert();
    expect(validateAlert(alert)).toBe(alert);
    expect(validateAlert(sampleAlert({ kind: 'emerging', cluster: { ...alert.cluster, parent: null, policy_areas: [] } })).kind).toBe('emerging');
  });

  it.each([
    ['/extra'],
    ['/cluster/extra'],
    ['/cluster/parent/extra'],
    ['/window/extra'],
    ['/observed/extra'],
    ['/baseline/extra'],
    ['/score/extra'],
  ])('refuses an extra property at %s, naming where', (path) => {
    const error = rejection(withValueAt(path, 1));
    expect(error.path).toBe(path.slice(0, path.lastIndexOf('/')) || '/');
    expect(error.message).toContain('unexpected property "extra"');
    expect(error).toBeInstanceOf(ClioError);
    expect(error.code).toBe('alert_invalid');
  });

  it.each([
    ['/text', `Hi, I am ${CANARIES.name}`],
    ['/messages', [{ role: 'user', content: CANARIES.email }]],
    ['/conversation_ids', [CANARIES.conversationId]],
    ['/account_ids', [CANARIES.accountId]],
    ['/cluster/examples', [`call ${CANARIES.phone}`]],
    ['/observed/accounts', [CANARIES.accountId]],
  ])('refuses text-like extras (%s) without echoing their value', (path, value) => {
    const error = rejection(withValueAt(path, value));
    expect(findCanary(error.message)).toBeUndefined();
  });

  it('does not echo a property name that looks like data', () => {
    const error = rejection(withValueAt(`/${CANARIES.email}`, true));
    expect(error.message).toBe('alert invalid at /: unexpected property');
  });

  it.each([
    ['/cluster/name', 'x'.repeat(121)],
    ['/cluster/name', ''],
    ['/cluster/description', 'x'.repeat(601)],
    ['/cluster/parent/name', 'x'.repeat(121)],
    ['/cluster/id', 'cluster with spaces'],
    ['/alert_id', CANARIES.email.replace('@', ' at ')],
    ['/rule', 'r'.repeat(201)],
    ['/cluster/policy_areas/0', 'not an id!'],
    ['/kind', 'firing'],
    ['/severity', 'high'],
    ['/observed/conversations', -1],
    ['/observed/conversations', 2.5],
    ['/observed/unique_accounts', -3],
    ['/observed/share', 1.2],
    ['/baseline/conversations', -0.1],
    ['/baseline/share', -0.01],
    ['/ratio', -1],
    ['/score/value', 'high'],
    ['/window/start', 'yesterday'],
    ['/fired_at', '2026-11-27 15:00'],
  ])('refuses %s = %j, naming the path', (path, value) => {
    const error = rejection(withValueAt(path, value));
    expect(error.path).toBe(path);
    expect(findCanary(error.message)).toBeUndefined();
  });

  it('requires every field', () => {
    for (const key of Object.keys(sampleAlert())) {
      const alert: Record<string, unknown> = { ...sampleAlert() };
      delete alert[key];
      expect(() => validateAlert(alert), key).toThrow(AlertInvalidError);
    }
    expect(rejection(withValueAt('/cluster/parent', { id: 'p-3' })).path).toBe('/cluster/parent');
  });

  it('refuses a window that ends before it starts', () => {
    const error = rejection(sampleAlert({ window: { start: '2026-11-27T15:00:00Z', end: '2026-11-27T14:00:00Z' } }));
    expect(error.path).toBe('/window');
  });

  it('refuses values that are not alerts at all', () => {
    expect(rejection(null).path).toBe('/');
    expect(rejection('alert').path).toBe('/');
    expect(rejection([sampleAlert()]).path).toBe('/');
  });
});

describe('validateNotification', () => {
  it('accepts a notification and checks its alert with paths under /alert', () => {
    const n = sampleNotification();
    expect(validateNotification(n)).toBe(n);
    expect(validateNotification({ ...n, channel: null }).channel).toBeNull();
    const bad = { ...n, alert: { ...n.alert, cluster: { ...n.alert.cluster, text: CANARIES.name } } };
    expect(() => validateNotification(bad)).toThrow('alert invalid at /alert/cluster: unexpected property "text"');
  });

  it.each([
    ['id', 'has spaces in it'],
    ['channel', `#${CANARIES.email}`],
    ['series', [1, -2]],
    ['series', ['1']],
    ['update', 'yes'],
    ['sample_text', CANARIES.name],
  ])('refuses a bad %s', (key, value) => {
    expect(() => validateNotification({ ...sampleNotification(), [key]: value })).toThrow(AlertInvalidError);
  });
});

describe('alert subject', () => {
  it('accepts an alert about a policy area, and old alerts without a subject are about a cluster', () => {
    const area = sampleAreaAlert();
    expect(validateAlert(area)).toBe(area);
    expect(subjectOf(area)).toBe('policy_area');
    const old = sampleAlert();
    expect('subject' in old).toBe(false);
    expect(validateAlert(old)).toBe(old);
    expect(subjectOf(old)).toBe('cluster');
    expect(subjectOf(validateAlert(sampleAlert({ subject: 'cluster' })))).toBe('cluster');
  });

  it('refuses any other subject', () => {
    expect(rejection(sampleAlert({ subject: 'account' as 'cluster' })).path).toBe('/subject');
  });

  it('an area alert carries nothing but the taxonomy and aggregates (no canary, no ids)', () => {
    const json = JSON.stringify(sampleAreaAlert());
    expect(findCanary(json)).toBeUndefined();
    expect(Object.keys(sampleAreaAlert()).sort()).toEqual(
      ['alert_id', 'baseline', 'cluster', 'fired_at', 'kind', 'observed', 'ratio', 'rule', 'score', 'severity', 'subject', 'window'],
    );
  });
});

describe('passesPrivacyGate', () => {
  const limits = { minAccounts: 10, minConversations: 20 };
  const area = { named: true };

  it('holds an area alert to the same minimum accounts and conversations as a cluster', () => {
    expect(passesPrivacyGate(sampleAreaAlert(), area, limits)).toBe(true);
    expect(passesPrivacyGate(sampleAreaAlert({ observed: { conversations: 412, unique_accounts: 9, share: 0.04 } }), area, limits)).toBe(false);
    expect(passesPrivacyGate(sampleAreaAlert({ observed: { conversations: 19, unique_accounts: 95, share: 0.04 } }), area, limits)).toBe(false);
  });

  it('never passes an unnamed subject', () => {
    expect(passesPrivacyGate(sampleAlert(), { named: false }, limits)).toBe(false);
  });
});
