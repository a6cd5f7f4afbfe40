import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/api/auth/roles.ts';
import { hashToken, newToken } from '../../src/api/auth/tokens.ts';
import { startRun, type RunningService } from '../../src/app/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { generateConversations } from '../../src/generate/synthetic.ts';
import { createLogger } from '../../src/log.ts';
import { openPglite } from '../../src/store/pglite-client.ts';
import { CANARIES, canaryConversation, findCanary, memoryStream } from '../helpers/canary.ts';
import { fetchText, metricValue, waitFor } from '../helpers/cli.ts';
import { createTopic, produce } from '../helpers/kafka.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';

describe('defaults', () => {
  it('the Slack "Open in dashboard" link points where the dashboard is served: 127.0.0.1 on api.port', () => {
    const config = loadConfig({});
    const link = new URL(config.alerts.dashboardUrl);
    expect(config.api.host).toBe('127.0.0.1');
    expect(link.hostname).toBe(config.api.host);
    expect(Number(link.port)).toBe(config.api.port);
  });
});

/** Every object schema in the OpenAPI document that lists properties closes them. */
function openObjects(node: unknown, path: string, found: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => openObjects(n, `${path}[${i}]`, found));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const o = node as Record<string, unknown>;
  if (o.properties && o.additionalProperties !== false) found.push(path);
  for (const [key, value] of Object.entries(o)) openObjects(value, `${path}.${key}`, found);
}

describe('clio-stream run serves the workbench', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-api-run-'));
  const topic = uniqueName('clio_api_run');
  const logs = memoryStream();
  const tokens = Object.fromEntries(ROLES.map((role) => [role, newToken()])) as Record<Role, string>;
  const auth = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });
  let service: RunningService;

  beforeAll(async () => {
    await createTopic(topic, 2);
    const config = loadConfig({
      overrides: {
        kafka: { brokers: kafkaBrokers(), groupId: `${topic}_group`, topics: { conversations: topic, deadLetter: `${topic}_dlq` }, fromBeginning: true, chunkSize: 50 },
        store: { dataDir: join(dir, 'store') },
        privacy: { accountHashSecret: 'api-run-secret-0123456' },
        api: { port: 0, tokens: ROLES.map((role) => ({ name: `${role}-ops`, role, sha256: hashToken(tokens[role]) })), authFailures: { max: 1000, windowSeconds: 60 } },
        alerts: { out: join(dir, 'alerts.jsonl') },
        log: { level: 'debug' },
      },
    });
    service = await startRun(config, createLogger('debug', logs));
    const traffic = [...generateConversations({ count: 60, seed: 3, accounts: 20, targetBytes: 0, idPrefix: 'api' })].map((l) => Buffer.from(JSON.stringify(l.conversation)));
    for (let i = 0; i < 10; i++) traffic.push(Buffer.from(JSON.stringify(canaryConversation('2026-11-20T02:00:00Z', i))));
    await produce(topic, traffic, 2);
    await waitFor(async () => (metricValue(await fetchText(`${service.url}/metrics`), 'clio_processed_total') >= 70 ? true : undefined), 'the traffic processed', 120_000, 200);
  }, 240_000);
  afterAll(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) => {
    const res = await fetch(`${service.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  it('listens on 127.0.0.1 by default; /healthz, /readyz and /metrics stay open; /api needs a token', async () => {
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call('/healthz')).status).toBe(200);
    expect([200, 503]).toContain((await call('/readyz')).status);
    expect((await call('/metrics')).text).toContain('clio_processed_total');
    const none = await call('/api/whoami');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text)).toMatchObject({ error: 'unauthorized' });
    const me = await call('/api/whoami', { headers: auth('investigator') });
    expect(JSON.parse(me.text)).toEqual({ name: 'investigator-ops', role: 'investigator' });
    // Secure headers on the workbench.
    expect(me.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(me.headers.get('x-content-type-options')).toBe('nosniff');
    expect(me.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('serves the OpenAPI document, every response object closed, every /api route behind the token gate', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.text) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components?: unknown };
    for (const path of ['/api/whoami', '/api/rules', '/api/rules/{name}', '/api/rules/history', '/api/rules/rollback', '/api/silences', '/api/silences/{id}', '/api/catalog/versions', '/api/tokens', '/api/tokens/{name}']) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    const open: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(methods)) openObjects(op.responses, `${method} ${path}`, open);
    openObjects(doc.components, 'components', open);
    expect(open).toEqual([]);
    // Every documented /api route refuses a request without a token (unknown ids included).
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/')) continue;
      for (const method of Object.keys(methods)) {
        const url = path.replace(/\{[^}]+\}/g, 'x');
        expect((await call(url, { method: method.toUpperCase(), ...(method === 'get' || method === 'delete' ? {} : { body: {} }) })).status, `${method} ${url}`).toBe(401);
      }
    }
  });

  it('a rule edit through the API is in force in the running process within seconds', async () => {
    const rule = JSON.parse((await call('/api/rules/topic-spike', { headers: auth('viewer') })).text);
    expect(rule.name).toBe('topic-spike');
    const startedAt = Date.now();
    const put = await call('/api/rules/topic-spike', { method: 'PUT', headers: auth('analyst'), body: { rule: { ...rule, min_ratio: 4 }, reason: 'launch: fewer alerts' } });
    expect(put.status).toBe(200);
    const { version } = JSON.parse(put.text) as { version: number };
    const applied = await waitFor(async () => {
      for (const line of logs.text().split('\n')) {
        if (line.includes('"rule version in force"') && JSON.parse(line).version === version) return true;
      }
      return undefined;
    }, 'the new version in force', 10_000, 100);
    expect(applied).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(JSON.parse((await call('/api/rules', { headers: auth('viewer') })).text)).toMatchObject({ version, source: 'database' });
  });

  it('no canary from the traffic in any response of the workbench, in the access log or in the log', async () => {
    const silence = await call('/api/silences', { method: 'POST', headers: auth('analyst'), body: { matchers: { rule: 'topic-spike' }, ends_at: new Date(Date.now() + 3600_000).toISOString(), comment: 'canary check' } });
    expect(silence.status).toBe(201);
    const bodies: string[] = [silence.text];
    for (const path of ['/api/whoami', '/api/rules', '/api/rules/topic-spike', '/api/rules/history', '/api/silences', '/api/catalog/versions', '/api/tokens', '/openapi.json']) {
      const res = await call(path, { headers: auth('admin') });
      expect(res.status, path).toBe(200);
      bodies.push(res.text);
    }
    for (const text of bodies) expect(findCanary(text)).toBeUndefined();
    await service.stop();
    const db = await openPglite(join(dir, 'store'));
    try {
      const log = await db.query('SELECT * FROM access_log');
      expect(log.length).toBeGreaterThanOrEqual(2);
      const everything = JSON.stringify([log, await db.query('SELECT * FROM rule_versions'), await db.query('SELECT * FROM api_silences'), await db.query('SELECT * FROM api_tokens')]);
      expect(findCanary(everything)).toBeUndefined();
      // The traffic did reach the store: the canary check is over a store that saw it.
      expect(Number((await db.query<{ n: string }>('SELECT sum(conversations) AS n FROM traffic_counts WHERE product = $1', ['']))[0]!.n)).toBeGreaterThanOrEqual(70);
    } finally {
      await db.close();
    }
    expect(findCanary(logs.text())).toBeUndefined();
    for (const token of Object.values(tokens)) expect(logs.text()).not.toContain(token);
    expect(CANARIES.email).toBeTruthy();
  });
});
