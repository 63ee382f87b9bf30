import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellKey, checkThreshold, reveal, suppressCells, suppressSegments, type CellStatus, type SegmentSuppression } from '../../src/analysis/suppression.js';
import { recoverable, type Figure } from './fixtures/linear.js';

/** Builds the figures and sums of a role × directorate table (with leaders/frontline groups) from scratch. */
function describeTable(counts: number[][], result: SegmentSuppression, roles: string[], dirs: string[], aggregates: { id: string; roleGroups: string[] }[]) {
  const figures: Figure[] = [];
  const sums: { total: string; parts: string[] }[] = [];
  const shown = (s: CellStatus | undefined) => s === 'shown';
  const rowTotals = counts.map((row) => row.reduce((a, b) => a + b, 0));
  const colTotals = dirs.map((_, j) => counts.reduce((a, row) => a + row[j]!, 0));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  figures.push({ name: 'T', value: total, shown: shown(result.total) });
  roles.forEach((r, i) => figures.push({ name: `R${r}`, value: rowTotals[i]!, shown: shown(result.roleGroups.get(r)) }));
  sums.push({ total: 'T', parts: roles.map((r) => `R${r}`) });
  if (dirs.length > 1) {
    dirs.forEach((d, j) => figures.push({ name: `D${d}`, value: colTotals[j]!, shown: shown(result.directorates.get(d)) }));
    sums.push({ total: 'T', parts: dirs.map((d) => `D${d}`) });
    roles.forEach((r, i) => dirs.forEach((d, j) => figures.push({ name: `C${r}.${d}`, value: counts[i]![j]!, shown: shown(result.cells.get(cellKey(r, d))) })));
    roles.forEach((r) => sums.push({ total: `R${r}`, parts: dirs.map((d) => `C${r}.${d}`) }));
    dirs.forEach((d) => sums.push({ total: `D${d}`, parts: roles.map((r) => `C${r}.${d}`) }));
  }
  for (const agg of aggregates) {
    const value = agg.roleGroups.reduce((s, r) => s + rowTotals[roles.indexOf(r)]!, 0);
    figures.push({ name: `A${agg.id}`, value, shown: shown(result.aggregates.get(agg.id)) });
    sums.push({ total: `A${agg.id}`, parts: agg.roleGroups.map((r) => `R${r}`) });
  }
  // "Group vs rest": the rest is total minus the group, so it adds no new sum; it is checked
  // through the covering rule below (what is hidden under a shown total covers the threshold).
  return { figures, sums };
}

const tableArb = fc
  .record({
    rows: fc.integer({ min: 1, max: 5 }),
    cols: fc.integer({ min: 1, max: 4 }),
    threshold: fc.integer({ min: 5, max: 12 }),
    gap: fc.boolean(),
  })
  .chain(({ rows, cols, threshold, gap }) =>
    fc.record({
      counts: fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 60 })), { minLength: cols, maxLength: cols }), {
        minLength: rows,
        maxLength: rows,
      }),
      threshold: fc.constant(threshold),
      gap: fc.constant(gap && rows >= 3),
    }),
  );

