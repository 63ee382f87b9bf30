import type { SurveyAnalysis } from './analyse.js';
import type { ClosedEstimate } from './estimates.js';
import type { IndexEstimate } from './indices.js';
import type { MeanEstimate } from './means.js';
import type { Suppressible } from './suppression.js';

/**
 * Benchmarks: an organisation against the median and interquartile range of the organisations
 * in its benchmark round, overall and among similar organisations. Each participant
 * contributes one publication's whole-organisation figures, and only where that figure is
 * shown (at least the threshold of responses). No quantile is ever one organisation's own
 * figure (benchmarkQuantile), and a benchmark from fewer than `minOrganisations`
 * organisations is hidden.
 */

/** A measure's key: `question.item:positive|option`, `question:mean` or `index:code`. */
export type MeasureKey = string;

export function closedMeasureKey(question: string, item: string, measure: string): MeasureKey {
  return `${question}.${item}:${measure}`;
}
export function meanMeasureKey(question: string): MeasureKey {
  return `${question}:mean`;
}
export function indexMeasureKey(code: string): MeasureKey {
  return `index:${code}`;
}

/**
 * The whole-organisation figures an organisation contributes to benchmarks: proportions (0-1)
 * for every option and "% positive", means for numbers, scores (0-100) for indices. Hidden
 * figures are left out.
 */
export function headlineMeasures(analysis: SurveyAnalysis): Record<MeasureKey, number> {
  const out: Record<MeasureKey, number> = {};
  const total = <T>(groups: { group: { kind: string }; figure: Suppressible<T> }[]) => {
    const f = groups.find((g) => g.group.kind === 'total')?.figure;
    return f && f.shown ? f.value : undefined;
  };
  for (const v of analysis.variables) {
    if (v.kind === 'closed') {
      const e = total<ClosedEstimate>(v.groups);
      if (!e) continue;
      for (const o of e.options) out[closedMeasureKey(v.question, v.item, o.option)] = o.proportion.estimate;
      if (e.positive) out[closedMeasureKey(v.question, v.item, 'positive')] = e.positive.estimate;
      if (e.dontKnow) out[closedMeasureKey(v.question, v.item, e.dontKnow.option)] = e.dontKnow.proportion.estimate;
    } else if (v.kind === 'number') {
      const e = total<MeanEstimate>(v.groups);
      if (e) out[meanMeasureKey(v.question)] = e.mean;
    }
  }
  for (const i of analysis.indices) {
    const e = total<IndexEstimate>(i.groups);
    if (!e) continue;
    out[indexMeasureKey(i.code)] = e.score.mean;
    if (e.positive?.shown) out[closedMeasureKey(`index_${i.code}`, '', 'positive')] = e.positive.value.estimate;
  }
  return out;
}

export interface Participant {
  organisation: string;
  /** county, district, unitary, metropolitan, london_borough … */
  type?: string;
  /** england, wales, scotland, northern_ireland */
  nation?: string;
  region?: string;
  measures: Record<MeasureKey, number>;
}

export interface BenchmarkFigure {
  organisations: number;
  median: number;
  lowerQuartile: number;
  upperQuartile: number;
  /** The organisation's figure minus the median, when it has one. */
  differenceFromMedian?: number;
  /** Where the organisation sits: below the lower quartile, in the middle half, or in the top quarter ("high performers"). */
  position?: 'below_lower_quartile' | 'middle_half' | 'upper_quartile';
}

export interface BenchmarkComparator {
  /** all participants, or those of the same type, nation or region as the organisation. */
  set: 'all' | 'type' | 'nation' | 'region';
  /** The type, nation or region compared with. */
  value?: string;
  figure: Suppressible<BenchmarkFigure>;
}

export interface BenchmarkResult {
  measure: MeasureKey;
  /** The organisation's own figure (its own data, already suppressed). */
  own?: number;
  comparators: BenchmarkComparator[];
}

/** Quantile by linear interpolation between order statistics (Hyndman & Fan type 7; R's default, Excel QUARTILE.INC). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * A quantile of organisations' figures that is never one organisation's exact figure, so a
 * benchmark cannot print a participant's result. `avoid` is every figure the round holds for
 * the measure (by default the figures given): a comparison among similar councils must not
 * print the figure of a council outside it either. Where the type 7 quantile is no figure it
 * is used as it is (strictly between two different neighbouring figures it cannot be one).
 * Where it falls on a figure (an order statistic exactly, or between tied figures) it is
 * widened to the midpoint of the nearest different figures below and above; should that be a
 * figure too (figures spaced evenly around it), it becomes the midpoint of the gap between the
 * figure and the nearest figure on the outer side: below for the lower quartile and the
 * median, above for the upper quartile. Undefined when every figure is the same: any quantile
 * would be everyone's figure.
 */
