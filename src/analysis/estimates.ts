import { DONT_KNOW } from '../instrument/scales.js';
import { meanFromMoments, welchTest, type MeanEstimate } from './means.js';
import { chiSquareTest, newcombeDifference, twoProportionZ, wilsonInterval, type Interval } from './proportions.js';
import type { Group, GroupFigure, GroupRef, Segments } from './segments.js';
import { reveal, type CellStatus, type SegmentSuppression, type Suppressible } from './suppression.js';
import type { ClosedVariable } from './variables.js';
import { tQuantile } from './distributions.js';
import { effectiveBaseOf } from './weighting.js';

/** A proportion (0-1, never rounded) with its 95% Wilson interval. */
export interface Proportion extends Interval {
  estimate: number;
}

export interface OptionEstimate {
  option: string;
  /** Respondents choosing the option; left out of weighted results (see `ClosedEstimate`). */
  count?: number;
  proportion: Proportion;
}

/**
 * A closed variable's results for one group. In a weighted analysis only weighted
 * percentages are published, never unweighted option counts beside them: the two together
 * would give a second, independent equation for hidden groups.
 */
export interface ClosedEstimate {
  /** Respondents who answered (including "don't know"). */
  answered: number;
  /** Respondents the percentages are based on (unweighted). */
  base: number;
  /** Kish effective base used for the intervals (equals `base` unweighted). */
  effectiveBase: number;
  /** Respondents in the group asked the question who did not answer it (skipped, or not shown it by a condition). */
  notAnswered: Suppressible<number>;
  options: OptionEstimate[];
  /** "Don't know", as a share of everyone who answered, when it is excluded from the base. */
  dontKnow?: OptionEstimate;
  /** "% positive" for scales: agree + strongly agree, or very + quite engaged. */
  positive?: Proportion;
}

export interface DifferenceEstimate extends Interval {
  /** a − b, as a proportion (0-1) or in the units of a mean. */
  difference: number;
  test: 'two-proportion z' | 'Welch t';
  statistic: number;
  /** Unadjusted two-sided p-value. */
  p: number;
  /** p adjusted for the number of comparisons in the family (Holm or Benjamini-Hochberg). */
  pAdjusted: number;
  /** True only when the adjusted p-value is below the significance level. */
  significant: boolean;
}

export interface Comparison {
  a: GroupRef;
  b: GroupRef;
  /** Option code, 'positive' or 'mean'. */
  measure: string;
  result: Suppressible<DifferenceEstimate>;
}

export interface OverallTest {
  test: 'chi-square';
  statistic: number;
  df: number;
  p: number;
  pAdjusted: number;
  significant: boolean;
  /** Role groups included (those shown). */
  groups: number;
  /** Smallest expected count; below 5 the test is approximate. */
  minExpected: number;
}

/** Sums over a group's cells: raw, weighted and weighted-squared (for Kish's effective n). */
export function weightedSums(cells: readonly number[], values: ArrayLike<number>, weights: ArrayLike<number>): { raw: number; w: number; w2: number } {
  let raw = 0;
  let w = 0;
  let w2 = 0;
  for (const i of cells) {
    const v = values[i] ?? 0;
    if (v === 0) continue;
    const wt = weights[i] ?? 0;
    raw += v;
    w += wt * v;
    w2 += wt * wt * v;
  }
  return { raw, w, w2 };
}

/** A proportion from per-cell counts and bases, with the Wilson interval on Kish's effective base. */
export function proportionFrom(
  cells: readonly number[],
  numerator: ArrayLike<number>,
  base: ArrayLike<number>,
  weights: ArrayLike<number>,
): { proportion: Proportion; count: number; base: number; effectiveBase: number } {
  const b = weightedSums(cells, base, weights);
  const x = weightedSums(cells, numerator, weights);
  const estimate = b.w > 0 ? x.w / b.w : Number.NaN;
  const effectiveBase = effectiveBaseOf(weights, cells, b.raw, b.w2 > 0 ? (b.w * b.w) / b.w2 : 0);
  return { proportion: { estimate, ...wilsonInterval(estimate, effectiveBase) }, count: x.raw, base: b.raw, effectiveBase };
}

/** The per-cell counts behind one closed variable. */
export interface ClosedCounts {
  variable: ClosedVariable;
  answered: Float64Array;
  /** Base of the percentages per cell (answered, less "don't know" when excluded). */
  base: Float64Array;
  options: Map<string, Float64Array>;
  dontKnow?: Float64Array;
  positive?: Float64Array;
  /** Completed responses per cell from role groups the question is asked of. */
  eligible: Float64Array;
}

