import { describe, expect, it } from 'vitest';
import { adjustPValues } from '../../src/analysis/adjust.js';
import { chiSquareUpperP, normalQuantile, tQuantile } from '../../src/analysis/distributions.js';
import { meanFromMoments, welchTest } from '../../src/analysis/means.js';
import { chiSquareTest, newcombeDifference, oneSampleProportionZ, twoProportionZ, wilsonInterval } from '../../src/analysis/proportions.js';

/**
 * Every expected value here comes from a published table or is worked by hand in the comment;
 * none is taken from this code's own output.
 */

describe('Wilson score interval', () => {
  // Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of
  // seven methods. Statistics in Medicine 17:857-872, Table II, method 3 (score method without
  // continuity correction), 95% limits to 4 decimal places.
  const newcombe1998a: [number, number, number, number][] = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  it.each(newcombe1998a)('%i/%i matches Newcombe (1998) Table II', (x, n, lower, upper) => {
    const ci = wilsonInterval(x / n, n);
    expect(ci.lower).toBeCloseTo(lower, 4);
    expect(ci.upper).toBeCloseTo(upper, 4);
  });

  it('matches a hand computation for 10/10 (upper limit 1, lower n/(n+z²))', () => {
    // With x = n the Wilson lower limit simplifies to n / (n + z²) = 10 / (10 + 3.841459) = 0.722460.
    const ci = wilsonInterval(1, 10);
    expect(ci.lower).toBeCloseTo(10 / (10 + 1.959963985 ** 2), 9);
    expect(ci.upper).toBe(1);
  });

  it('stays within [0, 1] and has no width for an empty base', () => {
    expect(wilsonInterval(0, 0).lower).toBeNaN();
  });
});

describe('Newcombe hybrid score interval for a difference', () => {
  // Newcombe RG (1998). Interval estimation for the difference between independent proportions:
  // comparison of eleven methods. Statistics in Medicine 17:873-890, Table II, method 10.
  const newcombe1998b: [number, number, number, number, number, number][] = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [10, 10, 0, 20, 0.6791, 1.0],
  ];
  it.each(newcombe1998b)('%i/%i − %i/%i matches Newcombe (1998) Table II', (x1, n1, x2, n2, lower, upper) => {
    const ci = newcombeDifference(x1 / n1, n1, x2 / n2, n2);
    expect(ci.difference).toBeCloseTo(x1 / n1 - x2 / n2, 12);
    expect(ci.lower).toBeCloseTo(lower, 4);
    expect(ci.upper).toBeCloseTo(upper, 4);
  });
});

describe('two-proportion z test', () => {
  it('matches the Physicians’ Health Study aspirin example', () => {
    // Agresti A (2002) Categorical Data Analysis, 2nd ed., Table 2.3: myocardial infarction in
    // 189 of 11,034 on placebo and 104 of 11,037 on aspirin; Pearson X² = 25.01 on 1 df.
    // By hand: p1 = .0171289, p2 = .0094229, pooled = 293/22071 = .0132753,
    // SE = √(.0132753 × .9867247 × (1/11034 + 1/11037)) = .00154077, z = .0077061/.00154077 = 5.0014,
    // z² = 25.01 = X², two-sided P = 2(1 − Φ(5.0014)) = 5.69e-7.
    const r = twoProportionZ(189 / 11034, 11034, 104 / 11037, 11037);
    expect(r.statistic).toBeCloseTo(5.0014, 3);
    expect(r.statistic ** 2).toBeCloseTo(25.01, 1);
    expect(r.p).toBeCloseTo(5.69e-7, 8);
  });

  it('is exactly 0 with P = 1 when the groups agree', () => {
    const r = twoProportionZ(0.5, 40, 0.5, 60);
    expect(r.statistic).toBe(0);
    expect(r.p).toBeCloseTo(1, 12);
  });
});

describe('one-sample test against a published percentage', () => {
  it('matches a hand computation', () => {
    // 60 of 100 against a published 50%: z = (.6 − .5)/√(.25/100) = .1/.05 = 2, two-sided P = .0455003.
    const r = oneSampleProportionZ(0.6, 100, 0.5);
    expect(r.statistic).toBeCloseTo(2, 12);
    expect(r.p).toBeCloseTo(0.0455003, 6);
  });
});

describe('chi-square test of independence', () => {
  it('matches Agresti’s party identification by gender example', () => {
    // Agresti A (2007) An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5 (General
    // Social Survey): females 762 Democrat, 327 Independent, 468 Republican; males 484, 239, 477.
    // The text reports X² = 30.1 on df = 2, P < 0.0001 (P = 2.95e-7 to 3 significant figures).
    const r = chiSquareTest([
      [762, 327, 468],
      [484, 239, 477],
    ]);
    expect(r.df).toBe(2);
    expect(r.statistic).toBeCloseTo(30.07, 2);
    expect(r.p).toBeGreaterThan(2.9e-7);
    expect(r.p).toBeLessThan(3.0e-7);
    // Smallest expected count: males × Independent = 1200 × 566 / 2757 = 246.35.
    expect(r.minExpected).toBeCloseTo(246.355, 2);
  });

  it('agrees with z² for a 2 × 2 table', () => {
    // Same aspirin data as above: X² = 25.01.
    const r = chiSquareTest([
      [189, 11034 - 189],
      [104, 11037 - 104],
    ]);
    expect(r.statistic).toBeCloseTo(25.01, 2);
  });
});

