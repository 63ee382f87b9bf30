import { describe, expect, it } from 'vitest';
import { indexScores } from '../../src/analysis/indices.js';
import { fixtureDefinition } from './fixtures/definition.js';

const definition = fixtureDefinition();

describe('indexScores (per respondent, 0-100)', () => {
  it('scores each index from the mapped items in the definition', () => {
    const scores = indexScores(definition, {
      role: 'frontline',
      engaged: 'quite', // 66.67
      understand: 'agree', // 75
      strategy: 'yes', // scores: yes 100
      maturity: { strat: 'strongly_agree', skills: 'disagree', tech: 'agree' }, // 100, 25, tech reversed: 100 − 75 = 25
    });
    expect(scores.engagement).toBeCloseTo(200 / 3, 12);
    expect(scores.strategy_leadership).toBeCloseTo((75 + 100) / 2, 12);
    expect(scores.skills).toBe(25);
    expect(scores.technology).toBeCloseTo((25 + 100) / 2, 12);
    // Overall maturity: mean of the three dimension scores (87.5 + 25 + 62.5)/3 = 58.333.
    expect(scores._overall).toBeCloseTo((87.5 + 25 + 62.5) / 3, 12);
  });

  it('does not score "don\'t know" or options without a score, and gives null when nothing is scored', () => {
    const scores = indexScores(definition, { role: 'it', understand: 'dont_know', strategy: 'dont_know' });
    expect(scores.strategy_leadership).toBeNull();
    expect(scores.technology).toBeNull();
    expect(scores.engagement).toBeNull();
    expect(scores._overall).toBeNull();
  });

  it('uses only the items answered', () => {
    const scores = indexScores(definition, { role: 'it', maturity: { strat: 'disagree' } });
    expect(scores.strategy_leadership).toBe(25);
    expect(scores.skills).toBeNull();
    expect(scores._overall).toBe(25);
  });
});
