import type { NameAuditor } from '../catalog/audit.ts';
import { policyAreasOf, type CatalogCluster } from '../catalog/catalog.ts';
import { clusterVocabularies, type ClusterNamer, type Member } from '../catalog/naming.ts';
import { quantile } from '../catalog/vectors.ts';
import { PRIVACY_FLOOR } from '../config/schema.ts';
import type { EmergingGroup } from './density-contrast.ts';

export interface DescribeDeps {
  /** The offline TermNamer, or Claude's namer (which uses the contrast set). */
  namer: ClusterNamer;
  /** Offline: PII scan plus the k-anonymous vocabulary rule; or Claude's auditor. */
  auditor: NameAuditor;
  vocabularyK: number;
  /** Summaries from the nearest existing clusters, which the name must tell the group apart from; may be empty. */
  contrast: readonly Member[];
  /** Id of the provisional cluster. */
  id: string;
  /** The catalog cluster most of the group was nearest to. */
  nearest: CatalogCluster | null;
  /** Event time of the promotion (the cluster itself records no time). */
  nowMs?: number;
  /** Policy areas from the members' summaries, e.g. the taxonomy's keyword rules (compilePolicyMatcher). */
  classify?: (texts: readonly string[]) => string[] | Promise<string[]>;
  /** Members' similarity quantile that becomes the novelty threshold. Default 0.05, as in the catalog build. */
  thresholdQuantile?: number;
  /**
   * The threshold never goes below this, so a loose group cannot claim a wide region. Default 0.6: at
   * 0.5 a group of the agent cyber surge ("log into … account …") explained the later agent abuse
   * ("create an account …") by their shared form, and at margin 0.03 that new family went unfound in one seed.
   */
  minThreshold?: number;
}

export type Described = { ok: true; cluster: CatalogCluster } | { ok: false; reason: string };

/**
 * Turns an emerging group into a provisional catalog leaf the way the build names clusters: a name
 * from the group's k-anonymous vocabulary, passed through the privacy auditor. A group that cannot
 * be named or fails the audit is not promoted; the reason names what failed, never any text.
 * Namer or auditor errors (Claude unavailable) propagate, so the caller can try again later.
 */
export async function describeEmerging(group: EmergingGroup, deps: DescribeDeps): Promise<Described> {
  if (group.accounts < PRIVACY_FLOOR.minAccounts || group.conversations < PRIVACY_FLOOR.minConversations) {
    return { ok: false, reason: 'below the privacy floor of distinct accounts and conversations' };
  }
  const k = Math.max(deps.vocabularyK, PRIVACY_FLOOR.vocabularyK);
  // The contrast set takes part as a second cluster, so words it shares with the group rank lower.
  const [vocabulary] = clusterVocabularies(deps.contrast.length > 0 ? [group.members, deps.contrast] : [group.members], k);
  const candidate = await deps.namer.nameCluster({ members: group.members, contrast: deps.contrast, ranked: vocabulary!.ranked });
  if (!candidate) return { ok: false, reason: `no term is used by ${k} or more of its accounts` };
  const verdict = await deps.auditor.audit(candidate, vocabulary!.allowed);
  // The verdict's own reasons may quote the candidate (Claude's explanation): only the score goes out.
  if (!verdict.pass) return { ok: false, reason: `failed the ${deps.auditor.name} privacy audit (score ${verdict.score})` };

  // Both sources, since a new pattern near a sensitive cluster should stay under its alert rules.
  const classified = deps.classify ? await deps.classify(group.members.map((m) => m.text)) : [];
  const policyAreas = [...new Set([...(deps.nearest ? policyAreasOf(deps.nearest) : []), ...classified])].sort();
  const calibrated = group.similarities.length > 0 ? quantile(group.similarities, deps.thresholdQuantile ?? 0.05) : -1;
  const cluster: CatalogCluster = {
    id: deps.id,
    name: candidate.name,
    description: candidate.description,
    // A leaf joins its nearest leaf's parent; nearest to a parent, it goes under that parent.
    parent: deps.nearest ? (deps.nearest.level === 0 ? deps.nearest.parent : deps.nearest.id) : null,
    level: 0,
    centroid: group.centroid,
    size: group.conversations,
    unique_accounts: group.accounts,
    policy_areas: policyAreas,
    provisional: true,
    named: true,
    similarity_threshold: Math.min(1, Math.max(calibrated, deps.minThreshold ?? 0.6)),
  };
  return { ok: true, cluster };
}
