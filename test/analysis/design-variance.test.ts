import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { analyseSurvey, tablesFromAnswers, wilsonInterval, Z95, type GroupRef } from '../../src/analysis/index.js';
import { tQuantile } from '../../src/analysis/distributions.js';
import { profileMargins, rakeWeights, type WorkforceProfile } from '../../src/analysis/weighting.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { fixtureDefinition } from './fixtures/definition.js';

/*
 * Design-based (linearised) weighted inference against R's survey package (4.1): a generated
 * 3,000-response survey raked to its workforce profile's role group and directorate headcounts.
 * The reference numbers are R's, written by fixtures/design-variance/design-variance.R
 * (svymean, svycontrast, svychisq(statistic = "F") on the rake() design); this test only reads
 * them, so it runs without R.
 */

const DIR = join(import.meta.dirname, 'fixtures', 'design-variance');
const csv = (file: string) => parse<Record<string, string>>(readFileSync(join(DIR, file), 'utf8'), { columns: true });

interface Reference {
  n: number;
  population: number;
  weights: { roleGroup: string; directorate: string; weight: number }[];
  proportions: { question: string; measure: string; group: GroupRef; estimate: number; se: number }[];
  differences: { question: string; measure: string; a: GroupRef; b: GroupRef; difference: number; se: number; p: number }[];
  means: { question: string; group: GroupRef; mean: number; se: number }[];
  meanDifferences: { question: string; a: GroupRef; b: GroupRef; difference: number; se: number; df: number; p: number }[];
  chisq: { question: string; statistic: number; ndf: number; ddf: number; p: number }[];
}
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as Reference;

const answers: Answers[] = csv('responses.csv').map((r) => ({
  role: r.role!,
  directorate: r.directorate!,
  engaged: r.engaged!,
  ...(r.understand ? { understand: r.understand } : {}),
  ...(r.years ? { years: Number(r.years) } : {}),
}));
const profile: WorkforceProfile = { cells: csv('profile.csv').map((r) => ({ roleGroup: r.roleGroup!, directorate: r.directorate!, headcount: Number(r.headcount) })) };
const definition = fixtureDefinition();
const tables = tablesFromAnswers(definition, answers);
const analysis = analyseSurvey(definition, tables, { profile });

const same = (a: GroupRef, b: GroupRef) => JSON.stringify(a) === JSON.stringify(b);
const closed = (question: string) => {
  const v = analysis.variables.find((x) => x.kind === 'closed' && x.question === question && x.item === '');
  if (v?.kind !== 'closed') throw new Error(`no closed variable ${question}`);
  return v;
};

