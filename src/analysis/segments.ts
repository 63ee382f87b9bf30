import type { TDefinition } from '../instrument/definition.js';
import { allQuestions, findQuestion } from '../instrument/definition.js';
import type { TCondition } from '../instrument/question-types/base.js';
import { closedCounts } from './estimates.js';
import {
  cellKey,
  protectGate,
  refineSegments,
  shownCount,
  suppressSegments,
  unionOf,
  withheldEverywhere,
  type CellStatus,
  type SegmentGrid,
  type SegmentSuppression,
  type Suppressible,
} from './suppression.js';
import type { IndexedTables } from './tables.js';
import { variablesOf, type Variable } from './variables.js';
import { LinearisedDesign } from './linearisation.js';
import { CellWeights, kishDesignEffect, publishedDesignEffect, type CellWeight } from './weighting.js';

function variableKey(question: string, item: string): string {
  return `${question}\u0000${item}`;
}

/** A group of respondents results are reported for. */
export type GroupRef =
  | { kind: 'total' }
  | { kind: 'roleGroup'; code: string }
  | { kind: 'directorate'; code: string }
  | { kind: 'cell'; roleGroup: string; directorate: string }
  | { kind: 'leaders' }
  | { kind: 'frontline' }
  /** Everyone except one role group ("group vs rest"). */
  | { kind: 'rest'; roleGroup: string };

export interface Group {
  ref: GroupRef;
  /** Positions of the segment cells the group is made of. */
  cells: readonly number[];
}

/** One published figure for a group: the value, or only the reason it is hidden. */
export interface GroupFigure<T> {
  group: GroupRef;
  figure: Suppressible<T>;
}

export function groupLabel(ref: GroupRef): string {
  switch (ref.kind) {
    case 'total':
      return 'all respondents';
    case 'roleGroup':
      return ref.code;
    case 'directorate':
      return ref.code === '' ? 'directorate not stated' : ref.code;
    case 'cell':
      return `${ref.roleGroup} / ${ref.directorate === '' ? 'directorate not stated' : ref.directorate}`;
    case 'leaders':
      return 'leaders';
    case 'frontline':
      return 'frontline';
    case 'rest':
      return `everyone except ${ref.roleGroup}`;
  }
}

/**
 * A group's code in exported tables: its label, except the perception gap's comparison groups,
 * coded `comparison:leaders` and `comparison:frontline` so that neither is ever the same as a
 * role group's code (a definition may well have a role group "frontline").
 */
export function groupCode(ref: GroupRef): string {
  return ref.kind === 'leaders' || ref.kind === 'frontline' ? `comparison:${ref.kind}` : groupLabel(ref);
}

/**
 * The segment structure of one survey's tables: role groups, directorates, their cells, the
 * weights per cell, and the suppression pattern for any per-cell base (cached, since many
 * variables share the same bases).
 */
export class Segments {
  readonly roleGroups: string[];
  readonly directorates: string[];
  readonly crossed: boolean;
  /** One weight per cell: all 1 until `weightBy` gives the publication's weights. */
  weights: CellWeights;
  weighted = false;
  readonly total: Group;
  readonly byRole: Group[];
  readonly byDirectorate: Group[];
  readonly cellGroups: Group[];
  readonly leaders?: Group;
  readonly frontline?: Group;
  private readonly cellAt = new Map<string, number>();
  private readonly cache = new Map<string, SegmentSuppression>();
  /** The publication's one pattern, once decided: every variable's suppression starts from it. */
  private decided?: SegmentSuppression;
  /** Responses per cell, once the pattern is decided from them. */
  private responses?: ArrayLike<number>;
  private readonly aggregates: { id: 'leaders' | 'frontline'; roleGroups: string[] }[] = [];
  /** Which variable a per-cell base belongs to (`identify`), so a question under a showIf and its condition get their linked patterns. */
  private readonly owners = new WeakMap<object, string>();
  private readonly variables = new Map<string, Variable>();
  /** Per question, the conditions it is asked under (its own showIf and its section's). */
  private readonly conditionsOf = new Map<string, TCondition[]>();
  /** Per condition variable, the questions asked under it and on which answers. */
  private readonly gatesOf = new Map<string, { question: string; condition: TCondition }[]>();
  /** Questions asked under a condition that are withheld whole, so the condition's figures take none of them apart (protectGates). */
  private readonly withheldWhole = new Set<string>();

