import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR, dashboardRoutes } from '../../src/dashboard/routes.ts';
import { CANARY_VALUES } from '../helpers/canary.ts';

describe('dashboardRoutes: the static dashboard and its libraries, from the package', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    await app.register(async (scope) => dashboardRoutes(scope, {}));
    await app.ready();
  });
  afterAll(() => app.close());

  it('serves the page at / and every module it loads, with JavaScript content types', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    // No inline script: the API's content security policy allows scripts from this origin only.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const referenced = [...page.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(referenced).toEqual(expect.arrayContaining(['/assets/app.js', '/assets/style.css', '/assets/vendor/uplot.css']));
    for (const url of referenced) expect((await app.inject({ url })).statusCode, url).toBe(200);

    // Every relative import of every module resolves: the page needs no build step and no CDN.
    const modules = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.js'));
    for (const file of modules) {
      const res = await app.inject({ url: `/assets/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type'], file).toMatch(/javascript/);
      for (const [, spec] of res.body.matchAll(/from\s+'([^']+)'/g)) {
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\//);
        const target = new URL(spec!, `http://x/assets/${file}`).pathname;
        expect((await app.inject({ url: target })).statusCode, `${file} → ${target}`).toBe(200);
      }
    }
  });

  it('serves the libraries from node_modules, with preact/hooks pointed at the served preact', async () => {
    const hooks = await app.inject({ url: '/assets/vendor/hooks.mjs' });
    expect(hooks.statusCode).toBe(200);
    expect(hooks.headers['content-type']).toMatch(/javascript/);
    expect(hooks.body).toContain('from"./preact.mjs"');
    expect(hooks.body).not.toMatch(/from\s*["']preact["']/);
    for (const file of ['preact.mjs', 'htm.mjs', 'uplot.mjs']) {
      const res = await app.inject({ url: `/assets/vendor/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.body, file).toMatch(/export\s*(default|\{)/);
    }
    expect((await app.inject({ url: '/assets/vendor/uplot.css' })).headers['content-type']).toMatch(/^text\/css/);
  });

  it('serves nothing outside its folder and no unknown library', async () => {
    expect((await app.inject({ url: '/assets/vendor/package.json' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/assets/vendor/..%2F..%2Fpackage.json' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/assets/../routes.ts' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/assets/%2e%2e/routes.ts' })).statusCode).toBe(404);
  });

  it('ships no data: no canary in any of its files', () => {
    for (const file of readdirSync(DASHBOARD_DIR)) {
      const text = readFileSync(join(DASHBOARD_DIR, file), 'utf8');
      for (const canary of CANARY_VALUES) expect(text, file).not.toContain(canary);
    }
  });
});
