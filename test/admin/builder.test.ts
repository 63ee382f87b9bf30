import { describe, expect, it } from 'vitest';
import {
  addQuestion,
  addSection,
  blankDefinition,
  changeDraft,
  editAudiences,
  editQuestion,
  editSettings,
  LOCKED_REASON,
  lockedQuestions,
  missingWelsh,
  moveQuestion,
  moveSection,
  questionFormOf,
  removeQuestion,
  removeSection,
  sectionFormOf,
  setCondition,
  settingsFormOf,
  standardDefinition,
  type BuilderResult,
  type QuestionForm,
} from '../../src/admin/builder.js';
import { changeWaveState } from '../../src/admin/waves.js';
import { findQuestion, type TDefinition } from '../../src/instrument/definition.js';
import { definitionYaml, validateDefinition, validateDefinitionText } from '../../src/instrument/validate.js';
import { Refusal } from '../../src/publications/service.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, findSurveyById, publishInstrument, replaceDraftInstrument } from '../../src/storage/surveys.js';
import { testDatabases } from '../support/app.js';
import { TEST_ACTOR } from '../support/waves.js';

function ok(result: BuilderResult): TDefinition {
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  // Every result is a definition in the files' format.
  expect(validateDefinition(result.definition).ok || missingWelsh(result.definition).length > 0).toBe(true);
  return result.definition;
}
const messages = (result: BuilderResult) => (result.ok ? [] : result.errors.map((e) => e.message));

const form = (type: QuestionForm['type'], fields: Partial<QuestionForm>): QuestionForm => ({ ...questionFormOf(undefined, type), ...fields });
const single = (code: string, options = 'yes | Yes\nno | No') => form('single', { code, text: { en: `Question ${code}?`, cy: '' }, options });

