import type { TDefinition } from '../instrument/definition.js';
import { findQuestion } from '../instrument/definition.js';
import { cellKey, refineSegments, suppressSegments, type CellStatus, type SegmentGrid, type SegmentSuppression, type Suppressible } from './suppression.js';
import type { IndexedTables } from './tables.js';
import type { CellWeight } from './weighting.js';

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
 * The segment structure of one survey's tables: role groups, directorates, their cells, the
 * weights per cell, and the suppression pattern for any per-cell base (cached, since many
 * variables share the same bases).
 */
export class Segments {
  readonly roleGroups: string[];
  readonly directorates: string[];
  readonly crossed: boolean;
  readonly weights: Float64Array;
  readonly weighted: boolean;
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

  constructor(
    definition: TDefinition,
    readonly tables: IndexedTables,
    readonly threshold: number,
    weights?: readonly CellWeight[],
  ) {
    const seenRoles = new Set(tables.cells.map((c) => c.roleGroup));
    const seenDirs = new Set(tables.cells.map((c) => c.directorate));
    const roleQuestion = findQuestion(definition, definition.segments.roleGroup);
    const defined = roleQuestion && roleQuestion.type === 'single' ? roleQuestion.options.map((o) => o.code) : [];
    this.roleGroups = [...defined, ...[...seenRoles].filter((r) => !defined.includes(r)).sort()];
    const dirQuestion = definition.segments.directorate ? findQuestion(definition, definition.segments.directorate) : undefined;
    const definedDirs = dirQuestion && dirQuestion.type === 'single' ? dirQuestion.options.map((o) => o.code) : [];
    const dirs = [...definedDirs, ...[...seenDirs].filter((d) => d !== '' && !definedDirs.includes(d)).sort()];
    if (seenDirs.has('') || dirs.length === 0) dirs.push('');
    this.directorates = dirs;
    this.crossed = dirs.length > 1;
    tables.cells.forEach((c, i) => this.cellAt.set(cellKey(c.roleGroup, c.directorate), i));

    this.weighted = weights !== undefined;
    this.weights = new Float64Array(tables.size).fill(weights ? 0 : 1);
    if (weights) {
      for (const w of weights) {
        const i = this.cellAt.get(cellKey(w.roleGroup, w.directorate));
        if (i !== undefined) this.weights[i] = w.weight;
      }
    }

    const all = tables.cells.map((_, i) => i);
    const cellsWhere = (test: (i: number) => boolean) => all.filter(test);
    this.total = { ref: { kind: 'total' }, cells: all };
    this.byRole = this.roleGroups.map((code) => ({ ref: { kind: 'roleGroup', code }, cells: cellsWhere((i) => tables.cells[i]!.roleGroup === code) }));
    this.byDirectorate = this.directorates.map((code) => ({
      ref: { kind: 'directorate', code },
      cells: cellsWhere((i) => tables.cells[i]!.directorate === code),
    }));
    this.cellGroups = this.crossed
      ? this.roleGroups.flatMap((roleGroup) =>
          this.directorates.map((directorate) => {
            const i = this.cellAt.get(cellKey(roleGroup, directorate));
            return { ref: { kind: 'cell', roleGroup, directorate } as GroupRef, cells: i === undefined ? [] : [i] };
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
    this.decided = suppressSegments(this.grid(responses), this.threshold, hidden);
    return this.decided;
  }

  /**
   * Suppression pattern for a per-cell base (respondents each cell's figures are computed from),
   * of a question asked of the given role groups (everyone when not given).
   */
  suppress(base: ArrayLike<number>, askedOf?: ReadonlySet<string>): SegmentSuppression {
    const audience = this.audienceOf(askedOf);
    const key = `${audience ?? ''}|${Array.prototype.join.call(base, ',')}`;
    let result = this.cache.get(key);
    if (!result) {
      const responses = this.responses;
      result =
        this.decided && responses
          ? refineSegments(
              this.grid(base),
              this.threshold,
              this.decided,
              audience === undefined ? undefined : { askedOf: audience.split(','), responses: (r, d) => (responses[this.cellAt.get(cellKey(r, d)) ?? -1] ?? 0) },
            )
          : suppressSegments(this.grid(base), this.threshold);
      this.cache.set(key, result);
    }
    return result;
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
