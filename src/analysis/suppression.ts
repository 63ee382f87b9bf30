/**
 * Anonymity protection. Every figure analysis publishes passes through here:
 *
 * - primary suppression: any figure computed from fewer respondents than the threshold
 *   (default 10, never below 5) is hidden;
 * - secondary suppression: more figures are hidden until no hidden figure can be worked out
 *   from the published ones, by subtraction or by any other linear combination of published
 *   totals, groups and cells (row, column, "group vs rest" and leaders/frontline views), and
 *   until every published total less its published parts covers at least the threshold.
 *
 * A hidden figure is represented by `{ shown: false, reason }` with no numbers at all, so a
 * page, chart, export or API answer built from the result cannot leak it.
 */

export const DEFAULT_THRESHOLD = 10;
export const MIN_THRESHOLD = 5;

/**
 * withheld: disclosure control hides it. Whether a figure rests on fewer respondents than the
 * threshold (primary) or is hidden so that another cannot be worked out (secondary) is not
 * said: "fewer than 10" would itself bound the hidden count, and "to protect another" would say
 * it is at least 10. too_few_organisations: a benchmark with fewer participants than its minimum.
 */
export type SuppressionReason = 'withheld' | 'too_few_organisations';

export type Suppressed = { shown: false; reason: SuppressionReason };
export type Suppressible<T> = { shown: true; value: T } | Suppressed;

export type CellStatus = 'shown' | 'primary' | 'secondary';

/** Checks a configured threshold: a whole number, never below 5. */
export function checkThreshold(threshold: number = DEFAULT_THRESHOLD): number {
  if (!Number.isInteger(threshold) || threshold < MIN_THRESHOLD) {
    throw new RangeError(`the suppression threshold must be a whole number of at least ${MIN_THRESHOLD} (got ${threshold})`);
  }
  return threshold;
}

/** Publishes a value only when its status allows; the value is not even computed otherwise. */
export function reveal<T>(status: CellStatus, value: () => T): Suppressible<T> {
  if (status === 'shown') return { shown: true, value: value() };
  return { shown: false, reason: 'withheld' };
}

export function suppressedAs(reason: SuppressionReason): Suppressed {
  return { shown: false, reason };
}

// ---------------------------------------------------------------------------------------------
// The general problem: figures, each computed from `base` respondents, linked by sums.

export interface SuppressionProblem {
  /** Every figure that may be published: its base (respondents) and the cost of hiding it. */
  cells: readonly { base: number; cost: number }[];
  /** The counts behind `total` are the sums of the counts behind `parts`. */
  relations: readonly { total: number; parts: readonly number[] }[];
  threshold: number;
}

const EPS = 1e-9;

/**
 * Decides which figures to hide. Cells with base 0 are hidden (primary) but treated as known
 * to everyone (a structural zero protects nothing), so they never count as cover for others.
 * Secondary suppression is greedy: it adds the hidden figure with the lowest cost (preferring
 * figures that do not themselves become derivable) until (a) no hidden figure is uniquely
 * determined by the linear system of published figures, checked exactly by row reduction, and
 * (b) in every relation whose total is published, the hidden parts together cover at least
 * `threshold` respondents (so "total minus shown groups" never reveals a small group).
 */
export function suppressCells(problem: SuppressionProblem, options: SuppressionOptions = {}): CellStatus[] {
  return solveSuppression(problem, options).status;
}

export interface SuppressionOptions {
  /** Figures hidden from the start (decided elsewhere, e.g. for the whole publication); never given back. */
  hidden?: readonly boolean[];
  /** Which further figures may be hidden (default: any). */
  mayHide?: (i: number) => boolean;
  /**
   * Figures never published, whose value may come out by subtraction as long as it is at least
   * the threshold (what is left of a directorate outside a question's audience, say).
   */
  unpublished?: (i: number) => boolean;
  /**
   * Whether a figure under the threshold is hidden for that alone (default true). False for a
   * grid of answer counts whose pattern is decided elsewhere (those its condition question
   * sends on to a question asked under a showIf): every figure starts as `hidden` says, a
   * published total may then be small, and a sum none of whose parts is published only
   * repeats its total, so it needs no cover.
   */
  primary?: boolean;
}

