import type { RuleDocumentRule } from '../rules/rules.ts';
import type { SqlClient, SqlExecutor } from './sql.ts';

/** A whole rule set as the API stores it: rules in the files' spelling. */
export interface RuleDocument {
  rules: RuleDocumentRule[];
}

export interface RuleVersion {
  version: number;
  createdAtMs: number;
  author: string;
  reason: string;
  document: RuleDocument;
}

/** Serialises rule writes across instances (PostgreSQL) or connections (PGlite). */
const WRITE_LOCK = 7262007;

/** Versions of the rule set written through the API; the latest is in force everywhere. */
export class RuleVersionsStore {
  constructor(private readonly db: SqlClient) {}

  /** The latest version number, 0 when the API never wrote rules (the files are in force). */
  async latestVersion(executor: SqlExecutor = this.db): Promise<number> {
    const rows = await executor.query<{ version: number | null }>('SELECT max(version) AS version FROM rule_versions');
    return Number(rows[0]?.version ?? 0);
  }

  async get(version: number, executor: SqlExecutor = this.db): Promise<RuleVersion | null> {
    const rows = await executor.query<Row>('SELECT version, created_at, author, reason, document FROM rule_versions WHERE version = $1', [version]);
    return rows[0] ? toVersion(rows[0]) : null;
  }

  async latest(executor: SqlExecutor = this.db): Promise<RuleVersion | null> {
    const rows = await executor.query<Row>('SELECT version, created_at, author, reason, document FROM rule_versions ORDER BY version DESC LIMIT 1');
    return rows[0] ? toVersion(rows[0]) : null;
  }

  /** Every version, newest first, with the number of rules in each (documents stay in the database). */
  async history(limit: number): Promise<Array<Omit<RuleVersion, 'document'> & { rules: number }>> {
    const rows = await this.db.query<{ version: number; created_at: Date; author: string; reason: string; rules: number | string }>(
      `SELECT version, created_at, author, reason, jsonb_array_length(document->'rules') AS rules
         FROM rule_versions ORDER BY version DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ version: Number(r.version), createdAtMs: new Date(r.created_at).getTime(), author: r.author, reason: r.reason, rules: Number(r.rules) }));
  }

  /**
   * Writes a new version computed from the latest one, under a lock so that two edits at once
   * cannot both build on the same version. `next` gets the latest version (null: none yet) and
   * returns the documents to append, oldest first (usually one; the first edit also records the
   * files it started from), or throws to write nothing.
   */
  async append(next: (latest: RuleVersion | null) => Promise<Array<{ author: string; reason: string; document: RuleDocument }>> | Array<{ author: string; reason: string; document: RuleDocument }>): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      const latest = await this.latest(tx);
      let version = latest?.version ?? 0;
      for (const entry of await next(latest)) {
        version++;
        await tx.query('INSERT INTO rule_versions (version, author, reason, document) VALUES ($1, $2, $3, $4::jsonb)', [version, entry.author, entry.reason, JSON.stringify(entry.document)]);
      }
      return version;
    });
  }
}

interface Row {
  version: number;
  created_at: Date;
  author: string;
  reason: string;
  document: unknown;
}

function toVersion(r: Row): RuleVersion {
  return {
    version: Number(r.version),
    createdAtMs: new Date(r.created_at).getTime(),
    author: r.author,
    reason: r.reason,
    document: (typeof r.document === 'string' ? JSON.parse(r.document) : r.document) as RuleDocument,
  };
}
