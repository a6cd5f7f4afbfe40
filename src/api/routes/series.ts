import type { FastifyInstance } from 'fastify';
import { ApiError, errorResponses } from '../auth/errors.ts';
import { principalOf } from '../auth/hook.ts';
import type { WorkbenchDeps } from '../deps.ts';
import { readModelOf } from '../read-model.ts';

const STEPS: Record<string, number> = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 };
/** The longest answer: 8 days of 5-minute buckets (a week plus its margins), however long the span asked. */
export const MAX_POINTS = 2400;
const DAY_MS = 86_400_000;

const nullableNumber = { type: ['number', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;

/**
 * GET /api/clusters/:id/series: per step, conversations, distinct accounts, share, and the expected
 * share with its band, plus the cluster's alerts as markers. A step under the privacy minimums is
 * suppressed (null, flagged). Every read is written to the access log.
 */
export async function seriesRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const model = readModelOf(deps);

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string; step?: string } }>(
    '/api/clusters/:id/series',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'A cluster series with its expected level and alert markers (privacy-gated per point)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time', description: 'default: one day before `to`' },
            to: { type: 'string', format: 'date-time', description: 'default: the end of the last closed bucket' },
            step: { enum: Object.keys(STEPS), description: 'default: the counting bucket' },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['cluster_id', 'step_seconds', 'points', 'alerts'],
            properties: {
              cluster_id: { type: 'string' },
              step_seconds: { type: 'integer' },
              points: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['t', 'conversations', 'accounts', 'share', 'expected', 'lower', 'upper', 'suppressed'],
                  properties: {
                    t: { type: 'string' },
                    conversations: nullableInteger,
                    accounts: nullableInteger,
                    share: nullableNumber,
                    expected: nullableNumber,
                    lower: nullableNumber,
                    upper: nullableNumber,
                    suppressed: { type: 'boolean' },
                  },
                },
              },
              alerts: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['id', 'rule', 'kind', 'state', 'at'],
                  properties: {
                    id: { type: 'string' },
                    rule: { type: 'string' },
                    kind: { enum: ['spike', 'emerging'] },
                    state: { enum: ['firing', 'resolved', 'silenced'] },
                    at: { type: 'string' },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const subject = model.seriesSubject(id);
      if (!subject) throw new ApiError(404, 'no such cluster');
      const bucketMs = model.bucketMs;
      const stepMs = request.query.step ? STEPS[request.query.step]! : bucketMs;
      if (stepMs < bucketMs || stepMs % bucketMs !== 0) {
        throw new ApiError(400, `step must be a multiple of the counting bucket (${bucketMs / 1000} s)`, [{ path: 'querystring/step', message: 'finer than the counting bucket' }]);
      }
      const closed = (await model.closedThrough()) ?? Math.floor(Date.now() / bucketMs) * bucketMs;
      const toMs = alignUp(request.query.to ? Date.parse(request.query.to) : closed, stepMs);
      const fromMs = alignDown(request.query.from ? Date.parse(request.query.from) : toMs - DAY_MS, stepMs);
      if (!(toMs > fromMs)) throw new ApiError(400, 'from must be before to', [{ path: 'querystring/from', message: 'not before to' }]);
      if ((toMs - fromMs) / stepMs > MAX_POINTS) {
        throw new ApiError(400, `at most ${MAX_POINTS} points per answer: take a coarser step or a shorter span`, [{ path: 'querystring/step', message: 'too many points' }]);
      }
      // Recorded before anything is read: a read that cannot be logged is not served.
      await deps.access.record(principal, 'series.read', id);
      const [points, alerts] = await Promise.all([model.series(id, fromMs, toMs, stepMs), model.alerts({ fromMs, toMs })]);
      return {
        cluster_id: id,
        step_seconds: stepMs / 1000,
        points,
        alerts: alerts.filter((a) => a.cluster.id === id).map((a) => ({ id: a.id, rule: a.rule, kind: a.kind, state: a.state, at: a.startedAt })),
      };
    },
  );
}

function alignDown(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

function alignUp(ms: number, stepMs: number): number {
  return Math.ceil(ms / stepMs) * stepMs;
}
