import type { CatalogCluster } from '../catalog/catalog.ts';
import type { Alert } from './alert.ts';

export interface GateLimits {
  minAccounts: number;
  minConversations: number;
}

/**
 * The last check before anything is alerted (DESIGN.md, privacy invariant 3 and 4): the group is
 * at least the minimum distinct accounts and conversations, and the cluster's name passed the
 * privacy audit (unnamed clusters are below the thresholds, so they are never described).
 */
export function passesPrivacyGate(alert: Alert, cluster: CatalogCluster, limits: GateLimits): boolean {
  return cluster.named && alert.observed.unique_accounts >= limits.minAccounts && alert.observed.conversations >= limits.minConversations;
}
