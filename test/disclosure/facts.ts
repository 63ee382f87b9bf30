import { isQuestionShown } from '../../src/fieldwork/journey.js';
import type { TDefinition } from '../../src/instrument/definition.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { DONT_KNOW } from '../../src/instrument/scales.js';
import { addExpr, addTo, cellName, exprKey, groupName, sumExprs, type Cell, type ClosedVar, type CountVar, type Expr, type Fact, type GroupRef, type SurveyModel } from './model.js';
import { API_KEYS, type ApiFigure, type ApiResults, type WaveOutputs } from './outputs.js';

/**
 * Turns one wave's outputs into linear facts over the attacker's unknowns (model.ts), and
 * lists the figures the outputs hide: those are what the attack then bounds.
 */

/** A figure the outputs withhold (or never give, such as a segment cell), to be bounded. */
export interface Target {
  what: string;
  expr: Expr;
  /**
   * 'size': a number of respondents (a group, a question's base): a leak when pinned or
   * provably under the threshold. 'answer': how many chose an option: a leak when pinned.
   * 'sum': hidden parts under a shown total together: a leak only when provably small.
   */
  kind: 'size' | 'answer' | 'sum';
  /** Withheld by an output, or never published as such (a segment cell, hidden parts taken together). */
  origin: 'withheld' | 'unpublished';
  /** The closed variable (code, matrix item included) the figure is of, when it is one question's. */
  question?: string;
}

export interface ReadOutputs {
  facts: Fact[];
  targets: Target[];
  /** Rows of the respondent-level file whose role group or directorate is merged, with what the file says about them. */
  mergedRows: FileRow[];
  /** Rows of the respondent-level file, decoded (all of them). */
  rows: FileRow[];
  threshold: number;
  /** The respondent-level file's columns, as the codebook explains them. */
  columns?: Map<string, ColumnInfo>;
  /** Parts of the outputs the attack could not place (it then knows less than it could). */
  unread: string[];
  /**
   * Whether the figures are weighted, as the outputs say (the API's `weighting`, the first row
   * of aggregates.csv): weighted percentages are not count over base, so they give no count.
   */
  weighted: boolean;
  /** The design effect aggregates.csv gives for weighted figures (not a count: no fact). */
  designEffect?: number;
  /**
   * Counts the outputs publish as they stand, one per group and unknown family (a group's
   * responses; a shown closed figure's answered count and each option's count, which a
   * percentage of a published base gives; a shown number's, index's or free-text n).
   */
  published: Published[];
  /** Figures an output withholds that the definition equates to counts published for the same group: public after all, so not bounded. */
  public: { target: Target; because: string }[];
}

export interface Published {
  /** The group's cells. */
  group: string;
  /** The count over the group's cells, structural zeros left out. */
  key: string;
  value: number;
  source: string;
}

export interface FileRow {
  /** 1-based row number in respondents.csv (header is row 0). */
  line: number;
  /** Exported role group and directorate: the original codes they may stand for. */
  roleGroups: string[];
  directorates: string[];
  roleExported: string;
  directorateExported: string;
  /** Cells consistent with the row's pattern of "not asked" and answered codes (by the definition's audiences and conditions). */
  consistentCells: Cell[];
  /** For each role group the row's segment code stands for but its pattern rules out: why. */
  ruledOut: Map<string, string>;
  /** Answer code per column (codes as in the file). */
  values: Record<string, string>;
  /**
   * Columns whose "not asked" code may stand for a withheld answer in this row: those "not
   * asked" in every row of its exported segment (the file withholds answers in all rows of a
   * segment, of the merged group, or of a named group at once, and codes them "not asked").
   * Such a code says nothing, so neither the row's pattern nor the counts read it.
   */
  withheld: Set<string>;
  /** The answers as the file gives them, for replaying conditions. */
  answers: Answers;
  /** Per column: the per-cell expression of "respondents with this code" (empty when not linear). */
  codeExprs: { column: string; value: string; per: (c: Cell) => Expr | undefined }[];
}

const fact = (facts: Fact[], kind: Fact['kind'], e: Expr, lo: number, hi: number, source: string) => facts.push({ expr: e, lo, hi, source, kind });

/** Records a count an output publishes for a group (see ReadOutputs.published). */
function publish(model: SurveyModel, out: ReadOutputs, group: GroupRef, e: Expr, value: number, source: string) {
  // A group is its respondents: the same cells under two names (leaders of one role group) are one group.
  out.published.push({ group: model.cellsOf(group).map(cellName).join(), key: exprKey(withoutZeros(model, e)), value, source });
}

const withoutZeros = (model: SurveyModel, e: Expr): Expr => new Map([...e].filter(([name]) => !model.structuralZero.has(name)));
const equal = (facts: Fact[], kind: Fact['kind'], e: Expr, value: number, source: string) => {
  fact(facts, kind, e, value, value, source);
  if (kind === 'figure') facts[facts.length - 1]!.release = true;
};

/** count/base within ± half of the printed rounding: count − (p ∓ h)·base ≷ 0, linear even when the base is unknown. */
function proportion(facts: Fact[], kind: Fact['kind'], numerator: Expr, base: Expr, p: number, half: number, source: string) {
  fact(facts, kind, addExpr(new Map(numerator), base, -(p - half)), -1e-7, Infinity, source);
  fact(facts, kind, addExpr(new Map(numerator), base, -(p + half)), -Infinity, 1e-7, source);
}

/**
 * What a withheld figure's reason says about its base: "fewer than the threshold", or (hidden to
 * protect another, so not itself under the threshold) at least the threshold. A reason that
 * does not say which ("withheld", or "fewer than 10 responses, or to protect a smaller group")
 * says nothing about the base. A reason worded otherwise is reported as unread, so that a new
 * wording is never read as saying more (or less) than it does.
 */
function reasonFact(out: ReadOutputs, base: Expr, reason: string, threshold: number, source: string, applies: boolean) {
  const said = `${source} ${/^withheld/.test(reason) ? reason : `withheld: ${reason}`}`;
  const text = reason.replace(/^withheld: /, '');
  const below = reason === 'below_threshold' || text === `fewer than ${threshold} responses`;
  const protecting = reason === 'secondary' || text === 'hidden to protect a smaller group';
  const either = reason === 'withheld' || text === `withheld (fewer than ${threshold} responses, or to protect a smaller group)`;
  if (!below && !protecting && !either) out.unread.push(`${source}: reason "${reason}"`);
  if (!applies) return;
  if (below) fact(out.facts, 'reason', base, 0, threshold - 1, said);
  else if (protecting) fact(out.facts, 'reason', base, threshold, Infinity, said);
}

