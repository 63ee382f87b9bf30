import { groupCode, roundHalfUp, suppressedText, variablesOf, type Proportion, type Suppressible, type SurveyAnalysis } from '../../analysis/index.js';
import type { TDefinition } from '../../instrument/definition.js';

export const AGGREGATE_HEADER = ['question', 'item', 'group', 'measure', 'label', 'estimate', 'ci_lower', 'ci_upper', 'count', 'base', 'status'] as const;

export type AggregateRow = Record<(typeof AGGREGATE_HEADER)[number], string | number>;

const empty: Omit<AggregateRow, 'question' | 'item' | 'group' | 'measure' | 'label' | 'status'> = {
  estimate: '',
  ci_lower: '',
  ci_upper: '',
  count: '',
  base: '',
};

/** Percentages to one decimal place, as analysts re-round them anyway. */
const pct = (p: number) => roundHalfUp(p * 100, 1);

/**
 * The file's first row says whether the figures are weighted, in words (label) and, when they
 * are, with the design effect (estimate, two decimals): weighted percentages are not counts
 * over bases, and anyone re-computing them from the count and base columns must know.
 * The design effect is given only when the number of responses is itself published.
 */
export function weightingRow(analysis: SurveyAnalysis): AggregateRow {
  const w = analysis.weighting;
  const key = { question: '', item: '', group: groupCode({ kind: 'total' }), measure: 'weighting', status: 'shown' };
  if (w.status === 'weighted') {
    const total = analysis.responses.find((r) => r.group.kind === 'total')?.figure;
    const designEffect = total?.shown ? roundHalfUp(w.designEffect, 2) : undefined;
    const label =
      `Weighted to the workforce profile (${w.method}): percentages and their intervals are weighted estimates, ` +
      `so they are not count divided by base (counts of weighted figures are left out); base is the number of respondents. ` +
      (designEffect === undefined ? 'The design effect is withheld because the number of responses is.' : `Design effect ${designEffect.toFixed(2)} (Kish), given in the estimate column.`);
    return { ...key, label, ...empty, estimate: designEffect ?? '' };
  }
  // Not the reasons a refusal gives: they count responses from groups too small to publish ("2 response(s) from …").
  const label =
    w.status === 'refused'
      ? 'Unweighted: a workforce profile was loaded but these responses could not be weighted to it, so every response counts the same.'
      : 'Unweighted: no workforce profile was loaded, so every response counts the same.';
  return { ...key, label, ...empty };
}

/**
 * Aggregate tables from the suppressed analysis only (never from raw counts): first whether
 * the figures are weighted (`weightingRow`), then responses by group, each closed question's
 * options, "% positive" and "don't know", means of numbers and how many answered each
 * free-text question. A hidden figure is a row with no numbers and the reason it is withheld.
 */
export function aggregateRows(definition: TDefinition, analysis: SurveyAnalysis): AggregateRow[] {
  const rows: AggregateRow[] = [weightingRow(analysis)];
  const labels = new Map(variablesOf(definition).flatMap((v) => (v.kind === 'closed' ? v.options.map((o) => [`${v.code}|${v.item}|${o.code}`, o.label.en] as const) : [])));
  const withheld = (figure: Suppressible<unknown>) => (figure.shown ? 'shown' : suppressedText(figure, analysis.threshold));
  const proportionRow = (base: Pick<AggregateRow, 'question' | 'item' | 'group' | 'measure' | 'label'>, p: Proportion, count: number | undefined, n: number) => ({
    ...base,
    estimate: pct(p.estimate),
    ci_lower: pct(p.lower),
    ci_upper: pct(p.upper),
    count: count ?? '',
    base: n,
    status: 'shown',
  });

  for (const r of analysis.responses) {
    rows.push({
      question: '',
      item: '',
      group: groupCode(r.group),
      measure: 'responses',
      label: 'Responses',
      ...empty,
      count: r.figure.shown ? r.figure.value : '',
      status: withheld(r.figure),
    });
  }
  for (const v of analysis.variables) {
    if (v.kind === 'closed') {
      for (const g of v.groups) {
        const key = { question: v.question, item: v.item, group: groupCode(g.group) };
        if (!g.figure.shown) {
          rows.push({ ...key, measure: 'all', label: '', ...empty, status: withheld(g.figure) });
          continue;
        }
        const e = g.figure.value;
        for (const o of e.options) {
          rows.push(proportionRow({ ...key, measure: `option:${o.option}`, label: labels.get(`${v.question}|${v.item}|${o.option}`) ?? o.option }, o.proportion, o.count, e.base));
        }
        if (e.dontKnow) rows.push(proportionRow({ ...key, measure: 'dont_know', label: "Don't know (share of all who answered)" }, e.dontKnow.proportion, e.dontKnow.count, e.answered));
        if (e.positive) rows.push(proportionRow({ ...key, measure: 'positive', label: '% positive' }, e.positive, undefined, e.base));
      }
    } else if (v.kind === 'number') {
      for (const g of v.groups) {
        const key = { question: v.question, item: '', group: groupCode(g.group), measure: 'mean', label: 'Mean' };
        if (!g.figure.shown) rows.push({ ...key, ...empty, status: withheld(g.figure) });
        else {
          const m = g.figure.value;
          rows.push({ ...key, estimate: roundHalfUp(m.mean, 2), ci_lower: roundHalfUp(m.lower, 2), ci_upper: roundHalfUp(m.upper, 2), count: '', base: m.n, status: 'shown' });
        }
      }
    } else {
      for (const g of v.groups) {
        rows.push({
          question: v.question,
          item: '',
          group: groupCode(g.group),
          measure: 'answered',
          label: 'Answered',
          ...empty,
          count: g.answered.shown ? g.answered.value : '',
          status: withheld(g.answered),
        });
      }
    }
  }
  return rows;
}
