import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chiSquareUpperP, fUpperP, normalTwoSidedP, normalUpperP, tTwoSidedP } from '../../src/analysis/distributions.js';

/*
 * Upper-tail probabilities against R's (pnorm, pchisq, pt, pf with lower.tail = FALSE, printed
 * to 17 significant digits by fixtures/design-variance/design-variance.R): relative error under
 * 1e-6 all the way down to about 1e-300, where 1 − cdf would long have been 0.
 */
const tails = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'design-variance', 'tails.json'), 'utf8')) as {
  normal: { z: number; p: string }[];
  chiSquare: { x: number; df: number; p: string }[];
  t: { t: number; df: number; p: string }[];
  f: { f: number; df1: number; df2: number; p: string }[];
};

const relative = (got: number, expected: number) => Math.abs(got / expected - 1);

describe('tail p-values, against R', () => {
  it('normal: 1 − Φ(z) to z = 37 (p ≈ 6e-300), and two-sided p', () => {
    for (const { z, p } of tails.normal) {
      expect(relative(normalUpperP(z), Number(p)), `z = ${z}`).toBeLessThan(1e-6);
      expect(relative(normalTwoSidedP(-z), Math.min(1, 2 * Number(p))), `two-sided z = ${z}`).toBeLessThan(1e-6);
    }
    expect(Math.min(...tails.normal.map((x) => Number(x.p)))).toBeLessThan(1e-299);
  });

  it('chi-square upper tails, 1 to 1000 degrees of freedom', () => {
    for (const { x, df, p } of tails.chiSquare) expect(relative(chiSquareUpperP(x, df), Number(p)), `x = ${x}, df = ${df}`).toBeLessThan(1e-6);
    expect(Math.min(...tails.chiSquare.map((x) => Number(x.p)))).toBeLessThan(1e-280);
  });

  it('t two-sided p, fractional degrees of freedom included', () => {
    for (const { t, df, p } of tails.t) expect(relative(tTwoSidedP(t, df), Number(p)), `t = ${t}, df = ${df}`).toBeLessThan(1e-6);
    expect(Math.min(...tails.t.map((x) => Number(x.p)))).toBeLessThan(1e-200);
  });

  it('F upper tails, fractional degrees of freedom (as Rao-Scott gives)', () => {
    for (const { f, df1, df2, p } of tails.f) expect(relative(fUpperP(f, df1, df2), Number(p)), `F = ${f}, df = ${df1}, ${df2}`).toBeLessThan(1e-6);
    expect(Math.min(...tails.f.map((x) => Number(x.p)))).toBeLessThan(1e-250);
  });
});
