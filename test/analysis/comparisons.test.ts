import { describe, expect, it } from 'vitest';
import { analyseSurvey } from '../../src/analysis/analyse.js';
import { tablesFromAnswers } from '../../src/analysis/aggregate.js';
import { benchmark, benchmarkQuantile, benchmarkQuartiles, closedMeasureKey, headlineMeasures, quantile, type Participant } from '../../src/analysis/benchmark.js';
import { compareWaves } from '../../src/analysis/waves.js';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../../src/instrument/load.js';
import { loadPublishedFindings } from '../../src/instrument/published-findings.js';
import type { PublishedComparison } from '../../src/analysis/published.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { assign, list, times } from './fixtures/respondents.js';

const definition = fixtureDefinition();

function wave(positiveFrontline: number, positiveManagers: number): Answers[] {
  const frontline = times(100, { role: 'frontline', directorate: 'adults' });
  assign(frontline, 'engaged', list({ quite: positiveFrontline, not_very: 100 - positiveFrontline }));
  const managers = times(50, { role: 'manager', directorate: 'place' });
  assign(managers, 'engaged', list({ very: positiveManagers, not_at_all: 50 - positiveManagers }));
  return [...frontline, ...managers, ...times(3, { role: 'exec', directorate: 'adults', engaged: 'very' })];
}

describe('wave on wave', () => {
  it('tests the change in each shown figure, and hides it where either wave hides it', () => {
    const now = analyseSurvey(definition, tablesFromAnswers(definition, wave(60, 25)));
    const before = analyseSurvey(definition, tablesFromAnswers(definition, wave(40, 25)));
    const changes = compareWaves(now, before);
    const front = changes.find((c) => c.question === 'engaged' && c.group.kind === 'roleGroup' && c.group.code === 'frontline' && c.measure === 'positive')!;
    if (!front.change.shown) throw new Error('expected a shown change');
    // 60/100 vs 40/100: pooled 0.5, SE √(0.25 · 0.02) = 0.0707107, z = 0.2/0.0707107 = 2.828427, P = 0.004678.
    expect(front.change.value.difference).toBeCloseTo(0.2, 12);
    expect(front.change.value.statistic).toBeCloseTo(2.828427, 5);
    expect(front.change.value.p).toBeCloseTo(0.004678, 5);
    expect(front.change.value.pAdjusted).toBeGreaterThanOrEqual(front.change.value.p);
    // Newcombe (1998) method 10 for 60/100 − 40/100, by hand from the Wilson limits
    // (0.502003, 0.690599) and (0.309401, 0.497997): lower 0.2 − √(0.097997² + 0.097997²) = 0.061411,
    // upper 0.2 + √(0.090599² + 0.090599²) = 0.328126.
    expect(front.change.value.lower).toBeCloseTo(0.061411, 5);
    expect(front.change.value.upper).toBeCloseTo(0.328126, 5);
    const exec = changes.find((c) => c.question === 'engaged' && c.group.kind === 'roleGroup' && c.group.code === 'exec')!;
    expect(exec.change).toEqual({ shown: false, reason: 'withheld' });
  });
});

