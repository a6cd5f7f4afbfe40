import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseRuleDocument, ruleLimitsOf, RulesError, rulesFileSchema, toDocumentRule, type RuleDocumentRule, type RuleSet } from '../../rules/rules.ts';
import { RuleVersionsStore, type RuleDocument, type RuleVersion } from '../../store/rule-versions-store.ts';
import { ApiError, errorResponses, type ErrorDetail } from '../auth/errors.ts';
import { principalOf } from '../auth/hook.ts';
import type { WorkbenchDeps } from '../deps.ts';

/** The schema id of one rule in the files' spelling (from schemas/rules.schema.json). */
const RULES_FILE_ID = 'RulesFile';
const ruleRef = { $ref: `${RULES_FILE_ID}#/definitions/rule` };

const reasonSchema = { type: 'string', minLength: 1, maxLength: 500, description: 'why the rules change (kept with the version)' } as const;
const versionAnswer = { type: 'object', additionalProperties: false, required: ['version'], properties: { version: { type: 'integer' } } } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 64 } } } as const;

/** Who wrote the version the API builds from when the database holds none yet: the rules files. */
const FILES_AUTHOR = 'files';

/**
 * The RulesError of a document the API validated, as error details: the path in the request body
 * (rules[2].min_accounts, or rule.min_accounts for a single rule) and the problem.
 */
export function rulesErrorDetails(error: RulesError, single?: { index: number }): ErrorDetail[] {
  const path = error.path ?? [];
  let parts: Array<string | number> = path;
  if (single && path[0] === 'rules' && path[1] === single.index) parts = ['rule', ...path.slice(2)];
  const text = parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  return [{ path: text || '(body)', message: error.problem }];
}

/**
 * Rules editable through the API: every change is validated by the same code and schema as the
 * rules files (privacy floors included), stored as a new version with author and reason, and put in
 * force by every instance's RulesInForce within one poll.
 */
