import { audienceOf } from '../../src/fieldwork/journey.js';
import type { ApiGroup } from './outputs.js';
import { segmentCellOf, type TDefinition, type TSection } from '../../src/instrument/definition.js';
import type { TCondition } from '../../src/instrument/question-types/base.js';
import type { Answers, TQuestion } from '../../src/instrument/question-types/index.js';
import { matrixOptions } from '../../src/instrument/question-types/matrix.js';
import { multipleOptions, type MultipleAnswer } from '../../src/instrument/question-types/multiple.js';
import { agreeOptions } from '../../src/instrument/question-types/scale.js';
import { AGREE_SCORES, DONT_KNOW, ENGAGEMENT_SCALE, ENGAGEMENT_SCORES, POSITIVE_CODES } from '../../src/instrument/scales.js';

/**
 * The attacker's unknowns, read from the survey definition alone: for every finest segment
 * cell (role group × directorate) the number of respondents, and for every question the
 * number asked, answering and choosing each option. Everything the outputs say becomes a
 * linear fact over these integers (see facts.ts); the facts here are the ones that follow
 * from the definition itself (audiences, showIf, required questions, single answers).
 */

/** A linear expression: variable name → coefficient. */
export type Expr = Map<string, number>;

export interface Fact {
  expr: Expr;
  lo: number;
  hi: number;
  /** Where the attacker read it, in words (shown when the fact explains a leak). */
  source: string;
  kind: 'structure' | 'figure' | 'reason' | 'file';
  /** A figure an output is meant to release as it stands (a shown figure; a combination's row count in the respondent-level file). */
  release?: boolean;
  /**
   * For a fact of the respondent-level file: whether its rows' role group or directorate is
   * exported as the merged "Other", and whether it counts written free-text answers (the file
   * with free text). Read by the leak categories (categories.ts).
   */
  file?: { merged: boolean; text: boolean };
}

export interface Cell {
  roleGroup: string;
  directorate: string;
}

export interface QuestionInfo {
  question: TQuestion;
  section: TSection;
  /** Role groups the question is asked of (audiences of the question and its section). */
  roleGroups: Set<string>;
  conditions: TCondition[];
}

export interface ClosedVar {
  code: string;
  question: string;
  item: string;
  type: TQuestion['type'];
  multiple: boolean;
  /** Every answer code, "don't know" included. */
  options: string[];
  exclusive: string[];
  /** Agreement scales leave "don't know" out of the percentages' base. */
  dontKnowExcluded: boolean;
  positive?: readonly string[];
  required: boolean;
  info: QuestionInfo;
}

export interface CountVar {
  kind: 'number' | 'text';
  question: string;
  required: boolean;
  info: QuestionInfo;
}

export interface IndexVar {
  code: string;
  kind: string;
  /** Per index item: the closed variable and the answer codes that give a score. */
  items: { variable: ClosedVar; scored: string[] }[];
}

export const expr = (...pairs: [string, number][]): Expr => {
  const e: Expr = new Map();
  for (const [name, k] of pairs) addTo(e, name, k);
  return e;
};

export function addTo(target: Expr, name: string, k: number): Expr {
  const v = (target.get(name) ?? 0) + k;
  if (v === 0) target.delete(name);
  else target.set(name, v);
  return target;
}

/** target += k × source */
export function addExpr(target: Expr, source: Expr, k = 1): Expr {
  for (const [name, v] of source) addTo(target, name, k * v);
  return target;
}

export function sumExprs(list: Iterable<Expr>): Expr {
  const out: Expr = new Map();
  for (const e of list) addExpr(out, e);
  return out;
}

export const evaluate = (e: Expr, values: ReadonlyMap<string, number>) => {
  let s = 0;
  for (const [name, k] of e) s += k * (values.get(name) ?? 0);
  return s;
};

/** A canonical key for an expression, so the same sum stated twice is recognised. */
export const exprKey = (e: Expr) =>
  [...e]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, k]) => `${k}*${n}`)
    .join('+');

export const cellName = (c: Cell) => `${c.roleGroup}/${c.directorate === '' ? '(not stated)' : c.directorate}`;

export class SurveyModel {
  readonly roles: string[];
  readonly directorates: string[];
  readonly cells: Cell[];
  readonly closed: ClosedVar[] = [];
  readonly counts: CountVar[] = [];
  readonly indices: IndexVar[] = [];
  readonly questions = new Map<string, QuestionInfo>();
  /** Variables fixed at 0 by the definition (a question not asked of a role group). */
  readonly structuralZero = new Set<string>();
  readonly variables = new Set<string>();
  readonly facts: Fact[] = [];
  /**
   * The definition's identities "answered = asked": for a required question asked of a cell
   * under at most one condition, its answered unknown (A, n or T of the cell) → who is asked it
   * (the cell's respondents, or those whose answer meets the condition).
   */
  readonly answeredIs = new Map<string, Expr>();

