import type { Logger } from '../../log.ts';
import { AccessLogStore } from '../../store/access-log-store.ts';
import type { SqlExecutor } from '../../store/sql.ts';
import type { Principal } from './roles.ts';

/** Longest target kept: targets are ids and names, never free text. */
const MAX_TARGET = 200;

/**
 * The access log routes write to: who (the token's name and role), when, what (an action such as
 * "rules.put" or "series.read") and the target (a cluster id, rule name or silence id). Never a
 * request or response body.
 */
export class AccessLog {
  readonly #store: AccessLogStore;
  constructor(
    db: SqlExecutor,
    private readonly logger?: Logger,
  ) {
    this.#store = new AccessLogStore(db);
  }

  /**
   * Records one access. Awaited by the route before it answers, so an access that cannot be
   * recorded fails instead of going unlogged.
   */
  async record(principal: Principal, action: string, target: string | null = null): Promise<void> {
    const clipped = target === null ? null : target.slice(0, MAX_TARGET);
    await this.#store.append({ principal: principal.name, role: principal.role, action, target: clipped });
    this.logger?.debug({ principal: principal.name, action }, 'access');
  }
}
