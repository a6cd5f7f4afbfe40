import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import { openPostgres } from '../../src/store/postgres-client.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { freshDatabase } from './services.ts';

/** The two SQL backends every store test runs against: embedded PGlite and a fresh PostgreSQL database. */
export const storeBackends: Array<[string, () => Promise<{ db: SqlClient; cleanup(): Promise<void> }>]> = [
  ['PGlite', async () => ({ db: await openPglite(MEMORY_STORE), cleanup: async () => {} })],
  [
    'PostgreSQL',
    async () => {
      const fresh = await freshDatabase();
      return { db: await openPostgres(fresh.url), cleanup: fresh.drop };
    },
  ],
];