  constructor(readonly definition: TDefinition) {
    const { roleGroup, directorate } = definition.segments;
    const all = definition.sections.flatMap((section) => section.questions.map((question) => ({ question, section })));
    const find = (code: string | undefined) => all.find((p) => p.question.code === code)?.question;
    const roleQ = find(roleGroup);
    if (roleGroup === undefined || !roleQ || roleQ.type !== 'single') throw new Error('the model needs a role group question, a single choice');
    this.roles = roleQ.options.map((o) => o.code);
    const dirQ = find(directorate);
    this.directorates = dirQ && dirQ.type === 'single' ? dirQ.options.map((o) => o.code) : [];
    if (!dirQ || !dirQ.required || this.directorates.length === 0) this.directorates.push('');
    this.cells = this.roles.flatMap((r) => this.directorates.map((d) => ({ roleGroup: r, directorate: d })));

    for (const { question, section } of all) {
      if (question.code === roleGroup || question.code === directorate) continue;
      const roleGroups = new Set(
        this.roles.filter((r) => {
          const audience = audienceOf(definition, { [roleGroup]: r });
          const inAudience = (list: string[] | undefined) => list === undefined || (audience !== undefined && list.includes(audience));
          return inAudience(section.audiences) && inAudience(question.audiences);
        }),
      );
      const info: QuestionInfo = { question, section, roleGroups, conditions: [section.showIf, question.showIf].filter((c): c is TCondition => c !== undefined) };
      this.questions.set(question.code, info);
      const required = question.required !== false;
      const closed = (item: string, options: readonly { code: string; exclusive?: boolean }[], multiple: boolean, scale?: 'agree' | 'engagement') => {
        const codes = options.map((o) => o.code);
        const dontKnowExcluded = scale === 'agree' && codes.includes(DONT_KNOW.code);
        this.closed.push({
          code: item === '' ? question.code : `${question.code}.${item}`,
          question: question.code,
          item,
          type: question.type,
          multiple,
          options: codes,
          exclusive: options.filter((o) => o.exclusive).map((o) => o.code),
          dontKnowExcluded,
          positive: scale ? POSITIVE_CODES[scale] : undefined,
          required,
          info,
        });
      };
      switch (question.type) {
        case 'single':
          closed('', question.options, false);
          break;
        case 'agree':
          closed('', agreeOptions(question.dontKnow), false, 'agree');
          break;
        case 'engagement':
          closed('', ENGAGEMENT_SCALE, false, 'engagement');
          break;
        case 'matrix':
          for (const item of question.items) closed(item.code, matrixOptions(question), false, question.scale);
          break;
        case 'multiple':
          closed('', multipleOptions(question), true);
          break;
        case 'number':
        case 'text':
          this.counts.push({ kind: question.type, question: question.code, required, info });
          break;
      }
    }
    for (const index of definition.indices) {
      // The overall maturity index's n is the smallest of its dimensions', not a count of its own.
      if (index.kind !== 'engagement' && index.kind !== 'maturity') continue;
      const items = index.items.map((item) => {
        const variable = this.closedVar(item.question, item.item ?? '');
        const q = find(item.question);
        const scale = q?.type === 'agree' || q?.type === 'engagement' ? q.type : q?.type === 'matrix' ? q.scale : undefined;
        const table = item.scores ?? (scale === 'agree' ? AGREE_SCORES : scale === 'engagement' ? ENGAGEMENT_SCORES : {});
        return variable ? { variable, scored: variable.options.filter((o) => table[o] !== undefined) } : undefined;
      });
      if (items.some((i) => i === undefined)) continue;
      this.indices.push({ code: index.code, kind: index.kind, items: items as IndexVar['items'] });
    }
    this.addStructure();
  }

  closedVar(question: string, item: string): ClosedVar | undefined {
    return this.closed.find((v) => v.question === question && v.item === item);
  }

  countVar(question: string): CountVar | undefined {
    return this.counts.find((v) => v.question === question);
  }

  // ------------------------------------------------------------------ per-cell unknowns

  private v(name: string, zero: boolean): Expr {
    this.variables.add(name);
    if (zero) this.structuralZero.add(name);
    return expr([name, 1]);
  }
  private key = (c: Cell) => `${c.roleGroup}|${c.directorate}`;