export function benchmarkQuantile(sorted: readonly number[], p: number, avoid: ReadonlySet<number> = new Set(sorted)): number | undefined {
  const interpolated = quantile(sorted, p);
  if (!avoid.has(interpolated)) return interpolated;
  const below = sorted.findLast((x) => x < interpolated);
  const above = sorted.find((x) => x > interpolated);
  if (below !== undefined && above !== undefined && !avoid.has((below + above) / 2)) return (below + above) / 2;
  // The nearest figures either side, of all the round's: nothing lies strictly between one and the quantile.
  let nearestBelow: number | undefined;
  let nearestAbove: number | undefined;
  for (const x of avoid) {
    if (x < interpolated && (nearestBelow === undefined || x > nearestBelow)) nearestBelow = x;
    if (x > interpolated && (nearestAbove === undefined || x < nearestAbove)) nearestAbove = x;
  }
  const side = p <= 0.5 ? (nearestBelow ?? nearestAbove) : (nearestAbove ?? nearestBelow);
  return side === undefined ? undefined : (side + interpolated) / 2;
}

/**
 * The lower quartile, median and upper quartile by benchmarkQuantile. Widening can carry a
 * quartile past the median where figures tie or crowd; then the quartile is brought to the
 * median (never a figure itself), so they always read in order.
 */
export function benchmarkQuartiles(sorted: readonly number[], avoid?: ReadonlySet<number>): { lowerQuartile: number; median: number; upperQuartile: number } | undefined {
  const [lower, median, upper] = [0.25, 0.5, 0.75].map((p) => benchmarkQuantile(sorted, p, avoid));
  if (lower === undefined || median === undefined || upper === undefined) return undefined;
  return { lowerQuartile: Math.min(lower, median), median, upperQuartile: Math.max(upper, median) };
}

export interface BenchmarkOptions {
  /** Smallest number of organisations a benchmark may be computed from (default 5, never below 3). */
  minOrganisations?: number;
  /** Only these measures (default: every measure the organisation has). */
  measures?: readonly MeasureKey[];
}

/**
 * Benchmarks for one organisation. `participants` are every participating organisation's
 * contributed figures (the organisation itself included, as in the Civil Service People
 * Survey); an organisation under the threshold has no figure for a measure and is not counted.
 */
export function benchmark(
  self: Omit<Participant, 'measures'> & { measures?: Record<MeasureKey, number> },
  participants: readonly Participant[],
  options: BenchmarkOptions = {},
): BenchmarkResult[] {
  const min = Math.max(3, options.minOrganisations ?? 5);
  const own = self.measures ?? participants.find((p) => p.organisation === self.organisation)?.measures ?? {};
  const keys = options.measures ?? Object.keys(own);
  const sets: { set: BenchmarkComparator['set']; value?: string; members: readonly Participant[] }[] = [{ set: 'all', members: participants }];
  if (self.type) sets.push({ set: 'type', value: self.type, members: participants.filter((p) => p.type === self.type) });
  if (self.nation) sets.push({ set: 'nation', value: self.nation, members: participants.filter((p) => p.nation === self.nation) });
  if (self.region) sets.push({ set: 'region', value: self.region, members: participants.filter((p) => p.region === self.region) });
  return keys.map((measure) => {
    const value = own[measure];
    const roundFigures = new Set(participants.map((p) => p.measures[measure]).filter((v): v is number => v !== undefined));
    return {
      measure,
      ...(value === undefined ? {} : { own: value }),
      comparators: sets.map(({ set, value: label, members }) => {
        const values = members.map((p) => p.measures[measure]).filter((v): v is number => v !== undefined && Number.isFinite(v));
        values.sort((a, b) => a - b);
        const comparator: BenchmarkComparator = {
          set,
          ...(label === undefined ? {} : { value: label }),
          figure: values.length < min ? { shown: false, reason: 'too_few_organisations' } : figureFor(values, value, roundFigures),
        };
        return comparator;
      }),
    };
  });
}

function figureFor(sorted: number[], own: number | undefined, roundFigures: ReadonlySet<number>): Suppressible<BenchmarkFigure> {
  const quartiles = benchmarkQuartiles(sorted, roundFigures);
  // Every organisation has the same figure: any quantile would print it.
  if (!quartiles) return { shown: false, reason: 'withheld' };
  const { lowerQuartile, median, upperQuartile } = quartiles;
  const figure: BenchmarkFigure = { organisations: sorted.length, median, lowerQuartile, upperQuartile };
  if (own !== undefined) {
    figure.differenceFromMedian = own - median;
    figure.position = own < lowerQuartile ? 'below_lower_quartile' : own > upperQuartile ? 'upper_quartile' : 'middle_half';
  }
  return { shown: true, value: figure };
}
