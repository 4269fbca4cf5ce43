/**
 * Pure statistics for the benchmarks. Percentiles use the nearest-rank method: the reported figure
 * is always one of the samples, and with few samples p99 is the worst one, which is what a target
 * such as "p99 under 250 ms" should be held to.
 */

/** Summary figures of a sample set, in the samples' own unit. */
export interface Summary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The `p`th percentile (0 < p <= 100) of `samples` by nearest rank; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The median by nearest rank (the lower middle sample for an even count). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Rounds to `digits` decimals, so JSON output stays readable. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Count, extremes, mean and the usual percentiles of `samples`, rounded to 0.01. */
export function summarize(samples: readonly number[]): Summary {
  const mean = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : Number.NaN;
  return {
    count: samples.length,
    min: round(samples.length ? Math.min(...samples) : Number.NaN),
    p50: round(percentile(samples, 50)),
    p90: round(percentile(samples, 90)),
    p99: round(percentile(samples, 99)),
    max: round(samples.length ? Math.max(...samples) : Number.NaN),
    mean: round(mean),
  };
}

/** A closed time interval, in milliseconds on one clock. */
export interface Interval {
  start: number;
  end: number;
}

/**
 * The total length of the parts of `intervals` that fall inside `window`, counting overlapping
 * intervals once: concurrent driver calls (a drain polls three servers at a time) take wall time once.
 */
export function coveredMs(intervals: readonly Interval[], window: Interval): number {
  const clipped = intervals
    .map((i) => ({ start: Math.max(i.start, window.start), end: Math.min(i.end, window.end) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const { start, end } of clipped) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}
