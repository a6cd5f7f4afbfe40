import type { Alert } from './alert.ts';

export interface GateLimits {
  minAccounts: number;
  minConversations: number;
}

/**
 * The last check before anything is alerted (DESIGN.md, privacy invariant 3 and 4): the group is
 * at least the minimum distinct accounts and conversations, and its name passed the privacy audit
 * (unnamed clusters are below the thresholds, so they are never described). A policy area is
 * always named — its name comes from the taxonomy, not from anyone's conversations — but its
 * counts pass the same minimums as a cluster's.
 */
export function passesPrivacyGate(alert: Alert, subject: { named: boolean }, limits: GateLimits): boolean {
  return subject.named && alert.observed.unique_accounts >= limits.minAccounts && alert.observed.conversations >= limits.minConversations;
}