  constructor(
    definition: TDefinition,
    readonly tables: IndexedTables,
    readonly threshold: number,
  ) {
    const seenRoles = new Set(tables.cells.map((c) => c.roleGroup));
    const seenDirs = new Set(tables.cells.map((c) => c.directorate));
    const roleQuestion = findQuestion(definition, definition.segments.roleGroup);
    const defined = roleQuestion && roleQuestion.type === 'single' ? roleQuestion.options.map((o) => o.code) : [];
    this.roleGroups = [...defined, ...[...seenRoles].filter((r) => !defined.includes(r)).sort()];
    const dirQuestion = findQuestion(definition, definition.segments.directorate);
    const definedDirs = dirQuestion && dirQuestion.type === 'single' ? dirQuestion.options.map((o) => o.code) : [];
    const dirs = [...definedDirs, ...[...seenDirs].filter((d) => d !== '' && !definedDirs.includes(d)).sort()];
    if (seenDirs.has('') || dirs.length === 0) dirs.push('');
    this.directorates = dirs;
    this.crossed = dirs.length > 1;
    tables.cells.forEach((c, i) => this.cellAt.set(cellKey(c.roleGroup, c.directorate), i));

    this.weights = new CellWeights(tables.size).fill(1);

    const all = tables.cells.map((_, i) => i);
    const cellsWhere = (test: (i: number) => boolean) => all.filter(test);
    this.total = { ref: { kind: 'total' }, cells: all };
    // A survey without a role question has no role breakdown: its responses all sit in one role
    // cell (''), which roleGroups keeps for the grid's totals but no figure reports on its own.
    const roleBreakdown = definition.segments.roleGroup !== undefined;
    this.byRole = roleBreakdown ? this.roleGroups.map((code) => ({ ref: { kind: 'roleGroup', code }, cells: cellsWhere((i) => tables.cells[i]!.roleGroup === code) })) : [];
    this.byDirectorate = this.directorates.map((code) => ({
      ref: { kind: 'directorate', code },
      cells: cellsWhere((i) => tables.cells[i]!.directorate === code),
    }));
    this.cellGroups =
      this.crossed && roleBreakdown
        ? this.roleGroups.flatMap((roleGroup) =>
            this.directorates.map((directorate) => {
              const i = this.cellAt.get(cellKey(roleGroup, directorate));
              return { ref: { kind: 'cell', roleGroup, directorate }, cells: i === undefined ? [] : [i] };
            }),
          )
        : [];
    const gap = definition.perceptionGap;
    if (gap) {
      this.aggregates = [
        { id: 'leaders', roleGroups: gap.leaders },
        { id: 'frontline', roleGroups: gap.frontline },
      ];
      this.leaders = { ref: { kind: 'leaders' }, cells: cellsWhere((i) => gap.leaders.includes(tables.cells[i]!.roleGroup)) };
      this.frontline = { ref: { kind: 'frontline' }, cells: cellsWhere((i) => gap.frontline.includes(tables.cells[i]!.roleGroup)) };
    }

    for (const v of variablesOf(definition)) {
      const key = variableKey(v.code, v.kind === 'closed' ? v.item : '');
      this.variables.set(key, v);
      if (v.kind === 'number') {
        const n = tables.numeric(v.code)?.n;
        if (n) this.owners.set(n, key);
      } else this.owners.set(tables.answered(v.code, v.kind === 'closed' ? v.item : ''), key);
    }
    for (const { question, section } of allQuestions(definition)) {
      const conditions = [section.showIf, question.showIf].filter((c): c is TCondition => c !== undefined);
      if (conditions.length === 0) continue;
      this.conditionsOf.set(question.code, conditions);
      for (const condition of conditions) {
        const key = variableKey(condition.question, condition.item ?? '');
        this.gatesOf.set(key, [...(this.gatesOf.get(key) ?? []), { question: question.code, condition }]);
      }
    }
  }