/**
 * `suppressCells`, also saying whether every rule could be met by hiding only the figures
 * `mayHide` allows (when not, the caller must hide more).
 */
export function solveSuppression(problem: SuppressionProblem, options: SuppressionOptions = {}): { status: CellStatus[]; resolved: boolean } {
  const threshold = checkThreshold(problem.threshold);
  const { cells, relations } = problem;
  const unpublished = options.unpublished ?? (() => false);
  const mayHide = (i: number) => !unpublished(i) && (options.mayHide ?? (() => true))(i);
  const fixed = cells.map((_, i) => (options.hidden?.[i] ?? false) || unpublished(i));
  // A determined figure matters unless it is an unpublished one of at least the threshold.
  const exposed = (i: number) => !(unpublished(i) && (cells[i]?.base ?? 0) >= threshold);
  const determined = () => determinedUnknowns(cells.length, relations, unknown).filter(exposed);
  const primary = options.primary ?? true;
  const status: CellStatus[] = cells.map((c, i) => (primary && c.base < threshold ? 'primary' : fixed[i] ? 'secondary' : 'shown'));
  const unknown = (i: number) => status[i] !== 'shown' && (cells[i]?.base ?? 0) > 0;
  const membersOf: number[][] = cells.map(() => []);
  relations.forEach((rel, r) => {
    membersOf[rel.total]?.push(r);
    for (const p of rel.parts) membersOf[p]?.push(r);
  });
  const members = (rel: SuppressionProblem['relations'][number]) => [rel.total, ...rel.parts];
  const unknownCount = (r: number) => members(relations[r]!).filter(unknown).length;
  // Hiding a figure in a sum where nothing else is hidden makes it derivable at once, so
  // count the cheapest further figure that sum will need (infinite if there is none: a
  // figure equal to shown figures cannot be protected by hiding it alone).
  const score = (i: number) => {
    let total = cells[i]?.cost ?? 0;
    for (const r of membersOf[i] ?? []) {
      if (unknownCount(r) !== 0) continue;
      let cheapestOther = Number.POSITIVE_INFINITY;
      for (const m of members(relations[r]!)) {
        if (m !== i && status[m] === 'shown' && (cells[m]?.base ?? 0) > 0) cheapestOther = Math.min(cheapestOther, cells[m]?.cost ?? 0);
      }
      total += cheapestOther;
    }
    return total;
  };
  const cheapest = (candidates: Iterable<number>): number | undefined => {
    let best: number | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const i of candidates) {
      if (status[i] !== 'shown' || !((cells[i]?.base ?? 0) > 0) || !mayHide(i)) continue;
      const s = score(i);
      if (best === undefined || s < bestScore || (s === bestScore && i < best)) {
        best = i;
        bestScore = s;
      }
    }
    return best;
  };

  // (a) hidden parts of a published total must together cover the threshold.
  const thinRelation = () =>
    relations.find((rel) => {
      if (status[rel.total] !== 'shown') return false;
      const hidden = rel.parts.filter(unknown);
      if (hidden.length === 0) return false;
      if (!primary && !rel.parts.some((p) => status[p] === 'shown' && (cells[p]?.base ?? 0) > 0)) return false;
      return hidden.reduce((s, p) => s + (cells[p]?.base ?? 0), 0) < threshold;
    });

  let resolved = true;
  for (let guard = 0; guard <= cells.length + 1; guard++) {
    const thin = thinRelation();
    if (thin) {
      // Either another part or the total itself can be hidden; whichever costs less.
      const pick = cheapest([...thin.parts, thin.total]);
      if (pick === undefined) {
        resolved = false;
        break;
      }
      status[pick] = 'secondary';
      continue;
    }
    // (b) no hidden figure may be uniquely determined.
    const pinned = determined();
    if (pinned.length === 0) break;
    // Look for cover next to the determined figures first, then widen step by step (a hidden
    // total whose parts are all hidden can still be pinned down through other sums).
    let frontier = new Set<number>(pinned);
    const seen = new Set<number>(pinned);
    let pick: number | undefined;
    while (pick === undefined && frontier.size > 0) {
      const next = new Set<number>();
      for (const d of frontier) {
        for (const r of membersOf[d] ?? []) {
          for (const m of members(relations[r]!)) {
            if (!seen.has(m)) {
              seen.add(m);
              next.add(m);
            }
          }
        }
      }
      pick = cheapest(next);
      frontier = next;
    }
    if (pick === undefined) {
      // Only when `mayHide` rules out every figure that could cover it.
      resolved = false;
      break;
    }
    status[pick] = 'secondary';
  }
  // Greedy choices made early can be made redundant by later ones, so give back every
  // secondary figure, dearest first, whose hiding turns out not to be needed.
  const secondary = status.flatMap((s, i) => (s === 'secondary' && !fixed[i] ? [i] : []));
  secondary.sort((a, b) => (cells[b]?.cost ?? 0) - (cells[a]?.cost ?? 0) || a - b);
  if (resolved) {
    for (const i of secondary) {
      status[i] = 'shown';
      if (thinRelation() || determined().length > 0) {
        status[i] = 'secondary';
      }
    }
  }
  return { status, resolved };
}

