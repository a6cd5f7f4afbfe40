import { redact } from '../redact/redact.ts';
import { TEMPLATE_WORDS, type ClusterName } from './naming.ts';
import { words } from './terms.ts';

export interface AuditVerdict {
  pass: boolean;
  /** Clio's 1–5 privacy scale (5 = nothing identifying); pass is ≥ 3. */
  score: number;
  reasons: string[];
}

/** Checks a cluster's name and description before they may leave the process. */
export interface NameAuditor {
  readonly name: string;
  audit(candidate: ClusterName, allowedTerms: ReadonlySet<string>): Promise<AuditVerdict>;
}

/**
 * The offline auditor: a PII scan, plus the k-anonymous vocabulary rule — every word of the
 * name and description is either a template word or a word used by at least k distinct accounts
 * of the cluster.
 */
export class OfflineAuditor implements NameAuditor {
  readonly name = 'offline';

  async audit(candidate: ClusterName, allowedTerms: ReadonlySet<string>): Promise<AuditVerdict> {
    const reasons: string[] = [];
    const text = `${candidate.name}\n${candidate.description}`;
    const found = Object.keys(redact(text).counts);
    if (found.length > 0) reasons.push(`personal data found: ${found.join(', ')}`);
    const allowedWords = new Set([...allowedTerms].flatMap((t) => t.split(' ')));
    const outside = [...new Set(words(text.toLowerCase()))]
      .filter((w) => !allowedWords.has(w) && !TEMPLATE_WORDS.has(w));
    if (outside.length > 0) reasons.push(`${outside.length} word(s) outside the cluster's k-anonymous vocabulary`);
    const pass = reasons.length === 0;
    return { pass, score: pass ? 5 : found.length > 0 ? 1 : 2, reasons };
  }
}
