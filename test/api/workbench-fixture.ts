// A workbench app over a real database (PGlite or PostgreSQL) with one configured token per role,
// the shipped rules in force (RulesInForce over the same database) and the real auth hook.
import type { FastifyInstance } from 'fastify';
import { AccessLog } from '../../src/api/auth/access-log.ts';
import { ROLES, type Role } from '../../src/api/auth/roles.ts';
import { hashToken, newToken } from '../../src/api/auth/tokens.ts';
import type { WorkbenchDeps } from '../../src/api/deps.ts';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { RulesInForce } from '../../src/detect/rules-in-force.ts';
import { DEFAULT_RULES_DIR, ruleLimitsOf } from '../../src/rules/rules.ts';
import { buildApp } from '../../src/service/app.ts';
import { PipelineMetrics } from '../../src/pipeline/metrics.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { memoryStream } from '../helpers/canary.ts';

export interface Workbench {
  app: FastifyInstance;
  db: SqlClient;
  config: Readonly<Config>;
  rules: RulesInForce;
  /** One configured token per role. */
  tokens: Record<Role, string>;
  /** Everything logged (JSON lines). */
  logs(): string;
  /** `Authorization` header of a role's token. */
  as(role: Role): { authorization: string };
  close(): Promise<void>;
}

export async function openWorkbench(
  db: SqlClient,
  options: { authFailures?: { max: number; windowSeconds: number }; rulesDir?: string; overrides?: Record<string, unknown> } = {},
): Promise<Workbench> {
  await migrate(db);
  const tokens = Object.fromEntries(ROLES.map((role) => [role, newToken()])) as Record<Role, string>;
  const config = loadConfig({
    overrides: {
      privacy: { accountHashSecret: 'a-test-secret-of-enough-length' },
      api: {
        tokens: ROLES.map((role) => ({ name: `${role}-token`, role, sha256: hashToken(tokens[role]) })),
        authFailures: options.authFailures ?? { max: 1000, windowSeconds: 60 },
        rulesPollMs: 100,
      },
      ...(options.overrides ?? {}),
    },
  });
  const stream = memoryStream();
  const logger = createLogger('debug', stream);
  const rules = new RulesInForce({ dir: options.rulesDir ?? DEFAULT_RULES_DIR, limits: ruleLimitsOf(config), db, logger, pollMs: config.api.rulesPollMs });
  await rules.start();
  const deps: WorkbenchDeps = { db, config, logger, catalog: () => null, rules: () => rules.current(), access: new AccessLog(db, logger) };
  const app = buildApp({ metrics: new PipelineMetrics(), logger, readiness: { checks: async () => ({ store: true }) }, workbench: deps });
  await app.ready();
  return {
    app,
    db,
    config,
    rules,
    tokens,
    logs: () => stream.text(),
    as: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    close: async () => {
      rules.close();
      await app.close();
    },
  };
}
