import type { Catalog } from '../catalog/catalog.ts';
import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { RuleSet } from '../rules/rules.ts';
import type { SqlClient } from '../store/sql.ts';
import type { AccessLog } from './auth/access-log.ts';
import type { ReadModel } from './read-model.ts';

/**
 * What the workbench routes need from the running process, and nothing more: the store, the
 * configuration, the live catalog and the rules in force. Built once by `run` (or by a test).
 */
export interface WorkbenchDeps {
  /** The store's SQL client (PGlite or PostgreSQL), already migrated. */
  db: SqlClient;
  config: Readonly<Config>;
  logger: Logger;
  /** The live catalog (provisional clusters included); null when the monitor runs without one. */
  catalog: () => Catalog | null;
  /** The rules in force in this process: files or the database's latest version, silences merged. */
  rules: () => RuleSet;
  /** Who did what: every write and every series read is recorded here (never payloads). */
  access: AccessLog;
  /** The aggregates the read routes serve (read-model.ts); by default one over `db` and `catalog`. */
  readModel?: ReadModel;
}
