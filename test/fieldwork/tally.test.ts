import { describe, expect, it } from 'vitest';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../../src/admin/demo.js';
import { tally } from '../../src/fieldwork/tally.js';

const definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);

describe('what one response adds to the maintained counts', () => {
  it('carries the respondent’s index scores, so indices are available for every submitted response', () => {
    const result = tally(definition, {
      role: 'frontline',
      engaged: 'quite',
      strategy: 'yes',
      strategy_achievable: 'disagree',
      culture: { asked_opinion: 'strongly_agree', listened: 'dont_know' },
    });
    const score = (variable: string) => result.numeric.find((n) => n.variable === variable)?.value;
    // Engagement: quite engaged scores 2/3 of the way from "not at all" (0) to "very" (100).
    expect(score('index:engagement')).toBeCloseTo(66.6667, 4);
    // Strategy and leadership: yes = 100 and disagree = 25, leadership unanswered: (100 + 25) / 2.
    expect(score('index:strategy_leadership')).toBeCloseTo(62.5, 10);
    // Culture and engagement: engaged 66.67 and strongly agree 100; "don't know" is not scored.
    expect(score('index:culture_engagement')).toBeCloseTo((200 / 3 + 100) / 2, 10);
    // A dimension none of whose items was answered adds nothing.
    expect(result.numeric.some((n) => n.variable === 'index:technology_data')).toBe(false);
  });
});
