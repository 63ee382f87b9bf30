import { closedCounts, closedMeasures, meanDifference, proportionDifference, type DifferenceEstimate } from './estimates.js';
import type { Segments } from './segments.js';
import { reveal, type CellStatus, type Suppressible } from './suppression.js';
import { indexVariable } from './tables.js';
import type { TDefinition } from '../instrument/definition.js';
import type { ClosedVariable } from './variables.js';

/** One item of the perception gap: leaders minus frontline. */
export interface PerceptionGapItem {
  /** The question and matrix item, or the index, the gap is about. */
  question?: string;
  item?: string;
  index?: string;
  /** 'positive', an option code, or 'mean' for an index score. */
  measure: string;
  /** Percentage points for proportions, index points (0-100 scale) for indices. */
  unit: 'percentage_points' | 'index_points';
  gap: Suppressible<PerceptionGap>;
}

export interface PerceptionGap extends DifferenceEstimate {
  leaders: number;
  frontline: number;
  /** The gap in points (×100 for proportions), which the ranking uses. */
  points: number;
}

/**
 * The gap between leaders and frontline (the role groups named in the definition's
 * `perceptionGap`) for every closed variable's headline measure and every index score,
 * ranked by the size of the gap (shown gaps first). p-values are adjusted across all the
 * gap items together; `significant` is set only after adjustment.
 */
export function perceptionGap(seg: Segments, definition: TDefinition, variables: readonly ClosedVariable[]): PerceptionGapItem[] {
  const leaders = seg.leaders;
  const frontline = seg.frontline;
  if (!leaders || !frontline) return [];
  const items: PerceptionGapItem[] = [];
  const statusOf = (pattern: ReturnType<Segments['suppress']>): CellStatus => {
    const a = seg.status(pattern, leaders.ref);
    return a !== 'shown' ? a : seg.status(pattern, frontline.ref);
  };
  for (const variable of variables) {
    const counts = closedCounts(seg, variable);
    const pattern = seg.suppress(counts.base, variable.roleGroups);
    const status = statusOf(pattern);
    for (const m of closedMeasures(counts)) {
      items.push({
        question: variable.code,
        item: variable.item,
        measure: m.measure,
        unit: 'percentage_points',
        gap: reveal(status, () => {
          const d = proportionDifference(seg, leaders, frontline, m.numerator, counts.base);
          const share = (cells: readonly number[]) => {
            let x = 0;
            let b = 0;
            for (const i of cells) {
              x += (seg.weights[i] ?? 0) * (m.numerator[i] ?? 0);
              b += (seg.weights[i] ?? 0) * (counts.base[i] ?? 0);
            }
            return x / b;
          };
          return { ...d, leaders: share(leaders.cells), frontline: share(frontline.cells), points: d.difference * 100 };
        }),
      });
    }
  }
  for (const index of definition.indices) {
    const m = seg.tables.numeric(indexVariable(index.code));
    if (!m) continue;
    const status = statusOf(seg.suppress(m.n));
    const d = status === 'shown' ? meanDifference(seg, leaders, frontline, m) : undefined;
    if (status === 'shown' && !d) continue;
    items.push({
      index: index.code,
      measure: 'mean',
      unit: 'index_points',
      gap: reveal(status, () => {
        const mean = (cells: readonly number[]) => {
          let s = 0;
          let n = 0;
          for (const i of cells) {
            s += (seg.weights[i] ?? 0) * (m.sum[i] ?? 0);
            n += (seg.weights[i] ?? 0) * (m.n[i] ?? 0);
          }
          return s / n;
        };
        return { ...d!, leaders: mean(leaders.cells), frontline: mean(frontline.cells), points: d!.difference };
      }),
    });
  }
  const size = (item: PerceptionGapItem) => (item.gap.shown ? Math.abs(item.gap.value.points) : -1);
  return items.sort((a, b) => size(b) - size(a));
}
