import type { TDefinition, TIndex, TIndexItem } from '../instrument/definition.js';
import { moduleFor, type Answers, type TQuestion } from '../instrument/question-types/index.js';
import type { Scale } from '../instrument/question-types/contract.js';
import { AGREE_SCORES, ENGAGEMENT_SCORES } from '../instrument/scales.js';
import type { TText } from '../instrument/text.js';
import { tQuantile } from './distributions.js';
import { closedCounts, comparisonPairs, meanResults, proportionFrom, type ClosedCounts, type Comparison, type Proportion } from './estimates.js';
import type { MeanEstimate } from './means.js';
import { welchTest } from './means.js';
import { Z95 } from './proportions.js';
import type { Group, GroupFigure, Segments } from './segments.js';
import { reveal, type CellStatus, type Suppressible } from './suppression.js';
import { indexVariable } from './tables.js';
import { variablesOf, type ClosedVariable } from './variables.js';

/**
 * Indices. Each respondent gets a 0-100 score per index: the mean of the scores of the
 * index's items they answered ("don't know" and unanswered items are not scored), using the
 * item's `scores` from the definition, or the standard scale scores (strongly disagree 0 …
 * strongly agree 100; not at all engaged 0 … very engaged 100), reversed where marked.
 * Storage keeps n, sum and sum of squares of these scores per cell (`index:<code>`), so an
 * index for any group is the mean respondent score with a t interval: an analytic interval
 * for a mean of per-respondent scores, no bootstrap needed.
 */

/** Key of the overall maturity score: the mean of a respondent's maturity dimension scores. Cannot clash with an index code. */
export const OVERALL_MATURITY = '_overall';

const questionMaps = new WeakMap<TDefinition, Map<string, TQuestion>>();

function questionMap(definition: TDefinition): Map<string, TQuestion> {
  let map = questionMaps.get(definition);
  if (!map) {
    map = new Map(definition.sections.flatMap((s) => s.questions.map((q) => [q.code, q] as const)));
    questionMaps.set(definition, map);
  }
  return map;
}

function scoreOf(item: TIndexItem, scale: Scale | undefined, code: string): number | null {
  const table = item.scores ?? (scale === 'agree' ? AGREE_SCORES : scale === 'engagement' ? ENGAGEMENT_SCORES : undefined);
  const score = table?.[code];
  if (score === undefined) return null;
  return item.reverse ? 100 - score : score;
}

/**
 * How one respondent's answers score on one index item: 0-100, or null when the item is not
 * answered or not scored. How an answer scores is its question type's (`indexScore`); the
 * item gives the scores. Made once per item, as a publication scores every respondent.
 */
export function itemScorer(question: TQuestion | undefined, item: TIndexItem): (answers: Answers) => number | null {
  if (!question) return () => null;
  const module = moduleFor(question);
  const score = (code: string, scale: Scale | undefined) => scoreOf(item, scale, code);
  return (answers) => {
    const answer = answers[question.code];
    return answer === undefined ? null : module.indexScore(question, answer, item.item, score);
  };
}

/**
 * Each index's 0-100 score for one respondent (null when none of its items was answered),
 * plus `OVERALL_MATURITY`: the mean of the respondent's maturity dimension scores. A
 * publication's tables hold their sums per cell (TableBuilder, numeric variable `index:<key>`).
 */
export function indexScores(definition: TDefinition, answers: Answers): Record<string, number | null> {
  const questions = questionMap(definition);
  const out: Record<string, number | null> = {};
  const dimensions: number[] = [];
  let anyMaturity = false;
  for (const index of definition.indices) {
    let sum = 0;
    let n = 0;
    for (const item of index.items) {
      const s = itemScorer(questions.get(item.question), item)(answers);
      if (s !== null) {
        sum += s;
        n++;
      }
    }
    const score = n > 0 ? sum / n : null;
    out[index.code] = score;
    if (index.kind === 'maturity') {
      anyMaturity = true;
      if (score !== null) dimensions.push(score);
    }
  }
  if (anyMaturity) out[OVERALL_MATURITY] = dimensions.length > 0 ? dimensions.reduce((a, b) => a + b, 0) / dimensions.length : null;
  return out;
}

