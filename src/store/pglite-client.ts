import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { StoreError } from '../errors.ts';
import type { SqlClient, SqlExecutor } from './sql.ts';

/** In-memory PGlite instead of a folder: for unit tests and throwaway runs. */
export const MEMORY_STORE = ':memory:';

/** Embedded PostgreSQL (WASM) in a data folder: the zero-setup default. One process at a time. */
export async function openPglite(dataDir: string): Promise<SqlClient> {
  const inMemory = dataDir === MEMORY_STORE;
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  let db: PGlite;
  try {
    db = inMemory ? await PGlite.create() : await PGlite.create(dataDir);
  } catch (cause) {
    throw new StoreError(`cannot open the embedded store in ${dataDir}: ${(cause as Error).message}`, { cause });
  }
  const wrap = (x: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    async query<Row>(text: string, params?: unknown[]) {
      return (await x.query<Row>(text, params)).rows;
    },
    async exec(text: string) {
      await x.exec(text);
    },
  });
  return {
    ...wrap(db),
    description: inMemory ? 'embedded PGlite in memory' : `embedded PGlite in ${dataDir}`,
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    close: () => db.close(),
  };
}
