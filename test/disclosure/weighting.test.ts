import { describe, expect, it } from 'vitest';
import { analyseSurvey, type SurveyAnalysis } from '../../src/analysis/analyse.js';
import { tablesFromAnswers } from '../../src/analysis/aggregate.js';
import { publishedDesignEffect, publishedWeighting, rakeWeights, type WorkforceProfile } from '../../src/analysis/weighting.js';
import { scenarioDefinition, THRESHOLD, waveAnswers } from './scenario.js';

/**
 * Weighting diagnostics must not give a withheld count. Kish's effective base of a group is
 * (Σ w n)² / Σ w² n over its cells: published unrounded beside the group's base, it is one more
 * equation in the counts of the cells the results withhold, and with the workforce profile
 * (the weights follow from it and the counts) it solves them.
 */

const definition = scenarioDefinition();
const answers = waveAnswers(definition, 2026, { senior: 11, manager: 19, frontline: 38, specialist: 12, member: 5 });
const roles = ['senior', 'manager', 'frontline', 'specialist', 'member'] as const;
const count = (role: string) => answers.filter((a) => a.role === role).length;
const HEADCOUNT: Record<string, number> = { senior: 40, manager: 150, frontline: 600, specialist: 120, member: 60 };

/** Role groups only: every respondent's directorate left out. */
const byRole = answers.map(({ directorate: _directorate, ...rest }) => rest);
const roleProfile: WorkforceProfile = { cells: roles.map((r) => ({ roleGroup: r, directorate: '', headcount: HEADCOUNT[r]! })) };

function shownResponses(analysis: SurveyAnalysis, role: string): boolean {
  return analysis.responses.some((r) => r.group.kind === 'roleGroup' && r.group.code === role && r.figure.shown);
}

