import type { FastifyInstance } from 'fastify';
import { backtestableRules, backtestSets, CountsCache, prefetchCounts, prepareBacktestWorkers } from '../../detect/backtest.ts';
import { parseRuleDocument, ruleLimitsOf, RulesError, type RuleSet } from '../../rules/rules.ts';
import { readPolicyAreas } from '../../rules/areas.ts';
import { ApiError, errorResponses } from '../auth/errors.ts';
import { principalOf } from '../auth/hook.ts';
import type { WorkbenchDeps } from '../deps.ts';
import { readModelOf } from '../read-model.ts';
import { rulesErrorDetails } from './rules.ts';

const DAY_MS = 86_400_000;
/** The default period: the last week of stored counts. */
const DEFAULT_PERIOD_MS = 7 * DAY_MS;
/** The longest period one backtest judges. */
export const MAX_PERIOD_MS = 31 * DAY_MS;
/** The most rules one backtest takes. */
const MAX_RULES = 50;

const backtestAlertSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rule', 'kind', 'cluster_id', 'cluster_name', 'subject', 'started_at', 'resolved_at', 'ratio'],
  properties: {
    rule: { type: 'string' },
    kind: { enum: ['spike'] },
    cluster_id: { type: 'string' },
    cluster_name: { type: 'string' },
    subject: { enum: ['cluster', 'policy_area'] },
    started_at: { type: 'string' },
    resolved_at: { type: ['string', 'null'] },
    ratio: { type: 'number' },
  },
} as const;

/** Why a rule is not backtested: the only kind that is not (see detect/backtest.ts). */
const NOT_BACKTESTED_REASON =
  'emerging rules score the embeddings of recent conversations, which are kept for the emergence horizon only, not over a backtest period: no stored counts can say what they would have raised';

const notBacktestedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rule', 'set', 'kind', 'reason'],
  properties: {
    rule: { type: 'string' },
    set: { enum: ['candidate', 'current'], description: 'the candidate rules, or the rules in force' },
    kind: { enum: ['emerging'] },
    reason: { type: 'string' },
  },
} as const;

/**
 * POST /api/backtest: candidate rules (the files' spelling, validated by the same code as the rules
 * files) run over the stored counts of a period by the live detector's own code, beside the rules
 * in force over the same period. Spike rules only: emerging rules need conversations that are not
 * kept that long. They are not left out silently: every such rule, of either set, is listed in
 * `not_backtested` with the reason, and neither `candidate` nor `current` holds emerging alerts.
 */
