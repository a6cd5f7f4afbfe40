import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ChunkHandler, RawRecord, Source } from './source.ts';

/**
 * A JSONL file as a single-partition stream, for replay and tests. Lines are kept as raw bytes so
 * that invalid UTF-8 reaches validation instead of being silently replaced. The offset is the
 * zero-based line number, so a stored offset resumes an interrupted replay.
 */
export class FileSource implements Source {
  readonly description: string;
  private stopping = false;
  private running = false;

  constructor(private readonly path: string, private readonly chunkSize: number, readonly topic = `file:${basename(path)}`) {
    this.description = `file ${path}`;
  }

  isReady(): boolean {
    return this.running;
  }

  async run(handle: ChunkHandler): Promise<void> {
    await (await open(this.path, 'r')).close(); // fail early and clearly on a missing file
    this.running = true;
    let records: RawRecord[] = [];
    let line = 0;
    const flush = async () => {
      if (records.length === 0) return;
      const chunk = records;
      records = [];
      const last = chunk.at(-1)!.position.offset;
      await handle({ topic: this.topic, partition: 0, records: chunk, nextOffset: String(Number(last) + 1), heartbeat: async () => {} });
    };
    try {
      for await (const bytes of splitLines(this.path)) {
        if (this.stopping) break;
        if (bytes.length > 0 && !(bytes.length === 1 && bytes[0] === 0x0d)) {
          records.push({ value: bytes, position: { topic: this.topic, partition: 0, offset: String(line) } });
        }
        line += 1;
        if (records.length >= this.chunkSize) await flush();
      }
      if (!this.stopping) await flush();
    } finally {
      this.running = false;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
  }
}

/** Yields each line of a file as bytes, without the trailing newline. */
async function* splitLines(path: string): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 })) {
    let data = rest.length ? Buffer.concat([rest, piece as Buffer]) : (piece as Buffer);
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
      yield data.subarray(start, nl);
      start = nl + 1;
    }
    rest = Buffer.from(data.subarray(start));
    data = Buffer.alloc(0);
  }
  if (rest.length > 0) yield rest;
}
