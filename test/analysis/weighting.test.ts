import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kishDesignEffect, profileMargins, rakeWeights, ZWeightingMargins, ZWorkforceProfile } from '../../src/analysis/weighting.js';

const cells = (rows: [string, string, number][]) => rows.map(([roleGroup, directorate, responses]) => ({ roleGroup, directorate, responses }));

describe('raking', () => {
  it('reproduces a worked example with independent structure (closed form m = R·C/T)', () => {
    // Responses: a/x 10, a/y 20, b/x 30, b/y 60 (odds ratio 1). Profile: a 40, b 60; x 70, y 30.
    // Raking preserves the odds ratio, so the fitted table is R_i C_j / T:
    // a/x 40·70/100 = 28, a/y 12, b/x 42, b/y 18 → weights 28/10 = 2.8, 12/20 = 0.6, 42/30 = 1.4, 18/60 = 0.3.
    const r = rakeWeights(
      cells([
        ['a', 'x', 10],
        ['a', 'y', 20],
        ['b', 'x', 30],
        ['b', 'y', 60],
      ]),
      {
        roleGroups: { a: 40, b: 60 },
        directorates: { x: 70, y: 30 },
      },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const w = Object.fromEntries(r.weights.map((c) => [`${c.roleGroup}/${c.directorate}`, c.weight]));
    expect(w['a/x']).toBeCloseTo(2.8, 9);
    expect(w['a/y']).toBeCloseTo(0.6, 9);
    expect(w['b/x']).toBeCloseTo(1.4, 9);
    expect(w['b/y']).toBeCloseTo(0.3, 9);
    // Kish: n Σw²/(Σw)² = 120 × (10·2.8² + 20·0.6² + 30·1.4² + 60·0.3²) / 100²
    //   = 120 × (78.4 + 7.2 + 58.8 + 5.4) / 10000 = 120 × 149.8 / 10000 = 1.7976.
    expect(r.designEffect).toBeCloseTo(1.7976, 9);
    expect(r.effectiveN).toBeCloseTo(120 / 1.7976, 9);
  });

  it('reproduces a worked example with interaction (quadratic in the a/x cell), margins to 1e-9', () => {
    // Responses a/x 10, a/y 20, b/x 20, b/y 10 (odds ratio θ = 10·10/(20·20) = 1/4); margins a 60, b 40, x 50, y 50.
    // With m = fitted a/x: m(m − 10) = θ (60 − m)(50 − m) ⇔ 0.75 m² + 17.5 m − 750 = 0,
    // m = (−17.5 + √(17.5² + 4·0.75·750)) / 1.5 = (−17.5 + √2556.25) / 1.5 = 22.039604…
    const m = (-17.5 + Math.sqrt(2556.25)) / 1.5;
    const expected = { 'a/x': m / 10, 'a/y': (60 - m) / 20, 'b/x': (50 - m) / 20, 'b/y': (m - 10) / 10 };
    const r = rakeWeights(
      cells([
        ['a', 'x', 10],
        ['a', 'y', 20],
        ['b', 'x', 20],
        ['b', 'y', 10],
      ]),
      {
        roleGroups: { a: 60, b: 40 },
        directorates: { x: 50, y: 50 },
      },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (const c of r.weights) expect(c.weight).toBeCloseTo(expected[`${c.roleGroup}/${c.directorate}` as keyof typeof expected], 9);
    const margin = (test: (c: { roleGroup: string; directorate: string }) => boolean) => r.weights.filter(test).reduce((s, c) => s + c.weight * c.responses, 0);
    expect(Math.abs(margin((c) => c.roleGroup === 'a') - 60)).toBeLessThan(1e-9);
    expect(Math.abs(margin((c) => c.roleGroup === 'b') - 40)).toBeLessThan(1e-9);
    expect(Math.abs(margin((c) => c.directorate === 'x') - 50)).toBeLessThan(1e-9);
    expect(Math.abs(margin((c) => c.directorate === 'y') - 50)).toBeLessThan(1e-9);
  });

  it('reports convergence failure when the responses cannot reach the margins', () => {
    // Only a/x and b/y answered; a 10, b 20 but x 20, y 10: a/x would have to be 10 and 20 at once.
    const r = rakeWeights(
      cells([
        ['a', 'x', 5],
        ['b', 'y', 5],
      ]),
      { roleGroups: { a: 10, b: 20 }, directorates: { x: 20, y: 10 } },
      { maxIterations: 200 },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]!.code).toBe('did_not_converge');
    expect(r.problems[0]!.message).toMatch(/did not meet the margins after 200 iterations/);
  });

  it('refuses a group with staff but no responses, and responses from a group not in the profile', () => {
    const r = rakeWeights(
      cells([
        ['a', 'x', 5],
        ['c', 'x', 5],
      ]),
      { roleGroups: { a: 10, b: 20 } },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.code).sort()).toEqual(['empty_group', 'not_in_profile']);
    expect(r.problems.find((p) => p.code === 'empty_group')!.message).toMatch(/no responses from role group "b" \(20 staff\)/);
  });

  it('refuses totals that disagree, both in the schema and in raking', () => {
    const profile = { roleGroups: { a: 10, b: 20 }, directorates: { x: 25 } };
    const parsed = ZWeightingMargins.safeParse(profile);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(/add up to 25 but the role group headcounts to 30/);
    const r = rakeWeights(
      cells([
        ['a', 'x', 5],
        ['b', 'x', 5],
      ]),
      profile,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.code)).toContain('totals_disagree');
  });

  it('refuses when there are no responses', () => {
    const r = rakeWeights([], { roleGroups: { a: 10 } });
    expect(r.ok).toBe(false);
  });

  it('weights respondents without a directorate on role group only', () => {
    const r = rakeWeights(
      cells([
        ['a', 'x', 10],
        ['a', '', 10],
        ['b', 'y', 10],
      ]),
      { roleGroups: { a: 60, b: 40 }, directorates: { x: 50, y: 50 } },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.unstatedDirectorate).toMatch(/role group only/);
    const total = (role: string) => r.weights.filter((c) => c.roleGroup === role).reduce((s, c) => s + c.weight * c.responses, 0);
    expect(total('a')).toBeCloseTo(60, 9);
    expect(total('b')).toBeCloseTo(40, 9);
  });

  it('Kish design effect: hand example', () => {
    // 10 respondents with weight 2 and 30 with weight 1: n = 40, Σw = 50, Σw² = 70, deff = 40·70/50² = 1.12.
    const d = kishDesignEffect([
      { n: 10, weight: 2 },
      { n: 30, weight: 1 },
    ]);
    expect(d.designEffect).toBeCloseTo(1.12, 12);
    expect(d.effectiveN).toBeCloseTo(40 / 1.12, 12);
  });

  it('property: raked weights reproduce every margin', () => {
    const arb = fc.record({ rows: fc.integer({ min: 1, max: 5 }), cols: fc.integer({ min: 1, max: 5 }) }).chain(({ rows, cols }) =>
      fc.record({
        counts: fc.array(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
        rowShares: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: rows, maxLength: rows }),
        colShares: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: cols, maxLength: cols }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ counts, rowShares, colShares }) => {
        // Both margins describe the same 10,000 staff.
        const scale = (shares: number[]) => shares.map((s) => (s * 10_000) / shares.reduce((a, b) => a + b, 0));
        const roleGroups = Object.fromEntries(scale(rowShares).map((v, i) => [`r${i}`, v]));
        const directorates = Object.fromEntries(scale(colShares).map((v, j) => [`d${j}`, v]));
        const input = counts.flatMap((row, i) => row.map((responses, j) => ({ roleGroup: `r${i}`, directorate: `d${j}`, responses })));
        const r = rakeWeights(input, { roleGroups, directorates }, { tolerance: 1e-12, maxIterations: 5000 });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        for (const [code, target] of Object.entries(roleGroups)) {
          const got = r.weights.filter((c) => c.roleGroup === code).reduce((s, c) => s + c.weight * c.responses, 0);
          expect(Math.abs(got - target) / target).toBeLessThan(1e-9);
        }
        for (const [code, target] of Object.entries(directorates)) {
          const got = r.weights.filter((c) => c.directorate === code).reduce((s, c) => s + c.weight * c.responses, 0);
          expect(Math.abs(got - target) / target).toBeLessThan(1e-9);
        }
        expect(r.designEffect).toBeGreaterThanOrEqual(1 - 1e-12);
      }),
      { numRuns: 200 },
    );
  });
});

