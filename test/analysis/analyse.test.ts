import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseSurvey, type ClosedVariableAnalysis, type NumberVariableAnalysis, type SurveyAnalysis, type TextVariableAnalysis } from '../../src/analysis/analyse.js';
import { tablesFromAnswers } from '../../src/analysis/aggregate.js';
import { formatPercent } from '../../src/analysis/format.js';
import type { GroupRef } from '../../src/analysis/segments.js';
import type { Suppressible } from '../../src/analysis/suppression.js';
import { loadPublishedFindings } from '../../src/instrument/published-findings.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { fixtureDefinition, rolesOnlyDefinition } from './fixtures/definition.js';
import { recoverable, type Figure } from './fixtures/linear.js';
import { assign, list, times } from './fixtures/respondents.js';

const definition = fixtureDefinition();

/** The hand-made data set (96 responses) whose figures are worked out in the comments. */
function handData(): Answers[] {
  const frontline = [...times(20, { role: 'frontline', directorate: 'adults' }), ...times(20, { role: 'frontline', directorate: 'children' })];
  assign(frontline, 'engaged', list({ very: 4, quite: 8, not_very: 18, not_at_all: 10 }));
  assign(frontline, 'strategy', list({ yes: 10, no: 10, dont_know: 20 }));
  assign(frontline, 'understand', list({ strongly_agree: 2, agree: 8, neither: 10, disagree: 10, strongly_disagree: 4, dont_know: 6 }));
  // 30 of the 40 answer the barriers question: culture for the first 20, budget for 5-29, other for 27-29.
  assign(
    frontline,
    'barriers',
    Array.from({ length: 30 }, (_, i) => {
      const selected = [...(i < 20 ? ['culture'] : []), ...(i >= 5 ? ['budget'] : []), ...(i >= 27 ? ['other'] : [])];
      return i >= 27 ? { selected, other: 'Procurement rules' } : { selected };
    }),
  );
  assign(
    frontline,
    'maturity',
    list({ agree: 20, disagree: 20 }).map((v) => ({ strat: v, skills: 'disagree', tech: 'agree' })),
  );
  assign(frontline, 'change', ['More training', 'Better laptops', 'Fewer systems', 'Ask us first', 'Wi-fi']);
  const managers = times(25, { role: 'manager', directorate: 'place', understand: 'agree', maturity: { strat: 'agree', skills: 'agree', tech: 'neither' } });
  assign(managers, 'engaged', list({ very: 5, quite: 10, not_very: 10 }));
  assign(managers, 'strategy', list({ yes: 20, no: 5 }));
  assign(
    managers,
    'years',
    Array.from({ length: 25 }, (_, i) => i + 1),
  );
  const heads = times(12, { role: 'head', directorate: 'children', understand: 'agree', strategy: 'yes' });
  assign(heads, 'engaged', list({ very: 6, quite: 4, not_very: 2 }));
  assign(heads, 'budget_lead', list({ yes: 8, no: 4 }));
  const execs = times(4, { role: 'exec', directorate: 'adults', engaged: 'very', strategy: 'yes', budget_lead: 'yes', understand: 'strongly_agree' });
  const it = times(15, { role: 'it', directorate: 'place', engaged: 'quite', strategy: 'yes', understand: 'strongly_agree' });
  return [...frontline, ...managers, ...heads, ...execs, ...it];
}

const same = (a: GroupRef, b: GroupRef) => JSON.stringify(a) === JSON.stringify(b);
function closed(result: SurveyAnalysis, question: string, item = ''): ClosedVariableAnalysis {
  const v = result.variables.find((x) => x.kind === 'closed' && x.question === question && x.item === item);
  if (!v || v.kind !== 'closed') throw new Error(`no closed variable ${question}`);
  return v;
}
function figure<T>(groups: { group: GroupRef; figure: Suppressible<T> }[], group: GroupRef): Suppressible<T> {
  const f = groups.find((g) => same(g.group, group));
  if (!f) throw new Error(`no figure for ${JSON.stringify(group)}`);
  return f.figure;
}
function shown<T>(s: Suppressible<T>): T {
  if (!s.shown) throw new Error(`expected a shown figure, got ${s.reason}`);
  return s.value;
}
const role = (code: string): GroupRef => ({ kind: 'roleGroup', code });
const TOTAL: GroupRef = { kind: 'total' };

