import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import type { FastifyError, FastifyInstance } from 'fastify';
import { dashboardRoutes } from '../dashboard/routes.ts';
import { RulesError } from '../rules/rules.ts';
import { ApiError, errorResponseSchema } from './auth/errors.ts';
import { installAuth } from './auth/hook.ts';
import { TokenVerifier } from './auth/tokens.ts';
import type { WorkbenchDeps } from './deps.ts';
import { alertsRoutes } from './routes/alerts.ts';
import { backtestRoutes } from './routes/backtest.ts';
import { catalogVersionsRoutes } from './routes/catalog-versions.ts';
import { investigationsRoutes } from './routes/investigations.ts';
import { clustersRoutes } from './routes/clusters.ts';
import { overviewRoutes } from './routes/overview.ts';
import { rulesRoutes, rulesErrorDetails } from './routes/rules.ts';
import { seriesRoutes } from './routes/series.ts';
import { silencesRoutes } from './routes/silences.ts';
import { tokensRoutes } from './routes/tokens.ts';
import { whoamiRoutes } from './routes/whoami.ts';

type RoutePlugin = (app: FastifyInstance, deps: WorkbenchDeps) => Promise<void>;

/** Every route plugin of the workbench, in registration order. */
const ROUTES: RoutePlugin[] = [
  whoamiRoutes,
  overviewRoutes,
  clustersRoutes,
  seriesRoutes,
  alertsRoutes,
  rulesRoutes,
  silencesRoutes,
  backtestRoutes,
  catalogVersionsRoutes,
  investigationsRoutes,
  tokensRoutes,
];

/**
 * Adds the analyst workbench to the service's fastify app: secure headers, the OpenAPI document at
 * /openapi.json, the bearer-token gate, the API routes and the dashboard. Routes registered before
 * this (/healthz, /readyz, /metrics) declare no role and stay open.
 */
export async function registerWorkbench(app: FastifyInstance, deps: WorkbenchDeps): Promise<void> {
  await app.register(helmet, {
    // The dashboard loads its scripts and styles from this origin only; uPlot draws on a canvas.
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"] } },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'clio-stream analyst workbench', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.addSchema(errorResponseSchema);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send(error.body());
    if (error instanceof RulesError) {
      return reply.code(400).send({ error: 'invalid_rules', message: error.message, details: rulesErrorDetails(error) });
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      const details = error.validation.map((v) => ({ path: `${where}${v.instancePath || ''}`, message: v.message ?? 'is invalid' }));
      return reply.code(400).send({ error: 'invalid_request', message: `the ${where} is not valid: ${details[0]?.path} ${details[0]?.message}`, details });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    // Never echo an internal message: it could carry a value from the store.
    if (status === 500) request.log.error({ err: error.message, route: request.routeOptions.url }, 'request failed');
    return reply.code(status).send({ error: status === 500 ? 'internal' : 'invalid_request', message: status === 500 ? 'the request failed; see the service log' : error.message });
  });

  const verifier = new TokenVerifier(deps.db, deps.config.api.tokens);
  app.decorate('tokenVerifier', verifier);
  installAuth(app, verifier, deps.config.api.authFailures);
  for (const routes of ROUTES) await app.register(async (scope) => routes(scope, deps));
  await app.register(async (scope) => dashboardRoutes(scope, {}));
}
