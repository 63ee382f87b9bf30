import { describe, expect, it } from 'vitest';
import { LinearisedDesign } from '../../src/analysis/linearisation.js';

/*
 * The cell-level linearisation against a brute-force computation over respondents, written out
 * here independently: influence values z_i, their residuals on the margins by backfitting
 * respondent by respondent (as survey's svyrecvar does for a raking design, iterated to its
 * limit), and V = n/(n − 1) Σ (w_i e_i − mean)².
 */
interface Respondent {
  cell: number;
  y: number;
}

function bruteForce(respondents: Respondent[], weights: number[], margins: number[][], inDomain: (cell: number) => boolean): number {
  const total = respondents.reduce((s, r) => s + (inDomain(r.cell) ? weights[r.cell]! : 0), 0);
  const mean = respondents.reduce((s, r) => s + (inDomain(r.cell) ? weights[r.cell]! * r.y : 0), 0) / total;
  const e = respondents.map((r) => (inDomain(r.cell) ? (r.y - mean) / total : 0));
  for (let sweep = 0; sweep < 5000; sweep++) {
    for (const groupOf of margins) {
      const sums = new Map<number, { s: number; n: number }>();
      respondents.forEach((r, i) => {
        const g = groupOf[r.cell]!;
        const x = sums.get(g) ?? { s: 0, n: 0 };
        x.s += e[i]!;
        x.n += 1;
        sums.set(g, x);
      });
      respondents.forEach((r, i) => {
        const x = sums.get(groupOf[r.cell]!)!;
        e[i]! -= x.s / x.n;
      });
    }
  }
  const x = respondents.map((r, i) => weights[r.cell]! * e[i]!);
  const n = respondents.length;
  const xbar = x.reduce((s, v) => s + v, 0) / n;
  return (n / (n - 1)) * x.reduce((s, v) => s + (v - xbar) ** 2, 0);
}

describe('linearised variance from per-cell moments', () => {
  // Cells: role a/b × directorate x/y/z, each with its own weight and answers.
  const cells = [
    { role: 0, dir: 0, weight: 2.5, ys: [1, 0, 0, 1, 1, 0, 3] },
    { role: 0, dir: 1, weight: 1.2, ys: [0, 0, 1, 2] },
    { role: 0, dir: 2, weight: 3.1, ys: [1, 1, 4, 0, 0] },
    { role: 1, dir: 0, weight: 0.7, ys: [1, 0, 0, 0, 2, 1, 1, 0] },
    { role: 1, dir: 1, weight: 1.9, ys: [5, 1, 0] },
    { role: 1, dir: 2, weight: 0.4, ys: [0, 1, 1, 1, 0, 2] },
  ];
  const respondents = cells.flatMap((c, cell) => c.ys.map((y) => ({ cell, y })));
  const weights = cells.map((c) => c.weight);
  const responses = cells.map((c) => c.ys.length);
  const roles = cells.map((c) => c.role);
  const dirs = cells.map((c) => c.dir);

  /** The ratio mean's influence parts over the domain's cells, from moments only. */
  const parts = (inDomain: (cell: number) => boolean) => {
    const domain = cells.map((_, i) => i).filter(inDomain);
    const total = domain.reduce((s, i) => s + weights[i]! * responses[i]!, 0);
    const mean = domain.reduce((s, i) => s + weights[i]! * cells[i]!.ys.reduce((a, b) => a + b, 0), 0) / total;
    return domain.map((i) => ({
      cell: i,
      u: 1 / total,
      t: -mean / total,
      count: responses[i]!,
      sum: cells[i]!.ys.reduce((a, b) => a + b, 0),
      sumSquares: cells[i]!.ys.reduce((a, b) => a + b * b, 0),
    }));
  };

  for (const [name, inDomain] of [
    ['everyone', () => true],
    ['role a', (c: number) => cells[c]!.role === 0],
    ['directorate z', (c: number) => cells[c]!.dir === 2],
  ] as const) {
    it(`raked on two margins (${name}) equals backfitting over respondents, to 1e-12`, () => {
      const design = new LinearisedDesign(weights, responses, [Int32Array.from(roles), Int32Array.from(dirs)]);
      const expected = bruteForce(respondents, weights, [roles, dirs], inDomain);
      expect(Math.abs(design.variance(parts(inDomain)) / expected - 1)).toBeLessThan(1e-12);
    });
    it(`with weights and no margins (${name}) equals the with-replacement variance`, () => {
      const design = new LinearisedDesign(weights, responses, []);
      const expected = bruteForce(respondents, weights, [], inDomain);
      expect(Math.abs(design.variance(parts(inDomain)) / expected - 1)).toBeLessThan(1e-12);
    });
  }

  it('with margins that split the respondents into unconnected parts still finds the residuals (by backfitting)', () => {
    // Directorates x and y only in role a, z only in role b: the normal equations are singular.
    const split = [0, 0, 1];
    const few = [
      { role: 0, dir: 0, ys: [1, 0, 2] },
      { role: 0, dir: 1, ys: [0, 1] },
      { role: 1, dir: 2, ys: [1, 1, 0, 3] },
    ];
    const w = [1.5, 0.5, 2];
    const design = new LinearisedDesign(w, [3, 2, 4], [Int32Array.from(split), Int32Array.from([0, 1, 2])]);
    const rs = few.flatMap((c, cell) => c.ys.map((y) => ({ cell, y })));
    const total = few.reduce((s, c, i) => s + w[i]! * c.ys.length, 0);
    const mean = few.reduce((s, c, i) => s + w[i]! * c.ys.reduce((a, b) => a + b, 0), 0) / total;
    const p = few.map((c, i) => ({ cell: i, u: 1 / total, t: -mean / total, count: c.ys.length, sum: c.ys.reduce((a, b) => a + b, 0), sumSquares: c.ys.reduce((a, b) => a + b * b, 0) }));
    expect(Math.abs(design.variance(p) / bruteForce(rs, w, [split, [0, 1, 2]], () => true) - 1)).toBeLessThan(1e-9);
  });
});
