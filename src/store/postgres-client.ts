import pg from 'pg';
import { StoreError } from '../errors.ts';
import type { SqlClient, SqlExecutor } from './sql.ts';

/** An external PostgreSQL server (DATABASE_URL): what several instances share when scaled out. */
export async function openPostgres(url: string): Promise<SqlClient> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {}); // idle-client errors surface on the next query instead of crashing
  try {
    (await pool.connect()).release();
  } catch (cause) {
    await pool.end().catch(() => {});
    throw new StoreError(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${(cause as Error).message}`, { retryable: true, cause });
  }
  const wrap = (x: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<Row>(text: string, params?: unknown[]) {
      return (await x.query(text, params)).rows as Row[];
    },
    async exec(text: string) {
      await x.query(text);
    },
  });
  return {
    ...wrap(pool),
    description: `PostgreSQL at ${redactUrl(url)}`,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Connection strings may carry a password: show only host, port and database. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}
