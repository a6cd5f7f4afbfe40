import type { FastifyInstance } from 'fastify';
import { policyAreasOf } from '../../catalog/catalog.ts';
import { ApiError, errorResponses } from '../auth/errors.ts';
import type { WorkbenchDeps } from '../deps.ts';
import { readModelOf, type AlertRecord, type ClusterFigures, type ClusterTable, type ReadModel } from '../read-model.ts';

const nullableNumber = { type: ['number', 'null'] } as const;

export const lastAlertSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['id', 'rule', 'state', 'at'],
  properties: { id: { type: 'string' }, rule: { type: 'string' }, state: { enum: ['firing', 'resolved', 'silenced'] }, at: { type: 'string' } },
} as const;

/** One cluster as the workbench shows it: aggregates of the current window, never text or people. */
export const clusterRowSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id', 'name', 'description', 'level', 'parent_id', 'children', 'provisional', 'policy_areas', 'conversations', 'accounts',
    'share', 'expected_share', 'ratio', 'sparkline', 'last_alert',
  ],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    level: { enum: ['leaf', 'parent'] },
    parent_id: { type: ['string', 'null'] },
    children: { type: 'array', items: { type: 'string' } },
    provisional: { type: 'boolean' },
    policy_areas: { type: 'array', items: { type: 'string' } },
    conversations: { type: 'integer' },
    accounts: { type: 'integer' },
    share: { type: 'number' },
    expected_share: nullableNumber,
    ratio: nullableNumber,
    sparkline: { type: 'array', items: nullableNumber, description: "the last 24 buckets' share; null: under the privacy minimums" },
    last_alert: lastAlertSchema,
  },
} as const;

export const windowSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'end'],
  properties: { start: { type: 'string' }, end: { type: 'string' } },
} as const;

export interface ClusterRow {
  id: string;
  name: string;
  description: string;
  level: 'leaf' | 'parent';
  parent_id: string | null;
  children: string[];
  provisional: boolean;
  policy_areas: string[];
  conversations: number;
  accounts: number;
  share: number;
  expected_share: number | null;
  ratio: number | null;
  sparkline: Array<number | null>;
  last_alert: { id: string; rule: string; state: string; at: string } | null;
}

/** The latest alert per cluster id (alerts are newest first). */
export function lastAlerts(alerts: readonly AlertRecord[]): Map<string, AlertRecord> {
  const out = new Map<string, AlertRecord>();
  for (const a of alerts) if (!out.has(a.cluster.id)) out.set(a.cluster.id, a);
  return out;
}

export function clusterRow(f: ClusterFigures, table: ClusterTable, children: ReadonlyMap<string, string[]>, last: ReadonlyMap<string, AlertRecord>): ClusterRow {
  const alert = last.get(f.cluster.id);
  const parentShown = f.cluster.parent !== null && table.shownIds.has(f.cluster.parent);
  return {
    id: f.cluster.id,
    name: f.cluster.name,
    description: f.cluster.description,
    level: f.level,
    // A parent under the minimums is not described anywhere, not even as a parent id.
    parent_id: parentShown ? f.cluster.parent : null,
    children: children.get(f.cluster.id) ?? [],
    provisional: f.cluster.provisional,
    policy_areas: policyAreasOf(f.cluster),
    conversations: f.conversations,
    accounts: f.accounts,
    share: f.share,
    expected_share: f.expectedShare,
    ratio: f.ratio,
    sparkline: f.sparkline,
    last_alert: alert ? { id: alert.id, rule: alert.rule, state: alert.state, at: alert.startedAt } : null,
  };
}

/** Every shown cluster as a row, children listing only shown clusters. */
export async function clusterRows(model: ReadModel, table: ClusterTable): Promise<ClusterRow[]> {
  const children = new Map<string, string[]>();
  for (const f of table.shown) {
    const parent = f.cluster.parent;
    if (parent !== null && table.shownIds.has(parent)) children.set(parent, [...(children.get(parent) ?? []), f.cluster.id]);
  }
  const last = lastAlerts(await model.alerts());
  return table.shown.map((f) => clusterRow(f, table, children, last));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** An empty table: no catalog yet, or no traffic counted yet. */
function emptyAnswer(model: ReadModel, catalogVersion: number) {
  return {
    catalog_version: catalogVersion, window: null, minimums: model.minimums, clusters: [], other: { clusters: 0, conversations: null },
  };
}

/**
 * GET /api/clusters: the live catalog as a tree of rows (parent_id / children) with the current
 * window's figures; clusters under the privacy minimums only as the aggregate `other`.
 * GET /api/clusters/:id: one row (404 when unknown or under the minimums).
 */
export async function clustersRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const model = readModelOf(deps);

  app.get<{ Querystring: { q?: string } }>(
    '/api/clusters',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'The catalog tree with the current window per cluster (privacy-gated)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { q: { type: 'string', maxLength: 200, description: 'case-insensitive search in id, name and description' } },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['catalog_version', 'window', 'minimums', 'clusters', 'other'],
            properties: {
              catalog_version: { type: 'integer' },
              window: { ...windowSchema, type: ['object', 'null'] },
              minimums: {
                type: 'object',
                additionalProperties: false,
                required: ['conversations', 'accounts'],
                properties: { conversations: { type: 'integer' }, accounts: { type: 'integer' } },
              },
              clusters: { type: 'array', items: clusterRowSchema },
              other: {
                type: 'object',
                additionalProperties: false,
                required: ['clusters', 'conversations'],
                description: 'clusters under the privacy minimums, counted and never described',
                properties: { clusters: { type: 'integer' }, conversations: { type: ['integer', 'null'] } },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const table = await model.clusterTable();
      if (!table) return emptyAnswer(model, model.catalog()?.version ?? 0);
      let rows = await clusterRows(model, table);
      const q = request.query.q?.trim().toLowerCase();
      if (q) rows = rows.filter((r) => r.id.toLowerCase().includes(q) || r.name.toLowerCase().includes(q) || r.description.toLowerCase().includes(q));
      return {
        catalog_version: table.catalogVersion,
        window: { start: iso(table.window.startMs), end: iso(table.window.endMs) },
        minimums: table.minimums,
        clusters: rows,
        other: table.other,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/clusters/:id',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'One cluster with the current window (404 when unknown or under the privacy minimums)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } },
        response: { 200: clusterRowSchema, ...errorResponses },
      },
    },
    async (request) => {
      const table = await model.clusterTable();
      const id = request.params.id;
      const f = table?.shown.find((c) => c.cluster.id === id);
      // Unknown and under-the-minimums answer alike: a 404 must not tell a small cluster exists.
      if (!table || !f) throw new ApiError(404, 'no such cluster, or it is under the privacy minimums');
      const rows = await clusterRows(model, table);
      return rows.find((r) => r.id === id)!;
    },
  );
}