/** Groups the reasons are meaningful for (a "rest" group's status is its role group's). */
const reasonApplies = (g: GroupRef) => g.kind !== 'rest';

// --------------------------------------------------------------------------------------------
// The results API

export function apiFacts(model: SurveyModel, api: ApiResults, label: string, out: ReadOutputs) {
  const { facts, targets } = out;
  const t = api.threshold;
  const g = (ref: GroupRef) => model.cellsOf(ref);
  for (const key of Object.keys(api)) if (!API_KEYS.has(key)) out.unread.push(`${label} API ${key}`);
  // A refused weighting leaves every response counting the same, as unweighted figures do.
  if (api.weighting === 'weighted') out.weighted = true;
  else if (api.weighting !== 'unweighted' && api.weighting !== 'refused') out.unread.push(`${label} API weighting ${String(api.weighting)}`);
  for (const r of api.responses) {
    const e = model.over(g(r.group), (c) => model.N(c));
    const where = `${label} API responses, ${groupName(r.group)}`;
    if (r.figure.shown) {
      equal(facts, 'figure', e, r.figure.value, `${where} = ${r.figure.value}`);
      publish(model, out, r.group, e, r.figure.value, `${where} = ${r.figure.value}`);
    } else {
      reasonFact(out, e, r.figure.reason, t, where, reasonApplies(r.group));
      targets.push({ what: `responses of ${groupName(r.group)}`, expr: e, kind: 'size', origin: 'withheld' });
    }
  }
  for (const q of api.questions) {
    const v = model.closedVar(q.question, q.item);
    if (!v) {
      out.unread.push(`${label} API question ${q.question} ${q.item}`);
      continue;
    }
    for (const { group, figure } of q.groups) {
      const cells = g(group);
      const where = `${label} API ${v.code}, ${groupName(group)}`;
      const A = model.over(cells, (c) => model.A(v, c));
      const base = model.over(cells, (c) => model.base(v, c));
      const X = (o: string) => model.over(cells, (c) => model.X(v, o, c));
      if (figure.shown) {
        const f = figure.value;
        equal(facts, 'figure', A, f.answered, `${where}: answered ${f.answered}`);
        equal(facts, 'figure', base, f.base, `${where}: base ${f.base}`);
        publish(model, out, group, A, f.answered, `${where}: answered ${f.answered}`);
        for (const o of [...f.options, ...(f.dontKnow ? [f.dontKnow] : [])]) {
          const ofBase = o === f.dontKnow ? A : base;
          if (o.count !== undefined) {
            equal(facts, 'figure', X(o.option), o.count, `${where}: ${o.option} ${o.count}`);
            publish(model, out, group, X(o.option), o.count, `${where}: ${o.option} ${o.count}`);
          } else if (!out.weighted) {
            // Unweighted, a percentage of a published base is a count.
            proportion(facts, 'figure', X(o.option), ofBase, o.proportion.estimate, 1e-9, `${where}: ${o.option} ${o.proportion.estimate}`);
            publish(model, out, group, X(o.option), Math.round(o.proportion.estimate * (o === f.dontKnow ? f.answered : f.base)), `${where}: ${o.option} ${o.proportion.estimate}`);
          }
        }
        if (f.positive && v.positive && !out.weighted)
          proportion(
            facts,
            'figure',
            model.over(cells, (c) => model.positive(v, c)),
            base,
            f.positive.estimate,
            1e-9,
            `${where}: positive ${f.positive.estimate}`,
          );
      } else {
        reasonFact(out, base, figure.reason, t, where, reasonApplies(group));
        hiddenClosed(model, v, group, cells, out);
      }
    }
  }
  for (const q of api.numbers) {
    const v = model.countVar(q.question);
    if (v && v.kind === 'number')
      meanFacts(
        model,
        v,
        q.groups.map(({ group, figure }) => ({ group, figure: figure.shown ? { shown: true, value: figure.value.n } : figure })),
        api.threshold,
        `${label} API ${q.question}`,
        out,
      );
    else out.unread.push(`${label} API number ${q.question}`);
  }
  for (const q of api.freeText ?? []) {
    const v = model.countVar(q.question);
    if (v && v.kind === 'text') meanFacts(model, v, q.groups, api.threshold, `${label} API free text ${q.question} written`, out);
    else out.unread.push(`${label} API free text ${q.question}`);
  }
  for (const index of api.indices) {
    const iv = model.indices.find((i) => i.code === index.code);
    if (!iv) {
      // The overall maturity index's n is the smallest of its dimensions', not a count of its own.
      if (index.kind !== 'overall') out.unread.push(`${label} API index ${index.code}`);
      continue;
    }
    for (const { group, figure } of index.groups) {
      const e = model.over(g(group), (c) => model.I(iv, c));
      const where = `${label} API index ${index.code}, ${groupName(group)}`;
      if (figure.shown) {
        equal(facts, 'figure', e, figure.value.score.n, `${where}: n ${figure.value.score.n}`);
        publish(model, out, group, e, figure.value.score.n, `${where}: n ${figure.value.score.n}`);
      } else {
        reasonFact(out, e, figure.reason, t, where, reasonApplies(group));
        targets.push({ what: `index ${index.code} n of ${groupName(group)}`, expr: e, kind: 'size', origin: 'withheld' });
      }
    }
  }
}

/** A number question's n, or how many wrote an answer to a free-text question, per group. */
function meanFacts(model: SurveyModel, v: CountVar, groups: { group: GroupRef; figure: ApiFigure<number> }[], threshold: number, label: string, out: ReadOutputs) {
  for (const { group, figure } of groups) {
    const e = model.over(model.cellsOf(group), (c) => model.answeredCount(v, c));
    const where = `${label}, ${groupName(group)}`;
    if (figure.shown) {
      equal(out.facts, 'figure', e, figure.value, `${where}: n ${figure.value}`);
      publish(model, out, group, e, figure.value, `${where}: n ${figure.value}`);
    } else {
      reasonFact(out, e, figure.reason, threshold, where, reasonApplies(group));
      out.targets.push({ what: `${v.question} answered by ${groupName(group)}`, expr: e, kind: 'size', origin: 'withheld' });
    }
  }
}

