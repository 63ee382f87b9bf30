import jStat from 'jstat';

/**
 * Typed wrapper around the distributions analysis needs (jStat does the numerical work).
 * Upper tails are computed with the complementary error function where possible so that
 * small p-values keep their precision.
 */

/** Standard normal cumulative distribution function Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * jStat.erfc(-x / Math.SQRT2);
}

/** Standard normal quantile Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return jStat.normal.inv(p, 0, 1);
}

/** Two-sided p-value of a standard normal test statistic. */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return Math.min(1, jStat.erfc(Math.abs(z) / Math.SQRT2));
}

/** Student's t quantile with `df` degrees of freedom (df may be fractional, as for Welch). */
export function tQuantile(p: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  if (df > 1e7) return normalQuantile(p);
  return jStat.studentt.inv(p, df);
}

/** Two-sided p-value of a t statistic. */
export function tTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (df > 1e7) return normalTwoSidedP(t);
  return Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df));
}

/** Upper-tail probability P(X² ≥ x) of a chi-square distribution with `df` degrees of freedom. */
export function chiSquareUpperP(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return Number.NaN;
  if (x <= 0) return 1;
  return Math.max(0, Math.min(1, 1 - jStat.chisquare.cdf(x, df)));
}

/** The two-sided critical value for a confidence level, e.g. 1.959964 for 0.95. */
export function zFor(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}
