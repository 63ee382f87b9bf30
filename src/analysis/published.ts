import { DONT_KNOW } from '../instrument/scales.js';
import { findFinding, type TPublishedFindings } from '../instrument/published-findings.js';
import { closedCounts, proportionFrom, type Proportion } from './estimates.js';
import type { Segments } from './segments.js';
import { oneSampleProportionZ } from './proportions.js';
import { reveal, type Suppressible } from './suppression.js';
import type { ClosedVariable } from './variables.js';

/** The organisation against a published national figure, for an item that references one. */
export interface PublishedComparison {
  question: string;
  item: string;
  /** The answers that make up the percentage (as the reference lists them). */
  counts: string[];
  study: { id: string; title: string; year: number | null; population: string; respondents: number; organisations?: number };
  finding: { statement: string; percent: number; segment?: string; population?: string; bound?: 'lower' | 'upper' };
  /** Who the published figure describes, in words: population, year and number of respondents. */
  describes: string;
  result: Suppressible<PublishedTest>;
}

export interface PublishedTest {
  proportion: Proportion;
  base: number;
  effectiveBase: number;
  /** Organisation minus published, as a proportion (0-1). */
  difference: number;
  /** One-sample score test against the published percentage (treated as fixed). */
  test: 'one-sample z';
  statistic: number;
  p: number;
  pAdjusted: number;
  significant: boolean;
}

/**
 * For every reference in the definition: the organisation's percentage choosing the listed
 * answers (on the question's usual base; when an agreement item's reference counts "don't
 * know", everyone answering is the base), with its interval and a one-sample test against the
 * published figure. Whole organisation only, hidden when its base is under the threshold.
 */
export function comparePublished(seg: Segments, variables: readonly ClosedVariable[], findings: TPublishedFindings): PublishedComparison[] {
  const out: PublishedComparison[] = [];
  for (const variable of variables) {
    const references = (variable.question.references ?? []).filter((r) => (r.item ?? '') === variable.item);
    if (references.length === 0) continue;
    const counts = closedCounts(seg, variable);
    for (const reference of references) {
      const found = findFinding(findings, reference.study, reference.statement);
      if (!found) continue;
      const { study, finding } = found;
      const useAnswered = variable.dontKnow === 'excluded' && reference.counts.includes(DONT_KNOW.code);
      const base = useAnswered ? counts.answered : counts.base;
      const numerator = new Float64Array(seg.tables.size);
      for (const code of reference.counts) {
        const arr = code === DONT_KNOW.code && counts.dontKnow ? counts.dontKnow : seg.tables.option(variable.code, variable.item, code);
        for (let i = 0; i < numerator.length; i++) numerator[i]! += arr[i] ?? 0;
      }
      const pattern = seg.suppress(base, variable.roleGroups);
      const population = finding.population ?? study.population;
      out.push({
        question: variable.code,
        item: variable.item,
        counts: [...reference.counts],
        study: {
          id: study.id,
          title: study.title,
          year: study.year,
          population: study.population,
          respondents: study.respondents,
          ...(study.organisations === undefined ? {} : { organisations: study.organisations }),
        },
        finding: {
          statement: finding.statement,
          percent: finding.percent,
          ...(finding.segment === undefined ? {} : { segment: finding.segment }),
          ...(finding.population === undefined ? {} : { population: finding.population }),
          ...(finding.bound === undefined ? {} : { bound: finding.bound }),
        },
        describes: `${population}${finding.segment ? ` (${finding.segment})` : ''}, ${study.year ?? 'year not published'}, ${study.respondents} respondents (${study.title})`,
        result: reveal(seg.status(pattern, seg.total.ref), () => {
          const r = proportionFrom(seg.total.cells, numerator, base, seg.weights);
          const p0 = finding.percent / 100;
          const test = oneSampleProportionZ(r.proportion.estimate, r.effectiveBase, p0);
          return {
            proportion: r.proportion,
            base: r.base,
            effectiveBase: r.effectiveBase,
            difference: r.proportion.estimate - p0,
            test: 'one-sample z',
            statistic: test.statistic,
            p: test.p,
            pAdjusted: Number.NaN,
            significant: false,
          };
        }),
      });
    }
  }
  return out;
}
