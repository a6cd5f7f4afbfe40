/**
 * Hot reload of the rules directory: analysts tune thresholds without a redeploy. A file that
 * does not load is reported and ignored — the rules in force stay in force until a good edit.
 */
import { watch, type FSWatcher } from 'node:fs';
import { loadRules, RulesError, type RuleLimits, type RuleSet } from './rules.ts';

/** Editors save in several steps (truncate, write, rename); wait for them to settle. */
const DEBOUNCE_MS = 200;

export interface RulesWatcherHandlers {
  /** A changed, valid rule set is now in force. Must not throw. */
  onChange(rules: RuleSet): void;
  /** An edit was rejected (the previous rules stay in force), or watching failed. Must not throw. */
  onError(error: RulesError): void;
}

export class RulesWatcher {
  #rules: RuleSet | null = null;
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #loading = false;
  /** An edit arrived while a load was running: load again when it ends. */
  #stale = false;
  #closed = false;

  constructor(
    private readonly dir: string,
    private readonly limits: RuleLimits,
    private readonly handlers: RulesWatcherHandlers,
  ) {}

  /** Loads the rules (throws RulesError when they are invalid) and starts watching for edits. */
  async start(): Promise<RuleSet> {
    if (this.#watcher) throw new Error('RulesWatcher already started');
    // Watch before the first load, so an edit made during it is not missed.
    try {
      this.#watcher = watch(this.dir, () => this.#schedule());
    } catch (cause) {
      throw new RulesError({ file: this.dir }, `cannot watch the rules directory (${(cause as NodeJS.ErrnoException).code ?? cause})`);
    }
    this.#watcher.on('error', (cause) => {
      if (!this.#closed) this.handlers.onError(new RulesError({ file: this.dir }, `stopped watching the rules directory: ${cause.message}`));
    });
    this.#loading = true;
    try {
      this.#rules = await loadRules(this.dir, this.limits);
    } catch (error) {
      this.close();
      throw error;
    } finally {
      this.#loading = false;
    }
    if (this.#stale) this.#schedule();
    return this.#rules;
  }

  /** The rules in force: the last set that loaded. */
  current(): RuleSet {
    if (!this.#rules) throw new Error('RulesWatcher.current() called before start() finished');
    return this.#rules;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#watcher?.close();
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#reload(), DEBOUNCE_MS);
  }

  #reload(): void {
    if (this.#loading) {
      this.#stale = true;
      return;
    }
    this.#loading = true;
    this.#stale = false;
    loadRules(this.dir, this.limits)
      .then(
        (next) => {
          if (this.#closed || sameRules(next, this.#rules)) return;
          this.#rules = next;
          this.handlers.onChange(next);
        },
        (error: unknown) => {
          if (this.#closed) return;
          this.handlers.onError(error instanceof RulesError ? error : new RulesError({ file: this.dir }, String(error)));
        },
      )
      .finally(() => {
        this.#loading = false;
        if (this.#stale) this.#schedule();
      });
  }
}

/** Saving a file unchanged, or touching an unrelated one, is not a change. */
function sameRules(a: RuleSet, b: RuleSet | null): boolean {
  return b !== null && JSON.stringify(a) === JSON.stringify(b);
}
