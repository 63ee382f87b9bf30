import { describe, expect, it } from 'vitest';
import { dimensionsHeadline, findingClause, gapHeadline, lowerFirst, publishedHeadline } from '../../src/reporting/headlines.js';

describe('headline templates', () => {
  it('says which group is more likely, in the direction of the figures, for each kind of measure', () => {
    expect(gapHeadline('Senior leaders', 'Frontline staff', { kind: 'statement', text: 'Our organisation is missing key opportunities to use digital technology' }, '70%', '14%', true)).toBe(
      'Senior leaders are more likely than frontline staff to agree that “Our organisation is missing key opportunities to use digital technology” (70% against 14%), a significant gap.',
    );
    expect(gapHeadline('Senior leaders', 'Frontline staff', { kind: 'own_engagement', text: 'How engaged are you with digital change?' }, '56%', '74%', false)).toBe(
      'Frontline staff are more likely than senior leaders to say they are very or quite engaged (“How engaged are you with digital change”) (74% against 56%), a significant gap.',
    );
    expect(gapHeadline('Senior leaders', 'Frontline staff', { kind: 'rating', group: 'Councillors' }, '20%', '45%', false)).toBe(
      'Frontline staff are more likely than senior leaders to rate councillors as very or quite engaged (45% against 20%), a significant gap.',
    );
  });

  it('names a highest or lowest dimension only when its interval clears every other', () => {
    const d = (name: string, score: string, lower: number, upper: number) => ({ name, score, lower, upper });
    expect(dimensionsHeadline([d('Skills and capability', '46', 42, 49), d('Security and trust', '42', 38, 46), d('Culture and engagement', '41', 38, 45)])).toBe(
      'The digital maturity dimensions score from 41 to 46 out of 100; their 95% intervals overlap, so no dimension stands out as highest or lowest.',
    );
    expect(dimensionsHeadline([d('Skills and capability', '66', 62, 69), d('Security and trust', '42', 38, 46), d('Culture and engagement', '41', 38, 45)])).toBe(
      'Of the digital maturity dimensions, skills and capability scores highest (66 out of 100); the others’ intervals overlap.',
    );
    expect(dimensionsHeadline([d('Skills and capability', '66', 62, 69), d('Security and trust', '50', 47, 53), d('Culture and engagement', '31', 28, 35)])).toBe(
      'Of the digital maturity dimensions, skills and capability scores highest (66 out of 100) and culture and engagement lowest (31).',
    );
  });

  it('turns each published statement into a grammatical clause', () => {
    expect(findingClause({ statement: 'fully confident of sufficient funding for digital requirements', theme: 'funding' })).toBe(
      'are fully confident of sufficient funding for digital requirements',
    );
    expect(findingClause({ statement: 'the organisation has a digital strategy (senior staff)', theme: 'strategy' })).toBe('say that the organisation has a digital strategy');
    expect(findingClause({ statement: 'have implemented automated technology', theme: 'automation' })).toBe('have implemented automated technology');
    expect(findingClause({ statement: 'cultural issues', theme: 'barriers' })).toBe('name cultural issues as a barrier');
    expect(
      publishedHeadline('Senior leaders', '75%', { statement: 'the organisation has a digital strategy (senior staff)', theme: 'strategy' }, '80%', '8x8 survey (year not published)', false),
    ).toBe('Senior leaders here: 75% say that the organisation has a digital strategy, significantly below the 80% in 8x8 survey (year not published).');
  });

  it('keeps acronyms and role labels as written when lower-casing the first letter', () => {
    expect(lowerFirst('IT or digital team')).toBe('IT or digital team');
    expect(lowerFirst('Frontline staff')).toBe('frontline staff');
  });
});
