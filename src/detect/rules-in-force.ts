/**
 * The rules in force in one process: the alerts/ files (hot reloaded by RulesWatcher) until the
 * API writes a rule version to the database; from then on the database's latest version. Silences
 * are the files' plus the API's. Every instance polls the database, so leader and followers pick
 * up an edit or a rollback within one poll interval.
 */
import type { Logger } from '../log.ts';
import { RuleVersionsStore } from '../store/rule-versions-store.ts';
import { SilenceStore, type StoredSilence } from '../store/silence-store.ts';
import type { SqlClient } from '../store/sql.ts';
import { parseRuleDocument, RulesError, type RuleLimits, type RuleSet, type Silence } from '../rules/rules.ts';
import { RulesWatcher } from '../rules/watch.ts';

/** Silences that ended this long ago still take part (event time lags the wall clock); older ones are history. */
const SILENCE_LOOKBACK_MS = 24 * 3600_000;

export interface RulesSource {
  /** 0 while the files are in force. */
  version: number;
  source: 'files' | 'database';
}

export interface RulesInForceOptions {
  dir: string;
  limits: RuleLimits;
  db: SqlClient;
  logger: Logger;
  pollMs: number;
}

export class RulesInForce {
  readonly #watcher: RulesWatcher;
  readonly #versions: RuleVersionsStore;
  readonly #silences: SilenceStore;
  #database: { version: number; rules: RuleSet['rules'] } | null = null;
  #apiSilences: Silence[] = [];
  #merged: RuleSet | null = null;
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(private readonly o: RulesInForceOptions) {
    const log = o.logger;
    this.#watcher = new RulesWatcher(o.dir, o.limits, {
      onChange: (rules) => {
        this.#merged = null;
        if (this.#database) {
          log.warn({ version: this.#database.version }, 'rules files changed but the database holds rule versions: the database version stays in force (file silences and policies.yaml apply)');
        } else {
          log.info({ rules: rules.rules.length, files: rules.files.length }, 'rules reloaded');
        }
      },
      onError: (error) => log.error({ err: error.message }, 'rules rejected; the previous rules stay in force'),
    });
    this.#versions = new RuleVersionsStore(o.db);
    this.#silences = new SilenceStore(o.db);
  }

  /** Loads the files (throws RulesError when invalid), then the database's version and silences, and starts polling. */
  async start(): Promise<RuleSet> {
    await this.#watcher.start();
    try {
      await this.poll();
    } catch (error) {
      this.#watcher.close();
      throw error;
    }
    this.#timer = setInterval(() => void this.poll().catch((e: Error) => this.o.logger.warn({ err: e.message }, 'reading rule versions failed; the next poll retries')), this.o.pollMs);
    this.#timer.unref();
    return this.current();
  }

  /** The rule set in force now (what the detector reads on every pass). */
  current(): RuleSet {
    if (this.#merged) return this.#merged;
    const files = this.#watcher.current();
    const merged: RuleSet = {
      rules: this.#database ? this.#database.rules : files.rules,
      silences: [...files.silences, ...this.#apiSilences],
      files: files.files,
      ...(files.areas ? { areas: files.areas } : {}),
    };
    this.#merged = Object.freeze(merged);
    return this.#merged;
  }

  source(): RulesSource {
    return this.#database ? { version: this.#database.version, source: 'database' } : { version: 0, source: 'files' };
  }

  /** Reads the database once (tests call it to skip the wait; the timer calls it every pollMs). */
  poll(): Promise<void> {
    this.#polling = this.#polling.catch(() => {}).then(() => this.#pollOnce());
    return this.#polling;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#watcher.close();
  }

  async #pollOnce(): Promise<void> {
    if (this.#closed) return;
    const latest = await this.#versions.latestVersion();
    if (latest > 0 && latest !== this.#database?.version) {
      const version = await this.#versions.get(latest);
      if (version) {
        try {
          const set = parseRuleDocument(version.document, `rule version ${latest}`, this.o.limits, this.#watcher.current().areas ?? null);
          this.#database = { version: latest, rules: set.rules };
          this.#merged = null;
          this.o.logger.info({ version: latest, rules: set.rules.length }, 'rule version in force');
        } catch (error) {
          // Another instance validated it; this one may run with stricter limits. Keep what is in force.
          if (!(error instanceof RulesError)) throw error;
          this.o.logger.error({ version: latest, err: error.message }, 'rule version rejected here; the previous rules stay in force');
          this.#database = { version: latest, rules: this.#database?.rules ?? this.#watcher.current().rules };
        }
      }
    }
    const { active } = await this.#silences.list(Date.now() - SILENCE_LOOKBACK_MS, 0);
    const silences = active.map(toRuleSilence);
    if (JSON.stringify(silences) !== JSON.stringify(this.#apiSilences)) {
      this.#apiSilences = silences;
      this.#merged = null;
    }
  }
}

/**
 * An API silence as the router reads it. A silence that starts when it is made mutes from the start
 * of event time (the watermark lags the wall clock); one scheduled ahead mutes from its start.
 */
export function toRuleSilence(s: StoredSilence): Silence {
  return {
    id: `api:${s.id}`,
    matchers: { ...s.matchers },
    ...(s.startsAtMs > s.createdAtMs ? { startsAtMs: s.startsAtMs } : {}),
    expiresAtMs: s.endsAtMs,
    comment: s.comment,
  };
}
