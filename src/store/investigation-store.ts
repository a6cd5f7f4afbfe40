import type { SqlClient } from './sql.ts';

/** One investigator view as the admins review it: who, when, for which case and why, and how much was shown. */
export interface InvestigatorView {
  id: number;
  atMs: number;
  expiresAtMs: number;
  endedAtMs: number | null;
  principal: string;
  caseRef: string;
  reason: string;
  /** `cluster:<id>` or `alert:<id>`. */
  subject: string;
  clusterId: string;
  facets: number;
}

type Row = {
  id: string | number; at: Date; expires_at: Date; ended_at: Date | null; principal: string; case_ref: string; reason: string; subject: string; cluster_id: string; facets: number;
};

const ms = (d: Date | string) => new Date(d).getTime();
const toView = (r: Row): InvestigatorView => ({
  id: Number(r.id), atMs: ms(r.at), expiresAtMs: ms(r.expires_at), endedAtMs: r.ended_at ? ms(r.ended_at) : null,
  principal: r.principal, caseRef: r.case_ref, reason: r.reason, subject: r.subject, clusterId: r.cluster_id, facets: r.facets,
});

/**
 * The investigator view's records (migration 009) and what it reads: the redacted summary words of
 * recent conversations of a cluster — never their id hashes or account hashes.
 */
export class InvestigationStore {
  constructor(private readonly db: SqlClient) {}

  /** Opens a view, ending any view the same investigator still had open (one cluster or alert at a time). */
  async open(view: Omit<InvestigatorView, 'id' | 'atMs' | 'endedAtMs'>, nowMs: number): Promise<InvestigatorView> {
    return this.db.transaction(async (tx) => {
      await tx.query('UPDATE investigator_views SET ended_at = $2 WHERE principal = $1 AND ended_at IS NULL AND expires_at > $2', [view.principal, new Date(nowMs).toISOString()]);
      const rows = await tx.query<Row>(
        `INSERT INTO investigator_views (at, expires_at, principal, case_ref, reason, subject, cluster_id, facets) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, at, expires_at, ended_at, principal, case_ref, reason, subject, cluster_id, facets`,
        [new Date(nowMs).toISOString(), new Date(view.expiresAtMs).toISOString(), view.principal, view.caseRef, view.reason, view.subject, view.clusterId, view.facets],
      );
      return toView(rows[0]!);
    });
  }

  async get(id: number): Promise<InvestigatorView | null> {
    const rows = await this.db.query<Row>('SELECT id, at, expires_at, ended_at, principal, case_ref, reason, subject, cluster_id, facets FROM investigator_views WHERE id = $1', [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** The latest views, newest first (for admins). */
  async recent(limit: number): Promise<InvestigatorView[]> {
    const rows = await this.db.query<Row>('SELECT id, at, expires_at, ended_at, principal, case_ref, reason, subject, cluster_id, facets FROM investigator_views ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map(toView);
  }

  /** Summary words of the most recent stored conversations nearest any of `clusterIds`, newest first. */
  async recentSummaries(clusterIds: readonly string[], limit: number): Promise<string[]> {
    const rows = await this.db.query<{ summary_words: string }>(
      'SELECT summary_words FROM recent_conversations WHERE nearest_cluster = ANY($1::text[]) ORDER BY event_time DESC, seq DESC LIMIT $2',
      [clusterIds, limit],
    );
    return rows.map((r) => r.summary_words);
  }

  /** The cluster an alert is about, from its notifications; null when unknown, `area` for a policy-area alert. */
  async alertSubject(alertId: string): Promise<{ kind: 'cluster' | 'area'; clusterId: string } | null> {
    const rows = await this.db.query<{ payload: { alert?: { subject?: string; cluster?: { id?: string } } } }>('SELECT payload FROM alert_outbox WHERE alert_id = $1 ORDER BY seq LIMIT 1', [alertId]);
    const alert = rows[0]?.payload?.alert;
    const id = alert?.cluster?.id;
    if (!id) return null;
    return { kind: alert.subject === 'policy_area' ? 'area' : 'cluster', clusterId: id };
  }
}
