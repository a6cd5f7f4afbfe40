import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { parseRuleDocument, ruleLimitsOf, RulesError, type SilenceMatchers } from '../../rules/rules.ts';
import { SilenceStore, type StoredSilence } from '../../store/silence-store.ts';
import { ApiError, errorResponses } from '../auth/errors.ts';
import { principalOf } from '../auth/hook.ts';
import type { WorkbenchDeps } from '../deps.ts';

/** Expired silences listed at most (the newest first). */
const EXPIRED_SHOWN = 100;

interface ApiMatchers {
  rule?: string;
  cluster_id?: string;
  policy_area?: string;
  severity?: 'info' | 'warning' | 'critical';
}

const matchersSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { rule: { type: 'string' }, cluster_id: { type: 'string' }, policy_area: { type: 'string' }, severity: { enum: ['info', 'warning', 'critical'] } },
} as const;

const silenceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'matchers', 'starts_at', 'ends_at', 'author', 'comment'],
  properties: {
    id: { type: 'string' },
    matchers: matchersSchema,
    starts_at: { type: 'string', format: 'date-time' },
    ends_at: { type: 'string', format: 'date-time' },
    author: { type: 'string' },
    comment: { type: 'string' },
  },
} as const;

function toApi(s: StoredSilence): Record<string, unknown> {
  const m = s.matchers;
  const matchers: ApiMatchers = {
    ...(m.rule !== undefined ? { rule: m.rule } : {}),
    ...(m.clusterId !== undefined ? { cluster_id: m.clusterId } : {}),
    ...(m.policyArea !== undefined ? { policy_area: m.policyArea } : {}),
    ...(m.severity !== undefined ? { severity: m.severity } : {}),
  };
  return { id: s.id, matchers, starts_at: new Date(s.startsAtMs).toISOString(), ends_at: new Date(s.endsAtMs).toISOString(), author: s.author, comment: s.comment };
}

/**
 * Silences made through the API, as Alertmanager's: matchers, start, end, author (the token's
 * name), comment. Checked by the rules files' schema for silences; merged with the files' silences
 * by RulesInForce on every instance.
 */
export async function silencesRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const store = new SilenceStore(deps.db);
  const limits = ruleLimitsOf(deps.config);

  app.get(
    '/api/silences',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Silences made through the API: active (and scheduled) ones, and the latest expired ones',
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['active', 'expired'],
            properties: { active: { type: 'array', items: silenceSchema }, expired: { type: 'array', items: silenceSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const { active, expired } = await store.list(Date.now(), EXPIRED_SHOWN);
      return { active: active.map(toApi), expired: expired.map(toApi) };
    },
  );

  app.post<{ Body: { matchers: ApiMatchers; starts_at?: string; ends_at: string; comment: string } }>(
    '/api/silences',
    {
      config: { role: 'analyst' },
      schema: {
        summary: 'Mute alerts whose labels equal every matcher, from starts_at (default: now) to ends_at',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['matchers', 'ends_at', 'comment'],
          properties: { matchers: { type: 'object' }, starts_at: { type: 'string' }, ends_at: { type: 'string' }, comment: { type: 'string' } },
        },
        response: { 201: silenceSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { matchers, starts_at, ends_at, comment } = request.body;
      const id = randomUUID();
      // The same schema and checks as a silence in a rules file (matcher spelling, time format, comment).
      let parsed;
      try {
        parsed = parseRuleDocument({ silences: [{ id, matchers, expires_at: ends_at, comment }] }, 'api', limits, deps.rules().areas ?? null).silences[0]!;
      } catch (error) {
        if (!(error instanceof RulesError)) throw error;
        const path = (error.path ?? []).slice(2).map(String);
        const key = path[0] === 'expires_at' ? 'ends_at' : path.join('.');
        throw new ApiError(400, `the silence is not valid: ${error.problem}`, [{ path: key || '(body)', message: error.problem }]);
      }
      const nowMs = Date.now();
      const startsAtMs = starts_at === undefined ? nowMs : Date.parse(starts_at.replace(' ', 'T'));
      if (Number.isNaN(startsAtMs) || !/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(starts_at ?? '2000-01-01T00:00')) {
        throw new ApiError(400, 'the silence is not valid: starts_at must be an RFC 3339 time', [{ path: 'starts_at', message: 'must be an RFC 3339 time with a zone, such as 2026-11-28T09:00:00Z' }]);
      }
      if (parsed.expiresAtMs <= Math.max(startsAtMs, nowMs)) {
        throw new ApiError(400, 'the silence is not valid: it would end before it starts', [{ path: 'ends_at', message: 'must be after starts_at and in the future' }]);
      }
      const stored = await store.create({ id, matchers: parsed.matchers as SilenceMatchers, startsAtMs, endsAtMs: parsed.expiresAtMs, author: principal.name, comment: parsed.comment });
      await deps.access.record(principal, 'silences.create', id);
      return reply.code(201).send(toApi(stored));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/silences/:id',
    {
      config: { role: 'analyst' },
      schema: {
        summary: 'Expire a silence now (it stays listed as expired)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', additionalProperties: false, required: ['id', 'expired'], properties: { id: { type: 'string' }, expired: { type: 'boolean' } } }, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const expired = await store.expire(request.params.id, Date.now());
      if (!expired) throw new ApiError(404, `there is no silence ${request.params.id}`);
      await deps.access.record(principal, 'silences.expire', expired.id);
      return { id: expired.id, expired: true };
    },
  );
}
