import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/auth/tokens.ts';
import { openPglite } from '../../src/store/pglite-client.ts';
import { runCli } from '../helpers/cli.ts';

// Each command opens the embedded store (PGlite) in a fresh process: few invocations, generous timeout.
describe('clio-stream tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-tokens-'));
  const env = { CLIO_DATA_DIR: join(dir, 'store') };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('create prints the token once and stores only its hash; list never shows it; revoke ends it', async () => {
    const created = await runCli(['tokens', 'create', '--name', 'launch-lead', '--role', 'admin'], env, 240_000);
    expect(created.code).toBe(0);
    const token = created.output.split('\n').find((l) => l.startsWith('clio_'))!;
    expect(token).toMatch(/^clio_[A-Za-z0-9_-]{43}$/);
    expect(created.output).toContain('created token "launch-lead" (admin)');

    const listed = await runCli(['tokens', 'list'], env, 240_000);
    expect(listed.code).toBe(0);
    expect(listed.output).toMatch(/launch-lead\tadmin\tcreated \S+\tlive/);
    expect(listed.output).not.toContain(token);
    expect(listed.output).not.toContain(hashToken(token));

    const badRole = await runCli(['tokens', 'create', '--name', 'x', '--role', 'root'], env, 240_000);
    expect(badRole.code).toBe(2);
    expect(badRole.output).toContain('--role must be one of viewer, analyst, investigator, admin');

    const revoked = await runCli(['tokens', 'revoke', '--name', 'launch-lead'], env, 240_000);
    expect(revoked.code).toBe(0);
    expect(revoked.output).toContain('revoked token "launch-lead"');

    const db = await openPglite(join(dir, 'store'));
    try {
      const rows = await db.query<Record<string, unknown>>('SELECT * FROM api_tokens');
      expect(rows).toEqual([expect.objectContaining({ name: 'launch-lead', role: 'admin', sha256: hashToken(token), revoked_at: expect.anything() })]);
      expect(JSON.stringify(rows)).not.toContain(token);
    } finally {
      await db.close();
    }
  }, 600_000);
});
