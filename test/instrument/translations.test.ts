import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateDefinitionText } from '../../src/instrument/validate.js';
import { minimalDefinition } from '../fixtures/minimal-definition.js';

/** Gives every respondent-facing string of a definition a Welsh version (in place). */
function addWelsh(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(addWelsh);
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const [key, entry] of Object.entries(record)) {
    if (['text', 'label', 'title', 'description', 'hint', 'suffix', 'requiredMessage'].includes(key) && typeof entry === 'string') record[key] = { en: entry, cy: `(cy) ${entry}` };
    else addWelsh(entry);
  }
}

describe('per-question error messages and their translations', () => {
  it('accepts a question with its own message for a blank answer, in both languages', () => {
    const definition = minimalDefinition();
    definition.languages = ['en', 'cy'];
    definition.sections[0].questions[0].requiredMessage = 'Select your role';
    addWelsh(definition);
    const result = validateDefinitionText(stringify(definition));
    expect(result.ok && result.definition.sections[0]!.questions[0]!.requiredMessage).toEqual({ en: 'Select your role', cy: '(cy) Select your role' });
  });

  it('rejects a definition declaring Welsh with every missing Welsh string listed by path, the error message included', () => {
    const definition = minimalDefinition();
    definition.languages = ['en', 'cy'];
    addWelsh(definition);
    definition.sections[0].questions[0].requiredMessage = 'Select your role';
    definition.sections[0].title = 'About you';
    definition.sections[1].questions[0].options[1].label = { en: 'No' };
    const result = validateDefinitionText(stringify(definition));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => `${p.path}: ${p.message}`).sort()).toEqual(
      [
        'sections[0].questions[0].requiredMessage: has no Welsh (cy) text. Add it.',
        'sections[0].title: has no Welsh (cy) text. Add it.',
        'sections[1].questions[0].options[1].label: has no Welsh (cy) text. Add it.',
      ].sort(),
    );
    expect(result.problems.every((p) => typeof p.line === 'number')).toBe(true);
  });
});
