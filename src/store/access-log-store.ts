import type { SqlExecutor } from './sql.ts';

export interface AccessLogRow {
  atMs: number;
  principal: string;
  role: string;
  action: string;
  target: string | null;
}

/** The access log table: who did what and when, never what they sent or got. */
export class AccessLogStore {
  constructor(private readonly db: SqlExecutor) {}

  async append(row: Omit<AccessLogRow, 'atMs'>): Promise<void> {
    await this.db.query('INSERT INTO access_log (principal, role, action, target) VALUES ($1, $2, $3, $4)', [row.principal, row.role, row.action, row.target]);
  }

  /** The latest rows, newest first. */
  async recent(limit: number): Promise<AccessLogRow[]> {
    const rows = await this.db.query<{ at: Date; principal: string; role: string; action: string; target: string | null }>(
      'SELECT at, principal, role, action, target FROM access_log ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ atMs: new Date(r.at).getTime(), principal: r.principal, role: r.role, action: r.action, target: r.target }));
  }
}