function hiddenClosed(model: SurveyModel, v: ClosedVar, group: GroupRef, cells: Cell[], out: ReadOutputs) {
  const name = groupName(group);
  out.targets.push({ what: `${v.code} answered by ${name}`, expr: model.over(cells, (c) => model.A(v, c)), kind: 'size', origin: 'withheld', question: v.code });
  if (v.dontKnowExcluded)
    out.targets.push({ what: `${v.code} base (answered less "don't know") of ${name}`, expr: model.over(cells, (c) => model.base(v, c)), kind: 'size', origin: 'withheld', question: v.code });
  for (const o of v.options) out.targets.push({ what: `${v.code} = ${o} in ${name}`, expr: model.over(cells, (c) => model.X(v, o, c)), kind: 'answer', origin: 'withheld', question: v.code });
}

// --------------------------------------------------------------------------------------------
// aggregates.csv

/** The groups a label of the aggregate file may stand for (the perception gap's comparison groups are `comparison:…`, never a role group's code). */
function groupsForLabel(model: SurveyModel, label: string): GroupRef[] {
  const out: GroupRef[] = [];
  if (label === 'all respondents') out.push({ kind: 'total' });
  if (label === 'comparison:leaders') out.push({ kind: 'leaders' });
  if (label === 'comparison:frontline') out.push({ kind: 'frontline' });
  if (model.roles.includes(label)) out.push({ kind: 'roleGroup', code: label });
  if (label === 'directorate not stated') out.push({ kind: 'directorate', code: '' });
  if (model.directorates.includes(label) && label !== '') out.push({ kind: 'directorate', code: label });
  const rest = /^everyone except (.+)$/.exec(label);
  if (rest && model.roles.includes(rest[1]!)) out.push({ kind: 'rest', roleGroup: rest[1]! });
  const cell = /^(.+) \/ (.+)$/.exec(label);
  if (cell && model.roles.includes(cell[1]!)) out.push({ kind: 'cell', roleGroup: cell[1]!, directorate: cell[2] === 'directorate not stated' ? '' : cell[2]! });
  return out;
}

const sameCells = (a: Cell[], b: Cell[]) => a.length === b.length && a.every((c, i) => c.roleGroup === b[i]!.roleGroup && c.directorate === b[i]!.directorate);

export function aggregateFacts(model: SurveyModel, rows: Record<string, string>[], threshold: number, label: string, out: ReadOutputs) {
  const { facts } = out;
  const unread = (row: Record<string, string>) => out.unread.push(`${label} aggregates.csv ${row.question} ${row.item} ${row.group} ${row.measure}`);
  for (const row of rows) {
    if (row.measure === 'weighting') {
      if (!weightingRow(row, out)) unread(row);
      continue;
    }
    const groups = groupsForLabel(model, row.group ?? '');
    const cells = groups.map((gr) => model.cellsOf(gr));
    if (groups.length === 0 || !cells.every((c) => sameCells(c, cells[0]!))) {
      unread(row);
      continue;
    }
    const group = groups[0]!;
    const where = `${label} aggregates.csv ${row.question || 'responses'}${row.item ? `.${row.item}` : ''} ${row.measure}, ${groupName(group)}`;
    const shown = row.status === 'shown';
    const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));
    const count = num(row.count);
    const base = num(row.base);
    const estimate = num(row.estimate);
    const cs = cells[0]!;
    if (row.measure === 'responses') {
      const e = model.over(cs, (c) => model.N(c));
      if (shown && count !== undefined) {
        equal(facts, 'figure', e, count, `${where} = ${count}`);
        publish(model, out, group, e, count, `${where} = ${count}`);
      } else if (!shown) reasonFact(out, e, row.status ?? '', threshold, where, reasonApplies(group));
      continue;
    }
    const v = model.closedVar(row.question ?? '', row.item ?? '');
    const cv = model.countVar(row.question ?? '');
    if (v) {
      const A = model.over(cs, (c) => model.A(v, c));
      const b = model.over(cs, (c) => model.base(v, c));
      if (!shown) {
        reasonFact(out, b, row.status ?? '', threshold, where, reasonApplies(group));
        continue;
      }
      let numerator: Expr | undefined;
      let ofBase = b;
      if (row.measure?.startsWith('option:')) numerator = model.over(cs, (c) => model.X(v, row.measure!.slice(7), c));
      else if (row.measure === 'dont_know') {
        numerator = model.over(cs, (c) => model.X(v, DONT_KNOW.code, c));
        ofBase = A;
      } else if (row.measure === 'positive' && v.positive) numerator = model.over(cs, (c) => model.positive(v, c));
      if (!numerator) {
        unread(row);
        continue;
      }
      if (base !== undefined) equal(facts, 'figure', ofBase, base, `${where}: base ${base}`);
      if (base !== undefined && row.measure === 'dont_know') publish(model, out, group, A, base, `${where}: base ${base}`);
      const isOption = row.measure?.startsWith('option:') || row.measure === 'dont_know';
      if (count !== undefined) {
        equal(facts, 'figure', numerator, count, `${where}: count ${count}`);
        if (isOption) publish(model, out, group, numerator, count, `${where}: count ${count}`);
      }
      // Percentages to one decimal place: the true share is within 0.05 points of the printed one
      // (weighted percentages are estimates, not count over base: no fact).
      else if (estimate !== undefined && !out.weighted) {
        proportion(facts, 'figure', numerator, ofBase, estimate / 100, 0.0005 + 1e-9, `${where}: ${estimate}%`);
        // Under 1,000 a share to 0.1 points gives the count exactly.
        if (isOption && base !== undefined && base < 1000) publish(model, out, group, numerator, Math.round((estimate / 100) * base), `${where}: ${estimate}% of ${base}`);
      }
    } else if (cv) {
      const e = model.over(cs, (c) => model.answeredCount(cv, c));
      const n = row.measure === 'mean' ? base : count;
      if (shown && n !== undefined) {
        equal(facts, 'figure', e, n, `${where} = ${n}`);
        publish(model, out, group, e, n, `${where} = ${n}`);
      } else if (!shown) reasonFact(out, e, row.status ?? '', threshold, where, reasonApplies(group));
    } else unread(row);
  }
}

/**
 * The first row of aggregates.csv: whether the figures are weighted to the workforce profile
 * (the design effect in `estimate`, given only when the number of responses is published), or
 * unweighted. It is about every figure of the file, so it must be for everyone, shown, and
 * agree with the API; it holds no count (a design effect is not a group's size). False when
 * the row is not one of those.
 */
