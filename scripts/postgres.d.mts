// Types for scripts/postgres.mjs (plain JS so it runs without a TypeScript loader).
export interface RunningPostgres {
  /** postgres://clio@127.0.0.1:PORT/postgres (trust auth, no password) */
  url: string;
  port: number;
  dataDir: string;
  /** With options.ssl: the CA that signed the server's certificate (for sslrootcert). */
  caFile?: string;
  /** pg_ctl stop -m fast, then removes the data dir if startPostgres created it. */
  stop(): Promise<void>;
}
export function findPgBinDir(): string;
export function freePort(): Promise<number>;
export function startPostgres(options?: { port?: number; dataDir?: string; stateFile?: string; ssl?: boolean }): Promise<RunningPostgres>;
export function stopPostgres(options: { dataDir: string; binDir?: string; remove?: boolean; stateFile?: string }): Promise<void>;
