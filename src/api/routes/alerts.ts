import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../auth/errors.ts';
import type { WorkbenchDeps } from '../deps.ts';
import { readModelOf, type AlertRecord, type AlertState } from '../read-model.ts';

/** The most alerts one answer lists (newest first); narrow the period or filters for older ones. */
export const MAX_ALERTS = 1000;

export const alertItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id', 'rule', 'kind', 'severity', 'state', 'started_at', 'resolved_at', 'cluster', 'subject', 'observed_share', 'expected_share', 'ratio',
    'conversations', 'accounts',
  ],
  properties: {
    id: { type: 'string' },
    rule: { type: 'string' },
    kind: { enum: ['spike', 'emerging'] },
    severity: { enum: ['info', 'warning', 'critical'] },
    state: { enum: ['firing', 'resolved', 'silenced'], description: 'an emerging alert is a one-off notice: resolved once sent' },
    started_at: { type: 'string' },
    resolved_at: {
      type: ['string', 'null'],
      description: 'set exactly when state is resolved: the resolution notice, or when an emerging notice was sent; null while firing or silenced',
    },
    cluster: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'name', 'policy_areas'],
      properties: { id: { type: 'string' }, name: { type: 'string' }, policy_areas: { type: 'array', items: { type: 'string' } } },
    },
    subject: { enum: ['cluster', 'policy_area'] },
    observed_share: { type: 'number' },
    expected_share: { type: 'number' },
    ratio: { type: 'number' },
    conversations: { type: 'integer' },
    accounts: { type: 'integer' },
  },
} as const;

export function alertItem(a: AlertRecord) {
  return {
    id: a.id, rule: a.rule, kind: a.kind, severity: a.severity, state: a.state, started_at: a.startedAt, resolved_at: a.resolvedAt,
    cluster: a.cluster, subject: a.subject, observed_share: a.observedShare, expected_share: a.expectedShare, ratio: a.ratio,
    conversations: a.conversations, accounts: a.accounts,
  };
}

/**
 * GET /api/alerts: firing, resolved and silenced alert episodes with the alert schema's aggregates
 * (the figures that passed the privacy gate when the alert was raised), newest first.
 */
export async function alertsRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const model = readModelOf(deps);

  app.get<{ Querystring: { state?: AlertState; kind?: 'spike' | 'emerging'; rule?: string; from?: string; to?: string } }>(
    '/api/alerts',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Alert episodes: firing, resolved and silenced',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { enum: ['firing', 'resolved', 'silenced'] },
            kind: { enum: ['spike', 'emerging'] },
            rule: { type: 'string', maxLength: 64 },
            from: { type: 'string', format: 'date-time', description: 'episodes still open at or after this time' },
            to: { type: 'string', format: 'date-time', description: 'episodes started before this time' },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['alerts'],
            properties: { alerts: { type: 'array', items: alertItemSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const alerts = await model.alerts({
        state: q.state, kind: q.kind, rule: q.rule,
        fromMs: q.from ? Date.parse(q.from) : undefined,
        toMs: q.to ? Date.parse(q.to) : undefined,
      });
      return { alerts: alerts.slice(0, MAX_ALERTS).map(alertItem) };
    },
  );
}
