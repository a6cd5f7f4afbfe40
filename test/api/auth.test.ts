import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/auth/tokens.ts';
import { FailureLimiter } from '../../src/api/auth/failures.ts';
import { roleAllows } from '../../src/api/auth/roles.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { storeBackends } from '../helpers/stores.ts';
import { openWorkbench, type Workbench } from './workbench-fixture.ts';

describe('roles', () => {
  it('orders viewer < analyst < investigator < admin', () => {
    expect(roleAllows('admin', 'viewer')).toBe(true);
    expect(roleAllows('investigator', 'analyst')).toBe(true);
    expect(roleAllows('analyst', 'investigator')).toBe(false);
    expect(roleAllows('viewer', 'analyst')).toBe(false);
  });
});

describe('FailureLimiter', () => {
  it('blocks a client after max failures until its window ends, and only that client', () => {
    let now = 0;
    const limiter = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('a')).toBe(0);
      limiter.fail('a');
    }
    expect(limiter.retryAfterSeconds('a')).toBe(60);
    expect(limiter.retryAfterSeconds('b')).toBe(0);
    now = 30_000;
    expect(limiter.retryAfterSeconds('a')).toBe(30);
    now = 60_000;
    expect(limiter.retryAfterSeconds('a')).toBe(0);
  });
});