describe('suppression', () => {
  it('refuses thresholds below 5', () => {
    expect(() => checkThreshold(4)).toThrow(/at least 5/);
    expect(() => checkThreshold(7.5)).toThrow();
    expect(checkThreshold(5)).toBe(5);
    expect(checkThreshold()).toBe(10);
  });

  it('a hidden figure carries no numbers', () => {
    // One reason for both, so a hidden figure's reason bounds it neither below nor above the threshold.
    expect(reveal('primary', () => 42)).toEqual({ shown: false, reason: 'withheld' });
    expect(reveal('secondary', () => 42)).toEqual({ shown: false, reason: 'withheld' });
    expect(reveal('shown', () => 42)).toEqual({ shown: true, value: 42 });
  });

  it('hides a second group so that total minus the others does not reveal the first', () => {
    const roles = ['a', 'b', 'c', 'd'];
    const counts: Record<string, number> = { a: 4, b: 30, c: 25, d: 50 };
    const result = suppressSegments({ roleGroups: roles, directorates: [''], base: (r) => counts[r]! }, 10);
    expect(result.roleGroups.get('a')).toBe('primary');
    // c is the cheapest cover: 4 + 25 ≥ 10, so total − shown groups reveals only a group of 29.
    expect([...result.roleGroups.entries()].filter(([, s]) => s === 'secondary').map(([r]) => r)).toEqual(['c']);
    expect(result.total).toBe('shown');
  });

  it('keeps hiding until the hidden groups together reach the threshold', () => {
    const counts: Record<string, number> = { a: 3, b: 4, c: 20, d: 50 };
    const result = suppressSegments({ roleGroups: Object.keys(counts), directorates: [''], base: (r) => counts[r]! }, 10);
    // a + b = 7 would be revealed by subtraction, so c must go too.
    expect(result.roleGroups.get('c')).toBe('secondary');
    expect(result.roleGroups.get('d')).toBe('shown');
  });

  it('protects a small role group inside the leaders aggregate', () => {
    const counts: Record<string, number> = { exec: 5, head: 30, manager: 80, frontline: 200 };
    const result = suppressSegments({ roleGroups: Object.keys(counts), directorates: [''], base: (r) => counts[r]!, aggregates: [{ id: 'leaders', roleGroups: ['exec', 'head'] }] }, 10);
    // leaders − head = exec, so either head or leaders must be hidden; the aggregate is kept.
    expect(result.roleGroups.get('exec')).toBe('primary');
    expect(result.aggregates.get('leaders')).toBe('shown');
    expect(result.roleGroups.get('head')).toBe('secondary');
  });

  it('closes a rectangle in a two-way table', () => {
    const counts = [
      [3, 40, 40],
      [40, 40, 40],
      [40, 40, 40],
    ];
    const roles = ['r0', 'r1', 'r2'];
    const dirs = ['d0', 'd1', 'd2'];
    const result = suppressSegments({ roleGroups: roles, directorates: dirs, base: (r, d) => counts[roles.indexOf(r)]![dirs.indexOf(d)]! }, 10);
    const hidden = [...result.cells.entries()].filter(([, s]) => s !== 'shown');
    expect(hidden).toHaveLength(4);
    expect([...result.roleGroups.values(), ...result.directorates.values(), result.total].every((s) => s === 'shown')).toBe(true);
  });

  it('property: no hidden figure is determined by the shown figures and the sums linking them', () => {
    fc.assert(
      fc.property(tableArb, ({ counts, threshold, gap }) => {
        const roles = counts.map((_, i) => `r${i}`);
        const dirs = counts[0]!.length > 1 ? counts[0]!.map((_, j) => `d${j}`) : [''];
        const aggregates = gap
          ? [
              { id: 'leaders', roleGroups: ['r0', 'r1'] },
              { id: 'frontline', roleGroups: [roles.at(-1)!] },
            ]
          : [];
        const result = suppressSegments({ roleGroups: roles, directorates: dirs, base: (r, d) => counts[roles.indexOf(r)]![dirs.indexOf(d)]!, aggregates }, threshold);
        const { figures, sums } = describeTable(counts, result, roles, dirs, aggregates);
        // 1. Primary: everything under the threshold is hidden.
        for (const f of figures) if (f.value < threshold) expect(f.shown, f.name).toBe(false);
        // 2. No hidden non-zero figure is uniquely determined.
        expect(recoverable(figures, sums)).toEqual([]);
        // 3. Whatever a shown total less its shown parts reveals covers at least the threshold.
        const byName = new Map(figures.map((f) => [f.name, f]));
        for (const s of sums) {
          if (!byName.get(s.total)!.shown) continue;
          const rest = s.parts.map((p) => byName.get(p)!).filter((p) => !p.shown);
          const covered = rest.reduce((a, p) => a + p.value, 0);
          if (covered > 0) expect(covered).toBeGreaterThanOrEqual(threshold);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('property: the general solver never leaves a determined figure on random sum structures', () => {
    // Random figures linked by random sums (not only tables): parts chosen at random, totals derived.
    const arb = fc.record({
      leaves: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 2, maxLength: 8 }),
      groups: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(arb, ({ leaves, groups }) => {
        const cells = leaves.map((base) => ({ base, cost: base + 1 }));
        const relations: { total: number; parts: number[] }[] = [];
        const all = leaves.map((_, i) => i);
        cells.push({ base: leaves.reduce((a, b) => a + b, 0), cost: 1e6 });
        relations.push({ total: cells.length - 1, parts: all });
        for (const g of groups) {
          const parts = g.filter((i) => i < leaves.length);
          if (parts.length < 2) continue;
          cells.push({ base: parts.reduce((a, i) => a + leaves[i]!, 0), cost: 100 });
          relations.push({ total: cells.length - 1, parts });
        }
        const status = suppressCells({ cells, relations, threshold: 10 });
        const figures = cells.map((c, i) => ({ name: String(i), value: c.base, shown: status[i] === 'shown' }));
        const sums = relations.map((r) => ({ total: String(r.total), parts: r.parts.map(String) }));
        expect(recoverable(figures, sums)).toEqual([]);
        figures.forEach((f) => f.value < 10 && expect(f.shown).toBe(false));
      }),
      { numRuns: 400 },
    );
  });
});
