/**
 * Event-time bookkeeping, pure. A bucket [start, start + bucket) closes when the watermark — the
 * highest event time seen minus the allowed lateness — reaches its end; detection judges each
 * bucket once, at its close. Conversations that arrive later are still counted, just not re-judged.
 */

export function watermarkOf(maxEventTimeMs: number | null, allowedLatenessMs: number): number {
  return maxEventTimeMs === null ? -Infinity : maxEventTimeMs - allowedLatenessMs;
}

/** The end of the last closed bucket at this watermark (a multiple of the bucket). */
export function closedThrough(watermarkMs: number, bucketMs: number): number {
  return Math.floor(watermarkMs / bucketMs) * bucketMs;
}

/**
 * The bucket ends that close between two points of the event clock, oldest first. Starting from
 * nothing (`fromMs` null) only the latest close is judged: a fresh process does not replay history.
 */
export function newlyClosed(fromMs: number | null, toMs: number, bucketMs: number): number[] {
  if (!Number.isFinite(toMs)) return [];
  if (fromMs === null) return [toMs];
  const ends: number[] = [];
  for (let end = fromMs + bucketMs; end <= toMs; end += bucketMs) ends.push(end);
  return ends;
}

/** Whether a window of `windowMs` ends at this bucket end (windows are aligned to the epoch, UTC). */
export function isWindowEnd(endMs: number, windowMs: number): boolean {
  return endMs % windowMs === 0;
}