  /**
   * Says which variable (question, and item of a matrix) a per-cell base array holds the
   * respondents of, so `suppress` gives it the variable's own pattern. The tables' own arrays
   * (respondents answering, number questions' n) are known from the start.
   */
  identify(base: ArrayLike<number>, question: string, item = ''): void {
    const key = variableKey(question, item);
    if (this.variables.has(key)) this.owners.set(base, key);
  }

  /** The key of a question's audience, or undefined when it is asked of every role group. */
  audienceOf(roleGroups: ReadonlySet<string> | undefined): string | undefined {
    if (!roleGroups || this.roleGroups.every((r) => roleGroups.has(r))) return undefined;
    return this.roleGroups.filter((r) => roleGroups.has(r)).join(',');
  }

  /** The cells of everyone outside a role group. */
  rest(roleGroup: string): Group {
    return { ref: { kind: 'rest', roleGroup }, cells: this.total.cells.filter((i) => this.tables.cells[i]!.roleGroup !== roleGroup) };
  }

  private grid(base: ArrayLike<number>): SegmentGrid {
    return {
      roleGroups: this.roleGroups,
      directorates: this.directorates,
      base: (r, d) => {
        const i = this.cellAt.get(cellKey(r, d));
        return i === undefined ? 0 : (base[i] ?? 0);
      },
      aggregates: this.aggregates,
    };
  }

  /**
   * Decides, once for the whole publication, which groups are shown, from the responses per
   * cell: a role group or directorate with fewer responses than the threshold (or that
   * `hidden` rules out, e.g. a headcount under the threshold) is hidden in every figure, and so
   * is every group hidden to protect it. So no question shows the size of a group another
   * hides, and "total less the groups shown" never isolates a small group in any of them.
   * Every variable's suppression (`suppress`) starts from this pattern and may only add to it:
   * a role group only where its own base is under the threshold (a question few of them were
   * shown), covered there by the variable's other figures, never by another role group.
   */
  decide(responses: ArrayLike<number>, hidden: { roleGroups?: ReadonlySet<string>; directorates?: ReadonlySet<string> } = {}): SegmentSuppression {
    this.cache.clear();
    this.responses = responses;
    const decided = suppressSegments(this.grid(responses), this.threshold, hidden);
    this.decided = decided;
    return decided;
  }

  /**
   * The groups the decided pattern withholds, as weighting pools them (analyse.ts): raked as
   * one stratum, their weights say nothing about how their responses split between them.
   */
  withheld(): { roleGroups: Set<string>; directorates: Set<string> } {
    const decided = this.decided;
    if (!decided) throw new Error('withheld() before decide()');
    const hidden = (statuses: ReadonlyMap<string, string>) => new Set([...statuses].filter(([, status]) => status !== 'shown').map(([code]) => code));
    return { roleGroups: hidden(decided.roleGroups), directorates: this.crossed ? hidden(decided.directorates) : new Set() };
  }