describe('a weighted analysis with withheld groups', () => {
  const analysis = analyseSurvey(definition, tablesFromAnswers(definition, byRole), { threshold: THRESHOLD, profile: roleProfile });
  const hidden = roles.filter((r) => !shownResponses(analysis, r));
  const total = analysis.variables.find((v) => v.kind === 'closed' && v.question === 'engaged')!;
  const totalFigure = total.kind === 'closed' ? total.groups.find((g) => g.group.kind === 'total')!.figure : undefined;

  it('withholds a small role group and its cover, and shows the total', () => {
    expect(analysis.weighting.status).toBe('weighted');
    expect(hidden).toContain('member');
    expect(hidden.length).toBeGreaterThanOrEqual(2);
    expect(totalFigure?.shown).toBe(true);
  });

  /** The counts with the first two withheld groups' sum split as `split` and the rest (the other withheld groups included) as they are. */
  const countsIf = (split: number) => {
    const [first, second] = hidden as [string, string];
    const n: Record<string, number> = { ...Object.fromEntries(roles.map((r) => [r, count(r)])), [first]: split, [second]: count(first) + count(second) - split };
    return roles.map((r) => ({ roleGroup: r, directorate: '', responses: n[r]! }));
  };
  const splits = () => Array.from({ length: count(hidden[0]!) + count(hidden[1]!) - 1 }, (_, k) => k + 1);
  const kish = (weights: readonly { weight: number; responses: number }[]) => {
    const w = weights.reduce((s, c) => s + c.weight * c.responses, 0);
    const w2 = weights.reduce((s, c) => s + c.weight * c.weight * c.responses, 0);
    return (w * w) / w2;
  };

  it('would single out a withheld count if each withheld group were raked to its own headcount (what the attack below uses)', () => {
    // What the attacker knows: the headcounts, every shown group's count, so the withheld groups' sum.
    expect(hidden.reduce((s, r) => s + count(r), 0)).toBeGreaterThanOrEqual(THRESHOLD);
    const exactIf = (split: number) => {
      const raked = rakeWeights(countsIf(split), { roleGroups: HEADCOUNT });
      return raked.ok ? kish(raked.weights) : Number.NaN;
    };
    const truth = exactIf(count(hidden[0]!));
    expect(splits().filter((s) => Math.abs(exactIf(s) - truth) < 1e-9)).toEqual([count(hidden[0]!)]);
  });

  it('rakes the withheld groups together, so no weight, design effect or effective base depends on how their responses split', () => {
    if (!totalFigure?.shown || analysis.weighting.status !== 'weighted') throw new Error('set-up');
    const published = totalFigure.value;
    const pooled = { roleGroups: new Set(hidden) };
    const asPublished = splits().map((split) => {
      const raked = rakeWeights(countsIf(split), { roleGroups: HEADCOUNT }, { pooled });
      if (!raked.ok) throw new Error('set-up');
      return { exact: kish(raked.weights), deff: publishedDesignEffect(raked.designEffect), effectiveBase: published.base / publishedDesignEffect(raked.designEffect) };
    });
    // Every split gives the figures the publication gives: the true one is not singled out.
    for (const figures of asPublished) {
      expect(figures.exact).toBeCloseTo(asPublished[0]!.exact, 9);
      expect(figures.deff).toBe(publishedDesignEffect(analysis.weighting.designEffect));
      expect(figures.effectiveBase).toBeCloseTo(published.effectiveBase, 9);
    }
    // The analysis's weights are those pooled weights: one weight across the withheld groups.
    expect(analysis.weighting.method).toMatch(/withhold raked together/);
    expect(analysis.weighting.effectiveN).toBeCloseTo(asPublished[0]!.exact, 9);
  });

  it('cannot single out a withheld count from the published two-decimal design effect', () => {
    if (analysis.weighting.status !== 'weighted') throw new Error('set-up');
    const deff = publishedDesignEffect(analysis.weighting.designEffect);
    const [first, second] = hidden as [string, string];
    const pooled = { roleGroups: new Set(hidden) };
    const consistent = splits().filter((split) => {
      const raked = rakeWeights(countsIf(split), { roleGroups: HEADCOUNT }, { pooled });
      return raked.ok && publishedDesignEffect(raked.designEffect) === deff;
    });
    expect(consistent).toEqual(splits());
    expect(consistent.length).toBe(count(first) + count(second) - 1);
  });

  it('gives every shown group with a withheld cell its base over the published design effect, in every figure', () => {
    if (analysis.weighting.status !== 'weighted') throw new Error('set-up');
    const deff = publishedDesignEffect(analysis.weighting.designEffect);
    let checked = 0;
    for (const v of analysis.variables) {
      if (v.kind !== 'closed') continue;
      for (const g of v.groups) {
        // A shown role group (and leaders, frontline: one role group each here) is one cell whose count is published: its effective base is exact (= base, one weight).
        if (!g.figure.shown || ['roleGroup', 'leaders', 'frontline'].includes(g.group.kind)) continue;
        expect(g.figure.value.effectiveBase, `${v.question} ${JSON.stringify(g.group)}`).toBeCloseTo(g.figure.value.base / deff, 9);
        checked++;
      }
    }
    for (const v of analysis.variables) {
      if (v.kind !== 'number') continue;
      for (const g of v.groups) {
        if (!g.figure.shown || ['roleGroup', 'leaders', 'frontline'].includes(g.group.kind)) continue;
        expect(g.figure.value.effectiveN, `${v.question} ${JSON.stringify(g.group)}`).toBeCloseTo(g.figure.value.n / deff, 9);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('stores the weighting summary as published: the two-decimal design effect, no iterations; nothing when the total is withheld', () => {
    const w = analysis.weighting;
    if (w.status !== 'weighted') throw new Error('set-up');
    const stored = publishedWeighting(w, true);
    if (stored.status !== 'weighted') throw new Error('set-up');
    expect(stored.designEffect).toBe(publishedDesignEffect(w.designEffect));
    expect(stored.effectiveN).toBeCloseTo(w.n / stored.designEffect, 12);
    expect(stored.iterations).toBeUndefined();
    const withheld = publishedWeighting(w, false);
    if (withheld.status !== 'weighted') throw new Error('set-up');
    expect([withheld.designEffect, withheld.effectiveN, withheld.n].every(Number.isNaN)).toBe(true);
  });

  it("says why weighting was refused without counting any group's responses", () => {
    const r = rakeWeights(
      [
        { roleGroup: 'senior', directorate: '', responses: 11 },
        { roleGroup: 'member', directorate: '', responses: 3 },
      ],
      { roleGroups: { senior: 40 } },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.code)).toEqual(['not_in_profile']);
    expect(r.problems[0]!.message).not.toMatch(/\d/);
    const stuck = rakeWeights(
      [
        { roleGroup: 'a', directorate: 'x', responses: 5 },
        { roleGroup: 'b', directorate: 'y', responses: 7 },
      ],
      { roleGroups: { a: 10, b: 10 }, directorates: { x: 15, y: 5 } },
      { maxIterations: 50 },
    );
    expect(stuck.ok).toBe(false);
    if (!stuck.ok) expect(stuck.problems[0]!.message).not.toMatch(/%|\d+\.\d/);
  });
});