describe('the survey builder', () => {
  it('builds a survey from blank with every question type and a condition, the same format as a file', () => {
    let d = blankDefinition('Pulse 2027');
    d = ok(addSection(d, { ...sectionFormOf(), code: 'views', title: { en: 'Your views', cy: '' } }, single('uses_ai')));
    d = ok(
      addQuestion(
        d,
        'views',
        form('multiple', {
          code: 'tools',
          text: { en: 'Which tools?', cy: '' },
          options: 'email | Email\nchat | Chat\nnone | None of these',
          exclusive: 'none',
          other: true,
          otherLabel: { en: 'Something else', cy: '' },
        }),
      ),
    );
    d = ok(addQuestion(d, 'views', form('agree', { code: 'helps', text: { en: 'AI helps me', cy: '' } })));
    d = ok(addQuestion(d, 'views', form('engagement', { code: 'engaged', text: { en: 'How engaged are you?', cy: '' } })));
    d = ok(addQuestion(d, 'views', form('number', { code: 'hours', text: { en: 'Hours a week?', cy: '' }, min: '0', max: '80' })));
    d = ok(addQuestion(d, 'views', form('matrix', { code: 'grid', text: { en: 'How far do you agree?', cy: '' }, options: 'fast | It is fast\nsafe | It is safe', scale: 'agree' })));
    d = ok(addQuestion(d, 'views', form('text', { code: 'why', text: { en: 'Why?', cy: '' }, maxLength: '500', required: false })));
    d = ok(setCondition(d, 'helps', { on: 'uses_ai', mode: 'anyOf', answers: ['yes'] }));
    d = ok(setCondition(d, 'why', { on: 'grid.safe', mode: 'noneOf', answers: ['agree', 'strongly_agree'] }));

    expect(d.sections.map((s) => s.questions.map((q) => q.type))).toEqual([['single'], ['single', 'multiple', 'agree', 'engagement', 'number', 'matrix', 'text']]);
    expect(findQuestion(d, 'helps')!.showIf).toEqual({ question: 'uses_ai', anyOf: ['yes'] });
    expect(findQuestion(d, 'why')!.showIf).toEqual({ question: 'grid', item: 'safe', noneOf: ['agree', 'strongly_agree'] });
    const tools = findQuestion(d, 'tools')!;
    expect(tools.type === 'multiple' && tools.options.find((o) => o.code === 'none')?.exclusive).toBe(true);
    // Downloaded as YAML and read back as a file: the same definition.
    const back = validateDefinitionText(definitionYaml(d));
    expect(back.ok && back.definition).toEqual(d);
  });

  it('refuses empty text, duplicate codes, a condition on a later question and removing an option a condition reads, each naming the question', () => {
    const d = ok(addQuestion(blankDefinition('S'), 'about', single('uses_ai')));
    const d2 = ok(addQuestion(d, 'about', single('later')));

    expect(messages(addQuestion(d, 'about', form('agree', { code: 'blank', text: { en: '  ', cy: '' } })))).toEqual(['Enter the English wording of question "blank"']);
    expect(messages(addQuestion(d, 'about', single('uses_ai')))).toEqual(['The question code "uses_ai" is already used by question "uses_ai" (Question uses_ai?): choose another']);
    expect(messages(addQuestion(d, 'about', single('dup', 'yes | Yes\nyes | Also yes')))).toEqual([
      'question "dup" lists the option code "yes" twice (lines 1 and 2): give each option its own code',
    ]);
    expect(messages(setCondition(d2, 'uses_ai', { on: 'later', mode: 'anyOf', answers: ['yes'] }))).toEqual([
      'The question "uses_ai" (Question uses_ai?) can only depend on a question asked before it: question "later" (Question later?) is asked after it',
    ]);
    const conditioned = ok(setCondition(d2, 'later', { on: 'uses_ai', mode: 'anyOf', answers: ['yes'] }));
    expect(messages(editQuestion(conditioned, 'uses_ai', { ...questionFormOf(findQuestion(conditioned, 'uses_ai')), options: 'no | No\nmaybe | Maybe' }))).toEqual([
      'The option "yes" of question "uses_ai" (Question uses_ai?) decides whether question "later" (Question later?) is shown: change that condition before removing the option',
    ]);
    expect(messages(removeQuestion(conditioned, 'uses_ai'))).toEqual([
      'Question "uses_ai" (Question uses_ai?) decides whether question "later" (Question later?) is shown: change or remove that condition first',
    ]);
    // Moving the conditioned question above the one it depends on is refused the same way.
    expect(messages(moveQuestion(conditioned, 'later', 'up'))).toEqual([
      'Section “About you” (about), question “Question later?” (later), the condition (showIf), question: depends on question “Question uses_ai?” (uses_ai), which is asked after it. A condition can only use an earlier answer: choose a question asked before this one, or move this one after that question.',
    ]);
    expect(messages(removeQuestion(d, 'role'))[0]).toMatch(/^Question "role" .* cannot be removed: the role question places each respondent in a group/);
  });

  it('marks the standard instrument’s comparison items, refuses rewording them with the reason, and lets them be left out', () => {
    const d = standardDefinition();
    const locked = lockedQuestions(d);
    expect(locked.has('engaged')).toBe(true); // the engagement index
    expect(locked.has('strategy')).toBe(true); // a published finding
    expect(locked.has('directorate')).toBe(false);
    const engaged = findQuestion(d, 'engaged')!;
    const reworded = editQuestion(d, 'engaged', { ...questionFormOf(engaged), text: { en: 'How keen are you?', cy: engaged.text.cy ?? '' } });
    expect(messages(reworded)).toEqual([
      `Question "engaged" (How engaged are you with your organisation's plans for di…) is compared with other councils and the national figures. ${LOCKED_REASON}`,
    ]);
    expect(LOCKED_REASON).toContain('changing them would break the comparison with other councils and the national figures');
    // Whether it must be answered is not its wording.
    expect(ok(editQuestion(d, 'engaged', { ...questionFormOf(engaged), required: false })).sections[1]!.questions[0]!.required).toBe(false);
    const without = ok(removeQuestion(d, 'engaged'));
    expect(findQuestion(without, 'engaged')).toBeUndefined();
    // The indices it fed go with it: an index missing an item compares with nothing.
    expect(without.indices.map((x) => x.code)).not.toContain('engagement');
    expect(without.indices.length).toBe(d.indices.length - 2);
  });

  it('replaces the standard instrument’s directorates and adds a council’s own question anywhere', () => {
    const d = standardDefinition();
    const directorate = findQuestion(d, 'directorate')!;
    const own = ok(
      editQuestion(d, 'directorate', {
        ...questionFormOf(directorate),
        options: 'people | People | Pobl\nplace | Place | Lle\nresources | Resources | Adnoddau',
      }),
    );
    const replaced = findQuestion(own, 'directorate')!;
    expect(replaced.type === 'single' && replaced.options.map((o) => o.code)).toEqual(['people', 'place', 'resources']);
    expect(own.segments.directorate).toBe('directorate');
    const added = ok(addQuestion(own, 'engagement', single('hybrid'), 0));
    expect(added.sections[1]!.questions[0]!.code).toBe('hybrid');
    // Bilingual: the new question's Welsh is listed as missing, by question.
    expect(missingWelsh(added)).toEqual([
      'section “Digital change and you” (engagement), question “Question hybrid?” (hybrid), text',
      'section “Digital change and you” (engagement), question “Question hybrid?” (hybrid), option “Yes” (yes), label',
      'section “Digital change and you” (engagement), question “Question hybrid?” (hybrid), option “No” (no), label',
    ]);
    expect(missingWelsh(own)).toEqual([]);
  });

  it('keeps audiences in step with the role options, moves sections, edits settings and audiences', () => {
    let d = blankDefinition('S');
    d = ok(editQuestion(d, 'role', { ...questionFormOf(findQuestion(d, 'role')), options: 'manager | Manager\nstaff | Staff\ncouncillor | Councillor' }));
    expect(d.audiences[0]!.roleGroups).toEqual(['manager', 'staff', 'councillor']);
    d = ok(editAudiences(d, 'staff | Staff | | manager staff\nmembers | Councillors | Cynghorwyr | councillor'));
    expect(d.audiences.map((a) => a.code)).toEqual(['staff', 'members']);
    expect(messages(editAudiences(d, 'staff | Staff | | manager'))).toEqual([
      'The audiences: role group "staff" is not in any audience, so those respondents would see only the questions asked of everyone. Add it to an audience.',
      'The audiences: role group "councillor" is not in any audience, so those respondents would see only the questions asked of everyone. Add it to an audience.',
    ]);
    d = ok(addSection(d, { ...sectionFormOf(), code: 'two', title: { en: 'Two', cy: '' }, audiences: ['members'] }, single('q2')));
    // The role question must stay in the first section.
    expect(messages(moveSection(d, 'two', 'up'))).toEqual([
      'The segments, the role group question: question “Which of these best describes your role?” (role) must be asked in the first section, as the questions after it depend on the role. Move it to the first section.',
    ]);
    expect(messages(removeSection(d, 'about'))[0]).toContain('cannot be removed');
    d = ok(editSettings(d, { ...settingsFormOf(d), welsh: true, estimatedMinutes: '7' }));
    expect(d.languages).toEqual(['en', 'cy']);
    expect(missingWelsh(d).length).toBeGreaterThan(0);
    expect(messages(editSettings(d, { ...settingsFormOf(d), estimatedMinutes: 'ten' }))).toEqual(['The time it takes must be a whole number of minutes from 1 to 120']);
  });

  it.each(testDatabases)('changes only a draft wave, audited, one change at a time, and a bilingual draft opens only when no Welsh is missing, $title', async (target) => {
    if (target.skip) return;
    const storage = openStorage(await target.fresh());
    await migrate(storage);
    try {
      const organisationId = await createOrganisation(storage.db, { name: 'Council', type: 'district', nation: 'Wales', region: 'Wales' });
      const survey = await createSurvey(storage.db, { organisationId, instrumentVersionId: await publishInstrument(storage.db, standardDefinition()), title: 'Wave' });
      const changed = await changeDraft(storage.db, TEST_ACTOR, survey.id, 'added question hybrid', (d) => addQuestion(d, 'engagement', single('hybrid')));
      expect(changed.ok).toBe(true);
      expect(findQuestion((await findSurveyById(storage.db, survey.id))!.definition, 'hybrid')).toBeDefined();
      expect((await listAuditEntries(storage.db, organisationId)).map((e) => [e.action, e.target])).toContainEqual(['wave.builder', `survey ${survey.id} (Wave): added question hybrid`]);

      // Two changes at once: each is kept, or the one made to an older version is refused, never silently lost.
      const both = await Promise.allSettled([
        changeDraft(storage.db, TEST_ACTOR, survey.id, 'one', (d) => addQuestion(d, 'engagement', single('one'))),
        changeDraft(storage.db, TEST_ACTOR, survey.id, 'two', (d) => addQuestion(d, 'engagement', single('two'))),
      ]);
      const kept = (await findSurveyById(storage.db, survey.id))!.definition;
      const refusedChanges = both.filter((r) => r.status === 'rejected');
      for (const r of refusedChanges) expect(r.reason).toEqual(new Refusal('The questions were changed by someone else meanwhile: look at them again and repeat your change'));
      expect([findQuestion(kept, 'one'), findQuestion(kept, 'two')].filter(Boolean)).toHaveLength(2 - refusedChanges.length);
      // A change made to a version the draft no longer has is not stored.
      const stale = await publishInstrument(storage.db, blankDefinition('Stale'));
      expect(await replaceDraftInstrument(storage.db, survey.id, stale, stale)).toBe(false);
      expect((await findSurveyById(storage.db, survey.id))!.definition).toEqual(kept);
      for (const code of ['one', 'two']) if (findQuestion(kept, code)) await changeDraft(storage.db, TEST_ACTOR, survey.id, 'tidy', (d) => removeQuestion(d, code));

      const refused = await changeWaveState(storage.db, TEST_ACTOR, survey.id, 'open');
      expect(refused).toEqual({
        ok: false,
        status: 409,
        message: expect.stringContaining(
          'This survey is in English and Welsh, but 3 texts have no Welsh yet: section “Digital change and you” (engagement), question “Question hybrid?” (hybrid), text;',
        ),
      });
      await changeDraft(storage.db, TEST_ACTOR, survey.id, 'Welsh', (d) =>
        editQuestion(d, 'hybrid', { ...questionFormOf(findQuestion(d, 'hybrid')), text: { en: 'Question hybrid?', cy: 'Cwestiwn?' }, options: 'yes | Yes | Ie\nno | No | Na' }),
      );
      expect((await changeWaveState(storage.db, TEST_ACTOR, survey.id, 'open')).ok).toBe(true);
      await expect(changeDraft(storage.db, TEST_ACTOR, survey.id, 'too late', (d) => removeQuestion(d, 'hybrid'))).rejects.toThrow(
        new Refusal("This survey is open, so its questions are frozen: only a draft survey's questions can be changed"),
      );
    } finally {
      await storage.close();
    }
  });
});
