import { adjustFamily, type SurveyAnalysis } from './analyse.js';
import type { AdjustMethod } from './adjust.js';
import type { ClosedEstimate, DifferenceEstimate } from './estimates.js';
import { welchTest, type MeanEstimate } from './means.js';
import { newcombeDifference, twoProportionZ } from './proportions.js';
import type { GroupRef } from './segments.js';
import type { Suppressible } from './suppression.js';

/** This wave against the previous wave of the same organisation, for one group and measure. */
export interface WaveComparison {
  /** The question and matrix item, or the index. */
  question?: string;
  item?: string;
  index?: string;
  group: GroupRef;
  /** 'positive', an option code, or 'mean'. */
  measure: string;
  /** current − previous; hidden when the figure is hidden in either wave. */
  change: Suppressible<DifferenceEstimate & { current: number; previous: number }>;
}

const sameGroup = (a: GroupRef, b: GroupRef) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Compares two analyses of the same instrument (each already suppressed, so only published
 * figures are used and nothing hidden in either wave can leak): the whole organisation and each
 * role group, "% positive" for scales, each option otherwise, means for numbers and indices.
 * The waves are treated as independent samples (answers are anonymous, so they cannot be
 * paired). p-values are adjusted across all the wave comparisons together.
 */
export function compareWaves(current: SurveyAnalysis, previous: SurveyAnalysis, options: { adjust?: AdjustMethod; alpha?: number } = {}): WaveComparison[] {
  const out: WaveComparison[] = [];
  const wanted = (g: GroupRef) => g.kind === 'total' || g.kind === 'roleGroup';

  for (const now of current.variables) {
    if (now.kind === 'text') continue;
    const before = previous.variables.find((v) => v.kind === now.kind && v.question === now.question && (v.kind !== 'closed' || now.kind !== 'closed' || v.item === now.item));
    if (!before || before.kind === 'text') continue;
    if (now.kind === 'closed' && before.kind === 'closed') {
      const measures = now.positive ? ['positive'] : now.options.filter((o) => before.options.includes(o));
      for (const fig of now.groups) {
        const old = wanted(fig.group) ? before.groups.find((g) => sameGroup(g.group, fig.group)) : undefined;
        if (!old) continue;
        for (const measure of measures) {
          const pick = (e: ClosedEstimate) => (measure === 'positive' ? e.positive : e.options.find((o) => o.option === measure)?.proportion);
          let change: WaveComparison['change'];
          if (!fig.figure.shown) change = fig.figure;
          else if (!old.figure.shown) change = old.figure;
          else {
            const a = pick(fig.figure.value);
            const b = pick(old.figure.value);
            if (!a || !b) continue;
            change = proportionChange(a.estimate, fig.figure.value.effectiveBase, b.estimate, old.figure.value.effectiveBase);
          }
          out.push({ question: now.question, item: now.item, group: fig.group, measure, change });
        }
      }
    } else if (now.kind === 'number' && before.kind === 'number') {
      for (const fig of now.groups) {
        const old = wanted(fig.group) ? before.groups.find((g) => sameGroup(g.group, fig.group)) : undefined;
        if (!old) continue;
        const change = !fig.figure.shown ? fig.figure : !old.figure.shown ? old.figure : meanChange(fig.figure.value, old.figure.value);
        out.push({ question: now.question, group: fig.group, measure: 'mean', change });
      }
    }
  }
  for (const now of current.indices) {
    const before = previous.indices.find((i) => i.code === now.code);
    if (!before) continue;
    for (const fig of now.groups) {
      if (!wanted(fig.group)) continue;
      const old = before.groups.find((g) => sameGroup(g.group, fig.group));
      if (!old) continue;
      const change = !fig.figure.shown ? fig.figure : !old.figure.shown ? old.figure : meanChange(fig.figure.value.score, old.figure.value.score);
      out.push({ index: now.code, group: fig.group, measure: 'mean', change });
    }
  }
  adjustFamily(
    out.flatMap((c) => (c.change.shown ? [c.change.value] : [])),
    options.adjust ?? current.adjust,
    options.alpha ?? current.alpha,
  );
  return out;
}

function proportionChange(p1: number, n1: number, p0: number, n0: number): Suppressible<DifferenceEstimate & { current: number; previous: number }> {
  const ci = newcombeDifference(p1, n1, p0, n0);
  const test = twoProportionZ(p1, n1, p0, n0);
  return {
    shown: true,
    value: { ...ci, current: p1, previous: p0, test: 'two-proportion z', statistic: test.statistic, p: test.p, pAdjusted: Number.NaN, significant: false },
  };
}

function meanChange(a: MeanEstimate, b: MeanEstimate): Suppressible<DifferenceEstimate & { current: number; previous: number }> {
  const r = welchTest(a, b);
  return {
    shown: true,
    value: {
      difference: r.difference,
      lower: r.lower,
      upper: r.upper,
      current: a.mean,
      previous: b.mean,
      test: 'Welch t',
      statistic: r.statistic,
      p: r.p,
      pAdjusted: Number.NaN,
      significant: false,
    },
  };
}
