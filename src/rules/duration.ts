/**
 * Durations as analysts write them in rule files ("30s", "5m", "1h", "7d", "2w"), turned into
 * seconds once at load time so nothing downstream ever sees a string.
 */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
type Unit = keyof typeof UNIT_SECONDS;

const DURATION = /^(\d+)([smhdw])$/;

/** Seconds in a duration string; null when the text is not one whole number followed by a unit. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  return Number(match[1]) * UNIT_SECONDS[match[2] as Unit];
}

/** The shortest exact spelling of a number of seconds, for messages: 3600 → "1h", 90 → "90s". */
export function formatDuration(seconds: number): string {
  const units = Object.entries(UNIT_SECONDS).reverse() as Array<[Unit, number]>;
  for (const [unit, size] of units) {
    if (seconds !== 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