/**
 * The hidden figures that the published ones determine: unknowns x, relations
 * total − Σ parts = 0 with published values moved to the right-hand side; an unknown is
 * determined exactly when its unit vector lies in the row space, i.e. when its row of the
 * reduced row echelon form has no entry in any free column.
 */
export function determinedUnknowns(size: number, relations: SuppressionProblem['relations'], unknown: (i: number) => boolean): number[] {
  const columns: number[] = [];
  const columnOf = new Map<number, number>();
  for (let i = 0; i < size; i++) {
    if (unknown(i)) {
      columnOf.set(i, columns.length);
      columns.push(i);
    }
  }
  const k = columns.length;
  if (k === 0) return [];
  const rows: Float64Array[] = [];
  for (const rel of relations) {
    const row = new Float64Array(k);
    let any = false;
    const add = (cell: number, coefficient: number) => {
      const c = columnOf.get(cell);
      if (c === undefined) return;
      row[c] = (row[c] ?? 0) + coefficient;
      any = true;
    };
    add(rel.total, 1);
    for (const p of rel.parts) add(p, -1);
    if (any) rows.push(row);
  }
  const pivots: { row: number; col: number }[] = [];
  let r = 0;
  for (let col = 0; col < k && r < rows.length; col++) {
    let best = r;
    for (let i = r + 1; i < rows.length; i++) if (Math.abs(rows[i]![col]!) > Math.abs(rows[best]![col]!)) best = i;
    if (Math.abs(rows[best]![col]!) < EPS) continue;
    [rows[r], rows[best]] = [rows[best]!, rows[r]!];
    const pivotRow = rows[r]!;
    const pv = pivotRow[col]!;
    for (let j = col; j < k; j++) pivotRow[j]! /= pv;
    for (let i = 0; i < rows.length; i++) {
      if (i === r) continue;
      const row = rows[i]!;
      const f = row[col]!;
      if (Math.abs(f) < EPS) continue;
      for (let j = col; j < k; j++) row[j]! -= f * pivotRow[j]!;
    }
    pivots.push({ row: r, col });
    r++;
  }
  const isPivot = new Uint8Array(k);
  for (const p of pivots) isPivot[p.col] = 1;
  const determined: number[] = [];
  for (const p of pivots) {
    const row = rows[p.row]!;
    let free = false;
    for (let j = 0; j < k; j++) {
      if (!isPivot[j] && Math.abs(row[j]!) > EPS) {
        free = true;
        break;
      }
    }
    if (!free) determined.push(columns[p.col]!);
  }
  return determined;
}

// ---------------------------------------------------------------------------------------------
// The segment grid: role group × directorate cells, their margins, the total, and the
// leaders/frontline aggregates of the perception gap.

export interface SegmentGrid {
  roleGroups: readonly string[];
  /** Directorate codes, '' for "not stated"; a single entry means there is no directorate dimension. */
  directorates: readonly string[];
  /** Base of a cell (respondents a figure for that cell is computed from). */
  base: (roleGroup: string, directorate: string) => number;
  /** Extra published groups made of whole role groups (leaders and frontline). */
  aggregates?: readonly { id: string; roleGroups: readonly string[] }[];
}

