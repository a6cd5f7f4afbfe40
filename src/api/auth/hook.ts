import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/load.ts';
import { ApiError } from './errors.ts';
import { FailureLimiter } from './failures.ts';
import { roleAllows, type Principal, type Role } from './roles.ts';
import type { TokenVerifier } from './tokens.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The weakest role that may call the route; routes under /api/ without one need viewer. */
    role?: Role;
  }
  interface FastifyInstance {
    /** The token gate's verifier (the token routes clear its cache after a create or revoke). */
    tokenVerifier: TokenVerifier;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every route that needs a token. */
    principal: Principal | null;
  }
}

/**
 * The one gate in front of the API: a route that declares `config.role`, and anything under
 * /api/ (unknown paths too), needs `Authorization: Bearer <token>` of at least that role.
 * No or unknown token → 401, too weak a role → 403; too many failures from one address → 429.
 */
export function installAuth(app: FastifyInstance, verifier: TokenVerifier, limits: Config['api']['authFailures']): void {
  const failures = new FailureLimiter(limits.max, limits.windowSeconds * 1000);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const needed = request.routeOptions.config?.role ?? (request.url.startsWith('/api/') || request.url === '/api' ? 'viewer' : null);
    if (needed === null) return;
    const client = request.ip;
    const wait = failures.retryAfterSeconds(client);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new ApiError(429, 'too many failed authentications from this address; try again later');
    }
    const token = bearerToken(request.headers.authorization);
    const principal = token === null ? null : await verifier.verify(token);
    if (!principal) {
      failures.fail(client);
      reply.header('www-authenticate', 'Bearer');
      throw new ApiError(401, token === null ? 'a bearer token is required (Authorization: Bearer <token>)' : 'the token is not valid');
    }
    if (!roleAllows(principal.role, needed)) throw new ApiError(403, `this needs the ${needed} role; the token has ${principal.role}`);
    request.principal = principal;
  });
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/** The principal of a request that passed the hook (routes with a role only). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, 'a bearer token is required (Authorization: Bearer <token>)');
  return request.principal;
}
