import type { SqlExecutor } from './sql.ts';

export interface StoredToken<R extends string = string> {
  name: string;
  role: R;
  /** Hex SHA-256 of the token; the token itself is never stored. */
  sha256: string;
  createdAtMs: number;
  revokedAtMs: number | null;
}

/**
 * API tokens created by the CLI or POST /api/tokens, as hashes. `R` is the API's role type (the
 * store sits below the API and does not import it); the table's CHECK keeps roles to those four.
 */
export class TokenStore<R extends string = string> {
  constructor(private readonly db: SqlExecutor) {}

  /** Adds a token; false when the name is taken by a token that is not revoked. A revoked name is reused. */
  async create(name: string, role: R, sha256: string): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO api_tokens (name, role, sha256) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET role = excluded.role, sha256 = excluded.sha256, created_at = now(), revoked_at = NULL
       WHERE api_tokens.revoked_at IS NOT NULL
       RETURNING name`,
      [name, role, sha256],
    );
    return rows.length === 1;
  }

  /** Every token ever made, revoked ones included (for listing). */
  async list(): Promise<StoredToken<R>[]> {
    const rows = await this.db.query<{ name: string; role: R; sha256: string; created_at: Date; revoked_at: Date | null }>(
      'SELECT name, role, sha256, created_at, revoked_at FROM api_tokens ORDER BY name',
    );
    return rows.map((r) => ({
      name: r.name,
      role: r.role,
      sha256: r.sha256,
      createdAtMs: new Date(r.created_at).getTime(),
      revokedAtMs: r.revoked_at ? new Date(r.revoked_at).getTime() : null,
    }));
  }

  async active(): Promise<StoredToken<R>[]> {
    return (await this.list()).filter((t) => t.revokedAtMs === null);
  }

  /** Revokes a token by name; false when there is no such live token. */
  async revoke(name: string): Promise<boolean> {
    const rows = await this.db.query('UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name', [name]);
    return rows.length === 1;
  }
}
