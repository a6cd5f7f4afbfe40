import type { FastifyInstance } from 'fastify';
import { redact } from '../../redact/redact.ts';
import { InvestigationStore, type InvestigatorView } from '../../store/investigation-store.ts';
import { ApiError, errorResponses } from '../auth/errors.ts';
import { principalOf } from '../auth/hook.ts';
import type { WorkbenchDeps } from '../deps.ts';

const ID = '^[A-Za-z0-9._:/-]{1,200}$';

const viewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'at', 'expires_at', 'ended_at', 'principal', 'case', 'reason', 'subject', 'cluster_id', 'facets_shown'],
  properties: {
    id: { type: 'integer' },
    at: { type: 'string' },
    expires_at: { type: 'string' },
    ended_at: { type: ['string', 'null'] },
    principal: { type: 'string' },
    case: { type: 'string' },
    reason: { type: 'string' },
    subject: { type: 'string' },
    cluster_id: { type: 'string' },
    facets_shown: { type: 'integer' },
  },
} as const;

const facetsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['view', 'facets'],
  properties: {
    view: viewSchema,
    // Redacted request summaries, nothing else: no conversation id, no account, no time.
    facets: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['request'], properties: { request: { type: 'string' } } } },
  },
} as const;

const iso = (ms: number) => new Date(ms).toISOString();
const viewOut = (v: InvestigatorView) => ({
  id: v.id, at: iso(v.atMs), expires_at: iso(v.expiresAtMs), ended_at: v.endedAtMs === null ? null : iso(v.endedAtMs),
  principal: v.principal, case: v.caseRef, reason: v.reason, subject: v.subject, cluster_id: v.clusterId, facets_shown: v.facets,
});

/**
 * The investigator view (off unless `investigator.enabled`): for one cluster or alert at a time,
 * with a case reference and a stated reason, an investigator sees up to `investigator.maxFacets`
 * redacted request summaries of its recent conversations (never raw text, ids or accounts), and may
 * re-read them for `investigator.viewMinutes`. Every view and re-read is recorded — the access log
 * with the case, and the views table with the reason — and admins list the views.
 */
export async function investigationsRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const settings = deps.config.investigator;
  const store = new InvestigationStore(deps.db);
  const enabled = () => {
    if (!settings.enabled) throw new ApiError(404, 'the investigator view is off (investigator.enabled)');
  };

  /** The summaries of a view's cluster (a parent's: of its leaves), redacted again on the way out. */
  const facetsOf = async (clusterId: string): Promise<Array<{ request: string }>> => {
    const catalog = deps.catalog();
    const leaves = catalog ? catalog.clusters.filter((c) => c.id === clusterId || c.parent === clusterId).map((c) => c.id) : [clusterId];
    const summaries = await store.recentSummaries(leaves, settings.maxFacets);
    // Stored summaries were redacted before they were written; this is the backstop.
    return summaries.map((s) => ({ request: redact(s).text }));
  };

  app.post<{ Body: { cluster_id?: string; alert_id?: string; case: string; reason: string } }>(
    '/api/investigations',
    {
      config: { role: 'investigator' },
      schema: {
        summary: 'Open an investigator view of one cluster or alert: redacted request facets, with a case reference and a reason',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['case', 'reason'],
          properties: {
            cluster_id: { type: 'string', pattern: ID },
            alert_id: { type: 'string', pattern: ID },
            case: { type: 'string', pattern: '^[A-Za-z0-9._/#-]{1,64}$', description: 'the case or ticket reference this view serves' },
            reason: { type: 'string', minLength: 10, maxLength: 500, description: 'why the aggregates are not enough' },
          },
        },
        response: { 201: facetsSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      enabled();
      const principal = principalOf(request);
      const { cluster_id: clusterId, alert_id: alertId } = request.body;
      if ((clusterId === undefined) === (alertId === undefined)) throw new ApiError(400, 'name exactly one of cluster_id and alert_id');
      let target: string;
      if (alertId !== undefined) {
        const subject = await store.alertSubject(alertId);
        if (!subject) throw new ApiError(404, `no alert ${alertId}`);
        if (subject.kind === 'area') throw new ApiError(400, 'a policy-area alert spans clusters: open a view of one of its clusters');
        target = subject.clusterId;
      } else {
        target = clusterId!;
        const catalog = deps.catalog();
        if (catalog && !catalog.clusters.some((c) => c.id === target)) throw new ApiError(404, `no cluster ${target}`);
      }
      const facets = await facetsOf(target);
      const now = Date.now();
      const subject = alertId !== undefined ? `alert:${alertId}` : `cluster:${target}`;
      const view = await store.open({ expiresAtMs: now + settings.viewMinutes * 60_000, principal: principal.name, caseRef: request.body.case, reason: request.body.reason, subject, clusterId: target, facets: facets.length }, now);
      await deps.access.record(principal, 'investigations.open', `${subject} case:${request.body.case} view:${view.id}`);
      return reply.code(201).send({ view: viewOut(view), facets });
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/investigations/:id/facets',
    {
      config: { role: 'investigator' },
      schema: {
        summary: 'Re-read an open view of one\'s own, until it expires',
        params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        response: { 200: facetsSchema, ...errorResponses },
      },
    },
    async (request) => {
      enabled();
      const principal = principalOf(request);
      const view = await store.get(request.params.id);
      if (!view || view.principal !== principal.name) throw new ApiError(404, `no view ${request.params.id} of yours`);
      if (view.endedAtMs !== null || view.expiresAtMs <= Date.now()) throw new ApiError(403, `view ${view.id} has ended: open a new one, with its case and reason`);
      const facets = await facetsOf(view.clusterId);
      await deps.access.record(principal, 'investigations.read', `${view.subject} case:${view.caseRef} view:${view.id}`);
      return { view: viewOut(view), facets };
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/api/investigations',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Every investigator view, newest first: who, when, which case, why, and how many facets',
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: { 200: { type: 'object', additionalProperties: false, required: ['views'], properties: { views: { type: 'array', items: viewSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      const views = await store.recent(request.query.limit);
      await deps.access.record(principalOf(request), 'investigations.list');
      return { views: views.map(viewOut) };
    },
  );
}