export function closedCounts(seg: Segments, variable: ClosedVariable): ClosedCounts {
  const t = seg.tables;
  const answered = t.answered(variable.code, variable.item);
  const options = new Map(variable.options.map((o) => [o.code, t.option(variable.code, variable.item, o.code)]));
  let base = answered;
  let dontKnow: Float64Array | undefined;
  if (variable.dontKnow === 'excluded') {
    dontKnow = t.option(variable.code, variable.item, DONT_KNOW.code);
    base = answered.map((a, i) => Math.max(0, a - (dontKnow![i] ?? 0)));
    seg.identify(base, variable.code, variable.item);
  }
  let positive: Float64Array | undefined;
  if (variable.positive) {
    positive = new Float64Array(t.size);
    for (const code of variable.positive) {
      const counts = options.get(code);
      if (counts) for (let i = 0; i < t.size; i++) positive[i]! += counts[i]!;
    }
  }
  const eligible = new Float64Array(t.size);
  t.cells.forEach((c, i) => {
    if (!variable.roleGroups || variable.roleGroups.has(c.roleGroup)) eligible[i] = t.responses[i] ?? 0;
  });
  return { variable, answered, base, options, dontKnow, positive, eligible };
}

/** A closed variable's estimate for one group (call only for a group that is shown). */
export function closedEstimate(seg: Segments, counts: ClosedCounts, group: Group, notAnsweredStatus: CellStatus): ClosedEstimate {
  const w = seg.weights;
  const withCount = !seg.weighted;
  const options = counts.variable.options.map((o) => {
    const r = proportionFrom(group.cells, counts.options.get(o.code)!, counts.base, w);
    return withCount ? { option: o.code, count: r.count, proportion: r.proportion } : { option: o.code, proportion: r.proportion };
  });
  const head = proportionFrom(group.cells, counts.base, counts.base, w);
  const answered = weightedSums(group.cells, counts.answered, w).raw;
  const eligible = weightedSums(group.cells, counts.eligible, w).raw;
  const estimate: ClosedEstimate = {
    answered,
    base: head.base,
    effectiveBase: head.effectiveBase,
    notAnswered: reveal(notAnsweredStatus, () => Math.max(0, eligible - answered)),
    options,
  };
  if (counts.dontKnow) {
    const r = proportionFrom(group.cells, counts.dontKnow, counts.answered, w);
    estimate.dontKnow = withCount ? { option: DONT_KNOW.code, count: r.count, proportion: r.proportion } : { option: DONT_KNOW.code, proportion: r.proportion };
  }
  if (counts.positive) estimate.positive = proportionFrom(group.cells, counts.positive, counts.base, w).proportion;
  return estimate;
}

/** The measures compared between groups: "% positive" for scales, each option otherwise. */
export function closedMeasures(counts: ClosedCounts): { measure: string; numerator: Float64Array }[] {
  if (counts.positive) return [{ measure: 'positive', numerator: counts.positive }];
  return counts.variable.options.map((o) => ({ measure: o.code, numerator: counts.options.get(o.code)! }));
}

/** Difference of a proportion between two (shown) groups: Newcombe interval and pooled z test; p adjusted later. */
export function proportionDifference(seg: Segments, a: Group, b: Group, numerator: ArrayLike<number>, base: ArrayLike<number>): DifferenceEstimate {
  const pa = proportionFrom(a.cells, numerator, base, seg.weights);
  const pb = proportionFrom(b.cells, numerator, base, seg.weights);
  const ci = newcombeDifference(pa.proportion.estimate, pa.effectiveBase, pb.proportion.estimate, pb.effectiveBase);
  const test = twoProportionZ(pa.proportion.estimate, pa.effectiveBase, pb.proportion.estimate, pb.effectiveBase);
  return { ...ci, test: 'two-proportion z', statistic: test.statistic, p: test.p, pAdjusted: Number.NaN, significant: false };
}

/** The pairs compared: every pair of role groups, and each role group against everyone else. */
export function comparisonPairs(seg: Segments): [Group, Group][] {
  const pairs: [Group, Group][] = [];
  const roles = seg.byRole;
  for (let i = 0; i < roles.length; i++) for (let j = i + 1; j < roles.length; j++) pairs.push([roles[i]!, roles[j]!]);
  for (const r of roles) pairs.push([r, seg.rest((r.ref as { code: string }).code)]);
  return pairs;
}

/** Pairwise comparisons of a closed variable; hidden when either side is hidden. */
export function closedComparisons(seg: Segments, counts: ClosedCounts, pattern: SegmentSuppression): Comparison[] {
  const out: Comparison[] = [];
  const measures = closedMeasures(counts);
  for (const [a, b] of comparisonPairs(seg)) {
    const sa = seg.status(pattern, a.ref, counts.base);
    const sb = seg.status(pattern, b.ref, counts.base);
    const status: CellStatus = sa !== 'shown' ? sa : sb;
    for (const m of measures) {
      out.push({ a: a.ref, b: b.ref, measure: m.measure, result: reveal(status, () => proportionDifference(seg, a, b, m.numerator, counts.base)) });
    }
  }
  return out;
}

