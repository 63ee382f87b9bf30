import type { Interval } from './proportions.js';
import type { Suppressed } from './suppression.js';

/**
 * Formatting for display: the only place numbers are rounded. Results keep raw proportions
 * (0-1) so totals and differences are computed before rounding.
 */

/** A proportion (0-1) as a percentage, e.g. 0.4237 → "42%" (or "42.4%" with 1 decimal). */
export function formatPercent(proportion: number, decimals = 0): string {
  if (!Number.isFinite(proportion)) return '–';
  return `${roundHalfUp(proportion * 100, decimals).toFixed(decimals)}%`;
}

/** A proportion's interval, e.g. "35% to 49%". */
export function formatPercentInterval(interval: Interval, decimals = 0): string {
  return `${formatPercent(interval.lower, decimals)} to ${formatPercent(interval.upper, decimals)}`;
}

/** A difference of proportions in percentage points, signed: "+7 points", "−3 points". */
export function formatPoints(difference: number, decimals = 0): string {
  if (!Number.isFinite(difference)) return '–';
  const v = roundHalfUp(difference * 100, decimals);
  const sign = v > 0 ? '+' : v < 0 ? '−' : '';
  return `${sign}${Math.abs(v).toFixed(decimals)} points`;
}

/** A p-value as usually reported: "p < 0.001" or "p = 0.023". */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return 'p not available';
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p.toFixed(3)}`;
}

/** The words shown in place of a hidden figure. */
export function suppressedText(hidden: Suppressed, threshold: number): string {
  switch (hidden.reason) {
    case 'withheld':
      return `withheld (fewer than ${threshold} responses, or to protect a smaller group)`;
    case 'too_few_organisations':
      return 'too few organisations to compare';
  }
}

/** Rounds half away from zero at the given decimals (Math.round rounds −0.5 up, and binary fractions need a nudge). */
export function roundHalfUp(value: number, decimals = 0): number {
  const f = 10 ** decimals;
  const scaled = Math.abs(value) * f;
  const rounded = Math.round(scaled + Number.EPSILON * Math.max(1, scaled));
  return (Math.sign(value) * rounded) / f;
}