function weightingRow(row: Record<string, string>, out: ReadOutputs): boolean {
  if (row.group !== 'all respondents' || row.status !== 'shown' || row.question !== '' || row.item !== '') return false;
  if (row.count !== '' || row.base !== '' || row.ci_lower !== '' || row.ci_upper !== '') return false;
  const label = row.label ?? '';
  if (/^Unweighted\b/.test(label)) return row.estimate === '' && !out.weighted;
  if (!/^Weighted\b/.test(label) || !out.weighted) return false;
  if (row.estimate === '') return /withheld/i.test(label);
  const designEffect = Number(row.estimate);
  if (!Number.isFinite(designEffect) || designEffect < 1) return false;
  out.designEffect = designEffect;
  return true;
}

// --------------------------------------------------------------------------------------------
// respondents.csv (and the codebook that explains its codes)

export interface ColumnInfo {
  name: string;
  question: string;
  item: string;
  type: string;
  /** value → answer code (option code, 'not_asked', 'not_answered', 'other_merged', 'selected', 'not_selected'). */
  codes: Map<string, string>;
  /** For "Other" in a segment column: the original codes merged into it. */
  merged: string[];
}

export function readCodebook(codebook: Record<string, string>[], definition?: TDefinition): Map<string, ColumnInfo> {
  // "Other (…)" names the merged groups by their labels; the definition (public) gives their codes.
  const codeOfLabel = new Map<string, string>();
  for (const segment of definition ? [definition.segments.roleGroup, definition.segments.directorate] : []) {
    const question = definition!.sections.flatMap((x) => x.questions).find((q) => q.code === segment);
    for (const o of question && 'options' in question ? (question.options as { code: string; label: { en: string } }[]) : []) codeOfLabel.set(o.label.en, o.code);
  }
  const columns = new Map<string, ColumnInfo>();
  let current: ColumnInfo | undefined;
  for (const row of codebook) {
    if (row.question_type === 'note') continue;
    if (row.value === '' || row.value === undefined) {
      current = { name: row.variable!, question: row.question!, item: row.item ?? '', type: row.question_type!, codes: new Map(), merged: [] };
      columns.set(current.name, current);
      continue;
    }
    const column = columns.get(row.variable!);
    if (!column) continue;
    column.codes.set(row.value, row.note!);
    if (row.note === 'other_merged') {
      const list = /\((.*)\)/.exec(row.value_label ?? '')?.[1] ?? '';
      column.merged = list.split(', ').map((x) => (x === 'not stated' ? '' : (codeOfLabel.get(x) ?? x)));
    }
  }
  return columns;
}

