// DATABASE_URL with TLS parameters (sslmode, sslrootcert), against this file's own PostgreSQL
// started with ssl=on and a certificate made at start (scripts/postgres.mjs).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type RunningPostgres } from '../../scripts/postgres.mjs';
import { loadConfig } from '../../src/config/load.ts';
import { StoreError } from '../../src/errors.ts';
import { openDatabase } from '../../src/store/open.ts';
import { configErrorOf } from '../helpers/config-error.ts';

let server: RunningPostgres;

beforeAll(async () => {
  server = await startPostgres({ ssl: true });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const urlWith = (params: Record<string, string>) => `${server.url}?${new URLSearchParams(params)}`;

/** Opens the store as `run` does and asks the server whether this connection is encrypted. */
async function encrypted(url: string): Promise<boolean> {
  const db = await openDatabase(loadConfig({ overrides: { store: { databaseUrl: url } } }).store);
  try {
    const [row] = await db.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return row!.ssl;
  } finally {
    await db.close();
  }
}

describe('PostgreSQL over TLS', () => {
  it('sslmode=verify-full with the CA in sslrootcert: an encrypted, verified connection', async () => {
    expect(await encrypted(urlWith({ sslmode: 'verify-full', sslrootcert: server.caFile! }))).toBe(true);
  });

  it('sslmode=disable: no TLS', async () => {
    expect(await encrypted(urlWith({ sslmode: 'disable' }))).toBe(false);
  });

  it('sslmode=no-verify: TLS without checking the certificate', async () => {
    expect(await encrypted(urlWith({ sslmode: 'no-verify' }))).toBe(true);
  });

  it('verify-full without the CA: the self-made certificate is refused at start', async () => {
    const error = await encrypted(urlWith({ sslmode: 'verify-full' })).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/postgres: unable to verify the first certificate/);
  });

  it('an unknown sslmode or an unreadable sslrootcert is a config error naming store.databaseUrl, not the password', () => {
    const secretUrl = (params: Record<string, string>) => `postgres://clio:pg-pass-Hq8@127.0.0.1:5432/db?${new URLSearchParams(params)}`;
    const mode = configErrorOf(() => loadConfig({ env: { DATABASE_URL: secretUrl({ sslmode: 'verify-everything' }) } }));
    expect(mode.key).toBe('store.databaseUrl');
    expect(mode.message).toMatch(/sslmode must be one of disable, prefer, require, verify-ca, verify-full, no-verify/);
    const missing = join(server.dataDir, 'no-such-ca.pem');
    const ca = configErrorOf(() => loadConfig({ env: { DATABASE_URL: secretUrl({ sslmode: 'verify-full', sslrootcert: missing }) } }));
    expect(ca.key).toBe('store.databaseUrl');
    expect(ca.message).toContain(`sslrootcert ${missing} cannot be read: ENOENT`);
    for (const e of [mode, ca]) expect(e.message).not.toContain('pg-pass-Hq8');
  });
});
