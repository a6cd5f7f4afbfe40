import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../../src/ingest/file-source.ts';
import type { SourceChunk } from '../../src/ingest/source.ts';

function file(content: Buffer | string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'clio-file-')), 'in.jsonl');
  writeFileSync(path, content);
  return path;
}

async function collect(source: FileSource): Promise<SourceChunk[]> {
  const chunks: SourceChunk[] = [];
  await source.run(async (chunk) => {
    chunks.push(chunk);
  });
  return chunks;
}

describe('FileSource', () => {
  it('yields raw lines in chunks with line-number offsets, skipping blank lines', async () => {
    const chunks = await collect(new FileSource(file('a\n\nb\r\nc\nd'), 2));
    expect(chunks.map((c) => c.records.map((r) => r.value!.toString()))).toEqual([['a', 'b\r'], ['c', 'd']]);
    expect(chunks.map((c) => c.records.map((r) => r.position.offset))).toEqual([['0', '2'], ['3', '4']]);
    expect(chunks.map((c) => c.nextOffset)).toEqual(['3', '5']);
    expect(chunks[0]!.topic).toBe('file:in.jsonl');
  });

  it('keeps invalid UTF-8 bytes and long lines intact across read boundaries', async () => {
    const long = 'x'.repeat(3 * (1 << 20));
    const bad = Buffer.from([0xc3, 0x28]);
    const chunks = await collect(new FileSource(file(Buffer.concat([Buffer.from(`${long}\n`), bad, Buffer.from('\nlast\n')])), 10));
    const values = chunks.flatMap((c) => c.records.map((r) => r.value!));
    expect(values).toHaveLength(3);
    expect(values[0]!.length).toBe(long.length);
    expect(values[1]!.equals(bad)).toBe(true);
    expect(values[2]!.toString()).toBe('last');
  });

  it('stops between chunks when asked', async () => {
    const source = new FileSource(file(Array.from({ length: 100 }, (_, i) => `${i}`).join('\n')), 10);
    let seen = 0;
    await source.run(async () => {
      seen += 1;
      if (seen === 3) await source.stop();
    });
    expect(seen).toBe(3);
  });

  it('fails clearly on a missing file', async () => {
    await expect(new FileSource('/nonexistent/in.jsonl', 10).run(async () => {})).rejects.toThrow(/ENOENT/);
  });
});
