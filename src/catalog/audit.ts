import { redact } from '../redact/redact.ts';
import { rareTokens } from '../privacy/rare-tokens.ts';
import { TEMPLATE_WORDS, type ClusterName } from './naming.ts';
import { words } from './terms.ts';

/**
 * Why a name failed, from a closed set: what `catalog build` prints and logs may carry. Never the
 * candidate's words, nor the auditor model's own explanation (which may quote them).
 */
export type AuditCode =
  | 'personal_data' // the PII scan found an email, phone number, handle, person's name…
  | 'rare_token' // a token neither common language nor used by k accounts of the cluster
  | 'outside_vocabulary' // offline: a word outside the cluster's k-anonymous vocabulary
  | 'low_privacy_score' // Claude rated it under 3
  | 'audit_unavailable'; // no rating could be had: fails closed

export interface AuditVerdict {
  pass: boolean;
  /** Clio's 1–5 privacy scale (5 = nothing identifying); pass is ≥ 3. */
  score: number;
  /** Why it failed (empty when it passed; the auditors here always set it). */
  codes?: AuditCode[];
  /**
   * What may be printed about the verdict: the score, then the codes (personal data with its kinds,
   * e.g. `personal_data: email`). Nothing else: a reason in words could repeat the candidate.
   */
  reasons: string[];
}

/** Checks a cluster's name and description before they may leave the process. */
export interface NameAuditor {
  readonly name: string;
  audit(candidate: ClusterName, allowedTerms: ReadonlySet<string>): Promise<AuditVerdict>;
}

/** A verdict from its score and codes; `personalData` are the kinds the PII scan found. */
export function verdictOf(score: number, codes: AuditCode[], personalData: readonly string[] = []): AuditVerdict {
  const reasons = [`score ${score}`, ...codes.map((c) => (c === 'personal_data' && personalData.length > 0 ? `${c}: ${personalData.join(', ')}` : c))];
  return { pass: codes.length === 0, score, codes, reasons };
}

/** The kinds of personal data the redactor finds in a name and description (a closed set), none when empty. */
export function personalDataIn(candidate: ClusterName): string[] {
  return Object.keys(redact(`${candidate.name}\n${candidate.description}`).counts);
}

/**
 * The rare-token rule (src/privacy/rare-tokens.ts) applied to a candidate: every token of the name
 * and description is common language, a template word, or used by ≥ k accounts of the cluster.
 */
export function hasRareTokens(candidate: ClusterName, allowedTerms: ReadonlySet<string>): boolean {
  return rareTokens(`${candidate.name}\n${candidate.description}`, allowedTerms, TEMPLATE_WORDS).length > 0;
}

/**
 * The offline auditor: a PII scan, the rare-token rule, plus the stricter k-anonymous vocabulary
 * rule of the offline namer — every word of the name and description is either a template word or a
 * word used by at least k distinct accounts of the cluster.
 */
export class OfflineAuditor implements NameAuditor {
  readonly name = 'offline';

  async audit(candidate: ClusterName, allowedTerms: ReadonlySet<string>): Promise<AuditVerdict> {
    const codes: AuditCode[] = [];
    const text = `${candidate.name}\n${candidate.description}`;
    const found = personalDataIn(candidate);
    if (found.length > 0) codes.push('personal_data');
    if (hasRareTokens(candidate, allowedTerms)) codes.push('rare_token');
    const allowedWords = new Set([...allowedTerms].flatMap((t) => t.split(' ')));
    const outside = [...new Set(words(text.toLowerCase()))].filter((w) => !allowedWords.has(w) && !TEMPLATE_WORDS.has(w));
    if (outside.length > 0) codes.push('outside_vocabulary');
    return verdictOf(codes.length === 0 ? 5 : found.length > 0 ? 1 : 2, codes, found);
  }
}
