import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The folders under src/ must point one way: a folder may import from another only if that one
 * (directly or through others) never imports back. A cycle ties folders together so that neither
 * can be understood, tested or moved alone.
 */

const SRC = resolve(import.meta.dirname, '../../src');

/** A file's folder under src/ (its first path segment); a file directly in src/ is its own node. */
function folderOf(file: string): string {
  return relative(SRC, file).split(sep)[0]!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Edges between folders, each with one import that makes it (for the message). */
export function folderEdges(files: ReadonlyArray<{ path: string; text: string }>): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const { path, text } of files) {
    const from = folderOf(path);
    // TypeScript's own pre-parser: static, type-only, re-export and dynamic imports alike, none from comments or strings.
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue; // a package, not a folder of ours
      const target = resolve(dirname(path), fileName);
      if (relative(SRC, target).startsWith('..')) continue;
      const to = folderOf(target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      const out = edges.get(from)!;
      if (!out.has(to)) out.set(to, `${relative(SRC, path)} imports ${fileName}`);
    }
  }
  return edges;
}

/** Strongly connected groups of folders (Tarjan): every folder of a group reaches every other, so each lies on a cycle. */
function tangledGroups(edges: Map<string, Map<string, string>>): string[][] {
  const nodes = new Set<string>([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return groups.map((g) => g.sort());
}

/** One cycle per tangled group: the shortest way from its first folder (by name) back to itself. */
export function folderCycles(edges: Map<string, Map<string, string>>): string[][] {
  return tangledGroups(edges).map((group) => {
    const members = new Set(group);
    const start = group[0]!;
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of [...(edges.get(v)?.keys() ?? [])].sort()) {
        if (!members.has(w)) continue;
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
          return [...path, start];
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    throw new Error(`no cycle through ${start}`);
  });
}

/** The cycle, the import behind each step, and (when more folders are tangled with it) all of them. */
function describeCycle(cycle: string[], edges: Map<string, Map<string, string>>): string {
  const why = cycle.slice(1).map((to, i) => `  ${edges.get(cycle[i]!)!.get(to)}`);
  const group = tangledGroups(edges).find((g) => g.includes(cycle[0]!))!;
  const more = group.length > cycle.length - 1 ? [`  (all tangled with it: ${group.join(', ')})`] : [];
  return [cycle.join(' → '), ...why, ...more].join('\n');
}

describe('folder graph of src/', () => {
  it('has no cycle', () => {
    const files = sourceFiles(SRC).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    expect(files.length).toBeGreaterThan(50);
    const edges = folderEdges(files);
    const cycles = folderCycles(edges).map((c) => describeCycle(c, edges));
    expect(cycles, `folder cycles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('finds and names a planted cycle, through type-only and re-export imports too', () => {
    const file = (p: string, text: string) => ({ path: join(SRC, p), text });
    const edges = folderEdges([
      file('a/x.ts', "import type { Y } from '../b/y.ts';"),
      file('b/y.ts', "export { Z } from '../c/z.ts';\nimport { ok } from 'node:fs';"),
      file('c/z.ts', "// import '../d/ignored.ts'\nconst m = await import('../a/x.ts');"),
      file('d/w.ts', "import { X } from '../a/x.ts';"),
    ]);
    const cycles = folderCycles(edges);
    expect(cycles).toEqual([['a', 'b', 'c', 'a']]);
    expect(describeCycle(cycles[0]!, edges)).toContain("c/z.ts imports ../a/x.ts");
    expect(folderCycles(folderEdges([file('a/x.ts', "import '../b/y.ts';"), file('b/y.ts', "import '../c/z.ts';")]))).toEqual([]);
    // Four folders tangled, the shortest cycle through the first only two of them: the message names all four.
    const tangled = folderEdges([
      file('a/x.ts', "import '../b/y.ts';"),
      file('b/y.ts', "import '../a/x.ts';\nimport '../c/z.ts';"),
      file('c/z.ts', "import '../d/w.ts';"),
      file('d/w.ts', "import '../b/y.ts';"),
    ]);
    const [cycle, ...others] = folderCycles(tangled);
    expect(others).toEqual([]);
    expect(describeCycle(cycle!, tangled)).toBe('a → b → a\n  a/x.ts imports ../b/y.ts\n  b/y.ts imports ../a/x.ts\n  (all tangled with it: a, b, c, d)');
  });
});