/** Every hidden figure anywhere in the result must be exactly { shown: false, reason }. */
function hiddenFiguresAreBare(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => hiddenFiguresAreBare(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (record.shown === false) {
    const keys = Object.keys(record).sort();
    return keys.join(',') === 'reason,shown' ? [] : [`${path} has ${keys.join(',')}`];
  }
  return Object.entries(record).flatMap(([k, v]) => hiddenFiguresAreBare(v, `${path}.${k}`));
}

describe('analyseSurvey on a hand-made data set', () => {
  const result = analyseSurvey(definition, tablesFromAnswers(definition, handData()), { findings: loadPublishedFindings(), crossTab: true });

  it('reports percentages with n, base and Wilson intervals', () => {
    const engaged = closed(result, 'engaged');
    const total = shown(figure(engaged.groups, TOTAL));
    // very 4+5+6+4 = 19, quite 8+10+4+15 = 37, not very 18+10+2 = 30, not at all 10; base 96.
    expect(total.base).toBe(96);
    expect(total.options.map((o) => [o.option, o.count])).toEqual([
      ['very', 19],
      ['quite', 37],
      ['not_very', 30],
      ['not_at_all', 10],
    ]);
    expect(total.options[0]!.proportion.estimate).toBeCloseTo(19 / 96, 12);
    expect(total.positive!.estimate).toBeCloseTo(56 / 96, 12);
    // Frontline: 12 of 40 very or quite engaged. Wilson by hand: centre (0.3 + z²/80)/(1 + z²/40) = 0.317524,
    // half-width (z/1.0960365)·√(0.3·0.7/40 + z²/6400) = 0.136776 → 0.180748 to 0.454300.
    const front = shown(figure(engaged.groups, role('frontline')));
    expect(front.positive!.estimate).toBeCloseTo(0.3, 12);
    expect(front.positive!.lower).toBeCloseTo(0.180748, 6);
    expect(front.positive!.upper).toBeCloseTo(0.4543, 6);
  });

  it('leaves "don\'t know" out of the base of agreement scales and reports it', () => {
    const understand = closed(result, 'understand');
    expect(understand.dontKnow).toBe('excluded');
    expect(understand.options).not.toContain('dont_know');
    expect(understand.base).toMatch(/other than "don't know"/);
    const front = shown(figure(understand.groups, role('frontline')));
    expect(front.answered).toBe(40);
    expect(front.base).toBe(34);
    // 10 of 34 agree or strongly agree: Wilson 0.168346 to 0.461689 (hand formula as above, n = 34).
    expect(front.positive!.estimate).toBeCloseTo(10 / 34, 12);
    expect(front.positive!.lower).toBeCloseTo(0.168346, 6);
    expect(front.positive!.upper).toBeCloseTo(0.461689, 6);
    expect(front.dontKnow!.count).toBe(6);
    expect(front.dontKnow!.proportion.estimate).toBeCloseTo(6 / 40, 12);
    const sum = front.options.reduce((s, o) => s + o.proportion.estimate, 0);
    expect(sum).toBeCloseTo(1, 12);
  });

  it('keeps "don\'t know" in the base of a single choice question', () => {
    const strategy = closed(result, 'strategy');
    expect(strategy.dontKnow).toBe('in_base');
    const front = shown(figure(strategy.groups, role('frontline')));
    expect(front.base).toBe(40);
    expect(front.options.find((o) => o.option === 'dont_know')!.proportion.estimate).toBeCloseTo(0.5, 12);
  });

  it('bases multiple choice on respondents answering, and counts who skipped', () => {
    const barriers = closed(result, 'barriers');
    expect(barriers.multiple).toBe(true);
    const front = shown(figure(barriers.groups, role('frontline')));
    expect(front.base).toBe(30);
    expect(Object.fromEntries(front.options.map((o) => [o.option, o.count]))).toEqual({ culture: 20, legacy: 0, skills: 0, budget: 25, other: 3 });
    expect(front.options.find((o) => o.option === 'budget')!.proportion.estimate).toBeCloseTo(25 / 30, 12);
    expect(front.notAnswered).toEqual({ shown: true, value: 10 });
    expect(barriers.overall).toBeUndefined(); // no chi-square for multiple answers
  });

  it('counts only the audience as not answering a question asked of leaders', () => {
    const budget = closed(result, 'budget_lead');
    const total = shown(figure(budget.groups, TOTAL));
    expect(total.base).toBe(16);
    expect(total.notAnswered).toEqual({ shown: true, value: 0 });
  });

  it('gives means with t intervals for number questions', () => {
    const years = result.variables.find((v) => v.question === 'years') as NumberVariableAnalysis;
    const managers = shown(figure(years.groups, role('manager')));
    // 1..25: mean 13, SD √(25·26/12) = 7.359801, half-width t(0.975, 24) 2.063899 × 7.359801/5 = 3.037976.
    expect(managers.mean).toBeCloseTo(13, 12);
    expect(managers.sd).toBeCloseTo(7.359801, 6);
    expect(managers.upper - managers.mean).toBeCloseTo(3.037976, 5);
    expect(figure(years.groups, role('frontline'))).toEqual({ shown: false, reason: 'withheld' });
  });

  it('hides small groups with a reason only, and hides a cover group too', () => {
    const engaged = closed(result, 'engaged');
    expect(figure(engaged.groups, role('exec'))).toEqual({ shown: false, reason: 'withheld' });
    // The 4 execs' group cannot be the only hidden role group, or "all" less the others would give it: a cover group goes too,
    // with the same reason, so nobody can tell which hidden group is the small one.
    const hiddenRoles = engaged.groups.filter((g) => g.group.kind === 'roleGroup' && !g.figure.shown);
    expect(hiddenRoles.length).toBeGreaterThanOrEqual(2);
    expect(new Set(hiddenRoles.map((g) => (g.figure.shown ? '' : g.figure.reason)))).toEqual(new Set(['withheld']));
    expect(hiddenFiguresAreBare(result)).toEqual([]);
  });

  it('compares every pair of role groups and each against the rest, significant only after adjustment', () => {
    const engaged = closed(result, 'engaged');
    expect(engaged.comparisons).toHaveLength(10 + 5);
    const mf = engaged.comparisons.find((c) => same(c.a, role('manager')) && same(c.b, role('frontline')))!;
    const d = shown(mf.result);
    // 15/25 vs 12/40: pooled 27/65, SE √(27/65 · 38/65 · (1/25 + 1/40)) = 0.125637, z = 0.3/0.125637 = 2.387835, P = 0.016948.
    expect(d.difference).toBeCloseTo(0.3, 12);
    expect(d.statistic).toBeCloseTo(2.387835, 5);
    expect(d.p).toBeCloseTo(0.016948, 5);
    for (const c of engaged.comparisons) {
      if (!c.result.shown) continue;
      expect(c.result.value.pAdjusted).toBeGreaterThanOrEqual(c.result.value.p);
      expect(c.result.value.significant).toBe(c.result.value.pAdjusted < 0.05);
    }
    const withExec = engaged.comparisons.filter((c) => same(c.a, role('exec')) || same(c.b, role('exec')));
    expect(withExec.every((c) => !c.result.shown)).toBe(true);
    expect(engaged.overall?.test).toBe('chi-square');
  });

  it('computes index scores and the engaged share', () => {
    const engagement = result.indices.find((i) => i.code === 'engagement')!;
    expect(engagement.method).toMatch(/t interval/);
    const front = shown(figure(engagement.groups, role('frontline')));
    // (4·100 + 8·66.67 + 18·33.33 + 10·0)/40 = 38.333
    expect(front.score.mean).toBeCloseTo(115 / 3, 9);
    expect(shown(front.positive!).estimate).toBeCloseTo(0.3, 12);
    expect(result.indices.map((i) => i.code)).toEqual(['engagement', 'strategy_leadership', 'skills', 'technology', '_overall']);
  });

  it('ranks the perception gap and flags significance after adjustment', () => {
    const gaps = result.perceptionGap.filter((g) => g.gap.shown);
    const sizes = gaps.map((g) => (g.gap.shown ? Math.abs(g.gap.value.points) : 0));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    for (const g of gaps) if (g.gap.shown) expect(g.gap.value.significant).toBe(g.gap.value.pAdjusted < 0.05);
  });

  it('shows free text only for groups whose responses are shown', () => {
    const change = result.variables.find((v) => v.question === 'change') as TextVariableAnalysis;
    expect(change.groups.find((g) => same(g.group, role('exec')))!.showText).toBe(false);
    expect(change.groups.find((g) => same(g.group, role('frontline')))!.showText).toBe(true);
    expect(change.groups.find((g) => same(g.group, TOTAL))!.answered).toEqual({ shown: false, reason: 'withheld' });
  });

  it('compares with published findings, saying whose figure it is', () => {
    const p = result.published.find((x) => x.question === 'strategy')!;
    expect(p.describes).toBe('8x8 survey of UK local government staff (after the UK Government Digital Strategy) (year not published): 1095 respondents, UK local government staff');
    const r = shown(p.result);
    // 61 of 96 said yes against 65%: z = (0.635417 − 0.65)/√(0.65·0.35/96) = −0.299572, P = 0.764503.
    expect(r.proportion.estimate).toBeCloseTo(61 / 96, 12);
    expect(r.statistic).toBeCloseTo(-0.299572, 5);
    expect(r.p).toBeCloseTo(0.764503, 5);
    expect(r.significant).toBe(false);
  });

  it('never leaves a hidden group recoverable from the groups it publishes (role, directorate, cells, leaders/frontline)', () => {
    const data = handData();
    for (const v of result.variables) {
      if (v.kind !== 'closed') continue;
      expect(recoverable(...figuresOf(v, data))).toEqual([]);
    }
  });
});

/** The figures a closed variable publishes (group bases) and the sums linking them, from the raw answers. */
function figuresOf(v: ClosedVariableAnalysis, data: Answers[]): [Figure[], { total: string; parts: string[] }[]] {
  const counts = (test: (a: Answers) => boolean) => data.filter((a) => test(a) && a[v.question] !== undefined && !(v.dontKnow === 'excluded' && a[v.question] === 'dont_know')).length;
  const name = (g: GroupRef) => JSON.stringify(g);
  const figures: Figure[] = v.groups.map((g) => {
    const ref = g.group;
    const test = (a: Answers): boolean => {
      switch (ref.kind) {
        case 'total':
          return true;
        case 'roleGroup':
          return a.role === ref.code;
        case 'directorate':
          return (a.directorate ?? '') === ref.code;
        case 'cell':
          return a.role === ref.roleGroup && (a.directorate ?? '') === ref.directorate;
        case 'leaders':
          return a.role === 'exec' || a.role === 'head';
        case 'frontline':
          return a.role === 'frontline';
        default:
          return false;
      }
    };
    return { name: name(ref), value: counts(test), shown: g.figure.shown };
  });
  const roles = ['exec', 'head', 'manager', 'frontline', 'it'];
  const dirs = [...new Set(v.groups.flatMap((g) => (g.group.kind === 'directorate' ? [g.group.code] : [])))];
  const sums = [
    { total: name(TOTAL), parts: roles.map((r) => name(role(r))) },
    { total: name(TOTAL), parts: dirs.map((d) => name({ kind: 'directorate', code: d })) },
    ...roles.map((r) => ({ total: name(role(r)), parts: dirs.map((d) => name({ kind: 'cell', roleGroup: r, directorate: d })) })),
    ...dirs.map((d) => ({ total: name({ kind: 'directorate', code: d }), parts: roles.map((r) => name({ kind: 'cell', roleGroup: r, directorate: d })) })),
    { total: name({ kind: 'leaders' }), parts: [name(role('exec')), name(role('head'))] },
    { total: name({ kind: 'frontline' }), parts: [name(role('frontline'))] },
  ];
  return [figures, sums];
}

describe('analyseSurvey with weights', () => {
  const profile = (rows: [string, string, number][]) => ({ cells: rows.map(([roleGroup, directorate, headcount]) => ({ roleGroup, directorate, headcount })) });
  const data = handData();
  const tables = tablesFromAnswers(definition, data);

  it('weights estimates to the profile, reports the design effect, and publishes no unweighted counts', () => {
    // Cells: frontline/adults 20, frontline/children 20, manager/place 25, head/children 12, exec/adults 4, it/place 15.
    const result = analyseSurvey(definition, tables, {
      // Margins: exec 8, head 24, manager 100, frontline 800, it 68; adults 408, children 424, place 168.
      profile: profile([
        ['exec', 'adults', 8],
        ['head', 'children', 24],
        ['manager', 'place', 100],
        ['frontline', 'adults', 400],
        ['frontline', 'children', 400],
        ['it', 'place', 68],
      ]),
    });
    expect(result.weighting.status).toBe('weighted');
    if (result.weighting.status !== 'weighted') return;
    expect(result.weighting.designEffect).toBeGreaterThan(1);
    expect(result.weighting.effectiveN).toBeCloseTo(96 / result.weighting.designEffect, 9);
    const engaged = closed(result, 'engaged');
    const total = shown(figure(engaged.groups, TOTAL));
    expect(total.options.every((o) => o.count === undefined)).toBe(true);
    expect(total.effectiveBase).toBeLessThan(total.base);
    // Within one role group raking gives frontline cells weights w_a, w_c with 20 w_a + 20 w_c = 800; the weighted
    // share is then a weighted mean of the two cells' shares, which here are 12/20 and 0/20 (first 20 are adults).
    const front = shown(figure(engaged.groups, role('frontline')));
    expect(front.positive!.estimate).toBeGreaterThan(0);
    expect(hiddenFiguresAreBare(result)).toEqual([]);
  });

  it('uses the weights exactly: a hand example with two cells', () => {
    // Managers (place) and IT (place) only: 25 managers weighted to 100 staff (w = 4), 15 IT to 15 (w = 1).
    // Weighted % very or quite engaged = (4·15 + 1·15)/(4·25 + 1·15) = 75/115 = 0.652174.
    // Kish effective base = (100 + 15)² / (16·25 + 1·15) = 13225/415 = 31.8675.
    const subset = data.filter((a) => a.role === 'manager' || a.role === 'it');
    const result = analyseSurvey(definition, tablesFromAnswers(definition, subset), {
      profile: profile([
        ['manager', '', 100],
        ['it', '', 15],
      ]),
    });
    const total = shown(figure(closed(result, 'engaged').groups, TOTAL));
    expect(total.positive!.estimate).toBeCloseTo(75 / 115, 12);
    expect(total.effectiveBase).toBeCloseTo(13225 / 415, 9);
    if (result.weighting.status === 'weighted') expect(result.weighting.designEffect).toBeCloseTo((40 * 415) / 115 ** 2, 12);
  });

  it('says clearly when weighting is impossible and falls back to unweighted figures', () => {
    const result = analyseSurvey(definition, tables, {
      profile: profile([
        ['exec', '', 8],
        ['head', '', 24],
        ['manager', '', 100],
        ['frontline', '', 800],
      ]),
    });
    expect(result.weighting.status).toBe('refused');
    if (result.weighting.status === 'refused') expect(result.weighting.problems[0]!.message).toMatch(/"it", which the workforce profile does not list/);
    // Unweighted counts come back (weighted results give none): frontline's 40 answers to "engaged".
    expect(shown(figure(closed(result, 'engaged').groups, role('frontline'))).answered).toBe(40);
    // Whatever happens to the weighting, the profile's disclosure rules hold: 8 execs on the staff list is under the
    // threshold, and IT has answers but no staff in it; neither is shown anywhere.
    expect(result.disclosure.profileHidden).toEqual([
      { kind: 'roleGroup', code: 'exec', reason: 'headcount_below_threshold' },
      { kind: 'roleGroup', code: 'it', reason: 'responses_exceed_headcount' },
    ]);
    for (const code of ['exec', 'it']) expect(figure(result.responses, role(code)).shown).toBe(false);
  });
});

describe('analyseSurvey options', () => {
  it('refuses a threshold below 5', () => {
    expect(() => analyseSurvey(definition, { cells: [], answered: [], options: [], numeric: [] }, { threshold: 3 })).toThrow(/at least 5/);
  });

  it('handles empty tables: everything hidden', () => {
    const result = analyseSurvey(definition, { cells: [], answered: [], options: [], numeric: [] });
    expect(figure(closed(result, 'engaged').groups, TOTAL)).toEqual({ shown: false, reason: 'withheld' });
  });

  it('Benjamini-Hochberg is never more conservative than Holm', () => {
    const tables = tablesFromAnswers(definition, handData());
    const holm = analyseSurvey(definition, tables, { adjust: 'holm' });
    const bh = analyseSurvey(definition, tables, { adjust: 'bh', family: 'survey' });
    const holmSig = closed(holm, 'engaged').comparisons.filter((c) => c.result.shown && c.result.value.significant).length;
    const bhVar = analyseSurvey(definition, tables, { adjust: 'bh' });
    expect(closed(bhVar, 'engaged').comparisons.filter((c) => c.result.shown && c.result.value.significant).length).toBeGreaterThanOrEqual(holmSig);
    expect(bh.family).toBe('survey');
  });
});

describe('properties', () => {
  const rolesOnly = rolesOnlyDefinition();
  const answersArb = fc.array(
    fc.record({
      role: fc.constantFrom('exec', 'head', 'manager', 'frontline', 'it'),
      strategy: fc.option(fc.constantFrom('yes', 'no', 'dont_know'), { nil: undefined }),
      engaged: fc.constantFrom('very', 'quite', 'not_very', 'not_at_all'),
    }),
    { minLength: 0, maxLength: 150 },
  );

  it('percentages of a single choice question sum to 100 (± rounding) in every shown group, weighted or not', () => {
    const headcountArb = fc.record({ exec: fc.nat(40), head: fc.nat(80), manager: fc.nat(300), frontline: fc.nat(3000), it: fc.nat(100) });
    fc.assert(
      fc.property(answersArb, headcountArb, (rows, headcount) => {
        const answers = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Answers);
        const tables = tablesFromAnswers(rolesOnly, answers);
        // Staff only in the role groups that answered, so raking can succeed.
        const cells = Object.entries(headcount)
          .filter(([role]) => rows.some((r) => r.role === role))
          .map(([roleGroup, n]) => ({ roleGroup, directorate: '', headcount: n + 1 }));
        const unweighted = analyseSurvey(rolesOnly, tables);
        const weighted = cells.length > 0 ? analyseSurvey(rolesOnly, tables, { profile: { cells } }) : unweighted;
        if (cells.length > 0) expect(weighted.weighting.status).toBe('weighted');
        for (const g of [unweighted, weighted].flatMap((result) => closed(result, 'strategy').groups)) {
          if (!g.figure.shown) continue;
          const options = g.figure.value.options;
          expect(options.reduce((s, o) => s + o.proportion.estimate, 0)).toBeCloseTo(1, 12);
          const rounded = options.reduce((s, o) => s + Number.parseInt(formatPercent(o.proportion.estimate), 10), 0);
          expect(Math.abs(rounded - 100)).toBeLessThanOrEqual(options.length / 2);
          for (const o of options) {
            expect(o.proportion.lower).toBeLessThanOrEqual(o.proportion.estimate + 1e-12);
            expect(o.proportion.upper).toBeGreaterThanOrEqual(o.proportion.estimate - 1e-12);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('no hidden group is recoverable in the published output (with directorates and the perception gap)', () => {
    const arb = fc.array(
      fc.record({
        role: fc.constantFrom('exec', 'head', 'manager', 'frontline', 'it'),
        directorate: fc.option(fc.constantFrom('adults', 'children', 'place'), { nil: undefined }),
        engaged: fc.constantFrom('very', 'quite', 'not_very', 'not_at_all'),
        understand: fc.option(fc.constantFrom('agree', 'disagree', 'dont_know'), { nil: undefined }),
      }),
      { minLength: 0, maxLength: 120 },
    );
    fc.assert(
      fc.property(arb, (rows) => {
        const answers = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Answers);
        const result = analyseSurvey(definition, tablesFromAnswers(definition, answers), { crossTab: true });
        for (const q of ['engaged', 'understand']) {
          const v = closed(result, q);
          expect(recoverable(...figuresOf(v, answers))).toEqual([]);
        }
        expect(hiddenFiguresAreBare(result)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