export async function rulesRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const store = new RuleVersionsStore(deps.db);
  const limits = ruleLimitsOf(deps.config);
  app.addSchema({ ...rulesFileSchema(), $id: RULES_FILE_ID });

  /** Validates a whole document with the files' code; a single rule's errors point at `rule.*`. */
  const validate = (document: RuleDocument, single?: { index: number }): RuleSet => {
    try {
      return parseRuleDocument(document, 'api', limits, deps.rules().areas ?? null);
    } catch (error) {
      if (error instanceof RulesError) throw new ApiError(400, `the rules are not valid: ${error.problem}`, rulesErrorDetails(error, single));
      throw error;
    }
  };
  /** The rules in the files' spelling: the latest version's, or those of the files when there is none. */
  const documentOf = (latest: RuleVersion | null): RuleDocument => latest?.document ?? { rules: deps.rules().rules.map(toDocumentRule) };
  /** Appends `change(latest)` as a new version; the first one through the API also records the files it started from. */
  const write = async (request: FastifyRequest, action: string, target: string | null, reason: string, change: (current: RuleDocument) => RuleDocument, single?: (doc: RuleDocument) => { index: number }) => {
    const principal = principalOf(request);
    const version = await store.append((latest) => {
      const next = change(documentOf(latest));
      validate(next, single?.(next));
      const start = latest ? [] : [{ author: FILES_AUTHOR, reason: 'the rules of the alerts/ files before the first edit', document: documentOf(null) }];
      return [...start, { author: principal.name, reason, document: next }];
    });
    await deps.access.record(principal, action, target);
    return { version };
  };

  app.get(
    '/api/rules',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'The rules in force, in the files spelling',
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['version', 'source', 'rules'],
            properties: { version: { type: 'integer' }, source: { enum: ['files', 'database'] }, rules: { type: 'array', items: ruleRef } },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const latest = await store.latest();
      return { version: latest?.version ?? 0, source: latest ? 'database' : 'files', rules: documentOf(latest).rules };
    },
  );

  app.put<{ Body: { rules: RuleDocumentRule[]; reason: string } }>(
    '/api/rules',
    {
      config: { role: 'analyst' },
      schema: {
        summary: 'Replace the whole rule set (a new version)',
        body: { type: 'object', additionalProperties: false, required: ['rules', 'reason'], properties: { rules: { type: 'array', items: { type: 'object' } }, reason: reasonSchema } },
        response: { 200: versionAnswer, ...errorResponses },
      },
    },
    async (request) => write(request, 'rules.put', null, request.body.reason, () => ({ rules: request.body.rules })),
  );

  app.get(
    '/api/rules/history',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Every rule version, newest first',
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['versions'],
            properties: {
              versions: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['version', 'author', 'created_at', 'reason', 'rules'],
                  properties: { version: { type: 'integer' }, author: { type: 'string' }, created_at: { type: 'string' }, reason: { type: 'string' }, rules: { type: 'integer' } },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit } = request.query as { limit: number };
      const versions = await store.history(limit);
      return { versions: versions.map((v) => ({ version: v.version, author: v.author, created_at: new Date(v.createdAtMs).toISOString(), reason: v.reason, rules: v.rules })) };
    },
  );

  app.post<{ Body: { version: number; reason: string } }>(
    '/api/rules/rollback',
    {
      config: { role: 'analyst' },
      schema: {
        summary: 'Put an earlier version back in force (as a new version)',
        body: { type: 'object', additionalProperties: false, required: ['version', 'reason'], properties: { version: { type: 'integer', minimum: 1 }, reason: reasonSchema } },
        response: { 200: versionAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const earlier = await store.get(request.body.version);
      if (!earlier) throw new ApiError(404, `there is no rule version ${request.body.version}`);
      return write(request, 'rules.rollback', `version ${earlier.version}`, request.body.reason, () => earlier.document);
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/rules/:name',
    { config: { role: 'viewer' }, schema: { summary: 'One rule in force', params: nameParams, response: { 200: { description: 'The rule, in the rules files spelling', ...ruleRef }, ...errorResponses } } },
    async (request) => {
      const rule = documentOf(await store.latest()).rules.find((r) => r.name === request.params.name);
      if (!rule) throw new ApiError(404, `there is no rule named "${request.params.name}"`);
      return rule;
    },
  );

  app.put<{ Params: { name: string }; Body: { rule: RuleDocumentRule; reason: string } }>(
    '/api/rules/:name',
    {
      config: { role: 'analyst' },
      schema: {
        summary: 'Create or replace one rule (a new version)',
        params: nameParams,
        body: { type: 'object', additionalProperties: false, required: ['rule', 'reason'], properties: { rule: { type: 'object' }, reason: reasonSchema } },
        response: { 200: versionAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { rule } = request.body;
      if (rule.name !== undefined && rule.name !== name) {
        throw new ApiError(400, 'the rule is not valid: its name differs from the one in the path', [{ path: 'rule.name', message: `must be "${name}" (the name in the path)` }]);
      }
      const named = { ...rule, name };
      const replace = (current: RuleDocument): RuleDocument => {
        const at = current.rules.findIndex((r) => r.name === name);
        return { rules: at < 0 ? [...current.rules, named] : current.rules.map((r, i) => (i === at ? named : r)) };
      };
      return write(request, 'rules.put', name, request.body.reason, replace, (doc) => ({ index: doc.rules.findIndex((r) => r.name === name) }));
    },
  );

  app.delete<{ Params: { name: string }; Querystring: { reason?: string }; Body: { reason?: string } | undefined }>(
    '/api/rules/:name',
    {
      config: { role: 'analyst' },
      schema: {
        summary: 'Delete one rule (a new version); the reason goes in the query or the body',
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { reason: reasonSchema } },
        response: { 200: versionAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const { name } = request.params;
      const reason = request.query.reason ?? (typeof request.body?.reason === 'string' ? request.body.reason : undefined);
      if (!reason) throw new ApiError(400, 'a reason is required', [{ path: 'querystring.reason', message: 'is required (or give it as reason in the body)' }]);
      return write(request, 'rules.delete', name, reason, (current) => {
        if (!current.rules.some((r) => r.name === name)) throw new ApiError(404, `there is no rule named "${name}"`);
        return { rules: current.rules.filter((r) => r.name !== name) };
      });
    },
  );
}
