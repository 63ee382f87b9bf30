import { tQuantile, tTwoSidedP } from './distributions.js';
import type { Interval, TestResult } from './proportions.js';

/** A mean with its Student t interval. */
export interface MeanEstimate extends Interval {
  mean: number;
  /** Standard deviation of the values (weighted when weights are used). */
  sd: number;
  /** Standard error of the mean. */
  se: number;
  /** Unweighted number of values. */
  n: number;
  /** Kish effective sample size (equals n when unweighted). */
  effectiveN: number;
  /** Degrees of freedom of the t interval (effective n − 1). */
  df: number;
}

/** Per-cell moments: count, sum and sum of squares, with an optional weight per value in the cell. */
export interface WeightedMoments {
  n: number;
  sum: number;
  sumSquares: number;
  weight: number;
}

/**
 * Mean of values held as per-cell moments, with a t interval. Unweighted this is the textbook
 * s/√n interval with n − 1 degrees of freedom. Weighted (one weight per cell), the mean is the
 * weighted mean, the variance the weighted variance about it, and the standard error uses
 * Kish's effective sample size (Σwn)²/Σw²n with effective n − 1 degrees of freedom.
 */
export function meanFromMoments(cells: Iterable<WeightedMoments>, confidence = 0.95): MeanEstimate | undefined {
  let n = 0;
  let w = 0;
  let ws = 0;
  let w2n = 0;
  const list: WeightedMoments[] = [];
  for (const c of cells) {
    if (!(c.n > 0)) continue;
    list.push(c);
    n += c.n;
    w += c.weight * c.n;
    ws += c.weight * c.sum;
    w2n += c.weight * c.weight * c.n;
  }
  if (n === 0 || !(w > 0)) return undefined;
  const mean = ws / w;
  // Sum of squared deviations about the overall mean, cell by cell: Σ(x−m)² = ss − 2m·s + n·m².
  let ss = 0;
  for (const c of list) ss += c.weight * Math.max(0, c.sumSquares - 2 * mean * c.sum + c.n * mean * mean);
  const effectiveN = (w * w) / w2n;
  const variance = n > 1 ? ((ss / w) * n) / (n - 1) : Number.NaN;
  const sd = Math.sqrt(Math.max(0, variance));
  const se = sd / Math.sqrt(effectiveN);
  const df = effectiveN - 1;
  const t = df > 0 ? tQuantile(1 - (1 - confidence) / 2, df) : Number.NaN;
  return { mean, sd, se, n, effectiveN, df, lower: mean - t * se, upper: mean + t * se };
}

export interface MeanDifference extends Interval, TestResult {
  difference: number;
  se: number;
  df: number;
}

/**
 * Welch's unequal-variances t test and interval for a difference of two means
 * (Welch–Satterthwaite degrees of freedom).
 */
export function welchTest(a: MeanSummary, b: MeanSummary, confidence = 0.95): MeanDifference {
  const va = a.se * a.se;
  const vb = b.se * b.se;
  const se = Math.sqrt(va + vb);
  const difference = a.mean - b.mean;
  const df = (va + vb) ** 2 / ((va * va) / a.df + (vb * vb) / b.df);
  if (!(se > 0)) return { difference, se, df, statistic: 0, p: difference === 0 ? 1 : 0, lower: difference, upper: difference };
  const statistic = difference / se;
  const t = tQuantile(1 - (1 - confidence) / 2, df);
  return { difference, se, df, statistic, p: tTwoSidedP(statistic, df), lower: difference - t * se, upper: difference + t * se };
}

/** What a Welch comparison needs from each side: the mean, its standard error and degrees of freedom. */
export interface MeanSummary {
  mean: number;
  se: number;
  df: number;
}