export function fileFacts(
  model: SurveyModel,
  codebook: Record<string, string>[],
  file: Record<string, string>[],
  withText: Record<string, string>[] | undefined,
  label: string,
  out: ReadOutputs,
) {
  const columns = readCodebook(codebook, model.definition);
  out.columns = columns;
  const def = model.definition;
  const roleCol = def.segments.roleGroup === undefined ? undefined : columns.get(def.segments.roleGroup);
  const dirCol = def.segments.directorate ? columns.get(def.segments.directorate) : undefined;
  if (!roleCol) throw new Error('the codebook has no role group column');
  const segment = (col: ColumnInfo | undefined, value: string | undefined, all: string[]): string[] => {
    if (!col || value === undefined) return all;
    const code = col.codes.get(value);
    if (code === 'other_merged') return col.merged;
    if (code === 'not_answered') return all.includes('') ? [''] : all;
    return code !== undefined && all.includes(code) ? [code] : all;
  };

  // "Not asked (or withheld to protect anonymity)": the file withholds an answer in every row of
  // an exported segment at once (the codebook's notes), so a column "not asked" in some rows of
  // a segment and answered in others is never withheld there: "not asked" means not asked. A
  // column "not asked" in all of a segment's rows may be withheld: it says nothing.
  const exportedSegment = (values: Record<string, string>) => `${values[roleCol.name] ?? ''}|${dirCol ? (values[dirCol.name] ?? '') : ''}`;
  const withheldIn = new Map<string, Set<string>>();
  for (const values of file) {
    const key = exportedSegment(values);
    if (!withheldIn.has(key))
      withheldIn.set(key, new Set([...columns.values()].filter((col) => col !== roleCol && col !== dirCol && [...col.codes.values()].includes('not_asked')).map((col) => col.name)));
    const maybe = withheldIn.get(key)!;
    for (const name of [...maybe]) if (columns.get(name)!.codes.get(values[name] ?? '') !== 'not_asked') maybe.delete(name);
  }

  const rows: FileRow[] = file.map((values, i) => {
    const roleGroups = segment(roleCol, values[roleCol.name], model.roles);
    const directorates = segment(dirCol, dirCol ? values[dirCol.name] : undefined, model.directorates);
    const withheld = withheldIn.get(exportedSegment(values))!;
    const answers = decodeAnswers(model, columns, values);
    const row: FileRow = {
      line: i + 1,
      roleGroups,
      directorates,
      roleExported: roleCol.codes.get(values[roleCol.name] ?? '') ?? '?',
      directorateExported: dirCol ? (dirCol.codes.get(values[dirCol.name] ?? '') ?? '?') : '',
      consistentCells: [],
      ruledOut: new Map(),
      values,
      withheld,
      answers,
      codeExprs: [],
    };
    for (const c of roleGroups.flatMap((r) => directorates.map((d) => ({ roleGroup: r, directorate: d })))) {
      const why = inconsistency(model, columns, row, c);
      if (why === undefined) row.consistentCells.push(c);
      else if (!row.ruledOut.has(c.roleGroup)) row.ruledOut.set(c.roleGroup, why);
    }
    for (const c of row.consistentCells) row.ruledOut.delete(c.roleGroup);
    row.codeExprs = codeExpressions(model, columns, values).filter((ce) => !withheld.has(ce.column));
    return row;
  });
  // Free text: a written answer means the question was answered (blank says nothing: it is blanked for withheld groups).
  // Rows of the two files are matched on the columns they share (rows alike there are interchangeable for every count).
  if (withText && withText.length === file.length) {
    const shared = Object.keys(file[0] ?? {}).filter((k) => withText[0] !== undefined && k in withText[0]);
    const keyOf = (values: Record<string, string>) => shared.map((k) => values[k] ?? '').join('\u0000');
    const pool = new Map<string, Record<string, string>[]>();
    for (const values of withText) pool.set(keyOf(values), [...(pool.get(keyOf(values)) ?? []), values]);
    const partner = rows.map((row) => pool.get(keyOf(row.values))?.shift());
    if (partner.every((p) => p !== undefined)) {
      for (const v of model.counts.filter((x) => x.kind === 'text')) {
        rows.forEach((row, i) => {
          const text = partner[i]![v.question];
          if (text !== undefined && text !== '') row.codeExprs.push({ column: v.question, value: 'written', per: (c) => model.answeredCount(v, c) });
        });
      }
    } else out.unread.push(`${label} respondents.csv with free text: rows that match no row of the file without it`);
  } else if (withText) out.unread.push(`${label} respondents.csv with free text: ${withText.length} rows, not ${file.length}`);
  // A row no cell's respondent could have given contradicts the attack's reading of the file: it
  // would count as fitting every role group (below), so it is reported instead.
  for (const row of rows)
    if (row.consistentCells.length === 0) out.unread.push(`${label} respondents.csv line ${row.line}: answers no role group could give (${[...row.ruledOut.values()].join('; ')})`);
  out.rows.push(...rows);
  out.mergedRows.push(...rows.filter((r) => r.roleGroups.length > 1 || r.directorates.length > 1));

  // Per combination of exported segment values, the file gives exact counts of every code;
  // rows whose pattern fits only some role groups give lower bounds for those groups.
  const byCombination = new Map<string, FileRow[]>();
  for (const row of rows) {
    const key = `${row.roleGroups.join(',')}|${row.directorates.join(',')}`;
    byCombination.set(key, [...(byCombination.get(key) ?? []), row]);
  }
  for (const [, list] of byCombination) {
    const { roleGroups, directorates } = list[0]!;
    const cells = roleGroups.flatMap((r) => directorates.map((d) => ({ roleGroup: r, directorate: d })));
    const merged = (codes: string[], all: string[]) => (codes.length === all.length ? 'Other (all)' : `Other (${codes.map((c) => c || 'not stated').join('+')})`);
    const roleLabel = list[0]!.roleExported === 'other_merged' ? merged(roleGroups, model.roles) : roleGroups.join('');
    const dirLabel = list[0]!.directorateExported === 'other_merged' ? merged(directorates, model.directorates) : directorates.join('') || 'not stated';
    const where = `${label} respondents.csv rows with role ${roleLabel}, directorate ${dirLabel}`;
    // Rows whose role group or directorate is exported as the merged "Other" (their facts are tagged so).
    const mergedRows = list[0]!.roleExported === 'other_merged' || list[0]!.directorateExported === 'other_merged';
    const subsets = roleSubsets(roleGroups);
    const inSubset = (row: FileRow, subset: Set<string>) => row.consistentCells.every((c) => subset.has(c.roleGroup));
    for (const subset of subsets) {
      const sub = cells.filter((c) => subset.has(c.roleGroup));
      const matching = list.filter((r) => inSubset(r, subset));
      const all = subset.size === roleGroups.length;
      if (matching.length === 0 && !all) continue;
      const what = all ? where : `${where} whose answers fit only ${[...subset].join(' or ')}`;
      const tag = (text: boolean) => (out.facts[out.facts.length - 1]!.file = { merged: mergedRows, text });
      const add = (e: Expr, n: number, source: string) => {
        if (all) equal(out.facts, 'file', e, n, source);
        else fact(out.facts, 'file', e, n, Infinity, source);
        tag(false);
      };
      add(
        model.over(sub, (c) => model.N(c)),
        matching.length,
        `${what}: ${matching.length} rows`,
      );
      // The number of rows of a combination is what the file is meant to release (at least the threshold).
      if (all) out.facts[out.facts.length - 1]!.release = true;
      // Count each (column, code) among the matching rows.
      const counts = new Map<string, { n: number; per: (c: Cell) => Expr | undefined; column: string; value: string }>();
      for (const row of matching) {
        for (const ce of row.codeExprs) {
          const key = `${ce.column}=${ce.value}`;
          const entry = counts.get(key) ?? { n: 0, per: ce.per, column: ce.column, value: ce.value };
          entry.n++;
          counts.set(key, entry);
        }
      }
      // Codes that no matching row has are 0 among them: state those too for the whole combination
      // (not for columns that may be withheld there: their codes are hidden, not absent).
      if (all) {
        for (const ce of allCodeExpressions(model, columns).filter((x) => !list[0]!.withheld.has(x.column))) {
          const key = `${ce.column}=${ce.value}`;
          if (!counts.has(key)) counts.set(key, { n: 0, ...ce });
        }
      }
      for (const { n, per, column, value } of counts.values()) {
        const parts = sub.map(per);
        if (parts.some((p) => p === undefined)) continue;
        const e = sumExprs(parts as Expr[]);
        if (value === 'written') {
          fact(out.facts, 'file', e, n, Infinity, `${what}: ${n} wrote ${column}`);
          tag(true);
        } else add(e, n, `${what}: ${n} with ${column} = ${value}`);
      }
    }
  }
}

/** Every non-empty subset of the role groups (all of them last), for the rows' lower bounds. */
function roleSubsets(roles: string[]): Set<string>[] {
  if (roles.length > 8) return [new Set(roles)];
  const out: Set<string>[] = [];
  for (let mask = 1; mask < 1 << roles.length; mask++) out.push(new Set(roles.filter((_, i) => mask & (1 << i))));
  return out.sort((a, b) => a.size - b.size);
}

/** The answers a row gives, as the journey would hold them (enough to replay showIf conditions). */
function decodeAnswers(model: SurveyModel, columns: Map<string, ColumnInfo>, values: Record<string, string>): Answers {
  const answers: Answers = {};
  for (const col of columns.values()) {
    const value = values[col.name];
    if (value === undefined || value === '') continue;
    const code = col.codes.get(value);
    const v = model.closedVar(col.question, col.type === 'matrix' ? col.item : '');
    if (!v || code === undefined || code === 'not_asked' || code === 'not_answered') continue;
    if (col.type === 'matrix') answers[col.question] = { ...((answers[col.question] as Record<string, string>) ?? {}), [col.item]: code };
    else if (col.type === 'multiple') {
      const selected = ((answers[col.question] as { selected: string[] } | undefined)?.selected ?? []).slice();
      if (code === 'selected') selected.push(col.item);
      answers[col.question] = { selected };
    } else answers[col.question] = code;
  }
  return answers;
}

