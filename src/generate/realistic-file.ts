import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { generateRealisticWeek, type RealisticEvent, type RealisticWeekOptions } from './realistic.ts';

/**
 * `clio-stream generate --realistic`: the realistic week as JSONL, and optionally its ground truth
 * as one JSON file { startMs, endMs, catalogCutoffMs, events, conversations: [{ id, ...truth }] }.
 * The truth file holds conversation ids: it belongs inside the secure environment, like the week.
 */
export async function writeRealisticWeek(options: RealisticWeekOptions, outPath: string, truthPath?: string): Promise<{ count: number; events: RealisticEvent[] }> {
  const week = generateRealisticWeek(options);
  const out = createWriteStream(outPath);
  const truth: Array<Record<string, unknown>> = [];
  for (const { conversation, truth: t } of week.conversations()) {
    if (!out.write(`${JSON.stringify(conversation)}\n`)) await once(out, 'drain');
    if (truthPath) truth.push({ id: conversation.id, ...t });
  }
  out.end();
  await once(out, 'finish');
  if (truthPath) {
    const { startMs, endMs, catalogCutoffMs, events } = week;
    await writeFile(truthPath, `${JSON.stringify({ startMs, endMs, catalogCutoffMs, events, conversations: truth })}\n`);
  }
  return { count: week.count, events: week.events };
}