  /**
   * Weights the analysis, once the pattern is decided. A group's effective base is Kish's
   * only where every cell's count is published; elsewhere it is the group's base over the
   * published (two-decimal) design effect, which says nothing more (CellWeights.coarse).
   * Intervals and tests are design-based (linearised on the raking margins in `calibration`,
   * one list per weight, as rakeWeights gives it) only where every cell's count is published.
   */
  weightBy(weights: readonly CellWeight[], calibration?: readonly (readonly string[])[]): void {
    const decided = this.decided;
    if (!decided || !this.responses) throw new Error('weightBy() before decide()');
    this.weights = new CellWeights(this.tables.size).fill(0);
    for (const w of weights) {
      const i = this.cellAt.get(cellKey(w.roleGroup, w.directorate));
      if (i !== undefined) this.weights[i] = w.weight;
    }
    this.weighted = true;
    this.cache.clear();
    const responses = this.responses;
    const { designEffect } = kishDesignEffect(this.tables.cells.map((_, i) => ({ n: responses[i] ?? 0, weight: this.weights[i] ?? 0 })));
    const cellShown = (i: number) => {
      const c = this.tables.cells[i]!;
      return (this.crossed ? decided.cells.get(cellKey(c.roleGroup, c.directorate)) : decided.roleGroups.get(c.roleGroup)) === 'shown';
    };
    this.weights.coarse = { designEffect: publishedDesignEffect(designEffect), exact: (cells) => cells.every(cellShown) };
    const everyCell = this.tables.cells.map((_, i) => i);
    if (everyCell.every(cellShown)) this.weights.design = linearisedDesign(this.tables.cells, this.cellAt, weights, calibration, responses, this.weights);
  }

  /**
   * Suppression pattern for a per-cell base (respondents each cell's figures are computed from),
   * of a question asked of the given role groups (everyone when not given).
   */
  suppress(base: ArrayLike<number>, askedOf?: ReadonlySet<string>): SegmentSuppression {
    const audience = this.audienceOf(askedOf);
    const owner = this.decided ? this.owners.get(base) : undefined;
    const key = `${owner ?? ''}#${audience ?? ''}|${Array.prototype.join.call(base, ',')}`;
    let result = this.cache.get(key);
    if (!result) {
      const responses = this.responses;
      const decided = this.decided;
      if (decided && responses) {
        const refine = (from: SegmentSuppression) =>
          refineSegments(
            this.grid(base),
            this.threshold,
            from,
            audience === undefined ? undefined : { askedOf: audience.split(','), responses: (r, d) => responses[this.cellAt.get(cellKey(r, d)) ?? -1] ?? 0 },
          );
        // A question under a showIf starts from its conditions' patterns: the condition publishes its base for every group it shows.
        let from = decided;
        for (const condition of (owner && this.conditionsOf.get(this.variables.get(owner)!.code)) || []) {
          const c = this.conditionPattern(condition);
          if (c) from = unionOf(from, c);
        }
        result = refine(from);
        if (owner) result = this.protectGates(owner, result, from, refine);
        if (owner && this.crossed) result = this.protectCells(owner, base, result, refine);
        // A question its condition's protection chose to withhold whole (protectGates) shows nothing.
        const question = owner && this.variables.get(owner)!.code;
        if (question && this.withheldWhole.has(question)) result = withheldEverywhere(result);
      } else result = suppressSegments(this.grid(base), this.threshold);
      this.cache.set(key, result);
    }
    return result;
  }

  /**
   * A condition question's figures publish, for every group they show, the base of each
   * question asked under it (the respondents its gating answers send on). Where those bases
   * would take apart what a gated question withholds (protectGate finds more to hide), one of
   * two things is done, whichever withholds fewer figures: hide more on the condition question
   * (solved again until nothing more is needed; this also serves chains of conditions), or
   * withhold the gated questions concerned whole, so no figure of theirs is left to take apart.
   */
  private protectGates(owner: string, own: SegmentSuppression, from: SegmentSuppression, refine: (from: SegmentSuppression) => SegmentSuppression): SegmentSuppression {
    const gates = this.gateGrids(owner);
    const exposed = gates.filter((gate) => protectGate(this.grid(gate.grid), this.threshold, own) !== undefined);
    if (exposed.length === 0) return own;
    let result = own;
    for (let guard = 0; guard < 100; guard++) {
      let more: SegmentSuppression | undefined;
      for (const gate of gates) {
        const extra = protectGate(this.grid(gate.grid), this.threshold, more ? unionOf(result, more) : result);
        if (extra) more = more ? unionOf(more, extra) : extra;
      }
      if (!more) break;
      from = unionOf(from, more);
      result = refine(unionOf(from, result));
    }
    const gated = [...new Set(exposed.flatMap((gate) => gate.questions))];
    const hiddenMoreHere = shownCount(own) - shownCount(result);
    const shownThere = gated.reduce((sum, question) => sum + this.shownOnItsOwn(question), 0);
    if (shownThere > hiddenMoreHere) return result;
    for (const question of gated) this.withheldWhole.add(question);
    return own;
  }

