import { DONT_KNOW } from '../instrument/scales.js';
import { meanFromMoments, welchTest, type MeanEstimate } from './means.js';
import { chiSquareTest, newcombeDifference, twoProportionZ, wilsonInterval, Z95, type Interval } from './proportions.js';
import { raoScottF } from './rao-scott.js';
import type { CellInfluence, LinearisedDesign } from './linearisation.js';
import type { Group, GroupFigure, GroupRef, Segments } from './segments.js';
import { reveal, type CellStatus, type SegmentSuppression, type Suppressible } from './suppression.js';
import type { ClosedVariable } from './variables.js';
import { normalTwoSidedP, tQuantile, tTwoSidedP } from './distributions.js';
import { CellWeights, effectiveBaseOf } from './weighting.js';

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
  /** Design-based: with the raked design, standard errors by linearisation (linearisation.ts). */
  test: 'two-proportion z' | 'Welch t' | 'design-based z' | 'design-based t';
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
  /** Pearson's chi-square (statistic X², df), or Rao-Scott's corrected F with the raked design (statistic F, df and ddf its degrees of freedom). */
  test: 'chi-square' | 'Rao-Scott F';
  statistic: number;
  df: number;
  /** Denominator degrees of freedom of the Rao-Scott F. */
  ddf?: number;
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

/** The raked design of a weighted analysis whose every cell is published (CellWeights.design), if any. */
export function designOf(weights: ArrayLike<number>): LinearisedDesign | undefined {
  return weights instanceof CellWeights ? weights.design : undefined;
}

/**
 * Influence values of a ratio Σw·x / Σw·b over a group's cells (a proportion, or a mean with
 * per-cell sums and sums of squares), each times `sign`: z_i = sign·(y_i − estimate)/Σw·b for
 * the respondents counted in the base, 0 for everyone else.
 */
export function ratioInfluence(
  cells: readonly number[],
  moments: { count: ArrayLike<number>; sum: ArrayLike<number>; sumSquares: ArrayLike<number> },
  weights: ArrayLike<number>,
  estimate: number,
  sign = 1,
): CellInfluence[] {
  const total = weightedSums(cells, moments.count, weights).w;
  const out: CellInfluence[] = [];
  for (const cell of cells) {
    const count = moments.count[cell] ?? 0;
    if (!(count > 0)) continue;
    out.push({ cell, u: sign / total, t: (-sign * estimate) / total, count, sum: moments.sum[cell] ?? 0, sumSquares: moments.sumSquares[cell] ?? 0 });
  }
  return out;
}

/**
 * A proportion from per-cell counts and bases, with the Wilson interval on an effective base:
 * p(1 − p)/V with V the design-based (linearised) variance where the analysis has the raked
 * design (`designOf`), Kish's otherwise (or the coarse one of `effectiveBaseOf`). `se` is the
 * standard error the interval rests on.
 */
