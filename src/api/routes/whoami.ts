import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../auth/errors.ts';
import { principalOf } from '../auth/hook.ts';
import { ROLES } from '../auth/roles.ts';
import type { WorkbenchDeps } from '../deps.ts';

/** GET /api/whoami: the token's name and role (the dashboard shows them and hides what the role cannot do). */
export async function whoamiRoutes(app: FastifyInstance, _deps: WorkbenchDeps): Promise<void> {
  app.get(
    '/api/whoami',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'The name and role of the token used',
        response: {
          200: { type: 'object', additionalProperties: false, required: ['name', 'role'], properties: { name: { type: 'string' }, role: { enum: [...ROLES] } } },
          ...errorResponses,
        },
      },
    },
    async (request) => principalOf(request),
  );
}