  /**
   * A role group × directorate cell is never published, but a role group's and a directorate's
   * answer distributions on one question bound it: everyone in the cell gave some answer (or
   * none), so the cell is at most the sum, over the answers, of the smaller of the two groups'
   * counts (Fréchet's bound; e.g. none of finance "very engaged" and 4 of 12 seniors are, so
   * at most 8 seniors work in finance). Where that bound, for a shown role group (or leaders,
   * frontline) and a shown directorate, falls under the threshold, the directorate is hidden on
   * this question; the directorates hidden together are bounded the same way from the total
   * less the shown ones, and more are hidden with them (the one that lifts their bound most)
   * until every bound reaches the threshold, or the question's directorate figures go whole.
   */
  private protectCells(owner: string, base: ArrayLike<number>, pattern: SegmentSuppression, refine: (from: SegmentSuppression) => SegmentSuppression): SegmentSuppression {
    const partitions = this.answerPartitions(owner, base);
    const rows = [
      ...this.byRole.map((g) => {
        const code = (g.ref as { code: string }).code;
        return {
          cells: g.cells,
          shown: (p: SegmentSuppression) => p.roleGroups.get(code) === 'shown',
          cellShown: (p: SegmentSuppression, d: string) => p.cells.get(cellKey(code, d)) === 'shown',
        };
      }),
      ...[this.leaders, this.frontline].flatMap((g) => (g ? [{ cells: g.cells, shown: (p: SegmentSuppression) => p.aggregates.get(g.ref.kind) === 'shown', cellShown: () => false }] : [])),
    ];
    const sumOver = (cells: readonly number[], counts: ArrayLike<number>) => cells.reduce((s, i) => s + (counts[i] ?? 0), 0);
    /** The largest the overlap of two groups can be, given both groups' answer counts. */
    const overlapBound = (a: readonly number[], b: readonly number[]) =>
      Math.min(...partitions.map((parts) => parts.reduce((s, counts) => s + Math.min(sumOver(a, counts), sumOver(b, counts)), 0)));
    /** Respondents in both groups: a cell that holds no one has nothing to protect. */
    const together = (a: readonly number[], b: readonly number[]) => {
      const inB = new Set(b);
      return sumOver(
        a.filter((i) => inB.has(i)),
        this.responses!,
      );
    };
    const codeOf = (g: Group) => (g.ref as { code: string }).code;
    const directorates = this.byDirectorate.filter((g) => codeOf(g) !== '');
    /** The pattern with the given shown directorates (every one, when not given) hidden. */
    const hiding = (from: SegmentSuppression, codes?: ReadonlySet<string>): SegmentSuppression => ({
      ...from,
      directorates: new Map([...from.directorates].map(([code, status]) => [code, status === 'shown' && (!codes || codes.has(code)) ? 'secondary' : status])),
    });
    let result = pattern;
    for (let guard = 0; guard <= directorates.length; guard++) {
      const shownRows = rows.filter((r) => r.shown(result));
      const shownDirs = directorates.filter((d) => result.directorates.get(codeOf(d)) === 'shown');
      const hiddenDirs = directorates.filter((d) => result.directorates.get(codeOf(d)) !== 'shown');
      // A cell the question shows (a cross-tabulation) is published anyway, and an empty one
      // holds no one: neither has a bound to keep above the threshold.
      let hide = shownDirs.filter((d) => shownRows.some((r) => !r.cellShown(result, codeOf(d)) && together(r.cells, d.cells) > 0 && overlapBound(r.cells, d.cells) < this.threshold));
      if (hide.length === 0 && hiddenDirs.length > 0 && result.total === 'shown') {
        // The hidden directorates together: the total less the shown ones gives their counts
        // (a group with no one in them is left out, as above).
        const blockBound = (extra: readonly Group[]) => {
          const block = [...hiddenDirs, ...extra].flatMap((d) => d.cells);
          return Math.min(...shownRows.map((r) => (together(r.cells, block) > 0 ? overlapBound(r.cells, block) : Infinity)));
        };
        if (shownRows.length > 0 && blockBound([]) < this.threshold) {
          const best = shownDirs.reduce<{ d?: Group; bound: number }>(
            (top, d) => {
              const bound = blockBound([d]);
              return bound > top.bound ? { d, bound } : top;
            },
            { bound: -1 },
          );
          hide = best.d ? [best.d] : [];
        }
      }
      if (hide.length === 0) return result;
      result = refine(hiding(result, new Set(hide.map(codeOf))));
    }
    return hiding(result);
  }

