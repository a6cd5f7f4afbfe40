import type { Config } from '../config/load.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite-client.ts';
import { openPostgres } from './postgres-client.ts';
import type { SqlClient } from './sql.ts';

/** Opens the configured database — external PostgreSQL when a URL is set, else embedded PGlite — and migrates it. */
export async function openDatabase(store: Config['store']): Promise<SqlClient> {
  const db = store.databaseUrl ? await openPostgres(store.databaseUrl) : await openPglite(store.dataDir);
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
