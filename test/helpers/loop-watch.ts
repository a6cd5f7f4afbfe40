/**
 * Counts turns of the event loop (setImmediate) until stopped, and the longest time between two
 * turns: how tests prove that long work lets timers and I/O run.
 */
export function loopWatch(): { stop: () => { turns: number; longestMs: number } } {
  let turns = 0;
  let longestMs = 0;
  let last = performance.now();
  let running = true;
  const spin = () => {
    if (!running) return;
    const now = performance.now();
    longestMs = Math.max(longestMs, now - last);
    last = now;
    turns += 1;
    setImmediate(spin);
  };
  setImmediate(spin);
  return { stop: () => ((running = false), { turns, longestMs }) };
}
