import { readdir, readFile } from 'node:fs/promises';
import type { SqlClient } from './sql.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/**
 * Applies the numbered SQL files in migrations/ that the database has not seen, each in its own
 * transaction, in order. An advisory lock keeps two instances from migrating at once (creating the
 * bookkeeping table included).
 */
export async function migrate(db: SqlClient): Promise<number[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  // Under the same lock: CREATE TABLE IF NOT EXISTS is not safe against itself, and instances that
  // start together on an empty database otherwise fail on the catalog's unique type name.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7262001)');
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  });
  const applied: number[] = [];
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    const sql = await readFile(new URL(file, MIGRATIONS_DIR), 'utf8');
    const didApply = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7262001)');
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version]);
      if (done.length > 0) return false;
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file]);
      return true;
    });
    if (didApply) applied.push(version);
  }
  return applied;
}
