import { formatPercent, suppressedText, type ClosedVariableAnalysis, type GroupRef, type SurveyAnalysis } from '../analysis/index.js';
import type { Labels } from './labels.js';

/** A figure either shown with its text or withheld with only the words saying why. */
export type Cell = { shown: true; text: string } | { shown: false; text: string };

export interface VariableView {
  code: string;
  title: string;
  base: string;
  columns: { label: string; base: number | undefined }[];
  rows: { label: string; cells: Cell[] }[];
}

export interface ResultsView {
  threshold: number;
  /** Completed responses overall, when shown. */
  responses: number | undefined;
  /** Role groups not broken out (too few responses, or to protect a smaller group: which is not said). */
  withheld: string[];
  variables: VariableView[];
}

const sameGroup = (a: GroupRef, b: GroupRef) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The results page: for each closed question, percentage and count overall and by role
 * group, straight from the suppressed analysis. A role group is a column only when its
 * number of responses is published; within a column, any figure analysis hid is shown as
 * the reason only.
 */
export function buildResultsView(analysis: SurveyAnalysis, labels: Labels): ResultsView {
  const total = analysis.responses.find((r) => r.group.kind === 'total')?.figure;
  const roles = analysis.responses.filter((r) => r.group.kind === 'roleGroup');
  const columns: GroupRef[] = [{ kind: 'total' }, ...roles.filter((r) => r.figure.shown).map((r) => r.group)];

  return {
    threshold: analysis.threshold,
    responses: total?.shown ? total.value : undefined,
    withheld: roles.filter((r) => !r.figure.shown).map((r) => labels.group(r.group)),
    variables: analysis.variables.flatMap((v) => (v.kind === 'closed' ? [variableView(v, columns, analysis.threshold, labels)] : [])),
  };
}

function variableView(v: ClosedVariableAnalysis, columns: GroupRef[], threshold: number, labels: Labels): VariableView {
  const figures = columns.map((ref) => v.groups.find((g) => sameGroup(g.group, ref))?.figure ?? ({ shown: false, reason: 'withheld' } as const));
  const optionRows = v.options.map((option, k) => ({
    label: labels.option(v.question, v.item, option),
    cells: figures.map((f): Cell => {
      if (!f.shown) return { shown: false, text: suppressedText(f, threshold) };
      const o = f.value.options[k]!;
      return { shown: true, text: `${formatPercent(o.proportion.estimate)}${o.count === undefined ? '' : ` (${o.count})`}` };
    }),
  }));
  const extra =
    v.dontKnow === 'excluded'
      ? [
          {
            label: `${labels.option(v.question, v.item, 'dont_know')} (share of everyone answering)`,
            cells: figures.map((f): Cell => {
              if (!f.shown) return { shown: false, text: suppressedText(f, threshold) };
              const d = f.value.dontKnow;
              return { shown: true, text: d ? `${formatPercent(d.proportion.estimate)}${d.count === undefined ? '' : ` (${d.count})`}` : '–' };
            }),
          },
        ]
      : [];
  return {
    code: v.item ? `${v.question}_${v.item}` : v.question,
    title: labels.variable(v.question, v.item) + (v.multiple ? ' (select all that apply: percentages of people answering)' : ''),
    base: v.base,
    columns: columns.map((ref, i) => {
      const f = figures[i]!;
      return { label: labels.group(ref), base: f.shown ? f.value.base : undefined };
    }),
    rows: [...optionRows, ...extra],
  };
}
