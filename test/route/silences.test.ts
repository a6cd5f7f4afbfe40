import { describe, expect, it } from 'vitest';
import { isSilenced } from '../../src/route/silences.ts';
import type { Alert } from '../../src/alerts/alert.ts';
import type { Silence, SilenceMatchers } from '../../src/rules/rules.ts';

const alert: Alert = {
  alert_id: 'a1',
  kind: 'spike',
  rule: 'spike-share',
  severity: 'warning',
  cluster: { id: 'c7', name: 'Account recovery help', description: 'd', policy_areas: ['fraud', 'privacy'], parent: null },
  window: { start: '2026-11-27T14:00:00Z', end: '2026-11-27T14:05:00Z' },
  observed: { conversations: 40, unique_accounts: 30, share: 0.04 },
  baseline: { conversations: 10, share: 0.01 },
  ratio: 4,
  score: { method: 'poisson', value: 9 },
  fired_at: '2026-11-27T14:05:00Z',
};

const silence = (matchers: SilenceMatchers, expiresAtMs = 1_000): Silence => ({ id: 's', matchers, expiresAtMs, comment: 'c' });

describe('isSilenced', () => {
  it.each<[string, SilenceMatchers, boolean]>([
    ['rule matches', { rule: 'spike-share' }, true],
    ['rule differs', { rule: 'spike-count' }, false],
    ['cluster matches', { clusterId: 'c7' }, true],
    ['cluster differs', { clusterId: 'c8' }, false],
    ['any of the policy areas matches', { policyArea: 'privacy' }, true],
    ['policy area absent', { policyArea: 'weapons' }, false],
    ['severity matches', { severity: 'warning' }, true],
    ['severity differs', { severity: 'critical' }, false],
    ['all matchers match', { rule: 'spike-share', clusterId: 'c7', policyArea: 'fraud', severity: 'warning' }, true],
    ['one of several matchers differs', { rule: 'spike-share', clusterId: 'c7', severity: 'critical' }, false],
    ['no matcher at all', {}, false],
  ])('%s', (_, matchers, expected) => {
    expect(isSilenced(alert, [silence(matchers)], 0)).toBe(expected);
  });

  it('mutes until, not at, its expiry', () => {
    const s = [silence({ clusterId: 'c7' }, 1_000)];
    expect(isSilenced(alert, s, 999)).toBe(true);
    expect(isSilenced(alert, s, 1_000)).toBe(false);
    expect(isSilenced(alert, s, 5_000)).toBe(false);
  });

  it('mutes when any one of several silences matches', () => {
    expect(isSilenced(alert, [silence({ rule: 'other' }), silence({ severity: 'warning' })], 0)).toBe(true);
    expect(isSilenced(alert, [silence({ rule: 'other' }), silence({ severity: 'info' })], 0)).toBe(false);
    expect(isSilenced(alert, [], 0)).toBe(false);
  });
});