describe('benchmarks', () => {
  it('quartiles interpolate between order statistics (type 7)', () => {
    // 1..9: median 5, quartiles at positions 2 and 6 (0-based) → 3 and 7. For 1..4: Q1 at position 0.75 → 1.75.
    const nine = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(quantile(nine, 0.5)).toBe(5);
    expect(quantile(nine, 0.25)).toBe(3);
    expect(quantile(nine, 0.75)).toBe(7);
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
  });

  it('compares with the median and quartiles, overall and among similar councils, hiding thin benchmarks', () => {
    const key = closedMeasureKey('engaged', '', 'positive');
    // Eighths, so every sum and half below is exact in binary and can be checked by hand.
    const orgs: Participant[] = [
      { organisation: 'a', type: 'district', nation: 'wales', measures: { [key]: 0.25 } },
      { organisation: 'b', type: 'district', nation: 'england', measures: { [key]: 0.375 } },
      { organisation: 'c', type: 'county', nation: 'england', measures: { [key]: 0.5 } },
      { organisation: 'd', type: 'district', nation: 'england', measures: { [key]: 0.625 } },
      { organisation: 'e', type: 'unitary', nation: 'england', measures: { [key]: 0.75 } },
      { organisation: 'f', type: 'district', nation: 'england', measures: {} }, // under the threshold: no figure
    ];
    const [result] = benchmark({ organisation: 'b', type: 'district', nation: 'england' }, orgs);
    expect(result!.own).toBe(0.375);
    const all = result!.comparators.find((c) => c.set === 'all')!;
    if (!all.figure.shown) throw new Error('expected a shown benchmark');
    // Five evenly spaced figures: type 7 gives 0.5 (c's own figure) as the median; widened to the midpoint of 0.375 and 0.625 it
    // is 0.5 again, so it becomes the midpoint below, (0.375 + 0.5) / 2 = 0.4375. The lower quartile 0.375 (b's) widens to
    // (0.25 + 0.5) / 2 = 0.375 again, so (0.25 + 0.375) / 2 = 0.3125; the upper 0.625 to (0.625 + 0.75) / 2 = 0.6875.
    expect(all.figure.value.organisations).toBe(5);
    expect(all.figure.value.median).toBe(0.4375);
    expect(all.figure.value.lowerQuartile).toBe(0.3125);
    expect(all.figure.value.upperQuartile).toBe(0.6875);
    expect(all.figure.value.differenceFromMedian).toBe(-0.0625);
    expect(all.figure.value.position).toBe('middle_half');
    const type = result!.comparators.find((c) => c.set === 'type')!;
    expect(type.figure).toEqual({ shown: false, reason: 'too_few_organisations' });
  });

  it('never gives one organisation’s exact figure as a quantile: interpolated between two, or widened (hand-computed)', () => {
    // Six distinct figures: type 7 falls strictly between two figures and is kept.
    // Median at position 2.5: (4 + 5) / 2 / 8 = 0.5625; lower quartile at 1.25: 2/8 + 0.25 · 2/8 = 0.3125; upper at 3.75: 5/8 + 0.75 · 2/8 = 0.8125.
    const six = [1, 2, 4, 5, 7, 8].map((x) => x / 8);
    expect([0.25, 0.5, 0.75].map((p) => benchmarkQuantile(six, p))).toEqual([0.3125, 0.5625, 0.8125]);
    // Five figures, unevenly spaced: each quantile lands on a figure and widens to the midpoint of its neighbours.
    // Median 0.5 → (0.25 + 0.625) / 2 = 0.4375; lower 0.25 → (0.125 + 0.5) / 2 = 0.3125; upper 0.625 → (0.5 + 1) / 2 = 0.75.
    const five = [0.125, 0.25, 0.5, 0.625, 1];
    expect([0.25, 0.5, 0.75].map((p) => benchmarkQuantile(five, p))).toEqual([0.3125, 0.4375, 0.75]);
    // Tied figures: the median between two 0.5s is 0.5, three organisations' figure; widened to (0.25 + 0.75) / 2 = 0.5, still
    // theirs, so the midpoint below: (0.25 + 0.5) / 2 = 0.375.
    expect(benchmarkQuantile([0.25, 0.5, 0.5, 0.5, 0.75, 1], 0.5)).toBe(0.375);
    // Every figure the same: any quantile would be everyone's, so the benchmark is not given.
    expect(benchmarkQuantile([0.5, 0.5, 0.5, 0.5, 0.5], 0.5)).toBeUndefined();
    const key = closedMeasureKey('engaged', '', 'positive');
    const same = ['a', 'b', 'c', 'd', 'e'].map((organisation) => ({ organisation, measures: { [key]: 0.5 } }));
    expect(benchmark({ organisation: 'a' }, same)[0]!.comparators[0]!.figure).toEqual({ shown: false, reason: 'withheld' });
  });

  it('over many sets of figures with ties, no median or quartile is ever a participant’s figure, and the quartiles never cross the median (2,000 random sets)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 2000; trial++) {
      const n = 5 + Math.floor(random() * 12);
      // Figures on a coarse grid (as proportions of small counts are), so ties and even spacing are common.
      const figures = Array.from({ length: n }, () => Math.floor(random() * 9) / 8).sort((a, b) => a - b);
      const quartiles = benchmarkQuartiles(figures);
      if (new Set(figures).size === 1) {
        expect(quartiles).toBeUndefined();
        continue;
      }
      const { lowerQuartile, median, upperQuartile } = quartiles!;
      for (const q of [lowerQuartile, median, upperQuartile]) expect(figures, `quantile ${q} of ${figures.join(', ')}`).not.toContain(q);
      expect(lowerQuartile).toBeLessThanOrEqual(median);
      expect(median).toBeLessThanOrEqual(upperQuartile);
      // Among similar councils (a subset of at least 5), no figure of the round's other councils either.
      const outside = Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * 17) / 16);
      const round = new Set([...figures, ...outside]);
      const among = benchmarkQuartiles(figures, round);
      if (among) for (const q of Object.values(among)) expect([...round], `quantile ${q} of ${figures.join(', ')} within ${[...round].join(', ')}`).not.toContain(q);
    }
  });

  it('takes an organisation’s contribution only from its published whole-organisation figures', () => {
    const analysis = analyseSurvey(definition, tablesFromAnswers(definition, wave(60, 25)));
    const measures = headlineMeasures(analysis);
    // 60 + 25 + 3 positive of 153.
    expect(measures[closedMeasureKey('engaged', '', 'positive')]).toBeCloseTo(88 / 153, 12);
    const tiny = analyseSurvey(definition, tablesFromAnswers(definition, times(6, { role: 'it', engaged: 'very' })));
    expect(headlineMeasures(tiny)).toEqual({});
  });
});