describe('workforce profile to raking margins', () => {
  const profile = (rows: [string, string, number][]) => ({ cells: rows.map(([roleGroup, directorate, headcount]) => ({ roleGroup, directorate, headcount })) });

  it('adds cell headcounts up to role group and directorate margins', () => {
    // a: 30 + 10 = 40, b: 25 + 35 = 60; x: 30 + 25 = 55, y: 10 + 35 = 45.
    expect(
      profileMargins(
        profile([
          ['a', 'x', 30],
          ['a', 'y', 10],
          ['b', 'x', 25],
          ['b', 'y', 35],
        ]),
      ),
    ).toEqual({
      roleGroups: { a: 40, b: 60 },
      directorates: { x: 55, y: 45 },
    });
  });

  it('gives role group margins only when the profile has no directorates', () => {
    expect(
      profileMargins(
        profile([
          ['a', '', 30],
          ['b', '', 70],
        ]),
      ),
    ).toEqual({ roleGroups: { a: 30, b: 70 } });
  });

  it('feeds raking: weights meet the summed margins to 1e-9', () => {
    const p = profile([
      ['a', 'x', 30],
      ['a', 'y', 10],
      ['b', 'x', 25],
      ['b', 'y', 35],
    ]);
    const r = rakeWeights(
      cells([
        ['a', 'x', 12],
        ['a', 'y', 3],
        ['b', 'x', 9],
        ['b', 'y', 20],
      ]),
      profileMargins(p),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const margin = (test: (c: { roleGroup: string; directorate: string }) => boolean) => r.weights.filter(test).reduce((s, c) => s + c.weight * c.responses, 0);
    expect(Math.abs(margin((c) => c.roleGroup === 'a') - 40)).toBeLessThan(1e-9);
    expect(Math.abs(margin((c) => c.directorate === 'y') - 45)).toBeLessThan(1e-9);
    expect(r.population).toBe(100);
  });

  it('refuses duplicate cells, mixed blank and named directorates, and negative or fractional headcounts', () => {
    const messages = (p: unknown) => {
      const parsed = ZWorkforceProfile.safeParse(p);
      expect(parsed.success).toBe(false);
      return parsed.error!.issues.map((i) => i.message).join('\n');
    };
    expect(
      messages(
        profile([
          ['a', 'x', 1],
          ['a', 'x', 2],
        ]),
      ),
    ).toMatch(/role group "a" and directorate "x" are listed twice/);
    expect(
      messages(
        profile([
          ['a', 'x', 1],
          ['b', '', 2],
        ]),
      ),
    ).toMatch(/either every row gives a directorate or none does/);
    expect(messages(profile([['a', '', -1]]))).toMatch(/must not be negative/);
    expect(messages(profile([['a', '', 1.5]]))).toMatch(/must be a whole number/);
    expect(messages({ cells: [] })).toMatch(/at least one role group/);
  });
});