  /** Respondents in a cell. */
  N(c: Cell): Expr {
    return this.v(`N|${this.key(c)}`, false);
  }
  /** Respondents in a cell who answered a closed variable. */
  A(v: ClosedVar, c: Cell): Expr {
    return this.v(`A|${v.code}|${this.key(c)}`, !v.info.roleGroups.has(c.roleGroup));
  }
  /** Respondents in a cell who chose an option. */
  X(v: ClosedVar, option: string, c: Cell): Expr {
    return this.v(`X|${v.code}=${option}|${this.key(c)}`, !v.info.roleGroups.has(c.roleGroup));
  }
  /** The base of a closed variable's percentages: answered, less "don't know" on agreement scales. */
  base(v: ClosedVar, c: Cell): Expr {
    const e = this.A(v, c);
    return v.dontKnowExcluded ? addExpr(e, this.X(v, DONT_KNOW.code, c), -1) : e;
  }
  /** "% positive" numerator. */
  positive(v: ClosedVar, c: Cell): Expr {
    return sumExprs((v.positive ?? []).map((o) => this.X(v, o, c)));
  }
  /** Respondents in a cell who answered a number or text question. */
  answeredCount(v: CountVar, c: Cell): Expr {
    return this.v(`${v.kind === 'number' ? 'n' : 'T'}|${v.question}|${this.key(c)}`, !v.info.roleGroups.has(c.roleGroup));
  }
  /** Respondents in a cell with a score on an index. */
  I(index: IndexVar, c: Cell): Expr {
    return this.v(`I|${index.code}|${this.key(c)}`, false);
  }

  /**
   * Respondents in a cell who are asked a question, when that is one linear expression
   * (no condition, or one condition); undefined when several conditions apply (then only
   * bounds are known, see addStructure).
   */
  asked(info: QuestionInfo, c: Cell): Expr | undefined {
    if (!info.roleGroups.has(c.roleGroup)) return new Map();
    if (info.conditions.length === 0) return this.N(c);
    if (info.conditions.length === 1) return this.conditionHolds(info.conditions[0]!, c);
    return undefined;
  }

  private conditionHolds(condition: TCondition, c: Cell): Expr {
    const v = this.closedVar(condition.question, condition.item ?? '');
    if (!v) throw new Error(`condition on unknown question ${condition.question}`);
    if (condition.anyOf) return sumExprs(condition.anyOf.map((o) => this.X(v, o, c)));
    // noneOf: an unanswered question is "none of" the codes.
    return addExpr(this.N(c), sumExprs((condition.noneOf ?? []).map((o) => this.X(v, o, c))), -1);
  }

  /** A group's cells, for the groups the outputs report. */
  cellsOf(group: GroupRef): Cell[] {
    const gap = this.definition.perceptionGap;
    switch (group.kind) {
      case 'total':
        return this.cells;
      case 'roleGroup':
        return this.cells.filter((c) => c.roleGroup === group.code);
      case 'directorate':
        return this.cells.filter((c) => c.directorate === group.code);
      case 'cell':
        return this.cells.filter((c) => c.roleGroup === group.roleGroup && c.directorate === group.directorate);
      case 'leaders':
        return this.cells.filter((c) => gap?.leaders.includes(c.roleGroup));
      case 'frontline':
        return this.cells.filter((c) => gap?.frontline.includes(c.roleGroup));
      case 'rest':
        return this.cells.filter((c) => c.roleGroup !== group.roleGroup);
    }
  }

  /** Sum of a per-cell expression over cells. */
  over(cells: readonly Cell[], f: (c: Cell) => Expr): Expr {
    return sumExprs(cells.map(f));
  }

  /** An unknown's name without its cell: the same count of every cell (`X|strategy=yes` of `X|strategy=yes|senior|care`). */
  familyOf(name: string): string {
    return name.split('|').slice(0, -2).join('|');
  }

  isStructuralZero(e: Expr): boolean {
    return [...e.keys()].every((name) => this.structuralZero.has(name));
  }

  // ------------------------------------------------------------------ what the definition implies

  private fact(e: Expr, lo: number, hi: number, source: string) {
    this.facts.push({ expr: e, lo, hi, source, kind: 'structure' });
  }