  /**
   * The ways a variable splits each cell's respondents by their answers (each partition's
   * counts add up to the cell's responses): answered or not, and for a closed question every
   * answer (one answer each) or each option chosen or not, beside the exclusive ones (several
   * answers allowed).
   */
  private answerPartitions(owner: string, base: ArrayLike<number>): Float64Array[][] {
    const responses = this.responses!;
    const rest = (...parts: ArrayLike<number>[]) => Float64Array.from({ length: this.tables.size }, (_, i) => Math.max(0, (responses[i] ?? 0) - parts.reduce((s, p) => s + (p[i] ?? 0), 0)));
    const own = Float64Array.from(base);
    const partitions: Float64Array[][] = [[own, rest(own)]];
    const v = this.variables.get(owner);
    if (v?.kind !== 'closed') return partitions;
    const counts = closedCounts(this, v);
    const options = [...counts.options.values()];
    if (v.multiple) {
      // An exclusive option ("none of these") is chosen alone, so it splits off with any other.
      const exclusive = v.options.filter((o) => o.exclusive).map((o) => counts.options.get(o.code)!);
      for (const o of v.options) {
        if (o.exclusive) continue;
        const chosen = counts.options.get(o.code)!;
        partitions.push([chosen, ...exclusive, rest(chosen, ...exclusive)]);
      }
      if (exclusive.length > 0) partitions.push([...exclusive, rest(...exclusive)]);
    } else {
      const answers = counts.dontKnow ? [...options, counts.dontKnow] : options;
      partitions.push([...answers, rest(...answers)]);
    }
    return partitions;
  }

  /** How many figures a question would show with no condition's protection: each of its variables from the publication's pattern. */
  private shownOnItsOwn(question: string): number {
    const decided = this.decided!;
    let shown = 0;
    for (const v of this.variables.values()) {
      if (v.code !== question) continue;
      const base = v.kind === 'number' ? this.tables.numeric(v.code)?.n : this.tables.answered(v.code, v.kind === 'closed' ? v.item : '');
      if (base) shown += shownCount(refineSegments(this.grid(base), this.threshold, decided));
    }
    return shown;
  }

  /** The pattern of a condition's variable, as its own analysis gets it (undefined when it is not a closed variable). */
  private conditionPattern(condition: TCondition): SegmentSuppression | undefined {
    const v = this.variables.get(variableKey(condition.question, condition.item ?? ''));
    if (v?.kind !== 'closed') return undefined;
    return this.suppress(closedCounts(this, v).base, v.roleGroups);
  }