export interface SegmentSuppression {
  total: CellStatus;
  roleGroups: ReadonlyMap<string, CellStatus>;
  directorates: ReadonlyMap<string, CellStatus>;
  /** Role group × directorate cells, keyed by `cellKey`; empty when there is no directorate dimension. */
  cells: ReadonlyMap<string, CellStatus>;
  aggregates: ReadonlyMap<string, CellStatus>;
}

export function cellKey(roleGroup: string, directorate: string): string {
  return `${roleGroup}\u0000${directorate}`;
}

/**
 * Priorities when a figure must be hidden to protect another: inner cells go first, then
 * directorates, then role groups, then the leaders/frontline aggregates (the perception gap is a
 * headline), and the total last. The cost grows with the base, so smaller groups go first.
 * The pattern depends only on the data, never on which views are asked for, so two outputs
 * of the same survey can never be combined to undo it.
 */
const COST = { cell: 1, directorate: 100, roleGroup: 1_000, aggregate: 10_000, audience: 100_000, total: 1_000_000 } as const;

interface SegmentProblem {
  problem: { cells: { base: number; cost: number }[]; relations: { total: number; parts: readonly number[] }[]; threshold: number };
  total: number;
  roleIds: number[];
  dirIds: number[];
  cellIds: number[][];
  aggregateIds: number[];
  crossed: boolean;
}

/** The figures of the segment grid and the sums that tie them together. */
function segmentProblem(grid: SegmentGrid, threshold: number): SegmentProblem {
  const { roleGroups, directorates } = grid;
  const crossed = directorates.length > 1;
  const cells: { base: number; cost: number }[] = [];
  const relations: { total: number; parts: number[] }[] = [];
  const add = (base: number, weight: number) => cells.push({ base, cost: weight * (base + 1) }) - 1;
  const inner = roleGroups.map((r) => directorates.map((d) => grid.base(r, d)));
  const roleBase = inner.map((row) => row.reduce((s, v) => s + v, 0));
  const dirBase = directorates.map((_, j) => inner.reduce((s, row) => s + (row[j] ?? 0), 0));
  const totalBase = roleBase.reduce((s, v) => s + v, 0);

  const total = add(totalBase, COST.total);
  const roleIds = roleBase.map((b) => add(b, COST.roleGroup));
  relations.push({ total, parts: roleIds });
  let dirIds: number[] = [];
  const cellIds: number[][] = [];
  if (crossed) {
    dirIds = dirBase.map((b) => add(b, COST.directorate));
    relations.push({ total, parts: dirIds });
    inner.forEach((row) => cellIds.push(row.map((b) => add(b, COST.cell))));
    roleIds.forEach((id, i) => relations.push({ total: id, parts: cellIds[i]! }));
    dirIds.forEach((id, j) => relations.push({ total: id, parts: cellIds.map((row) => row[j]!) }));
  }
  const aggregateIds = (grid.aggregates ?? []).map((agg) => {
    const parts = agg.roleGroups.map((code) => roleGroups.indexOf(code)).filter((i) => i >= 0);
    const id = add(
      parts.reduce((s, i) => s + (roleBase[i] ?? 0), 0),
      COST.aggregate,
    );
    relations.push({ total: id, parts: parts.map((i) => roleIds[i]!) });
    return id;
  });
  return { problem: { cells, relations, threshold }, total, roleIds, dirIds, cellIds, aggregateIds, crossed };
}

function segmentStatuses(grid: SegmentGrid, p: SegmentProblem, status: readonly CellStatus[]): SegmentSuppression {
  const { roleGroups, directorates } = grid;
  return {
    total: status[p.total]!,
    roleGroups: new Map(roleGroups.map((r, i) => [r, status[p.roleIds[i]!]!])),
    directorates: p.crossed ? new Map(directorates.map((d, j) => [d, status[p.dirIds[j]!]!])) : new Map(directorates.map((d) => [d, status[p.total]!])),
    cells: p.crossed ? new Map(roleGroups.flatMap((r, i) => directorates.map((d, j) => [cellKey(r, d), status[p.cellIds[i]![j]!]!] as const))) : new Map(),
    aggregates: new Map((grid.aggregates ?? []).map((agg, k) => [agg.id, status[p.aggregateIds[k]!]!])),
  };
}