describe('published findings, like for like', () => {
  const standard = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
  // Senior executives 15 + heads of service 25 (the leaders, 40), frontline 40, procurement 15,
  // and two groups under the threshold of 10: councillors 6 and IT 4 (together 10, so they hide each other).
  const leaders = [
    ...assign(times(15, { role: 'senior_executive', engaged: 'quite' }), 'strategy', list({ yes: 12, no: 3 })),
    ...assign(times(25, { role: 'head_of_service', engaged: 'quite' }), 'strategy', list({ yes: 18, no: 7 })),
  ];
  const frontline = assign(times(40, { role: 'frontline' }), 'strategy', list({ yes: 20, no: 20 }));
  assign(frontline, 'engaged', list({ very: 2, quite: 30, not_very: 6, not_at_all: 2 }));
  assign(frontline, 'engaged_groups', [...Array.from({ length: 10 }, () => ({ councillors: 'very' })), ...Array.from({ length: 30 }, () => ({ councillors: 'not_very' }))]);
  for (const r of [...leaders, ...frontline]) r.barriers = { selected: ['culture'] };
  const procurement = assign(times(15, { role: 'procurement', engaged: 'quite' }), 'strategy', list({ yes: 6, no: 9 }));
  assign(procurement, 'barriers', [...Array.from({ length: 6 }, () => ({ selected: ['resistance'] })), ...Array.from({ length: 9 }, () => ({ selected: ['budget'] }))]);
  const small = [
    ...assign(times(6, { role: 'elected_member', engaged: 'very' }), 'strategy', list({ yes: 3, no: 3 })),
    ...assign(times(4, { role: 'it_digital', engaged: 'very' }), 'strategy', list({ yes: 2, no: 2 })),
  ];
  const analysis = analyseSurvey(standard, tablesFromAnswers(standard, [...leaders, ...frontline, ...procurement, ...small]), { findings: loadPublishedFindings() });
  const find = (question: string, statement: string, basis: 'respondents' | 'rating' = 'respondents') =>
    analysis.published.find((p) => p.question === question && p.finding.statement === statement && p.basis === basis)!;
  const value = (p: PublishedComparison) => {
    if (!p.result.shown) throw new Error(`expected "${p.finding.statement}" to be shown`);
    return p.result.value;
  };

  it('compares the senior staff figure with this survey’s senior leaders, not with everyone', () => {
    const senior = find('strategy', 'the organisation has a digital strategy (senior staff)');
    expect(senior.group).toEqual({ kind: 'leaders' });
    const r = value(senior);
    // 30 of the 40 leaders say yes, against 80%: z = (0.75 − 0.8)/√(0.8·0.2/40) = −0.790569, two-sided P = erfc(0.790569/√2) = 0.429195.
    expect(r.proportion.estimate).toBeCloseTo(0.75, 12);
    expect(r.statistic).toBeCloseTo(-0.790569, 5);
    expect(r.p).toBeCloseTo(0.429195, 5);
    expect(r.alternative).toBe('two-sided');
    // The all-staff figure is still compared with everyone: 61 of 105 against 65%, z = −1.483381, P = 0.137973.
    const all = find('strategy', 'aware that a digital strategy exists (all staff)');
    expect(all.group).toEqual({ kind: 'total' });
    expect(value(all).proportion.estimate).toBeCloseTo(61 / 105, 12);
    expect(value(all).p).toBeCloseTo(0.137973, 5);
  });

  it('compares the procurement figure with procurement staff', () => {
    const p = find('barriers', 'certain individuals are holding back technology adoption (IT procurement staff)');
    expect(p.group).toEqual({ kind: 'roleGroup', code: 'procurement' });
    // 6 of 15 against 35%: z = 0.05/√(0.35·0.65/15) = 0.405999, P = 0.684743.
    expect(value(p).proportion.estimate).toBeCloseTo(0.4, 12);
    expect(value(p).statistic).toBeCloseTo(0.405999, 5);
    expect(value(p).p).toBeCloseTo(0.684743, 5);
  });

  it('tests a published bound one-sided', () => {
    const p = find('engaged', 'frontline staff not very or not at all engaged (more than)');
    expect(p.group).toEqual({ kind: 'roleGroup', code: 'frontline' });
    const r = value(p);
    // 8 of 40 frontline staff not engaged against "more than 40%": z = (0.2 − 0.4)/√(0.4·0.6/40) = −2.581989;
    // one-sided P = Φ(−2.581989) = 0.004912 (the two-sided test would give 0.009823).
    expect(r.alternative).toBe('less');
    expect(r.proportion.estimate).toBeCloseTo(0.2, 12);
    expect(r.statistic).toBeCloseTo(-2.581989, 5);
    expect(r.p).toBeCloseTo(0.004912, 5);
    // An exact figure for the same group stays two-sided: 2 of 40 very engaged against 11%, P = 0.225206.
    const very = find('engaged', 'frontline service staff very engaged in digital matters');
    expect(value(very).alternative).toBe('two-sided');
    expect(value(very).p).toBeCloseTo(0.225206, 5);
  });

  it('compares the engagement grid, separately, as everyone’s rating of the group', () => {
    const rating = find('engaged_groups', 'councillors very engaged in digital matters', 'rating');
    expect(rating.item).toBe('councillors');
    expect(rating.group).toEqual({ kind: 'total' });
    // 10 of the 40 who rated councillors say "very engaged", against 13%: z = 2.256732, P = 0.024025.
    expect(value(rating).proportion.estimate).toBeCloseTo(0.25, 12);
    expect(value(rating).p).toBeCloseTo(0.024025, 5);
  });

  it('never compares a hidden group, and says whose figure it is in words', () => {
    const councillors = find('engaged', 'councillors very engaged in digital matters');
    expect(councillors.group).toEqual({ kind: 'roleGroup', code: 'elected_member' });
    expect(councillors.result).toEqual({ shown: false, reason: 'withheld' });
    expect(find('engaged', 'heads of service very engaged in digital matters').describes).toBe(
      'PublicTechnology Local Government Digital Transformation Report (2024): 75 respondents, senior representatives of UK councils, reporting on their organisation, at 75 organisations',
    );
    expect(find('strategy', 'the organisation has a formal digital transformation strategy').describes).toBe(
      'iGov survey of public servants (2017): 235 respondents, public servants at councils and central government, at 180 organisations',
    );
  });

  it('says why a finding has no like-for-like group', () => {
    // A definition whose senior segment is not mapped: the comparison is listed as unavailable, never made with everyone.
    const unmapped = { ...standard, publishedSegments: { ...standard.publishedSegments } };
    delete (unmapped.publishedSegments as Record<string, unknown>).senior;
    const result = analyseSurvey(unmapped, tablesFromAnswers(unmapped, [...leaders, ...frontline]), { findings: loadPublishedFindings() });
    const senior = result.published.find((p) => p.finding.segment === 'senior')!;
    expect(senior.unavailable).toBe('segment_not_mapped');
    expect(senior.group).toBeUndefined();
    expect(senior.result).toEqual({ shown: false, reason: 'withheld' });
  });
});
