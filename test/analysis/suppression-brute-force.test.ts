import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellKey, suppressSegments, type CellStatus } from '../../src/analysis/suppression.js';

/**
 * An independent check of secondary suppression by brute force, sharing nothing with the
 * production solver (no row reduction at all): for a small role × directorate table, search
 * the non-negative integer tables that agree with every published figure, and require that
 * each hidden figure could have been something else, and that no published total less its
 * published parts pins down a small group.
 *
 * Hidden zero cells are treated as known to be zero, as the production code assumes (a
 * stricter adversary than one who must guess them).
 */

/** A published sum over inner cells (positions r * cols + c) and its value. */
interface Constraint {
  cells: number[];
  value: number;
}

/** Bound for a cell no published sum covers: any value up to this is as good as any other. */
const CAP = 40;
/** The search gives up loudly rather than hanging if a table ever needs more than this. */
const NODE_BUDGET = 2_000_000;

/**
 * Whether some table consistent with the published figures satisfies `wanted`. Depth-first over
 * the inner cells in order; each value is bounded by what every published sum containing the
 * cell still has room for, and the last free cell of a published sum is forced.
 */
function exists(size: number, fixed: (number | undefined)[], constraints: Constraint[], wanted: (x: number[]) => boolean): boolean {
  const x = new Array<number>(size).fill(0);
  const containing = Array.from({ length: size }, (_, i) => constraints.filter((c) => c.cells.includes(i)));
  let nodes = 0;
  const room = (c: Constraint, at: number) => {
    // Value left for cell `at` and the free cells after it, once assigned cells and fixed later cells are counted.
    let used = 0;
    let freeAfter = 0;
    for (const k of c.cells) {
      if (k < at) used += x[k]!;
      else if (k > at) {
        if (fixed[k] !== undefined) used += fixed[k];
        else freeAfter++;
      }
    }
    return { left: c.value - used, last: freeAfter === 0 };
  };
  const search = (at: number): boolean => {
    if (++nodes > NODE_BUDGET) throw new Error('enumeration budget exceeded');
    if (at === size) return constraints.every((c) => c.cells.reduce((s, k) => s + x[k]!, 0) === c.value) && wanted(x);
    let lo = 0;
    let hi = CAP;
    if (fixed[at] !== undefined) lo = hi = fixed[at]!;
    for (const c of containing[at]!) {
      const { left, last } = room(c, at);
      if (last) {
        lo = Math.max(lo, left);
        hi = Math.min(hi, left);
      } else hi = Math.min(hi, left);
    }
    for (let v = lo; v <= hi; v++) {
      x[at] = v;
      if (search(at + 1)) return true;
    }
    return false;
  };
  return search(0);
}

/** Every non-empty subset of a short list. */
function subsets<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out;
}

