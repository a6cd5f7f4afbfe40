import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { DeadLetter, DeadLetterSink } from './dead-letter.ts';

/** Dead letters of a file source, one JSON line each; the raw value is kept as base64. */
export class FileDeadLetterSink implements DeadLetterSink {
  private readonly out: WriteStream;

  constructor(path: string) {
    this.out = createWriteStream(path, { flags: 'a' });
  }

  async write(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const lines = letters.map((l) =>
      JSON.stringify({
        reason: l.reason,
        detail: l.detail,
        source: l.position,
        value_base64: l.value ? l.value.toString('base64') : null,
      }),
    );
    if (!this.out.write(`${lines.join('\n')}\n`)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
