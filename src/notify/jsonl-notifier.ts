import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { validateNotification, type Notification } from '../alerts/alert.ts';
import type { Notifier, SentMessage } from './notifier.ts';

/** The path that means "standard output" (the console sink). */
export const STDOUT_PATH = '-';

/** One line of the JSONL sink. */
export interface JsonlAlertLine {
  notification_id: string;
  alert: Notification['alert'];
  channel: string | null;
}

/**
 * Writes one JSON line per notification to a file (replay's --alerts-out, the no-Slack sink) or to
 * standard output. A notification id already written is not written again, so resending after a
 * crash leaves the file as if the send had happened once.
 */
export class JsonlNotifier implements Notifier {
  readonly name = 'jsonl';
  private handle: FileHandle | undefined;
  private written: Set<string> | undefined;
  /** Writes go one after another, so concurrent sends cannot interleave lines. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly stdout: Writable = process.stdout,
  ) {}

  /** A file is append-only: a resolution is a line of its own, whatever was sent before. */
  async send(n: Notification, _previous?: SentMessage | null): Promise<SentMessage> {
    validateNotification(n);
    const line: JsonlAlertLine = { notification_id: n.id, alert: n.alert, channel: n.channel };
    const write = this.queue.then(async () => {
      const written = await this.writtenIds();
      if (written.has(n.id)) return;
      await this.append(`${JSON.stringify(line)}\n`);
      written.add(n.id);
    });
    this.queue = write.catch(() => undefined);
    await write;
    return this.sentMessage(n);
  }

  async alreadySent(n: Notification): Promise<SentMessage | null> {
    if (this.path === STDOUT_PATH) return null; // the console cannot be read back
    return (await this.writtenIds()).has(n.id) ? this.sentMessage(n) : null;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = undefined;
  }

  private sentMessage(n: Notification): SentMessage {
    return { channel: n.channel ?? (this.path === STDOUT_PATH ? 'stdout' : 'jsonl'), messageRef: n.id };
  }

  private async append(text: string): Promise<void> {
    if (this.path === STDOUT_PATH) {
      await new Promise<void>((resolve, reject) => this.stdout.write(text, (error) => (error ? reject(error) : resolve())));
      return;
    }
    this.handle ??= await open(this.path, 'a');
    await this.handle.write(text);
    await this.handle.datasync(); // on disk before the outbox marks it delivered
  }

  /** Ids in the file, read once. A torn last line (a crash mid-write) is cut off: that send did not happen. */
  private async writtenIds(): Promise<Set<string>> {
    if (this.written) return this.written;
    const ids = new Set<string>();
    if (this.path !== STDOUT_PATH) {
      let text = '';
      try {
        text = await readFile(this.path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      if (complete.length < text.length) await truncate(this.path, Buffer.byteLength(complete));
      for (const line of complete.split('\n')) {
        const id = notificationIdOf(line);
        if (id !== undefined) ids.add(id);
      }
    }
    this.written = ids;
    return ids;
  }
}

/** The id on one line, or undefined for a line that is not ours (it is left alone, never echoed). */
function notificationIdOf(line: string): string | undefined {
  try {
    const id = (JSON.parse(line) as Partial<JsonlAlertLine> | null)?.notification_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
