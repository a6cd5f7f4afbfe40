import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The dashboard needs nothing from the workbench: it holds no data and reads everything through /api. */
export type DashboardDeps = object;

/** The dashboard's own files (HTML, JS modules, CSS), shipped in the package beside this file. */
export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');

interface VendorFile {
  body: string;
  type: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * The browser libraries, read once from node_modules (no CDN, no build step). Bare `preact` imports are
 * pointed at the sibling file: an import map would be an inline script, which the API's CSP forbids.
 */
function loadVendor(): Map<string, VendorFile> {
  const require = createRequire(import.meta.url);
  const read = (path: string): string => readFileSync(path, 'utf8');
  const preact = require.resolve('preact');
  const uplotDir = dirname(require.resolve('uplot'));
  const files = new Map<string, VendorFile>();
  files.set('preact.mjs', { body: read(preact), type: JS });
  files.set('hooks.mjs', {
    body: read(require.resolve('preact/hooks')).replace(/from\s*(["'])preact\1/g, 'from"./preact.mjs"'),
    type: JS,
  });
  files.set('htm.mjs', { body: read(join(dirname(require.resolve('htm')), 'htm.module.js')), type: JS });
  files.set('uplot.mjs', { body: read(join(uplotDir, 'uPlot.esm.js')), type: JS });
  files.set('uplot.css', { body: read(join(uplotDir, 'uPlot.min.css')), type: CSS });
  return files;
}

/**
 * Serves the static dashboard: `/` is the single page (hash routing, so deep links need no server
 * route), `/assets/*` its modules and styles, `/assets/vendor/*` the libraries. All open: none holds data.
 */
export async function dashboardRoutes(app: FastifyInstance, _deps?: DashboardDeps): Promise<void> {
  const index = readFileSync(join(DASHBOARD_DIR, 'index.html'), 'utf8');
  const vendor = loadVendor();

  await app.register(fastifyStatic, {
    root: DASHBOARD_DIR,
    prefix: '/assets/',
    index: false,
    decorateReply: false,
    // The page is small and changes with each release: revalidate rather than serve a stale copy.
    cacheControl: true,
    maxAge: 0,
  });

  app.get('/', async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(index);
  });

  app.get<{ Params: { file: string } }>('/assets/vendor/:file', async (request, reply) => {
    const file = vendor.get(request.params.file);
    if (!file) return reply.code(404).send({ error: 'not_found', message: 'no such asset' });
    reply.header('cache-control', 'public, max-age=3600');
    return reply.type(file.type).send(file.body);
  });
}