/**
 * Why a row cannot come from a cell (undefined when it can): a "not asked" code where that
 * cell's respondent would be asked, an answer where they would not be, or "not answered"
 * for a required question they would be asked.
 */
function inconsistency(model: SurveyModel, columns: Map<string, ColumnInfo>, row: FileRow, cell: Cell): string | undefined {
  const def = model.definition;
  const answers: Answers = { ...row.answers, ...(def.segments.roleGroup === undefined ? {} : { [def.segments.roleGroup]: cell.roleGroup }) };
  if (def.segments.directorate && cell.directorate !== '') answers[def.segments.directorate] = cell.directorate;
  const hiddenQuestions = new Set([...row.withheld].map((name) => columns.get(name)!.question));
  for (const col of columns.values()) {
    const info = model.questions.get(col.question);
    if (!info) continue;
    const value = row.values[col.name];
    if (value === undefined || row.withheld.has(col.name)) continue;
    // Whether it was asked follows an answer the row withholds: unknown.
    if (info.conditions.some((cond) => hiddenQuestions.has(cond.question))) continue;
    const code = col.codes.get(value) ?? (value === '' ? undefined : 'value');
    const asked = isQuestionShown(def, info.section, info.question, answers);
    if (code === 'not_asked' && asked) return `${col.name} is "not asked" (${value}), but ${cell.roleGroup} would be asked it`;
    if (code !== undefined && code !== 'not_asked' && !asked) return `${col.name} is ${value}, but ${cell.roleGroup} would not be asked it`;
    if (code === 'not_answered' && asked && info.question.required !== false) return `${col.name} is "not answered" (${value}), but it is required of ${cell.roleGroup}`;
  }
  return undefined;
}

type CodeExpr = { column: string; value: string; per: (c: Cell) => Expr | undefined };

/** Per column of the file, the per-cell expression for "respondents with this code". */
function columnCodes(model: SurveyModel, col: ColumnInfo): CodeExpr[] {
  const info = model.questions.get(col.question);
  if (!info) return [];
  const asked = (c: Cell) => model.asked(info, c);
  const notAsked = (c: Cell) => {
    const a = asked(c);
    return a && addExpr(model.N(c), a, -1);
  };
  const out: CodeExpr[] = [{ column: col.name, value: 'not asked', per: notAsked }];
  if (col.type === 'multiple') {
    const v = model.closedVar(col.question, '');
    if (!v) return [];
    out.push(
      {
        column: col.name,
        value: 'not answered',
        per: (c) => {
          const a = asked(c);
          return a && addExpr(new Map(a), model.A(v, c), -1);
        },
      },
      { column: col.name, value: 'selected', per: (c) => model.X(v, col.item, c) },
      { column: col.name, value: 'not selected', per: (c) => addExpr(model.A(v, c), model.X(v, col.item, c), -1) },
    );
    return out;
  }
  const v = model.closedVar(col.question, col.type === 'matrix' ? col.item : '');
  if (v) {
    out.push({
      column: col.name,
      value: 'not answered',
      per: (c) => {
        const a = asked(c);
        return a && addExpr(new Map(a), model.A(v, c), -1);
      },
    });
    for (const o of v.options) out.push({ column: col.name, value: o, per: (c) => model.X(v, o, c) });
    return out;
  }
  const cv = model.countVar(col.question);
  if (cv && cv.kind === 'number') {
    out.push(
      {
        column: col.name,
        value: 'not answered',
        per: (c) => {
          const a = asked(c);
          return a && addExpr(new Map(a), model.answeredCount(cv, c), -1);
        },
      },
      { column: col.name, value: 'a number', per: (c) => model.answeredCount(cv, c) },
    );
    return out;
  }
  return [];
}

function allCodeExpressions(model: SurveyModel, columns: Map<string, ColumnInfo>): CodeExpr[] {
  return [...columns.values()].flatMap((col) => columnCodes(model, col));
}

function codeExpressions(model: SurveyModel, columns: Map<string, ColumnInfo>, values: Record<string, string>): CodeExpr[] {
  const out: CodeExpr[] = [];
  for (const col of columns.values()) {
    const value = values[col.name];
    if (value === undefined || value === '') continue;
    const codes = columnCodes(model, col);
    if (codes.length === 0) continue;
    const code = col.codes.get(value);
    const wanted =
      code === 'not_asked' ? 'not asked' : code === 'not_answered' ? 'not answered' : code === 'selected' ? 'selected' : code === 'not_selected' ? 'not selected' : (code ?? 'a number');
    const match = codes.find((c) => c.value === wanted);
    if (match) out.push(match);
  }
  return out;
}

/**
 * The codes a respondent's true answers get in the file (segment, free-text and month
 * columns left out): used only to check the attack's claims about rows against the truth.
 */
export function encodeAnswers(model: SurveyModel, columns: Map<string, ColumnInfo>, answers: Answers): Record<string, string> {
  const out: Record<string, string> = {};
  const valueOf = (col: ColumnInfo, code: string) => [...col.codes].find(([, c]) => c === code)?.[0];
  for (const col of columns.values()) {
    const info = model.questions.get(col.question);
    if (!info || col.type === 'text') continue;
    const asked = isQuestionShown(model.definition, info.section, info.question, answers);
    const missing = valueOf(col, asked ? 'not_answered' : 'not_asked');
    const a = answers[col.question];
    if (col.type === 'multiple') {
      out[col.name] = a === undefined ? missing! : (a as { selected: string[] }).selected.includes(col.item) ? '1' : '0';
    } else if (col.type === 'number') {
      out[col.name] = a === undefined ? missing! : (a as number).toString();
    } else {
      const code = col.type === 'matrix' ? (a as Record<string, string> | undefined)?.[col.item] : (a as string | undefined);
      out[col.name] = code === undefined ? missing! : valueOf(col, code)!;
    }
  }
  return out;
}

// --------------------------------------------------------------------------------------------
// The report's trend table (whole organisation, this wave against the previous one)

const decode = (s: string) =>
  s
    .replace(/<[^>]+>/g, '')
    .replace(/&#39;|&#x27;|&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

/** The trend table's rows: measure name, before and now as printed. */
export function trendRows(report: string): { name: string; before: string; now: string }[] {
  const start = report.indexOf('id="trend"');
  if (start < 0) return [];
  const table = /<table[\s\S]*?<\/table>/.exec(report.slice(start))?.[0] ?? '';
  const body = /<tbody[\s\S]*?<\/tbody>/.exec(table)?.[0] ?? table;
  return [...body.matchAll(/<tr[\s\S]*?<\/tr>/g)].flatMap((m) => {
    const cells = [...m[0].matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) => decode(c[1]!));
    return cells.length >= 3 ? [{ name: cells[0]!, before: cells[1]!, now: cells[2]! }] : [];
  });
}