  private addStructure() {
    for (const c of this.cells) {
      const cell = cellName(c);
      this.N(c);
      for (const v of this.closed) {
        const a = this.A(v, c);
        for (const o of v.options) this.X(v, o, c);
        if (!v.info.roleGroups.has(c.roleGroup)) continue;
        const asked = this.asked(v.info, c);
        if (asked) {
          // A required question is answered by everyone asked it (a required matrix: every row).
          if (v.required) {
            this.fact(addExpr(new Map(a), asked, -1), 0, 0, `${v.code} is required: answered = asked (${cell})`);
            this.answeredIs.set(onlyName(a), asked);
          } else this.fact(addExpr(new Map(a), asked, -1), -Infinity, 0, `${v.code}: answered ≤ asked (${cell})`);
        } else {
          for (const condition of v.info.conditions)
            this.fact(addExpr(new Map(a), this.conditionHolds(condition, c), -1), -Infinity, 0, `${v.code}: answered ≤ those its condition holds for (${cell})`);
        }
        this.fact(addExpr(new Map(a), this.N(c), -1), -Infinity, 0, `${v.code}: answered ≤ respondents (${cell})`);
        if (!v.multiple) {
          this.fact(addExpr(sumExprs(v.options.map((o) => this.X(v, o, c))), a, -1), 0, 0, `${v.code}: one answer each (${cell})`);
        } else {
          for (const o of v.options) this.fact(addExpr(this.X(v, o, c), a, -1), -Infinity, 0, `${v.code}=${o} ≤ answered (${cell})`);
          this.fact(addExpr(sumExprs(v.options.map((o) => this.X(v, o, c))), a, -1), 0, Infinity, `${v.code}: at least one option each (${cell})`);
          for (const e of v.exclusive) {
            for (const o of v.options) {
              if (o !== e) this.fact(addExpr(addExpr(this.X(v, e, c), this.X(v, o, c)), a, -1), -Infinity, 0, `${v.code}: ${e} is exclusive (${cell})`);
            }
          }
        }
      }
      for (const v of this.counts) {
        const n = this.answeredCount(v, c);
        if (!v.info.roleGroups.has(c.roleGroup)) continue;
        const asked = this.asked(v.info, c);
        // Required and asked (one linear expression): answered = asked; otherwise answered ≤ asked (or ≤ respondents).
        this.fact(addExpr(new Map(n), asked ?? this.N(c), -1), v.required && asked ? 0 : -Infinity, 0, `${v.question}: answered ≤ asked (${cell})`);
        if (v.required && asked) this.answeredIs.set(onlyName(n), asked);
      }
      for (const index of this.indices) {
        const i = this.I(index, c);
        const scored = index.items.map((item) => sumExprs(item.scored.map((o) => this.X(item.variable, o, c))));
        // A respondent has a score when at least one item has a scored answer.
        for (const s of scored) this.fact(addExpr(new Map(i), s, -1), 0, Infinity, `index ${index.code}: scored on an item ⇒ scored (${cell})`);
        this.fact(addExpr(new Map(i), sumExprs(scored), -1), -Infinity, 0, `index ${index.code}: scored ⇒ some item scored (${cell})`);
        this.fact(addExpr(new Map(i), this.N(c), -1), -Infinity, 0, `index ${index.code}: scored ≤ respondents (${cell})`);
      }
    }
  }

  // ------------------------------------------------------------------ the true values

  /** The true value of every unknown, from the answers as stored. */
  truth(answersList: readonly Answers[]): Map<string, number> {
    const values = new Map<string, number>();
    const inc = (e: Expr) => {
      for (const name of e.keys()) values.set(name, (values.get(name) ?? 0) + 1);
    };
    for (const answers of answersList) {
      const c: Cell = segmentCellOf(this.definition, answers);
      inc(this.N(c));
      for (const v of this.closed) {
        for (const code of chosen(answers, v)) {
          inc(this.X(v, code, c));
        }
        if (chosen(answers, v).length > 0) inc(this.A(v, c));
      }
      for (const v of this.counts) {
        const a = answers[v.question];
        if (a !== undefined && a !== '') inc(this.answeredCount(v, c));
      }
      for (const index of this.indices) {
        if (index.items.some((item) => chosen(answers, item.variable).some((code) => item.scored.includes(code)))) inc(this.I(index, c));
      }
    }
    for (const name of this.variables) if (!values.has(name)) values.set(name, 0);
    return values;
  }
}

function onlyName(e: Expr): string {
  if (e.size !== 1) throw new Error('expected a single unknown');
  return [...e.keys()][0]!;
}

/** Answer codes one respondent gave for a closed variable. */
export function chosen(answers: Answers, v: ClosedVar): string[] {
  const a = answers[v.question];
  if (a === undefined) return [];
  if (v.multiple) return (a as MultipleAnswer).selected;
  if (v.item === '') return typeof a === 'string' ? [a] : [];
  const value = (a as Record<string, string>)[v.item];
  return value === undefined ? [] : [value];
}

/** A group the outputs report on, as the API names it. */
export type GroupRef = ApiGroup;

export function groupName(g: GroupRef): string {
  switch (g.kind) {
    case 'total':
      return 'everyone';
    case 'roleGroup':
      return `role group ${g.code}`;
    case 'directorate':
      return `directorate ${g.code === '' ? '(not stated)' : g.code}`;
    case 'cell':
      return `cell ${cellName(g)}`;
    case 'leaders':
      return 'leaders';
    case 'frontline':
      return 'frontline';
    case 'rest':
      return `everyone except ${g.roleGroup}`;
  }
}