/** Chi-square test of the whole table (shown role groups × options) for a single-answer variable. */
export function closedOverallTest(seg: Segments, counts: ClosedCounts, pattern: SegmentSuppression): OverallTest | undefined {
  if (counts.variable.multiple) return undefined;
  const rows: number[][] = [];
  for (const g of seg.byRole) {
    if (seg.status(pattern, g.ref) !== 'shown') continue;
    // Effective counts: each group's proportions times its effective base (the counts, unweighted).
    const row = counts.variable.options.map((o) => {
      const r = proportionFrom(g.cells, counts.options.get(o.code)!, counts.base, seg.weights);
      return r.effectiveBase > 0 ? r.proportion.estimate * r.effectiveBase : 0;
    });
    rows.push(row);
  }
  if (rows.length < 2) return undefined;
  const r = chiSquareTest(rows);
  if (Number.isNaN(r.p)) return undefined;
  return { test: 'chi-square', statistic: r.statistic, df: r.df, p: r.p, pAdjusted: Number.NaN, significant: false, groups: rows.length, minExpected: r.minExpected };
}

// ---------------------------------------------------------------------------------------------
// Means (number questions and index scores), from per-cell n, sum and sum of squares.

export interface MomentArrays {
  n: ArrayLike<number>;
  sum: ArrayLike<number>;
  sumSquares: ArrayLike<number>;
}

export function meanOf(seg: Segments, group: Group, m: MomentArrays): MeanEstimate | undefined {
  const estimate = meanFromMoments(group.cells.map((i) => ({ n: m.n[i] ?? 0, sum: m.sum[i] ?? 0, sumSquares: m.sumSquares[i] ?? 0, weight: seg.weights[i] ?? 0 })));
  if (!estimate) return undefined;
  // Kish's effective n of a group with a withheld cell is given coarse (effectiveBaseOf), and the interval rests on that.
  const effectiveN = effectiveBaseOf(seg.weights, group.cells, estimate.n, estimate.effectiveN);
  if (effectiveN === estimate.effectiveN) return estimate;
  const se = estimate.sd / Math.sqrt(effectiveN);
  const df = effectiveN - 1;
  const t = df > 0 ? tQuantile(0.975, df) : Number.NaN;
  return { ...estimate, se, effectiveN, df, lower: estimate.mean - t * se, upper: estimate.mean + t * se };
}

export function meanDifference(seg: Segments, a: Group, b: Group, m: MomentArrays): DifferenceEstimate | undefined {
  const ma = meanOf(seg, a, m);
  const mb = meanOf(seg, b, m);
  if (!ma || !mb || !(ma.df > 0) || !(mb.df > 0)) return undefined;
  const r = welchTest(ma, mb);
  return {
    difference: r.difference,
    lower: r.lower,
    upper: r.upper,
    test: 'Welch t',
    statistic: r.statistic,
    p: r.p,
    pAdjusted: Number.NaN,
    significant: false,
  };
}

/** Group figures and pairwise comparisons for a mean. */
export function meanResults(
  seg: Segments,
  m: MomentArrays,
  groups: readonly Group[],
  /** The role groups the question is asked of (everyone when not given). */
  askedOf?: ReadonlySet<string>,
): { groups: GroupFigure<MeanEstimate>[]; comparisons: Comparison[]; pattern: SegmentSuppression } {
  const pattern = seg.suppress(m.n, askedOf);
  const figures = groups.map((g) => {
    let status = seg.status(pattern, g.ref, m.n);
    const estimate = status === 'shown' ? meanOf(seg, g, m) : undefined;
    // A shown group always has values; a weighted group whose cells all carry no weight has none.
    if (!estimate) status = status === 'shown' ? 'primary' : status;
    return { group: g.ref, figure: reveal(status, () => estimate!) };
  });
  const comparisons: Comparison[] = [];
  for (const [a, b] of comparisonPairs(seg)) {
    const sa = seg.status(pattern, a.ref, m.n);
    const sb = seg.status(pattern, b.ref, m.n);
    const status: CellStatus = sa !== 'shown' ? sa : sb;
    const diff = status === 'shown' ? meanDifference(seg, a, b, m) : undefined;
    if (status === 'shown' && !diff) continue; // no variance to test (e.g. everyone gave the same number)
    comparisons.push({ a: a.ref, b: b.ref, measure: 'mean', result: reveal(status, () => diff!) });
  }
  return { groups: figures, comparisons, pattern };
}
