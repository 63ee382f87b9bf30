import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../src/instrument/validate.js';
import { firstIncompleteSection, keepShownAnswers, nextSection, previousSection, shownQuestions, shownSections } from '../../src/fieldwork/journey.js';

const result = validateDefinition({
  code: 'route',
  version: 1,
  title: 'Route',
  estimatedMinutes: 2,
  segments: { roleGroup: 'role' },
  audiences: [
    { code: 'staff', label: 'Staff', roleGroups: ['frontline'] },
    { code: 'leaders', label: 'Leaders', roleGroups: ['chief'] },
  ],
  sections: [
    {
      code: 'about',
      title: 'About',
      questions: [
        {
          code: 'role',
          type: 'single',
          text: 'Role',
          options: [
            { code: 'frontline', label: 'Frontline' },
            { code: 'chief', label: 'Chief' },
          ],
        },
      ],
    },
    {
      code: 'strategy',
      title: 'Strategy',
      questions: [
        {
          code: 'has_strategy',
          type: 'single',
          text: 'Strategy?',
          options: [
            { code: 'yes', label: 'Yes' },
            { code: 'no', label: 'No' },
          ],
        },
        { code: 'achievable', type: 'agree', text: 'Achievable', showIf: { question: 'has_strategy', anyOf: ['yes'] } },
      ],
    },
    { code: 'invest', title: 'Investment', audiences: ['leaders'], questions: [{ code: 'invest', type: 'agree', text: 'Invest' }] },
    { code: 'last', title: 'Last', questions: [{ code: 'change', type: 'text', text: 'One change', required: false }] },
  ],
});
if (!result.ok) throw new Error(JSON.stringify(result.problems));
const definition = result.definition;
const codes = (list: { code: string }[]) => list.map((s) => s.code);

describe('journey', () => {
  it('shows only the first section until the role group is known', () => {
    expect(codes(shownSections(definition, {}))).toEqual(['about']);
  });

  it('gives each audience its own question set', () => {
    expect(codes(shownSections(definition, { role: 'frontline' }))).toEqual(['about', 'strategy', 'last']);
    expect(codes(shownSections(definition, { role: 'chief' }))).toEqual(['about', 'strategy', 'invest', 'last']);
  });

  it('skips a question whose showIf does not hold', () => {
    const strategy = definition.sections[1]!;
    expect(codes(shownQuestions(definition, strategy, { role: 'frontline', has_strategy: 'no' }))).toEqual(['has_strategy']);
    expect(codes(shownQuestions(definition, strategy, { role: 'frontline', has_strategy: 'yes' }))).toEqual(['has_strategy', 'achievable']);
  });

  it('moves forward and back through the shown sections only', () => {
    const answers = { role: 'frontline' };
    expect(nextSection(definition, 'strategy', answers)?.code).toBe('last');
    expect(previousSection(definition, 'last', answers)?.code).toBe('strategy');
    expect(previousSection(definition, 'about', answers)).toBeUndefined();
    expect(nextSection(definition, 'last', answers)).toBeUndefined();
  });

  it('drops answers to questions no longer shown after an earlier answer changes', () => {
    const answers = { role: 'frontline', has_strategy: 'no', achievable: 'agree', invest: 'agree' } as const;
    expect(keepShownAnswers(definition, { ...answers })).toEqual({ role: 'frontline', has_strategy: 'no' });
  });

  it('finds the first section with a required question unanswered', () => {
    expect(firstIncompleteSection(definition, { role: 'chief', has_strategy: 'no' })?.code).toBe('invest');
    expect(firstIncompleteSection(definition, { role: 'frontline', has_strategy: 'no' })).toBeUndefined();
  });
});