export function proportionFrom(
  cells: readonly number[],
  numerator: ArrayLike<number>,
  base: ArrayLike<number>,
  weights: ArrayLike<number>,
): { proportion: Proportion; count: number; base: number; effectiveBase: number; se: number } {
  const b = weightedSums(cells, base, weights);
  const x = weightedSums(cells, numerator, weights);
  const estimate = b.w > 0 ? x.w / b.w : Number.NaN;
  let effectiveBase = effectiveBaseOf(weights, cells, b.raw, b.w2 > 0 ? (b.w * b.w) / b.w2 : 0);
  let se = effectiveBase > 0 ? Math.sqrt((estimate * (1 - estimate)) / effectiveBase) : Number.NaN;
  const design = designOf(weights);
  if (design && b.w > 0) {
    se = Math.sqrt(Math.max(0, design.variance(ratioInfluence(cells, { count: base, sum: numerator, sumSquares: numerator }, weights, estimate))));
    // At 0% or 100% the variance is 0 and says nothing of the base: Wilson keeps Kish's there.
    if (se > 0) effectiveBase = (estimate * (1 - estimate)) / (se * se);
  }
  return { proportion: { estimate, ...wilsonInterval(estimate, effectiveBase) }, count: x.raw, base: b.raw, effectiveBase, se };
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

/**
 * Difference of a proportion between two (shown) groups; p adjusted later. Unweighted (or
 * weighted without the design): Newcombe interval and pooled z test on the effective bases.
 * With the raked design: the design-based standard error of the difference (the two groups'
 * linearised influence values together, so their covariance under raking counts), a Wald
 * interval and z test, as R's svycontrast on svyby means.
 */
export function proportionDifference(seg: Segments, a: Group, b: Group, numerator: ArrayLike<number>, base: ArrayLike<number>): DifferenceEstimate {
  const pa = proportionFrom(a.cells, numerator, base, seg.weights);
  const pb = proportionFrom(b.cells, numerator, base, seg.weights);
  const design = designOf(seg.weights);
  if (design) {
    const moments = { count: base, sum: numerator, sumSquares: numerator };
    const influence = [...ratioInfluence(a.cells, moments, seg.weights, pa.proportion.estimate), ...ratioInfluence(b.cells, moments, seg.weights, pb.proportion.estimate, -1)];
    return designDifference(pa.proportion.estimate - pb.proportion.estimate, design.variance(influence), 'design-based z', Number.POSITIVE_INFINITY);
  }
  const ci = newcombeDifference(pa.proportion.estimate, pa.effectiveBase, pb.proportion.estimate, pb.effectiveBase);
  const test = twoProportionZ(pa.proportion.estimate, pa.effectiveBase, pb.proportion.estimate, pb.effectiveBase);
  return { ...ci, test: 'two-proportion z', statistic: test.statistic, p: test.p, pAdjusted: Number.NaN, significant: false };
}

/** A difference with its design-based variance: Wald interval and test (t with the design's degrees of freedom, or z). */
function designDifference(difference: number, variance: number, test: 'design-based z' | 'design-based t', df: number): DifferenceEstimate {
  const se = Math.sqrt(Math.max(0, variance));
  const normal = !Number.isFinite(df);
  const critical = normal ? Z95 : tQuantile(0.975, df);
  const statistic = se > 0 ? difference / se : 0;
  const p = se > 0 ? (normal ? normalTwoSidedP(statistic) : tTwoSidedP(statistic, df)) : difference === 0 ? 1 : 0;
  return { difference, lower: difference - critical * se, upper: difference + critical * se, test, statistic, p, pAdjusted: Number.NaN, significant: false };
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

/**
 * Test of the whole table (shown role groups × options) for a single-answer variable: Pearson's
 * chi-square unweighted (or weighted without the design, on effective counts); with the raked
 * design, Rao and Scott's second-order corrected F (raoScottF), as R's svychisq(statistic = "F").
 */
export function closedOverallTest(seg: Segments, counts: ClosedCounts, pattern: SegmentSuppression): OverallTest | undefined {
  if (counts.variable.multiple) return undefined;
  const shown = seg.byRole.filter((g) => seg.status(pattern, g.ref) === 'shown');
  if (shown.length < 2) return undefined;
  const design = designOf(seg.weights);
  if (design) {
    const r = raoScottF(
      design,
      shown.map((g) => g.cells),
      counts.variable.options.map((o) => counts.options.get(o.code)!),
      counts.base,
      seg.weights,
    );
    if (!r || Number.isNaN(r.p)) return undefined;
    return { test: 'Rao-Scott F', statistic: r.statistic, df: r.df, ddf: r.ddf, p: r.p, pAdjusted: Number.NaN, significant: false, groups: shown.length, minExpected: r.minExpected };
  }
  const rows: number[][] = [];
  for (const g of shown) {
    // Effective counts: each group's proportions times its effective base (the counts, unweighted).
    const row = counts.variable.options.map((o) => {
      const r = proportionFrom(g.cells, counts.options.get(o.code)!, counts.base, seg.weights);
      return r.effectiveBase > 0 ? r.proportion.estimate * r.effectiveBase : 0;
    });
    rows.push(row);
  }
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

/**
 * A group's mean with its t interval: with the raked design, the design-based (linearised)
 * standard error and the design's degrees of freedom (responses − 1, as survey's degf); its
 * effective n is then the one that standard error implies (sd²/se²).
 */
export function meanOf(seg: Segments, group: Group, m: MomentArrays): MeanEstimate | undefined {
  const estimate = meanFromMoments(group.cells.map((i) => ({ n: m.n[i] ?? 0, sum: m.sum[i] ?? 0, sumSquares: m.sumSquares[i] ?? 0, weight: seg.weights[i] ?? 0 })));
  if (!estimate) return undefined;
  const design = designOf(seg.weights);
  if (design) {
    const se = Math.sqrt(Math.max(0, design.variance(ratioInfluence(group.cells, { count: m.n, sum: m.sum, sumSquares: m.sumSquares }, seg.weights, estimate.mean))));
    const df = design.n - 1;
    const t = df > 0 ? tQuantile(0.975, df) : Number.NaN;
    const effectiveN = se > 0 ? (estimate.sd * estimate.sd) / (se * se) : estimate.effectiveN;
    return { ...estimate, se, effectiveN, df, lower: estimate.mean - t * se, upper: estimate.mean + t * se };
  }
  // Kish's effective n of a group with a withheld cell is given coarse (effectiveBaseOf), and the interval rests on that.
  const effectiveN = effectiveBaseOf(seg.weights, group.cells, estimate.n, estimate.effectiveN);
  if (effectiveN === estimate.effectiveN) return estimate;
  const se = estimate.sd / Math.sqrt(effectiveN);
  const df = effectiveN - 1;
  const t = df > 0 ? tQuantile(0.975, df) : Number.NaN;
  return { ...estimate, se, effectiveN, df, lower: estimate.mean - t * se, upper: estimate.mean + t * se };
}

/** Difference of two groups' means: Welch's t, or with the raked design the design-based standard error of the difference and t on the design's degrees of freedom. */
export function meanDifference(seg: Segments, a: Group, b: Group, m: MomentArrays): DifferenceEstimate | undefined {
  const ma = meanOf(seg, a, m);
  const mb = meanOf(seg, b, m);
  if (!ma || !mb || !(ma.df > 0) || !(mb.df > 0)) return undefined;
  const design = designOf(seg.weights);
  if (design) {
    const moments = { count: m.n, sum: m.sum, sumSquares: m.sumSquares };
    const influence = [...ratioInfluence(a.cells, moments, seg.weights, ma.mean), ...ratioInfluence(b.cells, moments, seg.weights, mb.mean, -1)];
    const variance = design.variance(influence);
    if (!(variance > 0)) return undefined;
    return designDifference(ma.mean - mb.mean, variance, 'design-based t', design.n - 1);
  }
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
