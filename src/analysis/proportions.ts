import { chiSquareUpperP, normalTwoSidedP, zFor } from './distributions.js';

/** 1.959964…: the critical value for two-sided 95% intervals. */
export const Z95 = zFor(0.95);

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, method 3).
 * Takes the proportion and the (possibly effective) sample size rather than a count, so the
 * same formula serves weighted estimates with Kish's effective n. Unlike the Wald interval it
 * never leaves [0, 1] and stays sensible at 0% and 100% and for small bases.
 */
export function wilsonInterval(p: number, n: number, z: number = Z95): Interval {
  if (!(n > 0) || Number.isNaN(p)) return { lower: Number.NaN, upper: Number.NaN };
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt(Math.max(0, (p * (1 - p)) / n + z2 / (4 * n * n)));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval for a difference of independent proportions p1 − p2
 * (Newcombe 1998, "Interval estimation for the difference between independent proportions",
 * method 10), built from the two Wilson intervals.
 */
export function newcombeDifference(p1: number, n1: number, p2: number, n2: number, z: number = Z95): Interval & { difference: number } {
  const a = wilsonInterval(p1, n1, z);
  const b = wilsonInterval(p2, n2, z);
  const difference = p1 - p2;
  return {
    difference,
    lower: difference - Math.sqrt((p1 - a.lower) ** 2 + (b.upper - p2) ** 2),
    upper: difference + Math.sqrt((a.upper - p1) ** 2 + (p2 - b.lower) ** 2),
  };
}

export interface TestResult {
  /** The test statistic (z, t or X²). */
  statistic: number;
  /** Unadjusted two-sided p-value. */
  p: number;
}

/**
 * Two-proportion z test with the pooled standard error (equivalent to the 2×2 Pearson
 * chi-square without continuity correction: z² = X²).
 */
export function twoProportionZ(p1: number, n1: number, p2: number, n2: number): TestResult {
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return { statistic: 0, p: 1 };
  const z = (p1 - p2) / se;
  return { statistic: z, p: normalTwoSidedP(z) };
}

/**
 * One-sample score test of a proportion against a fixed value p0 (the published figure):
 * z = (p − p0) / √(p0(1 − p0)/n). The published figure's own sampling error is ignored.
 */
export function oneSampleProportionZ(p: number, n: number, p0: number): TestResult {
  const se = Math.sqrt((p0 * (1 - p0)) / n);
  if (!(se > 0)) return { statistic: Number.NaN, p: p === p0 ? 1 : 0 };
  const z = (p - p0) / se;
  return { statistic: z, p: normalTwoSidedP(z) };
}

export interface ChiSquareResult extends TestResult {
  df: number;
  /** Smallest expected count; the approximation is doubtful below 5. */
  minExpected: number;
}

/**
 * Pearson chi-square test of independence for an r × c table of counts (rows and columns that
 * are entirely zero are dropped first). Counts may be non-integer (effective counts).
 */
export function chiSquareTest(table: readonly (readonly number[])[]): ChiSquareResult {
  const rows = table.filter((row) => row.some((v) => v > 0));
  const width = Math.max(0, ...rows.map((r) => r.length));
  const keepCols: number[] = [];
  for (let j = 0; j < width; j++) if (rows.some((row) => (row[j] ?? 0) > 0)) keepCols.push(j);
  const rowTotals = rows.map((row) => keepCols.reduce((s, j) => s + (row[j] ?? 0), 0));
  const colTotals = keepCols.map((j) => rows.reduce((s, row) => s + (row[j] ?? 0), 0));
  const total = rowTotals.reduce((s, v) => s + v, 0);
  const df = (rows.length - 1) * (keepCols.length - 1);
  if (df <= 0 || !(total > 0)) return { statistic: 0, p: Number.NaN, df: Math.max(0, df), minExpected: Number.NaN };
  let statistic = 0;
  let minExpected = Number.POSITIVE_INFINITY;
  rows.forEach((row, i) => {
    keepCols.forEach((j, k) => {
      const expected = ((rowTotals[i] ?? 0) * (colTotals[k] ?? 0)) / total;
      minExpected = Math.min(minExpected, expected);
      statistic += ((row[j] ?? 0) - expected) ** 2 / expected;
    });
  });
  return { statistic, p: chiSquareUpperP(statistic, df), df, minExpected };
}
