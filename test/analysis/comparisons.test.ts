import { describe, expect, it } from 'vitest';
import { analyseSurvey } from '../../src/analysis/analyse.js';
import { tablesFromAnswers } from '../../src/analysis/aggregate.js';
import { benchmark, closedMeasureKey, headlineMeasures, quantile, type Participant } from '../../src/analysis/benchmark.js';
import { compareWaves } from '../../src/analysis/waves.js';
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
    const orgs: Participant[] = [
      { organisation: 'a', type: 'district', nation: 'wales', measures: { [key]: 0.3 } },
      { organisation: 'b', type: 'district', nation: 'england', measures: { [key]: 0.4 } },
      { organisation: 'c', type: 'county', nation: 'england', measures: { [key]: 0.5 } },
      { organisation: 'd', type: 'district', nation: 'england', measures: { [key]: 0.6 } },
      { organisation: 'e', type: 'unitary', nation: 'england', measures: { [key]: 0.7 } },
      { organisation: 'f', type: 'district', nation: 'england', measures: {} }, // under the threshold: no figure
    ];
    const [result] = benchmark({ organisation: 'b', type: 'district', nation: 'england' }, orgs);
    expect(result!.own).toBe(0.4);
    const all = result!.comparators.find((c) => c.set === 'all')!;
    if (!all.figure.shown) throw new Error('expected a shown benchmark');
    // 0.3, 0.4, 0.5, 0.6, 0.7: median 0.5, quartiles 0.4 and 0.6; b is at the lower quartile, so in the middle half.
    expect(all.figure.value.organisations).toBe(5);
    expect(all.figure.value.median).toBeCloseTo(0.5, 12);
    expect(all.figure.value.lowerQuartile).toBeCloseTo(0.4, 12);
    expect(all.figure.value.upperQuartile).toBeCloseTo(0.6, 12);
    expect(all.figure.value.differenceFromMedian).toBeCloseTo(-0.1, 12);
    expect(all.figure.value.position).toBe('middle_half');
    const type = result!.comparators.find((c) => c.set === 'type')!;
    expect(type.figure).toEqual({ shown: false, reason: 'too_few_organisations' });
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