describe('design-based weighted inference, against R survey::svymean on a rake() design', () => {
  it('rakes to the same weights as R', () => {
    expect(answers).toHaveLength(reference.n);
    const raked = rakeWeights(tables.cells, profileMargins(profile));
    expect(raked.ok).toBe(true);
    if (!raked.ok) return;
    for (const r of reference.weights) {
      const w = raked.weights.find((c) => c.roleGroup === r.roleGroup && c.directorate === r.directorate)!;
      expect(Math.abs(w.weight / r.weight - 1), `${r.roleGroup}/${r.directorate}`).toBeLessThan(1e-9);
    }
    expect(analysis.weighting.status).toBe('weighted');
    expect(analysis.methods.proportions).toMatch(/design-based variance/);
  });

  it('gives R’s proportions, and Wilson intervals on the effective base R’s standard error implies (1e-6)', () => {
    let checked = 0;
    for (const r of reference.proportions) {
      const figure = closed(r.question).groups.find((g) => same(g.group, r.group))?.figure;
      expect(figure?.shown, `${r.question} ${JSON.stringify(r.group)}`).toBe(true);
      if (!figure?.shown) continue;
      const p = r.measure === 'positive' ? figure.value.positive! : figure.value.options.find((o) => o.option === r.measure)!.proportion;
      expect(Math.abs(p.estimate - r.estimate), `${r.question} ${r.measure} ${JSON.stringify(r.group)}`).toBeLessThan(1e-6);
      // Wilson's interval (Newcombe 1998, method 3), written out, on n = p(1 − p)/SE² from R.
      const n = (r.estimate * (1 - r.estimate)) / (r.se * r.se);
      const z2 = Z95 * Z95;
      const centre = (r.estimate + z2 / (2 * n)) / (1 + z2 / n);
      const half = (Z95 / (1 + z2 / n)) * Math.sqrt((r.estimate * (1 - r.estimate)) / n + z2 / (4 * n * n));
      expect(Math.abs(p.lower - (centre - half)), 'lower').toBeLessThan(1e-6);
      expect(Math.abs(p.upper - (centre + half)), 'upper').toBeLessThan(1e-6);
      checked++;
    }
    expect(checked).toBe(reference.proportions.length);
    // The intervals are not Kish's: on the total's base over Kish's design effect the "very engaged" interval differs.
    const total = reference.proportions.find((r) => r.question === 'engaged' && r.measure === 'very' && r.group.kind === 'total')!;
    const designEffect = analysis.weighting.status === 'weighted' ? analysis.weighting.designEffect : Number.NaN;
    const kish = wilsonInterval(total.estimate, reference.n / designEffect);
    const shown = closed('engaged').groups.find((g) => g.group.kind === 'total')!.figure;
    expect(shown.shown && Math.abs(shown.value.options[0]!.proportion.lower - kish.lower)).toBeGreaterThan(1e-4);
  });

  it('gives R’s differences of % positive between groups: standard error (1e-6) and p (1e-4)', () => {
    let checked = 0;
    for (const r of reference.differences) {
      const isGap = r.a.kind === 'leaders';
      const found = isGap
        ? analysis.perceptionGap.find((g) => g.question === r.question && g.measure === 'positive')?.gap
        : closed(r.question).comparisons.find((c) => c.measure === 'positive' && ((same(c.a, r.a) && same(c.b, r.b)) || (same(c.a, r.b) && same(c.b, r.a))))?.result;
      expect(found?.shown, `${r.question} ${JSON.stringify(r.a)} − ${JSON.stringify(r.b)}`).toBe(true);
      if (!found?.shown) continue;
      const d = found.value;
      // Leaders − frontline in the gap; a comparison may name the pair the other way round.
      const flipped = !isGap && !closed(r.question).comparisons.some((c) => c.measure === 'positive' && same(c.a, r.a) && same(c.b, r.b));
      const difference = (flipped ? -1 : 1) * d.difference;
      expect(Math.abs(difference - r.difference), 'difference').toBeLessThan(1e-6);
      expect(d.test).toBe('design-based z');
      const se = (d.upper - d.lower) / (2 * Z95);
      expect(Math.abs(se - r.se), 'se').toBeLessThan(1e-6);
      expect(Math.abs(d.p - r.p), 'p').toBeLessThan(1e-4);
      checked++;
    }
    expect(checked).toBe(reference.differences.length);
  });

  it('gives R’s means and standard errors (1e-6), and differences of means with p on the design’s degrees of freedom (1e-4)', () => {
    const years = analysis.variables.find((v) => v.kind === 'number' && v.question === 'years');
    if (years?.kind !== 'number') throw new Error('no years');
    for (const r of reference.means) {
      const figure = years.groups.find((g) => same(g.group, r.group))?.figure;
      expect(figure?.shown, JSON.stringify(r.group)).toBe(true);
      if (!figure?.shown) continue;
      expect(Math.abs(figure.value.mean - r.mean)).toBeLessThan(1e-6);
      expect(Math.abs(figure.value.se - r.se), `se ${JSON.stringify(r.group)}`).toBeLessThan(1e-6);
    }
    let checked = 0;
    for (const r of reference.meanDifferences.filter((x) => x.a.kind !== 'leaders')) {
      const c = years.comparisons.find((x) => (same(x.a, r.a) && same(x.b, r.b)) || (same(x.a, r.b) && same(x.b, r.a)));
      expect(c?.result.shown).toBe(true);
      if (!c?.result.shown) continue;
      const flip = same(c.a, r.a) ? 1 : -1;
      expect(Math.abs(flip * c.result.value.difference - r.difference)).toBeLessThan(1e-6);
      expect(c.result.value.test).toBe('design-based t');
      const se = (c.result.value.upper - c.result.value.lower) / (2 * tQuantile(0.975, r.df));
      expect(Math.abs(se - r.se), 'se').toBeLessThan(1e-6);
      expect(Math.abs(c.result.value.p - r.p), 'p').toBeLessThan(1e-4);
      checked++;
    }
    expect(checked).toBe(reference.meanDifferences.length - 1);
  });

  it('gives R’s Rao-Scott F for role group × answer: statistic and degrees of freedom (1e-6 relative), p (1e-4 relative)', () => {
    for (const r of reference.chisq) {
      const overall = closed(r.question).overall!;
      expect(overall.test).toBe('Rao-Scott F');
      expect(Math.abs(overall.statistic / r.statistic - 1)).toBeLessThan(1e-6);
      expect(Math.abs(overall.df / r.ndf - 1)).toBeLessThan(1e-6);
      expect(Math.abs(overall.ddf! / r.ddf - 1)).toBeLessThan(1e-6);
      expect(Math.abs(overall.p / r.p - 1)).toBeLessThan(1e-4);
    }
  });
});

describe('design-based variances and disclosure', () => {
  it('are not used when a cell is withheld (they would depend on its count): intervals rest on the coarse Kish base, as before', () => {
    // Keep only 4 of the senior executives in place: that cell is under the threshold, so withheld.
    let kept = 0;
    const fewer = answers.filter((a) => !(a.role === 'exec' && a.directorate === 'place') || kept++ < 4);
    const t = tablesFromAnswers(definition, fewer);
    const withheld = analyseSurvey(definition, t, { profile });
    expect(withheld.weighting.status).toBe('weighted');
    expect(withheld.methods.proportions).toMatch(/Kish/);
    const engaged = withheld.variables.find((v) => v.kind === 'closed' && v.question === 'engaged');
    if (engaged?.kind !== 'closed') throw new Error('no engaged');
    const tests = new Set(engaged.comparisons.flatMap((c) => (c.result.shown ? [c.result.value.test] : [])));
    expect([...tests]).toEqual(['two-proportion z']);
    expect(engaged.overall?.test).toBe('chi-square');
    // The whole organisation holds the withheld cell: its effective base is its base over the design effect as published (two decimals).
    const designEffect = withheld.weighting.status === 'weighted' ? withheld.weighting.designEffect : Number.NaN;
    const total = engaged.groups.find((g) => g.group.kind === 'total')!.figure;
    expect(total.shown && total.value.base).toBe(fewer.length);
    expect(total.shown && Math.abs(total.value.effectiveBase - fewer.length / (Math.round(designEffect * 100) / 100))).toBeLessThan(1e-9);
  });
});