/**
 * Which figures of a variable's problem the publication's pattern hides. A figure of a
 * variable is part of the publication's figure for the same group (all of it, or the part
 * who were asked or answered), so it is hidden wherever that is: a part shown would bound
 * the hidden whole from below, and so bound the rest of what is hidden with it from above.
 */
function hiddenFrom(grid: SegmentGrid, p: SegmentProblem, decided: SegmentSuppression): boolean[] {
  const hidden: boolean[] = p.problem.cells.map(() => false);
  const mark = (id: number | undefined, status: CellStatus | undefined) => {
    if (id !== undefined && status !== undefined && status !== 'shown') hidden[id] = true;
  };
  mark(p.total, decided.total);
  grid.roleGroups.forEach((r, i) => mark(p.roleIds[i], decided.roleGroups.get(r)));
  if (p.crossed) {
    grid.directorates.forEach((d, j) => mark(p.dirIds[j], decided.directorates.get(d)));
    grid.roleGroups.forEach((r, i) => grid.directorates.forEach((d, j) => mark(p.cellIds[i]![j], decided.cells.get(cellKey(r, d)))));
  }
  (grid.aggregates ?? []).forEach((agg, k) => mark(p.aggregateIds[k], decided.aggregates.get(agg.id)));
  return hidden;
}

/**
 * Suppression for one base over the whole segment grid (every view at once). `hidden` lists
 * role groups and directorates hidden from the start, whatever their base (a group whose
 * headcount in the workforce profile is under the threshold, say).
 */
export function suppressSegments(grid: SegmentGrid, threshold: number, hidden: { roleGroups?: ReadonlySet<string>; directorates?: ReadonlySet<string> } = {}): SegmentSuppression {
  const p = segmentProblem(grid, threshold);
  const fixed = p.problem.cells.map(() => false);
  grid.roleGroups.forEach((r, i) => {
    if (hidden.roleGroups?.has(r)) fixed[p.roleIds[i]!] = true;
  });
  if (p.crossed) {
    grid.directorates.forEach((d, j) => {
      if (hidden.directorates?.has(d)) fixed[p.dirIds[j]!] = true;
    });
  }
  return segmentStatuses(grid, p, solveSuppression(p.problem, { hidden: fixed }).status);
}

/**
 * One variable's suppression when the publication's pattern is already decided: everything
 * the publication hides stays hidden, and the variable's own base may need more hidden
 * (groups under the threshold on this question, and cover for them: its cells, directorates,
 * leaders/frontline or total, never another role group, which the publication decides);
 * when nothing else will do, the whole variable is hidden.
 *
 * A question asked of some role groups only (`askedOf`, with `responses` the published
 * responses per cell) publishes, as its total and per directorate, their part of the
 * responses: what is left there (leaders and members in one directorate, say) must not come
 * out small by subtracting it from the responses table.
 */
export function refineSegments(
  grid: SegmentGrid,
  threshold: number,
  decided: SegmentSuppression,
  audience?: { askedOf: readonly string[]; responses: (roleGroup: string, directorate: string) => number },
): SegmentSuppression {
  const p = segmentProblem(grid, threshold);
  const { cells, relations } = p.problem;
  const hidden = hiddenFrom(grid, p, decided);
  const published = new Set<number>();
  const remainders = new Set<number>();
  if (audience) {
    const outside = grid.roleGroups.filter((r) => !audience.askedOf.includes(r));
    const figure = (base: number, hide: boolean) => {
      hidden.push(hide);
      return cells.push({ base, cost: 0 }) - 1;
    };
    const sum = (roles: readonly string[], dirs: readonly string[]) => roles.reduce((s, r) => s + dirs.reduce((t, d) => t + audience.responses(r, d), 0), 0);
    const link = (own: number, whole: number, wholeHidden: boolean, dirs: readonly string[]) => {
      const total = figure(whole, wholeHidden);
      published.add(total);
      const rest = figure(sum(outside, dirs), true);
      remainders.add(rest);
      relations.push({ total, parts: [own, rest] });
    };
    link(p.total, sum(grid.roleGroups, grid.directorates), decided.total !== 'shown', grid.directorates);
    if (p.crossed) grid.directorates.forEach((d, j) => link(p.dirIds[j]!, sum(grid.roleGroups, [d]), decided.directorates.get(d) !== 'shown', [d]));
  }
  // A role group hidden here only because its own base is small stays comparable elsewhere; hiding one to cover another would not.
  const roleIds = new Set(p.roleIds);
  const solved = solveSuppression(p.problem, {
    hidden,
    mayHide: (i) => !roleIds.has(i) && !published.has(i),
    unpublished: (i) => remainders.has(i),
  });
  const status = solved.resolved ? solved.status : solved.status.map((s): CellStatus => (s === 'primary' ? 'primary' : 'secondary'));
  return segmentStatuses(grid, p, status);
}

