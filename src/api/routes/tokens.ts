import type { FastifyInstance } from 'fastify';
import { ApiError, errorResponses } from '../auth/errors.ts';
import { principalOf } from '../auth/hook.ts';
import { ROLES, type Role } from '../auth/roles.ts';
import { hashToken, newToken } from '../auth/tokens.ts';
import { TOKEN_NAME } from '../auth/tokens-command.ts';
import type { WorkbenchDeps } from '../deps.ts';

const TOKEN_NAME_PATTERN = TOKEN_NAME.source;

const tokenRow = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role', 'created_at', 'source'],
  properties: {
    name: { type: 'string' },
    role: { enum: [...ROLES] },
    created_at: { type: ['string', 'null'] },
    source: { enum: ['config', 'database'] },
  },
} as const;

/** Admin only: list, create (the token is in the answer once) and revoke database tokens. */
export async function tokensRoutes(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  const verifier = app.tokenVerifier;
  app.get(
    '/api/tokens',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Live tokens (names and roles, never hashes)',
        response: { 200: { type: 'object', additionalProperties: false, required: ['tokens'], properties: { tokens: { type: 'array', items: tokenRow } } }, ...errorResponses },
      },
    },
    async () => {
      const configured = deps.config.api.tokens.map((t) => ({ name: t.name, role: t.role, created_at: null, source: 'config' as const }));
      const stored = (await verifier.store.active()).map((t) => ({ name: t.name, role: t.role, created_at: new Date(t.createdAtMs).toISOString(), source: 'database' as const }));
      return { tokens: [...configured, ...stored] };
    },
  );

  app.post<{ Body: { name: string; role: Role } }>(
    '/api/tokens',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Create a token; the answer is the only place it is ever shown',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'role'],
          properties: { name: { type: 'string', pattern: TOKEN_NAME_PATTERN }, role: { enum: [...ROLES] } },
        },
        response: {
          201: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'role', 'token'],
            properties: { name: { type: 'string' }, role: { enum: [...ROLES] }, token: { type: 'string' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { name, role } = request.body;
      if (deps.config.api.tokens.some((t) => t.name === name)) throw new ApiError(409, `a configured token is already named "${name}"`);
      const token = newToken();
      if (!(await verifier.store.create(name, role, hashToken(token)))) throw new ApiError(409, `a live token is already named "${name}"; revoke it first`);
      verifier.invalidate();
      await deps.access.record(principalOf(request), 'tokens.create', name);
      return reply.code(201).send({ name, role, token });
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/tokens/:name',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Revoke a database token',
        params: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: TOKEN_NAME_PATTERN } } },
        response: {
          200: { type: 'object', additionalProperties: false, required: ['name', 'revoked'], properties: { name: { type: 'string' }, revoked: { type: 'boolean' } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      if (!(await verifier.store.revoke(name))) {
        const configured = deps.config.api.tokens.some((t) => t.name === name);
        throw new ApiError(404, configured ? `"${name}" is a configured token: remove it from api.tokens instead` : `no live token is named "${name}"`);
      }
      verifier.invalidate();
      await deps.access.record(principalOf(request), 'tokens.revoke', name);
      return { name, revoked: true };
    },
  );
}
