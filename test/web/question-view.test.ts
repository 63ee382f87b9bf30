import { describe, expect, it } from 'vitest';
import { sectionViews } from '../../src/web/question-view.js';
import { standardInstrument } from '../support/app.js';
import { minimalDefinition } from '../fixtures/minimal-definition.js';
import { validateDefinitionText } from '../../src/instrument/validate.js';
import { stringify } from 'yaml';

const definition = standardInstrument();
const section = (code: string) => definition.sections.find((s) => s.code === code)!;
const names = (views: ReturnType<typeof sectionViews>) => views.map((v) => (v.macro === 'matrix' ? v.legend : (v.params.name as string)));
const hintOf = (views: ReturnType<typeof sectionViews>, name: string) => {
  const view = views.find((v) => v.macro !== 'matrix' && v.params.name === name);
  return view && view.macro !== 'matrix' ? (view.params.hint as { text: string } | undefined)?.text : undefined;
};

describe('section pages: a question shown by an answer on the same page', () => {
  it('is on the page before the answer is given, with a hint naming the answer, in English and Welsh', () => {
    const views = sectionViews(definition, section('strategy'), { role: 'frontline' }, {}, [], 'en');
    expect(names(views)).toEqual(['strategy', 'strategy_achievable']);
    expect(hintOf(views, 'strategy_achievable')).toBe('Only answer this if you answered “Yes” above. Say how far you agree or disagree.');
    expect(hintOf(views, 'strategy')).not.toContain('Only answer');
    const welsh = sectionViews(definition, section('strategy'), { role: 'frontline' }, {}, [], 'cy');
    expect(hintOf(welsh, 'strategy_achievable')).toMatch(/^Atebwch hwn dim ond os gwnaethoch ateb “Oes” uchod\./);
  });

  it('stays on the page whatever the answer (the server drops an answer given when the condition fails)', () => {
    expect(names(sectionViews(definition, section('strategy'), { role: 'frontline', strategy: 'no' }, {}, [], 'en'))).toEqual(['strategy', 'strategy_achievable']);
  });

  it('is not shown when the question it depends on is in an earlier section and the condition fails', () => {
    const mini = minimalDefinition();
    // Point the condition at the first section's question: the dependent question is then on a later page.
    const dependent = mini.sections[1].questions.find((q: { showIf?: { question: string } }) => q.showIf);
    if (!dependent) return expect.fail('fixture has no showIf question');
    dependent.showIf = { question: 'role', anyOf: ['senior'] };
    const result = validateDefinitionText(stringify(mini));
    if (!result.ok) return expect.fail(JSON.stringify(result.problems));
    const views = sectionViews(result.definition, result.definition.sections[1]!, { role: 'frontline' }, {}, [], 'en');
    expect(names(views)).not.toContain(dependent.code);
    expect(names(sectionViews(result.definition, result.definition.sections[1]!, { role: 'senior' }, {}, [], 'en'))).toContain(dependent.code);
  });
});