describe('distributions (textbook table values)', () => {
  it('normal and t quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.262157, 6); // t table, 9 df
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.042272, 6); // t table, 30 df
  });
  it('chi-square upper tail', () => {
    expect(chiSquareUpperP(3.841459, 1)).toBeCloseTo(0.05, 6); // table value for 1 df
    expect(chiSquareUpperP(5.991465, 2)).toBeCloseTo(0.05, 6); // table value for 2 df
  });
});

describe('means and Welch t test', () => {
  // Wikipedia, "Welch's t-test", example 1: two samples of 15.
  const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
  const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
  const moments = (xs: number[]) => ({ n: xs.length, sum: xs.reduce((s, x) => s + x, 0), sumSquares: xs.reduce((s, x) => s + x * x, 0), weight: 1 });

  it('gives the sample mean, SD and t interval', () => {
    // Mean 20.82, SD 2.8049 (by hand from the data); 95% CI = 20.82 ± 2.144787 × 2.8049/√15.
    const m = meanFromMoments([moments(a1)])!;
    expect(m.mean).toBeCloseTo(20.82, 10);
    expect(m.sd).toBeCloseTo(2.80489, 4);
    expect(m.df).toBe(14);
    expect(m.upper - m.mean).toBeCloseTo((2.144787 * 2.80489) / Math.sqrt(15), 4);
  });

  it('gives the same mean however the values are split into cells', () => {
    const m = meanFromMoments([moments(a1.slice(0, 5)), moments(a1.slice(5))])!;
    expect(m.mean).toBeCloseTo(20.82, 10);
    expect(m.sd).toBeCloseTo(2.80489, 4);
  });

  it('matches the published Welch example (t = −2.46, df ≈ 25.0, P = 0.021)', () => {
    const a = meanFromMoments([moments(a1)])!;
    const b = meanFromMoments([moments(a2)])!;
    const r = welchTest(a, b);
    expect(r.statistic).toBeCloseTo(-2.46, 2);
    expect(r.df).toBeCloseTo(24.99, 1);
    expect(r.p).toBeCloseTo(0.021, 3);
  });
});

describe('multiple-comparison adjustment', () => {
  // Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. JRSS B 57:289-300,
  // section 4: fifteen p-values from a multicentre trial. The FDR procedure rejects four
  // hypotheses at q = 0.05, the Bonferroni-type (Holm) procedure three.
  const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0];

  it('Holm: adjusted values worked by hand', () => {
    // max over j ≤ i of (m − j + 1) p(j): 15(.0001)=.0015, 14(.0004)=.0056, 13(.0019)=.0247,
    // 12(.0095)=.114, 11(.0201)=.2211, 10(.0278)=.278, 9(.0298)=.2682→.278, 8(.0344)=.2752→.278,
    // 7(.0459)=.3213, 6(.324)=1.944→1, then 1.
    const expected = [0.0015, 0.0056, 0.0247, 0.114, 0.2211, 0.278, 0.278, 0.278, 0.3213, 1, 1, 1, 1, 1, 1];
    const adjusted = adjustPValues(p, 'holm');
    adjusted.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
    expect(adjusted.filter((v) => v <= 0.05)).toHaveLength(3);
  });

  it('Benjamini-Hochberg: adjusted values worked by hand', () => {
    // min over j ≥ i of p(j) m / j: .0015, .003, .0095, .035625, .0603, .0638571 (=.0298×15/7,
    // carried down to i = 6), .0645, .0765, .486, .5811818, .714875, .7532308, .8132143, 1.
    const expected = [
      0.0015,
      0.003,
      0.0095,
      0.035625,
      0.0603,
      (0.0298 * 15) / 7,
      (0.0298 * 15) / 7,
      0.0645,
      0.0765,
      0.486,
      (0.4262 * 15) / 11,
      0.714875,
      (0.6528 * 15) / 13,
      (0.759 * 15) / 14,
      1,
    ];
    const adjusted = adjustPValues(p, 'bh');
    adjusted.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
    expect(adjusted.filter((v) => v <= 0.05)).toHaveLength(4);
  });

  it('keeps the input order and skips NaN (Wikipedia Holm–Bonferroni example)', () => {
    // p = .01, .04, .03, .005 (m = 4): sorted .005, .01, .03, .04 → Holm 4(.005)=.02, 3(.01)=.03,
    // 2(.03)=.06, 1(.04)=.04→.06; BH: .04·4/4=.04, .03·4/3=.04, .01·4/2=.02, .005·4/1=.02.
    expect(adjustPValues([0.01, 0.04, Number.NaN, 0.03, 0.005], 'holm').map((v) => (Number.isNaN(v) ? v : +v.toFixed(10)))).toEqual([0.03, 0.06, Number.NaN, 0.06, 0.02]);
    expect(adjustPValues([0.01, 0.04, 0.03, 0.005], 'bh').map((v) => +v.toFixed(10))).toEqual([0.02, 0.04, 0.04, 0.02]);
  });
});
