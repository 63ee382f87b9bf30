import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../src/instrument/validate.js';
import { readSection } from '../../src/fieldwork/answer-form.js';

const result = validateDefinition({
  code: 'form',
  version: 1,
  title: 'Form',
  estimatedMinutes: 2,
  segments: { roleGroup: 'role' },
  audiences: [{ code: 'all', label: 'All', roleGroups: ['staff', 'other_role'] }],
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
            { code: 'staff', label: 'Staff' },
            { code: 'other_role', label: 'Other' },
          ],
        },
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
        { code: 'years', type: 'number', text: 'Years', min: 0, max: 60, required: false },
      ],
    },
  ],
});
if (!result.ok) throw new Error(JSON.stringify(result.problems));
const definition = result.definition;
const section = definition.sections[0]!;

describe('reading a section form', () => {
  it('reports every missing or wrong answer at once, in page order', () => {
    const read = readSection(definition, section, { role: 'nonsense', years: 'ten' }, {});
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.errors).toEqual([
      { field: 'role', code: 'invalid_option' },
      { field: 'has_strategy', code: 'required' },
      { field: 'years', code: 'not_a_number' },
    ]);
  });

  it('asks a question shown by an answer on the same page, and skips it otherwise', () => {
    const withYes = readSection(definition, section, { role: 'staff', has_strategy: 'yes' }, {});
    expect(withYes.ok).toBe(false);
    if (!withYes.ok) expect(withYes.errors).toEqual([{ field: 'achievable', code: 'required' }]);
    const withNo = readSection(definition, section, { role: 'staff', has_strategy: 'no', achievable: 'agree' }, {});
    expect(withNo).toEqual({ ok: true, answers: { role: 'staff', has_strategy: 'no' } });
  });

  it('replaces the section’s earlier answers, so clearing an optional answer removes it', () => {
    const read = readSection(definition, section, { role: 'staff', has_strategy: 'no', years: '' }, { role: 'staff', has_strategy: 'no', years: 3 });
    expect(read).toEqual({ ok: true, answers: { role: 'staff', has_strategy: 'no' } });
  });
});
