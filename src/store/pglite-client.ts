import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { StoreError } from '../errors.ts';
import type { SqlClient, SqlExecutor } from './sql.ts';

/** setImmediate as loaded: a test's fake timers must not stall the store's queries. */
const nextTurn = setImmediate;

/** In-memory PGlite instead of a folder: for unit tests and throwaway runs. */
export const MEMORY_STORE = ':memory:';

/** Embedded PostgreSQL (WASM) in a data folder: the zero-setup default. One process at a time. */
export async function openPglite(dataDir: string): Promise<SqlClient> {
  const inMemory = dataDir === MEMORY_STORE;
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  let db: PGlite;
  try {
    if (!inMemory && !existsSync(join(dataDir, 'PG_VERSION'))) await initialiseInChild(dataDir);
    // A small buffer cache: the embedded store holds counts, not a warehouse, and WASM memory never shrinks.
    const options = { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] };
    db = inMemory ? await PGlite.create(options) : await PGlite.create(dataDir, options);
  } catch (cause) {
    throw new StoreError(`cannot open the embedded store in ${dataDir}: ${(cause as Error).message}`, { cause });
  }
  const wrap = (x: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    async query<Row>(text: string, params?: unknown[]) {
      // PGlite runs each statement synchronously on this thread, and a chain of awaited statements
      // (a transaction) lets only microtasks in between: a turn of the event loop before each one lets
      // timers, I/O and /healthz run between the statements of a long transaction.
      await new Promise((resolve) => nextTurn(resolve));
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

/**
 * Creating a new PGlite folder runs initdb inside WASM, which peaks at several hundred MB that the
 * process never gives back; reopening an existing folder costs far less. So a new folder is
 * initialised by a short-lived child process, and the long-running one only ever reopens.
 */
async function initialiseInChild(dataDir: string): Promise<void> {
  const script = `const { PGlite } = await import('@electric-sql/pglite'); const db = await PGlite.create(process.argv[1]); await db.close();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, dataDir], {
    cwd: new URL('../../', import.meta.url).pathname,
    timeout: 120_000,
  });
}
