import type { FastifyInstance } from 'fastify';
import { CatalogVersionsStore } from '../../store/catalog-versions-store.ts';
import { errorResponses } from '../auth/errors.ts';
import type { WorkbenchDeps } from '../deps.ts';

const versionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'created_at', 'clusters', 'added'],
  properties: {
    version: { type: 'integer' },
    created_at: { type: 'string' },
    clusters: { type: 'integer' },
    added: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['id', 'name'], properties: { id: { type: 'string' }, name: { type: 'string' } } },
    },
  },
} as const;

/** GET /api/catalog/versions: each version of the catalog, newest first, with the clusters it added over the one before. */
export async function catalogVersionsRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const store = new CatalogVersionsStore(deps.db);
  app.get<{ Querystring: { limit: number } }>(
    '/api/catalog/versions',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Catalog versions and the clusters each one added',
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } },
        response: { 200: { type: 'object', additionalProperties: false, required: ['versions'], properties: { versions: { type: 'array', items: versionSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      // One more than asked: the oldest listed version's additions are against the one before it.
      const rows = await store.latest(request.query.limit + 1);
      const versions = rows.slice(0, request.query.limit).map((row, i) => {
        const before = rows[i + 1];
        const known = new Set(before?.clusters.map((c) => c.id) ?? []);
        return {
          version: row.version,
          created_at: new Date(row.createdAtMs).toISOString(),
          clusters: row.clusters.length,
          // The first version added nothing: it is the catalog as built.
          added: before ? row.clusters.filter((c) => !known.has(c.id)).map((c) => ({ id: c.id, name: c.name })) : [],
        };
      });
      return { versions };
    },
  );
}
