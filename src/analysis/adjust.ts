/** Multiple-comparison adjustment of p-values. */
export type AdjustMethod = 'holm' | 'bh';

/**
 * Adjusted p-values, in the input order. NaN entries (tests that could not be run) are left
 * as NaN and not counted in the family size.
 * - holm: Holm (1979) step-down, controls the family-wise error rate (never less powerful than Bonferroni).
 * - bh: Benjamini & Hochberg (1995) step-up, controls the false discovery rate.
 */
export function adjustPValues(p: readonly number[], method: AdjustMethod): number[] {
  const order = p.map((value, index) => ({ value, index })).filter((e) => !Number.isNaN(e.value));
  order.sort((a, b) => a.value - b.value || a.index - b.index);
  const m = order.length;
  const adjusted = p.map(() => Number.NaN);
  if (m === 0) return adjusted;
  if (method === 'holm') {
    let running = 0;
    order.forEach((entry, i) => {
      running = Math.max(running, Math.min(1, (m - i) * entry.value));
      adjusted[entry.index] = running;
    });
  } else {
    let running = 1;
    for (let i = m - 1; i >= 0; i--) {
      const entry = order[i]!;
      running = Math.min(running, (entry.value * m) / (i + 1));
      adjusted[entry.index] = Math.min(1, running);
    }
  }
  return adjusted;
}