  /**
   * Per question asked under a condition on this variable, the respondents per cell the
   * condition holds for, among those the question is asked of (one grid per distinct one).
   */
  private gateGrids(owner: string): { grid: Float64Array; questions: string[] }[] {
    const v = this.variables.get(owner);
    const gates = this.gatesOf.get(owner);
    if (!gates || v?.kind !== 'closed') return [];
    const t = this.tables;
    const grids = new Map<string, { grid: Float64Array; questions: string[] }>();
    for (const { question, condition } of gates) {
      const askedOf = (this.variables.get(variableKey(question, '')) ?? [...this.variables.values()].find((x) => x.code === question))?.roleGroups;
      const grid = new Float64Array(t.size);
      const count = (codes: readonly string[]) => codes.reduce((sum, code) => sum.map((x, i) => x + (t.option(v.code, v.item, code)[i] ?? 0)), new Float64Array(t.size));
      const chosen = condition.anyOf ? count(condition.anyOf) : count(condition.noneOf ?? []);
      t.cells.forEach((c, i) => {
        if (askedOf && !askedOf.has(c.roleGroup)) return;
        grid[i] = condition.anyOf ? chosen[i]! : Math.max(0, (t.responses[i] ?? 0) - chosen[i]!);
      });
      const key = grid.join(',');
      const same = grids.get(key);
      if (same) same.questions.push(question);
      else grids.set(key, { grid, questions: [question] });
    }
    return [...grids.values()];
  }

  /**
   * The status of a group under a pattern. "Everyone except a role group" is published only
   * when both the total and the group are (it is their difference, so it reveals nothing new),
   * and only when it is itself at least the threshold.
   */
  status(pattern: SegmentSuppression, ref: GroupRef, base?: ArrayLike<number>): CellStatus {
    switch (ref.kind) {
      case 'total':
        return pattern.total;
      case 'roleGroup':
        return pattern.roleGroups.get(ref.code) ?? 'primary';
      case 'directorate':
        return pattern.directorates.get(ref.code) ?? 'primary';
      case 'cell':
        return pattern.cells.get(cellKey(ref.roleGroup, ref.directorate)) ?? 'primary';
      case 'leaders':
      case 'frontline':
        return pattern.aggregates.get(ref.kind) ?? 'primary';
      case 'rest': {
        const group = pattern.roleGroups.get(ref.roleGroup) ?? 'primary';
        if (pattern.total !== 'shown') return pattern.total;
        if (group !== 'shown') return group;
        if (base) {
          let n = 0;
          for (const i of this.rest(ref.roleGroup).cells) n += base[i] ?? 0;
          if (n < this.threshold) return 'primary';
        }
        return 'shown';
      }
    }
  }

  /** Every group reported for a variable: total, role groups, directorates (when asked), leaders/frontline, and cells on request. */
  reportGroups(crossTab: boolean): Group[] {
    const groups: Group[] = [this.total, ...this.byRole];
    if (this.crossed) groups.push(...this.byDirectorate);
    if (this.leaders && this.frontline) groups.push(this.leaders, this.frontline);
    if (crossTab) groups.push(...this.cellGroups);
    return groups;
  }
}

/**
 * The design linearisation needs, in the tables' cell order: the weights, the responses, and
 * each raking margin's group per cell (none for weights supplied from outside: no margins known).
 */
function linearisedDesign(
  cells: readonly { roleGroup: string; directorate: string }[],
  cellAt: ReadonlyMap<string, number>,
  weights: readonly CellWeight[],
  calibration: readonly (readonly string[])[] | undefined,
  responses: ArrayLike<number>,
  cellWeights: ArrayLike<number>,
): LinearisedDesign {
  const margins: Int32Array[] = [];
  if (calibration) {
    const count = Math.max(0, ...calibration.map((c) => c.length));
    for (let m = 0; m < count; m++) {
      const groupOf = new Int32Array(cells.length).fill(-1);
      const ids = new Map<string, number>();
      weights.forEach((w, k) => {
        const i = cellAt.get(cellKey(w.roleGroup, w.directorate));
        const key = calibration[k]?.[m];
        if (i === undefined || key === undefined) return;
        let id = ids.get(key);
        if (id === undefined) ids.set(key, (id = ids.size));
        groupOf[i] = id;
      });
      margins.push(groupOf);
    }
  }
  return new LinearisedDesign(cellWeights, responses, margins);
}
