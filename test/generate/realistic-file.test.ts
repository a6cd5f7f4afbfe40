import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRealisticWeek } from '../../src/generate/realistic.ts';
import { writeRealisticWeek } from '../../src/generate/realistic-file.ts';
import { startCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'clio-realistic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readLines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('writing the realistic week', () => {
  it('writes the same conversations as the generator, and their truth beside them', async () => {
    const options = { seed: 9, perDay: 60 };
    const out = join(dir, 'week.jsonl');
    const truthOut = join(dir, 'truth.json');
    const { count, events } = await writeRealisticWeek(options, out, truthOut);
    const week = generateRealisticWeek(options);
    const expected = [...week.conversations()];
    expect(readLines(out)).toEqual(expected.map((c) => c.conversation));
    expect(count).toBe(expected.length);
    const truth = JSON.parse(readFileSync(truthOut, 'utf8'));
    expect(truth.events).toEqual(events);
    expect(truth.catalogCutoffMs).toBe(week.catalogCutoffMs);
    expect(truth.conversations).toEqual(expected.map((c) => ({ id: c.conversation.id, ...c.truth })));
  });

  it('is what `clio-stream generate --realistic` writes', async () => {
    const out = join(dir, 'cli.jsonl');
    const truthOut = join(dir, 'cli-truth.json');
    const cli = startCli(['generate', '--realistic', '--per-day', '40', '--seed', '3', '--start', '2026-11-16T00:00:00Z', '--out', out, '--truth-out', truthOut], {});
    expect(await cli.exited).toBe(0);
    const expected = [...generateRealisticWeek({ seed: 3, perDay: 40 }).conversations()].map((c) => c.conversation);
    expect(readLines(out)).toEqual(expected);
    expect(JSON.parse(readFileSync(truthOut, 'utf8')).conversations).toHaveLength(expected.length);
    expect(cli.output()).toContain(`wrote ${expected.length} conversations of the realistic week`);
  }, 60_000);
});
