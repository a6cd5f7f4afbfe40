import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerWorkbench } from '../api/server.ts';
import type { WorkbenchDeps } from '../api/deps.ts';
import type { Logger } from '../log.ts';
import type { PipelineMetrics } from '../pipeline/metrics.ts';

/** What /readyz asks of the running pipeline. */
export interface Readiness {
  checks(): Promise<Record<string, boolean>>;
}

export interface AppDeps {
  metrics: PipelineMetrics;
  readiness: Readiness;
  logger?: Logger;
  /** The analyst workbench (API and dashboard); absent, only the three open routes are served. */
  workbench?: WorkbenchDeps;
}

/**
 * The HTTP surface, built without a port so tests can `inject`. Every route declares its response
 * schema: fastify serialises only declared fields, which keeps anything undeclared from leaking.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  // Per-request logs stay below warn: they would only say that /metrics was scraped.
  const logger = deps.logger?.child({ component: 'api' }, { level: 'warn' });
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger | undefined });

  app.get('/healthz', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'ok' }));

  const readySchema = {
    type: 'object',
    properties: { ready: { type: 'boolean' }, checks: { type: 'object', additionalProperties: { type: 'boolean' } } },
  };
  app.get('/readyz', { schema: { response: { 200: readySchema, 503: readySchema } } }, async (_request, reply) => {
    const checks = await deps.readiness.checks();
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  // In its own scope: the token gate, secure headers and error format cover the workbench, not the three routes above.
  const workbench = deps.workbench;
  if (workbench) void app.register(async (scope) => registerWorkbench(scope, workbench));

  return app;
}