// ---------------------------------------------------------------------------------------------

export interface IndexEstimate {
  /** Mean 0-100 score with its t interval. */
  score: MeanEstimate;
  /** Engagement indices: share very + quite engaged, with its interval. */
  positive?: Suppressible<Proportion>;
}

export interface IndexAnalysis {
  code: string;
  kind: 'engagement' | 'maturity' | 'overall';
  label?: TText;
  /** How the score and interval were computed. */
  method: string;
  /** False when storage has no scores for this index (nothing to report). */
  available: boolean;
  groups: GroupFigure<IndexEstimate>[];
  comparisons: Comparison[];
}

const SCORE_METHOD = 'mean of respondents’ 0-100 scores (each the mean of the items they answered), with a t interval from the per-cell sums of scores and squares (analytic, not bootstrap)';

/** Engagement share for a group: one item gives a Wilson interval; several, the mean of item shares with a conservative normal interval. */
function engagementShare(seg: Segments, items: ClosedCounts[], group: Group): Proportion {
  const parts = items.map((c) => proportionFrom(group.cells, c.positive!, c.base, seg.weights));
  if (parts.length === 1) return parts[0]!.proportion;
  const estimate = parts.reduce((s, p) => s + p.proportion.estimate, 0) / parts.length;
  // The SE of a mean of correlated shares is at most the mean of their SEs (Cauchy-Schwarz).
  const se = parts.reduce((s, p) => s + Math.sqrt((p.proportion.estimate * (1 - p.proportion.estimate)) / p.effectiveBase), 0) / parts.length;
  return { estimate, lower: Math.max(0, estimate - Z95 * se), upper: Math.min(1, estimate + Z95 * se) };
}

export function analyseIndices(seg: Segments, definition: TDefinition, groups: readonly Group[]): IndexAnalysis[] {
  const variables = variablesOf(definition).filter((v): v is ClosedVariable => v.kind === 'closed');
  const out: IndexAnalysis[] = [];
  const maturity: { index: TIndex; analysis: IndexAnalysis }[] = [];
  for (const index of definition.indices) {
    const m = seg.tables.numeric(indexVariable(index.code));
    if (!m) {
      out.push({ code: index.code, kind: index.kind, label: index.label, method: SCORE_METHOD, available: false, groups: [], comparisons: [] });
      continue;
    }
    const { groups: figures, comparisons } = meanResults(seg, m, groups);
    let engagementItems: ClosedCounts[] = [];
    if (index.kind === 'engagement') {
      engagementItems = index.items
        .map((item) => variables.find((v) => v.code === item.question && v.item === (item.item ?? '') && v.scale === 'engagement'))
        .filter((v): v is ClosedVariable => v !== undefined)
        .map((v) => closedCounts(seg, v));
    }
    const patterns = engagementItems.map((c) => seg.suppress(c.base));
    const analysis: IndexAnalysis = {
      code: index.code,
      kind: index.kind,
      label: index.label,
      method:
        index.kind === 'engagement' ? `${SCORE_METHOD}; share very + quite engaged with a Wilson interval (several items: mean of item shares, conservative normal interval)` : SCORE_METHOD,
      available: true,
      groups: figures.map((f, k) => {
        if (!f.figure.shown) return { group: f.group, figure: f.figure };
        const value: IndexEstimate = { score: f.figure.value };
        if (engagementItems.length > 0) {
          const statuses = patterns.map((p, j) => seg.status(p, groups[k]!.ref, engagementItems[j]!.base));
          const status: CellStatus = statuses.find((s) => s !== 'shown') ?? 'shown';
          value.positive = reveal(status, () => engagementShare(seg, engagementItems, groups[k]!));
        }
        return { group: f.group, figure: { shown: true, value } };
      }),
      comparisons,
    };
    out.push(analysis);
    if (index.kind === 'maturity') maturity.push({ index, analysis });
  }
  if (maturity.length > 0)
    out.push(
      overallMaturity(
        seg,
        maturity.map((m) => m.analysis),
        groups,
      ),
    );
  return out;
}

