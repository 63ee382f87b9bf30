import { allQuestions, type TDefinition } from '../instrument/definition.js';
import { moduleFor } from '../instrument/question-types/index.js';
import { localise, type TLanguage } from '../instrument/text.js';
import type { CountTables } from '../storage/tables.js';

/** A figure either shown with its numbers or withheld: a withheld cell carries no numbers at all. */
export type Cell = { shown: true; n: number; base: number; percent: number } | { shown: false };

export interface VariableView {
  code: string;
  title: string;
  multiple: boolean;
  columns: { code: string; label: string; base: number | undefined }[];
  rows: { option: string; label: string; cells: Cell[] }[];
}

export interface ResultsView {
  responses: number;
  threshold: number;
  groups: { code: string; label: string; responses: number; shown: boolean }[];
  variables: VariableView[];
}

/**
 * The first results page: for each closed question, count and percentage overall and by
 * role group. Any cell whose base is under the threshold is withheld, and a role group
 * with fewer responses than the threshold is not broken out at all.
 */
export function buildResultsView(definition: TDefinition, tables: CountTables, threshold: number, lang: TLanguage): ResultsView {
  const roleQuestion = allQuestions(definition).find((p) => p.question.code === definition.segments.roleGroup)?.question;
  const roleOptions = roleQuestion && roleQuestion.type === 'single' ? roleQuestion.options : [];
  const responsesOf = (group: string) => tables.cells.filter((c) => c.roleGroup === group).reduce((sum, c) => sum + c.responses, 0);
  const total = tables.cells.reduce((sum, c) => sum + c.responses, 0);
  const groups = roleOptions.map((o) => {
    const responses = responsesOf(o.code);
    return { code: o.code, label: localise(o.label, lang), responses, shown: responses >= threshold };
  });
  const brokenOut = groups.filter((g) => g.shown);

  const sum = <T extends { roleGroup: string; n: number }>(rows: T[], group?: string) =>
    rows.filter((r) => group === undefined || r.roleGroup === group).reduce((s, r) => s + r.n, 0);

  const variables: VariableView[] = [];
  for (const { question } of allQuestions(definition)) {
    for (const variable of moduleFor(question).closedVariables(question)) {
      const answered = tables.answered.filter((a) => a.question === question.code && a.item === variable.item);
      const options = tables.options.filter((o) => o.question === question.code && o.item === variable.item);
      const allBase = sum(answered);
      const withheld = withheldGroups(
        groups.map((g) => ({ code: g.code, base: sum(answered, g.code), brokenOut: g.shown })),
        threshold,
      );
      const columns = [
        { code: '', label: lang === 'cy' ? 'Pawb' : 'All', base: allBase >= threshold ? allBase : undefined },
        ...brokenOut.map((g) => ({ code: g.code, label: g.label, base: withheld.has(g.code) ? undefined : sum(answered, g.code) })),
      ];
      const item = question.type === 'matrix' ? question.items.find((i) => i.code === variable.item) : undefined;
      variables.push({
        code: item ? `${question.code}_${item.code}` : question.code,
        title: item ? `${localise(question.text, lang)} – ${localise(item.text, lang)}` : localise(question.text, lang),
        multiple: variable.multiple,
        columns,
        rows: variable.options.map((option) => ({
          option: option.code,
          label: localise(option.label, lang),
          cells: columns.map((column): Cell => {
            if (column.base === undefined) return { shown: false };
            const n = sum(options.filter((o) => o.option === option.code), column.code || undefined);
            return { shown: true, n, base: column.base, percent: (100 * n) / column.base };
          }),
        })),
      });
    }
  }
  return { responses: total, threshold, groups, variables };
}

/**
 * Role groups whose figures must be withheld for one question: those under the threshold
 * (primary), and then, while the withheld groups together hold fewer than the threshold,
 * the smallest shown group too (secondary), so "All" minus the shown groups never reveals
 * a small group.
 */
export function withheldGroups(groups: { code: string; base: number; brokenOut: boolean }[], threshold: number): Set<string> {
  const withheld = new Set(groups.filter((g) => !g.brokenOut || g.base < threshold).map((g) => g.code));
  const withheldTotal = () => groups.filter((g) => withheld.has(g.code)).reduce((s, g) => s + g.base, 0);
  const shownBySize = groups.filter((g) => !withheld.has(g.code)).sort((a, b) => a.base - b.base);
  while (withheldTotal() > 0 && withheldTotal() < threshold && shownBySize.length > 0) {
    withheld.add(shownBySize.shift()!.code);
  }
  return withheld;
}
