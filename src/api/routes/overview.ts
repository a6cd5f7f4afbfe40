import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../auth/errors.ts';
import type { WorkbenchDeps } from '../deps.ts';
import { readModelOf } from '../read-model.ts';
import { clusterRows, clusterRowSchema, windowSchema } from './clusters.ts';

/** Top movers listed on the overview. */
const TOP_MOVERS = 10;

/**
 * GET /api/overview: the current window's traffic, alerts firing, and the clusters that moved most
 * (by ratio to their expected share), each with its sparkline. Traffic under the minimums is not
 * given (0, and accounts_min_ok false).
 */
export async function overviewRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const model = readModelOf(deps);

  app.get(
    '/api/overview',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Traffic, alerts firing and the top movers of the current window',
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['generated_at', 'window', 'conversations', 'accounts_min_ok', 'alerts_firing', 'top_movers'],
            properties: {
              generated_at: { type: 'string' },
              window: { ...windowSchema, type: ['object', 'null'] },
              conversations: { type: 'integer' },
              accounts_min_ok: { type: 'boolean', description: 'the window holds at least the minimum conversations and distinct accounts' },
              alerts_firing: { type: 'integer' },
              top_movers: { type: 'array', items: clusterRowSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const [table, firing] = await Promise.all([model.clusterTable(), model.alerts({ state: 'firing' })]);
      const generated_at = new Date().toISOString();
      if (!table) return { generated_at, window: null, conversations: 0, accounts_min_ok: false, alerts_firing: firing.length, top_movers: [] };
      // Distinct accounts of all traffic are not counted; the busiest series' are a lower bound of them.
      const ok = table.traffic >= model.minimums.conversations && table.maxSeriesAccounts >= model.minimums.accounts;
      const rows = await clusterRows(model, table);
      const top_movers = rows
        .filter((r) => r.ratio !== null)
        .sort((a, b) => b.ratio! - a.ratio! || a.id.localeCompare(b.id))
        .slice(0, TOP_MOVERS);
      return {
        generated_at,
        window: { start: new Date(table.window.startMs).toISOString(), end: new Date(table.window.endMs).toISOString() },
        conversations: ok ? table.traffic : 0,
        accounts_min_ok: ok,
        alerts_firing: firing.length,
        top_movers,
      };
    },
  );
}
