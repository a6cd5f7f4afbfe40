import type { SqlExecutor } from './sql.ts';

export interface CatalogVersionSummary {
  version: number;
  createdAtMs: number;
  clusters: Array<{ id: string; name: string; provisional: boolean }>;
}

/** Catalog versions without their centroids: what the workbench lists. */
export class CatalogVersionsStore {
  constructor(private readonly db: SqlExecutor) {}

  /** The latest `limit` versions, newest first, with each one's cluster ids and names (pulled out in SQL: centroids stay in the database). */
  async latest(limit: number): Promise<CatalogVersionSummary[]> {
    const rows = await this.db.query<{ version: number; created_at: Date; clusters: unknown }>(
      `SELECT v.version, v.created_at,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c->>'id', 'name', c->>'name', 'provisional', coalesce((c->>'provisional')::boolean, false))), '[]'::jsonb)
                 FROM jsonb_array_elements(v.catalog->'clusters') AS c) AS clusters
         FROM catalog_versions v ORDER BY v.version DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      version: Number(r.version),
      createdAtMs: new Date(r.created_at).getTime(),
      clusters: (typeof r.clusters === 'string' ? JSON.parse(r.clusters) : r.clusters) as CatalogVersionSummary['clusters'],
    }));
  }
}