/** Names the report gives a closed variable's measures, read from the definition. */
function measureNames(model: SurveyModel): Map<string, { v: ClosedVar; measure: string }> {
  const out = new Map<string, { v: ClosedVar; measure: string }>();
  for (const v of model.closed) {
    const q = v.info.question;
    const itemText = q.type === 'matrix' ? q.items.find((i) => i.code === v.item)?.text.en : undefined;
    const names = [itemText, q.text.en, itemText ? `${q.text.en}: ${itemText}` : undefined, itemText ? `${q.text.en} – ${itemText}` : undefined].filter((x): x is string => x !== undefined);
    const labels = new Map<string, string>();
    const opts = q.type === 'single' ? q.options : q.type === 'multiple' ? [...q.options, ...(q.other ? [{ code: q.other.code, label: q.other.label }] : [])] : [];
    for (const o of opts) labels.set(o.code, o.label.en);
    for (const name of names) {
      if (v.positive) for (const words of ['% positive', '% agree', '% very or quite engaged']) out.set(`${name}: ${words}`, { v, measure: 'positive' });
      if (v.positive) out.set(`${name} (% positive)`, { v, measure: 'positive' });
      for (const o of v.options) {
        out.set(`${name} – ${labels.get(o) ?? o}`, { v, measure: o });
        out.set(`${name}: ${labels.get(o) ?? o}`, { v, measure: o });
      }
    }
  }
  return out;
}

/** Trend percentages are whole numbers: the true share is within half a point of the printed one. */
export function trendFacts(current: SurveyModel, previous: SurveyModel, report: string, currentOut: ReadOutputs, previousOut: ReadOutputs): { read: number; unread: string[] } {
  const names = measureNames(current);
  const model = current;
  const unread: string[] = [];
  let read = 0;
  for (const row of trendRows(report)) {
    // Means (number questions, indices) are not counts: read, but no fact about the unknowns.
    const means = new Set([
      ...model.counts.filter((v) => v.kind === 'number').map((v) => `${v.info.question.text.en} (mean)`),
      ...model.definition.indices.map((i) => i.label.en),
      'Overall digital maturity',
    ]);
    if (means.has(row.name)) {
      read++;
      continue;
    }
    const m = names.get(row.name);
    if (!m) {
      unread.push(row.name);
      continue;
    }
    for (const [model, printed, out, which] of [
      [current, row.now, currentOut, 'now'],
      [previous, row.before, previousOut, 'before'],
    ] as const) {
      const pct = /^(\d+(?:\.\d+)?)%$/.exec(printed);
      // Weighted percentages are estimates, not count over base: no fact.
      if (!pct || out.weighted) continue;
      const v = model.closedVar(m.v.question, m.v.item)!;
      const cells = model.cells;
      const numerator = m.measure === 'positive' ? model.over(cells, (c) => model.positive(v, c)) : model.over(cells, (c) => model.X(v, m.measure, c));
      const base = model.over(cells, (c) => model.base(v, c));
      proportion(out.facts, 'figure', numerator, base, Number(pct[1]) / 100, 0.005 + 1e-9, `report trend "${row.name}" ${which} ${printed}`);
    }
    read++;
  }
  return { read, unread };
}

/**
 * The results API's changes since the previous wave (whole organisation and role groups): each
 * shown change gives the figure of both waves, a fact about each (the previous one about the
 * previous wave's unknowns). Means and indices give no count: read, no fact. A hidden change
 * says nothing more than the figures' own reasons.
 */
export function changeFacts(
  current: SurveyModel,
  previous: SurveyModel,
  api: ApiResults,
  previousId: string,
  currentOut: ReadOutputs,
  previousOut: ReadOutputs,
): { read: number; unread: string[] } {
  const unread: string[] = [];
  let read = 0;
  if (!api.previous) return { read, unread };
  if (api.previous.surveyId !== previousId) return { read, unread: [`API previous wave ${api.previous.surveyId} is not the previous wave`] };
  for (const ch of api.previous.changes) {
    const what = `${ch.question ?? `index ${ch.index}`}${ch.item ? `.${ch.item}` : ''} ${ch.measure}, ${groupName(ch.group)}`;
    if (ch.index !== undefined || ch.measure === 'mean') {
      const known = ch.index !== undefined ? current.definition.indices.some((i) => i.code === ch.index) : current.countVar(ch.question ?? '')?.kind === 'number';
      if (known) read++;
      else unread.push(what);
      continue;
    }
    const v = current.closedVar(ch.question ?? '', ch.item ?? '');
    const measure = ch.measure === 'positive' ? (v?.positive ? 'positive' : undefined) : v?.options.includes(ch.measure) ? ch.measure : undefined;
    if (!v || !measure) {
      unread.push(what);
      continue;
    }
    read++;
    if (!ch.change.shown) continue;
    for (const [model, value, out, which] of [
      [current, ch.change.value.current, currentOut, 'current'],
      [previous, ch.change.value.previous, previousOut, 'previous'],
    ] as const) {
      if (out.weighted) continue;
      const w = model.closedVar(v.question, v.item)!;
      const cells = model.cellsOf(ch.group);
      const numerator = measure === 'positive' ? model.over(cells, (c) => model.positive(w, c)) : model.over(cells, (c) => model.X(w, measure, c));
      // "Don't know" is a share of everyone answering; the other options of the base.
      const base = measure === DONT_KNOW.code && w.dontKnowExcluded ? model.over(cells, (c) => model.A(w, c)) : model.over(cells, (c) => model.base(w, c));
      proportion(out.facts, 'figure', numerator, base, value, 1e-9, `current API change since the previous wave, ${what}: ${which} ${value}`);
    }
  }
  return { read, unread };
}

// --------------------------------------------------------------------------------------------
// Hidden parts under shown totals, and the cells, as targets

/**
 * Targets no single output names: every role group × directorate cell's size, and for each
 * shown total (everyone, a role group, a directorate, leaders, frontline) the hidden groups
 * under it taken together.
 */