describe.each(storeBackends)('bearer-token gate (%s)', (_name, openBackend) => {
  let db: SqlClient;
  let cleanup: () => Promise<void>;
  let wb: Workbench;

  beforeEach(async () => {
    ({ db, cleanup } = await openBackend());
    wb = await openWorkbench(db);
  }, 60_000);
  afterEach(async () => {
    await wb.close();
    await db.close();
    await cleanup();
  });

  it('answers whoami with the token name and role, for every role', async () => {
    for (const role of ['viewer', 'analyst', 'investigator', 'admin'] as const) {
      const res = await wb.app.inject({ url: '/api/whoami', headers: wb.as(role) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ name: `${role}-token`, role });
    }
  });

  it('401 without a token, with an unknown token or a malformed header; never echoes the token', async () => {
    const none = await wb.app.inject({ url: '/api/whoami' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: 'unauthorized' });
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const wrong = await wb.app.inject({ url: '/api/whoami', headers: { authorization: 'Bearer clio_not-a-real-token-xyz' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('clio_not-a-real-token-xyz');
    const basic = await wb.app.inject({ url: '/api/whoami', headers: { authorization: `Basic ${wb.tokens.admin}` } });
    expect(basic.statusCode).toBe(401);
    // A token's hash is not a token.
    const hash = await wb.app.inject({ url: '/api/whoami', headers: { authorization: `Bearer ${hashToken(wb.tokens.admin)}` } });
    expect(hash.statusCode).toBe(401);
  });

  it('403 when the role is too weak', async () => {
    const res = await wb.app.inject({ url: '/api/tokens', headers: wb.as('investigator') });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: 'forbidden', message: 'this needs the admin role; the token has investigator' });
  });

  it('rate-limits failed authentications per address (429 with Retry-After), good tokens from elsewhere unaffected', async () => {
    await wb.close();
    wb = await openWorkbench(db, { authFailures: { max: 3, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++) expect((await wb.app.inject({ url: '/api/whoami', headers: { authorization: `Bearer guess-${i}` } })).statusCode).toBe(401);
    const blocked = await wb.app.inject({ url: '/api/whoami', headers: { authorization: 'Bearer guess-4' } });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ error: 'too_many_requests' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // The address is blocked even with a good token: guessing cannot go on by slipping one in.
    expect((await wb.app.inject({ url: '/api/whoami', headers: wb.as('viewer') })).statusCode).toBe(429);
    const elsewhere = await wb.app.inject({ url: '/api/whoami', headers: wb.as('viewer'), remoteAddress: '10.1.2.3' });
    expect(elsewhere.statusCode).toBe(200);
    // Successes do not count as failures.
    for (let i = 0; i < 5; i++) expect((await wb.app.inject({ url: '/api/whoami', headers: wb.as('viewer'), remoteAddress: '10.9.9.9' })).statusCode).toBe(200);
  });

  it('admin creates a token (shown once, stored as a hash), lists it, and revokes it at once', async () => {
    const created = await wb.app.inject({ method: 'POST', url: '/api/tokens', headers: wb.as('admin'), payload: { name: 'launch-analyst', role: 'analyst' } });
    expect(created.statusCode).toBe(201);
    const { token, name, role } = created.json() as { token: string; name: string; role: string };
    expect({ name, role }).toEqual({ name: 'launch-analyst', role: 'analyst' });
    expect(token).toMatch(/^clio_[A-Za-z0-9_-]{43}$/);
    // At rest: the hash only.
    const rows = await db.query<Record<string, unknown>>('SELECT * FROM api_tokens');
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows).toEqual([expect.objectContaining({ name: 'launch-analyst', role: 'analyst', sha256: hashToken(token) })]);

    expect((await wb.app.inject({ url: '/api/whoami', headers: { authorization: `Bearer ${token}` } })).json()).toEqual({ name: 'launch-analyst', role: 'analyst' });
    const listed = await wb.app.inject({ url: '/api/tokens', headers: wb.as('admin') });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(hashToken(token));
    expect(listed.json().tokens.map((t: { name: string; source: string }) => `${t.name}:${t.source}`)).toContain('launch-analyst:database');

    // Same name again while live: conflict.
    expect((await wb.app.inject({ method: 'POST', url: '/api/tokens', headers: wb.as('admin'), payload: { name: 'launch-analyst', role: 'viewer' } })).statusCode).toBe(409);
    expect((await wb.app.inject({ method: 'POST', url: '/api/tokens', headers: wb.as('admin'), payload: { name: 'bad name!', role: 'viewer' } })).statusCode).toBe(400);
    expect((await wb.app.inject({ method: 'POST', url: '/api/tokens', headers: wb.as('admin'), payload: { name: 'x', role: 'root' } })).statusCode).toBe(400);

    const revoked = await wb.app.inject({ method: 'DELETE', url: '/api/tokens/launch-analyst', headers: wb.as('admin') });
    expect(revoked.json()).toEqual({ name: 'launch-analyst', revoked: true });
    expect((await wb.app.inject({ url: '/api/whoami', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect((await wb.app.inject({ method: 'DELETE', url: '/api/tokens/launch-analyst', headers: wb.as('admin') })).statusCode).toBe(404);
    expect((await wb.app.inject({ method: 'DELETE', url: '/api/tokens/admin-token', headers: wb.as('admin') })).statusCode).toBe(404);

    // Writes are in the access log: who, what, which name; never the token.
    const log = await db.query<{ principal: string; role: string; action: string; target: string }>('SELECT principal, role, action, target FROM access_log ORDER BY id');
    expect(log).toEqual([
      { principal: 'admin-token', role: 'admin', action: 'tokens.create', target: 'launch-analyst' },
      { principal: 'admin-token', role: 'admin', action: 'tokens.revoke', target: 'launch-analyst' },
    ]);
    expect(JSON.stringify(log)).not.toContain(token);
    expect(wb.logs()).not.toContain(token);
  });

  it('token routes: 401 without a token and 403 below admin', async () => {
    const routes = [
      { method: 'GET', url: '/api/tokens' },
      { method: 'POST', url: '/api/tokens', payload: { name: 'x', role: 'viewer' } },
      { method: 'DELETE', url: '/api/tokens/x' },
    ] as const;
    for (const route of routes) {
      expect((await wb.app.inject({ ...route })).statusCode).toBe(401);
      for (const role of ['viewer', 'analyst', 'investigator'] as const) expect((await wb.app.inject({ ...route, headers: wb.as(role) })).statusCode).toBe(403);
    }
  });
});