const arb = fc
  .record({ rows: fc.integer({ min: 2, max: 3 }), cols: fc.integer({ min: 2, max: 3 }), threshold: fc.integer({ min: 5, max: 10 }), gap: fc.boolean() })
  .chain(({ rows, cols, threshold, gap }) =>
    fc.record({
      counts: fc.array(fc.array(fc.integer({ min: 0, max: 15 }), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
      threshold: fc.constant(threshold),
      gap: fc.constant(gap),
    }),
  );

describe('suppression, checked by brute force over consistent tables', () => {
  it('property: every hidden figure can take another value, and no published total less its shown parts pins a small group', () => {
    fc.assert(
      fc.property(arb, ({ counts, threshold, gap }) => {
        const rows = counts.length;
        const cols = counts[0]!.length;
        const roles = counts.map((_, i) => `r${i}`);
        const dirs = counts[0]!.map((_, j) => `d${j}`);
        // Leaders = the first two role groups, frontline = the last (with 2 rows the two overlap in r1: both are still published sums).
        const aggregates = gap
          ? [
              { id: 'leaders', roleGroups: ['r0', 'r1'] },
              { id: 'frontline', roleGroups: [roles.at(-1)!] },
            ]
          : [];
        const result = suppressSegments({ roleGroups: roles, directorates: dirs, base: (r, d) => counts[roles.indexOf(r)]![dirs.indexOf(d)]!, aggregates }, threshold);

        // Every published figure as a set of inner cells, with its status.
        const at = (i: number, j: number) => i * cols + j;
        const figures: { name: string; cells: number[]; status: CellStatus }[] = [];
        const rowCells = (i: number) => dirs.map((_, j) => at(i, j));
        figures.push({ name: 'total', cells: roles.flatMap((_, i) => rowCells(i)), status: result.total });
        roles.forEach((r, i) => figures.push({ name: r, cells: rowCells(i), status: result.roleGroups.get(r)! }));
        dirs.forEach((d, j) => figures.push({ name: d, cells: roles.map((_, i) => at(i, j)), status: result.directorates.get(d)! }));
        roles.forEach((r, i) => dirs.forEach((d, j) => figures.push({ name: `${r}.${d}`, cells: [at(i, j)], status: result.cells.get(cellKey(r, d))! })));
        for (const agg of aggregates) {
          figures.push({ name: agg.id, cells: agg.roleGroups.flatMap((r) => rowCells(roles.indexOf(r))), status: result.aggregates.get(agg.id)! });
        }
        const truth = counts.flat();
        const valueOf = (cells: number[], x: number[]) => cells.reduce((s, k) => s + x[k]!, 0);
        const byName = new Map(figures.map((f) => [f.name, f]));

        // Primary suppression, from scratch.
        for (const f of figures) if (valueOf(f.cells, truth) < threshold) expect(f.status, f.name).not.toBe('shown');

        const constraints = figures.filter((f) => f.status === 'shown').map((f) => ({ cells: f.cells, value: valueOf(f.cells, truth) }));
        const fixed = truth.map((v, k) => {
          const shownCell = figures.find((f) => f.cells.length === 1 && f.cells[0] === k)!.status === 'shown';
          return shownCell || v === 0 ? v : undefined;
        });
        const canDiffer = (cells: number[]) => {
          const v = valueOf(cells, truth);
          return exists(rows * cols, fixed, constraints, (x) => valueOf(cells, x) !== v);
        };

        // 1. No hidden figure with respondents behind it is pinned down.
        for (const f of figures) {
          if (f.status !== 'shown' && valueOf(f.cells, truth) > 0) expect(canDiffer(f.cells), `${f.name} is recoverable`).toBe(true);
        }
        // 2. Under every published total, the hidden parts (and any union of them) either can vary
        //    or together cover at least the threshold.
        const relations: { total: string; parts: string[] }[] = [
          { total: 'total', parts: roles },
          { total: 'total', parts: dirs },
          ...roles.map((r) => ({ total: r, parts: dirs.map((d) => `${r}.${d}`) })),
          ...dirs.map((d) => ({ total: d, parts: roles.map((r) => `${r}.${d}`) })),
          ...aggregates.map((a) => ({ total: a.id, parts: a.roleGroups })),
        ];
        for (const rel of relations) {
          if (byName.get(rel.total)!.status !== 'shown') continue;
          const hidden = rel.parts.map((p) => byName.get(p)!).filter((p) => p.status !== 'shown');
          for (const group of subsets(hidden)) {
            const cells = group.flatMap((p) => p.cells);
            const v = valueOf(cells, truth);
            if (v > 0 && v < threshold) expect(canDiffer(cells), `${group.map((p) => p.name).join(' + ')} = ${v} is pinned under ${rel.total}`).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the brute force itself finds a recoverable figure when suppression is left out', () => {
    // Guard against a search that always says "can differ": with only the small cell hidden
    // (no secondary suppression), row 0's published total pins it down.
    const x = exists(4, [undefined, 40, 40, 40], [{ cells: [0, 1], value: 43 }], (t) => t[0] !== 3);
    expect(x).toBe(false);
    // And with its row total hidden too, it could be anything.
    expect(exists(4, [undefined, 40, 40, 40], [], (t) => t[0] !== 3)).toBe(true);
  });
});
