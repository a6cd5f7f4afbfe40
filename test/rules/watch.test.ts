import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RulesError, type RuleLimits, type RuleSet } from '../../src/rules/rules.ts';
import { RulesWatcher } from '../../src/rules/watch.ts';

const limits: RuleLimits = { bucketSeconds: 300, minAccounts: 10, minConversations: 20, floor: { minAccounts: 5, minConversations: 10 } };

const ruleFile = (window: string) => `rules:\n  - name: r\n    kind: spike\n    description: d\n    window: ${window}\n`;

/** Polls until `check` returns a value, or fails after the deadline. */
async function eventually<T>(check: () => T | undefined, what: string, deadlineMs = 5000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes a file the way editors save: a temporary file renamed over the old one. */
function save(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

describe('RulesWatcher', () => {
  const watchers: RulesWatcher[] = [];
  afterEach(() => {
    for (const watcher of watchers.splice(0)) watcher.close();
  });

  function started(dir: string) {
    const changes: RuleSet[] = [];
    const errors: RulesError[] = [];
    const watcher = new RulesWatcher(dir, limits, { onChange: (rules) => changes.push(rules), onError: (error) => errors.push(error) });
    watchers.push(watcher);
    return { watcher, changes, errors };
  }

  it('picks up a valid edit, keeps the rules in force through a broken one, and picks up the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-rules-watch-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, ruleFile('1h'));
    const { watcher, changes, errors } = started(dir);

    expect((await watcher.start()).rules[0]!.windowSeconds).toBe(3600);

    save(file, ruleFile('2h'));
    const edited = await eventually(() => changes.find((set) => set.rules[0]?.windowSeconds === 7200), 'the valid edit');
    expect(watcher.current()).toBe(edited);

    save(file, ruleFile('7m'));
    const rejected = await eventually(() => errors[0], 'the broken edit to be reported');
    expect(rejected).toBeInstanceOf(RulesError);
    expect(rejected).toMatchObject({ file, rule: 'r', key: 'window' });
    expect(rejected.message).toContain('must be a multiple of bucket 5m');
    expect(watcher.current().rules[0]!.windowSeconds).toBe(7200);

    save(file, ruleFile('3h'));
    await eventually(() => changes.find((set) => set.rules[0]?.windowSeconds === 3 * 3600), 'the fix');
    expect(watcher.current().rules[0]!.windowSeconds).toBe(3 * 3600);
  });

  it('sees rule files added to the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-rules-watch-'));
    writeFileSync(join(dir, 'a.yaml'), ruleFile('1h'));
    const { watcher, changes } = started(dir);
    await watcher.start();
    save(join(dir, 'b.yaml'), 'rules:\n  - name: other\n    kind: emerging\n    description: d\n');
    await eventually(() => changes.find((set) => set.rules.length === 2), 'the new file');
    expect(watcher.current().files).toEqual([join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
  });

  it('refuses to start on invalid rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-rules-watch-'));
    writeFileSync(join(dir, 'rules.yaml'), 'rules: [\n');
    const { watcher } = started(dir);
    await expect(watcher.start()).rejects.toThrow(RulesError);
  });

  it('stops reporting once closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-rules-watch-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, ruleFile('1h'));
    const closed = started(dir);
    await closed.watcher.start();
    closed.watcher.close();
    // A live watcher on the same directory tells when the closed one would have reported: by the
    // time the live one has seen two edits, a live twin would have seen the first.
    const live = started(dir);
    await live.watcher.start();
    save(file, ruleFile('2h'));
    await eventually(() => live.changes.find((set) => set.rules[0]?.windowSeconds === 7200), 'the first edit');
    save(file, ruleFile('3h'));
    await eventually(() => live.changes.find((set) => set.rules[0]?.windowSeconds === 3 * 3600), 'the second edit');
    expect(closed.changes).toEqual([]);
    expect(closed.errors).toEqual([]);
    expect(closed.watcher.current().rules[0]!.windowSeconds).toBe(3600);
  });
});