/**
 * A condition question's pattern, made to protect the grid of those its gating answers send on
 * to a question asked under a showIf (`gate`: per cell, the respondents for whom the condition
 * holds, among those the gated question is asked of). The condition's shown figures publish
 * that grid for every group they show, and the gated question's base is at most it (equal
 * when the gated question is required), whatever the gated question itself hides. So the
 * groups the condition hides must, on this grid too, cover at least the threshold under every
 * published total they are subtracted from, and none may be pinned; what this takes beyond
 * `pattern` is returned (the caller either hides it on the condition question, solves that
 * again and repeats until nothing more is needed, or withholds the gated question whole:
 * Segments.protectGates). A figure the grid finds small is no reason to hide it: the condition
 * publishes it as an answer count.
 */
export function protectGate(grid: SegmentGrid, threshold: number, pattern: SegmentSuppression): SegmentSuppression | undefined {
  const p = segmentProblem(grid, threshold);
  const hidden = hiddenFrom(grid, p, pattern);
  const { status } = solveSuppression(p.problem, { hidden, primary: false });
  if (status.every((s, i) => (s !== 'shown') === hidden[i])) return undefined;
  return segmentStatuses(grid, p, status);
}

/** How many figures a pattern shows. */
export function shownCount(pattern: SegmentSuppression): number {
  const shown = (m: ReadonlyMap<string, CellStatus>) => [...m.values()].filter((s) => s === 'shown').length;
  return (pattern.total === 'shown' ? 1 : 0) + shown(pattern.roleGroups) + shown(pattern.directorates) + shown(pattern.cells) + shown(pattern.aggregates);
}

/** The pattern with every figure hidden (a variable withheld whole). */
export function withheldEverywhere(pattern: SegmentSuppression): SegmentSuppression {
  const hide = (s: CellStatus): CellStatus => (s === 'primary' ? 'primary' : 'secondary');
  const all = (m: ReadonlyMap<string, CellStatus>) => new Map([...m].map(([k, v]) => [k, hide(v)]));
  return { total: hide(pattern.total), roleGroups: all(pattern.roleGroups), directorates: all(pattern.directorates), cells: all(pattern.cells), aggregates: all(pattern.aggregates) };
}

/** Hidden wherever either pattern hides. */
export function unionOf(a: SegmentSuppression, b: SegmentSuppression): SegmentSuppression {
  const hide = (x: CellStatus | undefined, y: CellStatus | undefined): CellStatus =>
    x === 'primary' || y === 'primary' ? 'primary' : x !== 'shown' || (y !== undefined && y !== 'shown') ? 'secondary' : 'shown';
  const merge = (x: ReadonlyMap<string, CellStatus>, y: ReadonlyMap<string, CellStatus>) => new Map([...x].map(([k, v]) => [k, hide(v, y.get(k))]));
  return {
    total: hide(a.total, b.total),
    roleGroups: merge(a.roleGroups, b.roleGroups),
    directorates: merge(a.directorates, b.directorates),
    cells: merge(a.cells, b.cells),
    aggregates: merge(a.aggregates, b.aggregates),
  };
}

/**
 * Whether respondents' free text may be shown for a group: only when the group's count of
 * responses is itself published (at least the threshold, and not hidden to protect another).
 */
export function freeTextAllowed(status: CellStatus): boolean {
  return status === 'shown';
}