export function structuralTargets(model: SurveyModel, api: ApiResults, out: ReadOutputs) {
  for (const c of model.cells) out.targets.push({ what: `respondents in cell ${cellName(c)}`, expr: model.N(c), kind: 'size', origin: 'unpublished' });
  const relations: { total: GroupRef; parts: GroupRef[] }[] = [
    { total: { kind: 'total' }, parts: model.roles.map((code) => ({ kind: 'roleGroup', code })) },
    { total: { kind: 'total' }, parts: model.directorates.map((code) => ({ kind: 'directorate', code })) },
  ];
  const gap = model.definition.perceptionGap;
  if (gap) {
    relations.push({ total: { kind: 'leaders' }, parts: gap.leaders.map((code) => ({ kind: 'roleGroup', code })) });
    relations.push({ total: { kind: 'frontline' }, parts: gap.frontline.map((code) => ({ kind: 'roleGroup', code })) });
  }
  const key = (g: GroupRef) => JSON.stringify(g);
  const sizeFigures: { what: string; shown: Map<string, boolean>; per: (c: Cell) => Expr }[] = [
    { what: 'responses', shown: new Map(api.responses.map((r) => [key(r.group), r.figure.shown])), per: (c) => model.N(c) },
    ...api.questions.flatMap((q) => {
      const v = model.closedVar(q.question, q.item);
      return v ? [{ what: `${v.code} base`, shown: new Map(q.groups.map((x) => [key(x.group), x.figure.shown])), per: (c: Cell) => model.base(v, c) }] : [];
    }),
  ];
  for (const f of sizeFigures) {
    for (const rel of relations) {
      if (!f.shown.get(key(rel.total))) continue;
      const hidden = rel.parts.filter((p) => f.shown.get(key(p)) === false);
      if (hidden.length === 0 || hidden.length === rel.parts.length) continue;
      out.targets.push({
        what: `${f.what} of ${hidden.map(groupName).join(' + ')} together (hidden under the shown ${groupName(rel.total)})`,
        expr: model.over(
          hidden.flatMap((h) => model.cellsOf(h)),
          f.per,
        ),
        kind: 'sum',
        origin: 'unpublished',
      });
    }
  }
}

export function emptyRead(threshold: number): ReadOutputs {
  return { facts: [], targets: [], mergedRows: [], rows: [], threshold, unread: [], weighted: false, published: [], public: [] };
}

/**
 * Why a withheld figure is public after all, or undefined. Publishing a group's figure on a
 * question publishes how many of the group gave each answer (percentages of a published base);
 * the threshold protects the bases of groups, not the answer counts of groups shown. So when
 * the definition makes a hidden figure equal to counts published for one group, it withholds
 * nothing: for a required question, answered = asked, and who is asked is the group's
 * respondents (no condition) or those whose answer meets its condition (showIf: the sum of
 * the condition's anyOf options, or the respondents less its noneOf options).
 *
 * A base that is such a published count less some of the group's answers on the question
 * ("don't know", left out of an agreement scale's base) is no more secret when that published
 * count is itself under the threshold: the base is then known to be small from the published
 * figures alone, and what else it tells is those answer counts, which are bounded as targets
 * of their own.
 *
 * Only figures the identity "answered = asked" turns into published counts qualify: a figure
 * one output hides and another shows as it stands is a contradiction of the outputs and stays
 * a target, as do the answers of a group hidden on a question, figures over several groups,
 * and a base whose published part is at least the threshold.
 */
export function publicBecause(model: SurveyModel, target: Target, published: readonly Published[], threshold: number): string | undefined {
  const e: Expr = new Map();
  let identity = false;
  for (const [name, k] of withoutZeros(model, target.expr)) {
    const asked = model.answeredIs.get(name);
    if (asked) identity = true;
    addExpr(e, asked ?? new Map([[name, 1]]), k);
  }
  if (!identity) return undefined;
  const families = new Map<string, Expr>();
  for (const [name, k] of withoutZeros(model, e)) {
    const f = model.familyOf(name);
    families.set(f, addTo(families.get(f) ?? new Map<string, number>(), name, k));
  }
  // Each family is k × a count over some cells: published for a group, or not.
  const parts: { k: number; of: Published[]; family: string }[] = [];
  for (const [family, part] of families) {
    const ks = new Set(part.values());
    if (ks.size !== 1) return undefined;
    const key = exprKey(new Map([...part].map(([name]) => [name, 1])));
    parts.push({ k: [...ks][0]!, of: published.filter((p) => p.key === key), family });
  }
  const groups = new Set(parts.flatMap((p) => p.of.map((x) => x.group)));
  for (const group of groups) {
    const known = parts.filter((p) => p.of.some((x) => x.group === group));
    const rest = parts.filter((p) => !known.includes(p));
    if (known.length === 0) continue;
    const terms = known.map(({ k, of }) => ({ k, p: of.find((x) => x.group === group)! }));
    const said = terms.map(({ k, p }) => `${k === 1 ? '+' : k === -1 ? '−' : `${k > 0 ? '+' : '−'} ${Math.abs(k)} ×`} ${p.source}`).join(' ');
    if (rest.length === 0) return `the definition makes it ${said}`;
    // A published count under the threshold less answers of the group on the target's own question.
    const value = terms.reduce((sum, { k, p }) => sum + k * p.value, 0);
    const question = target.question;
    const answers = rest.every((p) => p.k === -1 && question !== undefined && p.family.startsWith(`X|${question}=`));
    if (target.kind === 'size' && answers && value < threshold) {
      return `the definition makes it ${said} (${value}, under the threshold) less answers of the group, which are targets of their own`;
    }
  }
  return undefined;
}

/** Everything one wave's outputs say, as facts, with the figures they hide as targets. */
export function readWave(model: SurveyModel, outputs: WaveOutputs, label: string): ReadOutputs {
  const out = emptyRead(outputs.api.threshold);
  apiFacts(model, outputs.api, label, out);
  aggregateFacts(model, outputs.aggregates, outputs.api.threshold, label, out);
  if (outputs.respondents) fileFacts(model, outputs.codebook, outputs.respondents, outputs.respondentsWithText, label, out);
  structuralTargets(model, outputs.api, out);
  // The same figure may be hidden in several outputs: bound it once.
  const seen = new Set<string>();
  out.targets = out.targets.filter((t) => {
    const k = `${t.kind}:${[...t.expr].sort().join()}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  // Figures the definition equates to published counts are not withheld (publicBecause).
  out.targets = out.targets.filter((target) => {
    const because = publicBecause(model, target, out.published, out.threshold);
    if (because) out.public.push({ target, because });
    return because === undefined;
  });
  return out;
}