export async function backtestRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const model = readModelOf(deps);
  const limits = ruleLimitsOf(deps.config);
  let shippedAreas: ReturnType<typeof readPolicyAreas> | null = null;
  const taxonomy = () => {
    const areas = deps.rules().areas;
    if (areas) return areas;
    try {
      shippedAreas ??= readPolicyAreas();
    } catch {
      shippedAreas = [];
    }
    return shippedAreas;
  };

  // The counts the last backtest read, for the next one (an analyst runs several in a row): it reads only what may have changed.
  const { retention, windows } = deps.config;
  const counts = new CountsCache({ allowedLatenessMs: windows.allowedLatenessSeconds * 1000, retention: retention.enabled ? retention : null });
  app.addHook('onClose', async () => counts.clear());
  // Counts being read ahead (prepare): a backtest waits for that read rather than reading the same counts beside it.
  let prefetching: Promise<void> = Promise.resolve();
  const withAreas = (set: RuleSet): RuleSet => (set.areas ? set : { ...set, areas: [...taxonomy()] });

  /** The period asked, or the last DEFAULT_PERIOD_MS before the watermark, on the bucket grid; ApiError when it cannot be judged. */
  const periodOf = (body: { from?: string; to?: string }, closed: number): { fromMs: number; toMs: number } => {
    const bucketMs = model.bucketMs;
    const toMs = alignDown(body.to ? Date.parse(body.to) : closed, bucketMs);
    const fromMs = alignDown(body.from ? Date.parse(body.from) : toMs - DEFAULT_PERIOD_MS, bucketMs);
    if (!(toMs > fromMs)) throw new ApiError(400, 'from must be before to', [{ path: 'body/from', message: 'not before to' }]);
    if (toMs - fromMs > MAX_PERIOD_MS) throw new ApiError(400, `a backtest covers at most ${MAX_PERIOD_MS / DAY_MS} days`, [{ path: 'body/from', message: 'period too long' }]);
    return { fromMs, toMs };
  };

  // The rule editor says a backtest is likely soon: the worker threads that judge it load meanwhile
  // (≈ 1.5 s on two cores), kept a few minutes, and the counts of the period (the rules in force's
  // segments) are read into the counts kept for the next backtest. Nothing is answered but 202.
  app.post<{ Body: { from?: string; to?: string } | undefined }>(
    '/api/backtest/prepare',
    {
      config: { role: 'analyst' },
      schema: {
        summary: 'Get the backtest workers and the counts of a period ready ahead of a backtest (the dashboard calls it when its rule editor opens)',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time', description: 'the period the backtest is likely to ask (default: the last 7 days)' },
            to: { type: 'string', format: 'date-time' },
          },
        },
        response: {
          202: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { enum: ['preparing'] } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const logger = deps.logger.child({ component: 'backtest' });
      await prepareBacktestWorkers(logger);
      const catalog = deps.catalog();
      const closed = await model.closedThrough();
      if (catalog && closed !== null) {
        const { fromMs, toMs } = periodOf(request.body ?? {}, closed);
        const inForce = withAreas(deps.rules());
        // Not awaited: the editor does not wait for it. A failure only means the backtest reads the counts itself.
        prefetching = prefetching
          .then(() => prefetchCounts({ db: deps.db, catalog, fromMs, toMs, bucketMs: model.bucketMs, counts: { cache: counts, closedThroughMs: closed } }, [inForce]))
          .catch((error: unknown) => logger.warn({ err: error }, 'reading the counts ahead of a backtest failed: the backtest reads them itself'));
      }
      return reply.code(202).send({ status: 'preparing' as const });
    },
  );

  app.post<{ Body: { rules: unknown[]; from?: string; to?: string } }>(
    '/api/backtest',
    {
      config: { role: 'analyst' },
      schema: {
        summary: 'The alerts candidate rules would have raised over the stored counts, beside those of the rules in force',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['rules'],
          properties: {
            rules: { type: 'array', minItems: 1, maxItems: MAX_RULES, items: { type: 'object' }, description: 'rules as in the YAML files' },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'to', 'candidate', 'current', 'skipped', 'not_backtested', 'took_ms'],
            properties: {
              from: { type: 'string' },
              to: { type: 'string' },
              candidate: { type: 'array', items: backtestAlertSchema, description: "episodes of the candidate's spike rules only (see not_backtested)" },
              current: { type: 'array', items: backtestAlertSchema, description: 'episodes of the spike rules in force only (see not_backtested)' },
              skipped: { type: 'array', items: { type: 'string' }, description: 'names of the candidate rules in not_backtested' },
              not_backtested: {
                type: 'array',
                items: notBacktestedSchema,
                description: 'rules of either set that were not backtested (emerging rules), with why: their alerts are in neither list',
              },
              took_ms: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      let candidate: RuleSet;
      try {
        candidate = parseRuleDocument({ rules: request.body.rules }, 'backtest', limits, taxonomy());
      } catch (error) {
        if (error instanceof RulesError) throw new ApiError(400, `the rules are not valid: ${error.problem}`, rulesErrorDetails(error));
        throw error;
      }
      const catalog = deps.catalog();
      if (!catalog) throw new ApiError(409, 'no catalog is loaded: there is nothing to backtest against');
      const bucketMs = model.bucketMs;
      const closed = await model.closedThrough();
      if (closed === null) throw new ApiError(409, 'no counts are stored yet');
      const { fromMs, toMs } = periodOf(request.body, closed);
      await deps.access.record(principal, 'backtest.run', candidate.rules.map((r) => r.name).join(','));
      const started = performance.now();
      // Counts the editor's prepare is still reading are this backtest's start: wait for them.
      await prefetching;
      const common = {
        db: deps.db, catalog, fromMs, toMs, bucketMs,
        privacy: { minAccounts: deps.config.privacy.minAccounts, minConversations: deps.config.privacy.minConversations },
        policyAreas: taxonomy(), logger: deps.logger.child({ component: 'backtest' }, { level: 'warn' }),
        counts: { cache: counts, closedThroughMs: closed },
      };
      const inForce = deps.rules();
      // One read of the stored counts serves both sets, judged side by side (worker threads).
      const [candidateResult, currentResult] = await backtestSets(common, [withAreas(candidate), withAreas(inForce)]);
      const notBacktested = (set: 'candidate' | 'current', rules: RuleSet['rules']) =>
        rules.filter((r) => !backtestableRules([r]).length).map((r) => ({ rule: r.name, set, kind: 'emerging' as const, reason: NOT_BACKTESTED_REASON }));
      const not_backtested = [...notBacktested('candidate', candidate.rules), ...notBacktested('current', inForce.rules)];
      return {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        candidate: candidateResult.alerts,
        current: currentResult.alerts,
        skipped: not_backtested.filter((r) => r.set === 'candidate').map((r) => r.rule),
        not_backtested,
        took_ms: Math.round(performance.now() - started),
      };
    },
  );
}

function alignDown(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}