/**
 * Overall digital maturity: the mean respondent score over their dimensions, from
 * `index:_overall` when storage has it; otherwise the mean of the dimension indices with a
 * conservative interval (its standard error taken as the mean of the dimensions' standard
 * errors, the largest it can be whatever their correlation), shown only where every dimension is.
 */
function overallMaturity(seg: Segments, dimensions: IndexAnalysis[], groups: readonly Group[]): IndexAnalysis {
  const m = seg.tables.numeric(indexVariable(OVERALL_MATURITY));
  if (m) {
    const { groups: figures, comparisons } = meanResults(seg, m, groups);
    return {
      code: OVERALL_MATURITY,
      kind: 'overall',
      method: `${SCORE_METHOD}; a respondent's overall score is the mean of their dimension scores`,
      available: true,
      groups: figures.map((f) => (f.figure.shown ? { group: f.group, figure: { shown: true, value: { score: f.figure.value } } } : { group: f.group, figure: f.figure })),
      comparisons,
    };
  }
  const combine = (k: number): Suppressible<MeanEstimate> => {
    const parts = dimensions.map((d) => d.groups[k]?.figure);
    const hidden = parts.find((p) => !p || !p.shown);
    if (hidden !== undefined || parts.length === 0) return hidden && !hidden.shown ? hidden : { shown: false, reason: 'withheld' };
    const scores = parts.map((p) => (p as { shown: true; value: IndexEstimate }).value.score);
    const mean = scores.reduce((s, x) => s + x.mean, 0) / scores.length;
    const se = scores.reduce((s, x) => s + x.se, 0) / scores.length;
    const df = Math.min(...scores.map((x) => x.df));
    const n = Math.min(...scores.map((x) => x.n));
    const effectiveN = Math.min(...scores.map((x) => x.effectiveN));
    const t = tQuantile(0.975, df);
    return { shown: true, value: { mean, sd: Number.NaN, se, n, effectiveN, df, lower: mean - t * se, upper: mean + t * se } };
  };
  const figures = groups.map((g, k) => ({ group: g.ref, figure: combine(k) }));
  const byRef = new Map(figures.map((f) => [JSON.stringify(f.group), f.figure]));
  const comparisons: Comparison[] = comparisonPairs(seg)
    .map(([a, b]): Comparison | undefined => {
      const fa = byRef.get(JSON.stringify(a.ref));
      const fb = byRef.get(JSON.stringify(b.ref));
      if (!fa || !fb) return undefined;
      if (!fa.shown) return { a: a.ref, b: b.ref, measure: 'mean', result: fa };
      if (!fb.shown) return { a: a.ref, b: b.ref, measure: 'mean', result: fb };
      const r = welchTest(fa.value, fb.value);
      return {
        a: a.ref,
        b: b.ref,
        measure: 'mean',
        result: {
          shown: true,
          value: { difference: r.difference, lower: r.lower, upper: r.upper, test: 'Welch t', statistic: r.statistic, p: r.p, pAdjusted: Number.NaN, significant: false },
        },
      };
    })
    .filter((c): c is Comparison => c !== undefined);
  return {
    code: OVERALL_MATURITY,
    kind: 'overall',
    method: 'mean of the dimension indices; interval conservative (standard error = mean of the dimensions’ standard errors, the largest possible whatever their correlation)',
    available: true,
    groups: figures.map((f) => (f.figure.shown ? { group: f.group, figure: { shown: true, value: { score: f.figure.value } } } : { group: f.group, figure: f.figure })),
    comparisons,
  };
}
