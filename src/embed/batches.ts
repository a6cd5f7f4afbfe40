/** Splits a list into consecutive batches of at most `size` items (a model call per batch). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  return textBatches(items, size, Infinity, () => 0);
}

/**
 * Consecutive batches of at most `maxItems` items and, where possible, at most `maxWeight` in
 * total (an item heavier than the budget goes alone). Used to bound the characters in one model
 * call: the local model's WASM memory grows to its largest batch and never shrinks.
 */
export function textBatches<T>(items: readonly T[], maxItems: number, maxWeight: number, weight: (item: T) => number): T[][] {
  if (!Number.isInteger(maxItems) || maxItems < 1) throw new RangeError(`batch size must be a positive integer, got ${maxItems}`);
  const out: T[][] = [];
  let current: T[] = [];
  let load = 0;
  for (const item of items) {
    const w = weight(item);
    if (current.length > 0 && (current.length === maxItems || load + w > maxWeight)) {
      out.push(current);
      current = [];
      load = 0;
    }
    current.push(item);
    load += w;
  }
  if (current.length > 0) out.push(current);
  return out;
}
