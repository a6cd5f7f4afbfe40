/**
 * The read-side rule for a series that leaves the process (a Slack sparkline, an alert payload): no
 * point may be a small number about a few people. A notification carries conversations per bucket
 * only, so the series is coarsened: walking back from the newest bucket, buckets are summed until
 * the sum reaches `minPerPoint`, and that sum becomes one point; an empty bucket met on its own stays
 * a point of 0 (no one is in it). What is left at the oldest end under the minimum joins the
 * oldest point with conversations (with any empty buckets between them). When the whole window
 * holds fewer, nothing is shown.
 *
 * Points may therefore span several buckets: the result is a shape over the window, oldest first,
 * whose every value is 0 or at least `minPerPoint`, and whose total is the window's.
 */
export function coarsenSeries(series: readonly number[], minPerPoint: number): number[] {
  const points: number[] = [];
  let sum = 0;
  for (let i = series.length - 1; i >= 0; i--) {
    const v = Math.max(0, series[i]!);
    if (v === 0 && sum === 0) {
      points.push(0);
      continue;
    }
    sum += v;
    if (sum >= minPerPoint) {
      points.push(sum);
      sum = 0;
    }
  }
  if (sum > 0) {
    // The oldest buckets fall short: fold them into the oldest point that has conversations.
    let at = points.length - 1;
    while (at >= 0 && points[at] === 0) at--;
    if (at < 0) return [];
    points[at]! += sum;
    points.length = at + 1; // the empty buckets in between are inside that point's span now
  }
  if (points.every((p) => p === 0)) return [];
  return points.reverse();
}
