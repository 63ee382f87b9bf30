import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { findQuestion } from '../../src/instrument/definition.js';
import { validateDefinitionText } from '../../src/instrument/validate.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { accountsApp, userWithRoles } from '../support/accounts.js';
import { Browser, text } from '../support/browser.js';

/** The error summary's messages, in order. */
const summary = (html: string) => [...(/<div class="govuk-error-summary__body">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '').matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => text(m[1]!).trim());

const opened: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
});

/** A lead signed in, with a draft wave of the standard instrument (or blank), at its builder. */
async function draft(from: 'standard' | 'blank' = 'standard') {
  const setup = await accountsApp();
  opened.push(setup.app);
  const lead = new Browser(setup.app, (await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' })).cookie);
  await lead.get(`/admin/organisations/${setup.organisationId}/surveys/new`);
  const created = await lead.upload(`/admin/organisations/${setup.organisationId}/surveys`, { title: 'Pulse 2027', source: 'standard', threshold: '10', previousSurveyId: '' }, {});
  expect(created.statusCode).toBe(303);
  const id = String(created.headers.location).split('/').pop()!;
  const base = `/admin/surveys/${id}/builder`;
  const survey = await lead.get(`/admin/surveys/${id}`);
  expect(survey.body).toContain(`href="${base}"`);
  if (from === 'blank') {
    await lead.get(`${base}/start`);
    expect((await lead.post(`${base}/start`, { from: 'blank' })).statusCode).toBe(303);
  }
  const page = await lead.get(base);
  expect(page.statusCode).toBe(200);
  const definition = async () => (await findSurveyById(setup.storage.db, id))!.definition;
  return { ...setup, lead, id, base, definition };
}

const question = (fields: Record<string, string>) => ({ type: 'single', text_en: 'Do you use AI at work?', options: 'yes | Yes\nno | No', required: 'yes', ...fields });

describe('the survey builder’s pages', () => {
  it('adds, edits, moves, conditions and removes questions with form posts, audited, and downloads the survey as YAML', async () => {
    const { lead, base, definition, storage, organisationId, id } = await draft('blank');
    await lead.get(`${base}/sections/about/questions/new?type=single`);
    expect((await lead.post(`${base}/sections/about/questions`, question({ code: 'uses_ai' }))).statusCode).toBe(303);
    await lead.get(`${base}/sections/new?type=agree`);
    const section = await lead.post(`${base}/sections`, {
      type: 'agree',
      section_code: 'views',
      section_title_en: 'Your views',
      code: 'helps',
      text_en: 'AI helps me',
      dontKnow: 'yes',
      required: 'yes',
    });
    expect(section.statusCode).toBe(303);
    await lead.get(`${base}/questions/helps/condition`);
    const step = await lead.post(`${base}/questions/helps/condition`, { step: 'question', on: 'uses_ai' });
    expect(step.headers.location).toBe(`${base}/questions/helps/condition?on=uses_ai`);
    const answers = await lead.get(String(step.headers.location));
    expect(text(answers.body)).toContain('Depending on the answer to: Do you use AI at work?');
    expect((await lead.post(`${base}/questions/helps/condition`, { on: 'uses_ai', mode: 'anyOf', answers: 'yes' })).statusCode).toBe(303);
    expect(findQuestion(await definition(), 'helps')!.showIf).toEqual({ question: 'uses_ai', anyOf: ['yes'] });
    // A whole section's condition, the same way.
    await lead.get(`${base}/sections/views/condition?on=uses_ai`);
    expect((await lead.post(`${base}/sections/views/condition`, { on: 'uses_ai', mode: 'noneOf', answers: 'no' })).statusCode).toBe(303);
    expect((await definition()).sections[1]!.showIf).toEqual({ question: 'uses_ai', noneOf: ['no'] });
    expect(text((await lead.get(base)).body)).toContain('Section code views. Shown when the answer to “Do you use AI at work?” is not No');

    const overview = await lead.get(base);
    expect(text(overview.body)).toContain('Shown when the answer to “Do you use AI at work?” is Yes');
    expect((await lead.post(`${base}/questions/uses_ai/move`, { direction: 'up' })).statusCode).toBe(303);
    expect((await definition()).sections[0]!.questions.map((q) => q.code)).toEqual(['uses_ai', 'role']);
    await lead.get(`${base}/questions/uses_ai`);
    expect((await lead.post(`${base}/questions/uses_ai`, question({ text_en: 'Do you use AI tools at work?', text_cy: 'Ydych chi’n defnyddio AI?' }))).statusCode).toBe(303);
    expect(findQuestion(await definition(), 'uses_ai')!.text).toEqual({ en: 'Do you use AI tools at work?', cy: 'Ydych chi’n defnyddio AI?' });

    const yaml = await lead.get(`${base}/definition.yaml`);
    expect(yaml.headers['content-type']).toContain('application/yaml');
    const back = validateDefinitionText(yaml.body);
    expect(back.ok && back.definition).toEqual(await definition());

    const confirm = await lead.get(`${base}/sections/views/remove`);
    expect(text(confirm.body)).toContain('Are you sure you want to remove the section “Your views”?');
    expect((await lead.post(`${base}/sections/views/remove`)).statusCode).toBe(303);
    expect((await definition()).sections.map((s) => s.code)).toEqual(['about']);
    const audit = await listAuditEntries(storage.db, organisationId);
    expect(audit.filter((e) => e.action === 'wave.builder').map((e) => e.target.replace(`survey ${id} (Pulse 2027): `, ''))).toEqual(
      expect.arrayContaining([
        'started again from blank',
        'added question uses_ai',
        'added section views',
        'condition of question helps',
        'condition of section views',
        'moved question uses_ai up',
        'edited question uses_ai',
        'removed section views',
      ]),
    );
  });

  it('answers every builder action with bad input with a 422, the error summary and a specific message, and changes nothing', async () => {
    const { lead, base, definition } = await draft('blank');
    await lead.get(`${base}/sections/about/questions/new?type=single`);
    await lead.post(`${base}/sections/about/questions`, question({ code: 'uses_ai' }));
    await lead.post(`${base}/sections/about/questions`, question({ code: 'later', text_en: 'Which tools?' }));
    await lead.post(`${base}/questions/later/condition`, { on: 'uses_ai', mode: 'anyOf', answers: 'yes' });
    const before = await definition();

    const cases: [string, Record<string, string>, string[]][] = [
      // Empty text.
      [`${base}/sections/about/questions`, question({ code: 'blank', text_en: '   ' }), ['Enter the English wording of question "blank"']],
      [`${base}/questions/uses_ai`, question({ text_en: '' }), ['Enter the English wording of question "uses_ai" (Do you use AI at work?)']],
      [`${base}/sections`, { type: 'text', section_code: 'more', section_title_en: '', code: 'why', text_en: 'Why?' }, ['Enter the English title of the new section']],
      [`${base}/sections/about`, { title_en: ' ' }, ['Enter the English title of section "about" (About you)']],
      [`${base}/settings`, { title_en: '', estimatedMinutes: '5' }, ['Enter the survey’s English title']],
      // Duplicate codes.
      [`${base}/sections/about/questions`, question({ code: 'uses_ai' }), ['The question code "uses_ai" is already used by question "uses_ai" (Do you use AI at work?): choose another']],
      [
        `${base}/sections/about/questions`,
        question({ code: 'dup', options: 'yes | Yes\nyes | Yes again' }),
        ['question "dup" lists the option code "yes" twice (lines 1 and 2): give each option its own code'],
      ],
      [
        `${base}/sections`,
        { type: 'text', section_code: 'about', section_title_en: 'Again', code: 'why', text_en: 'Why?' },
        ['The section code "about" is already used by section "About you": choose another'],
      ],
      [
        `${base}/audiences`,
        { audiences: 'everyone | Everyone | | manager staff\neveryone | Again | | staff' },
        ['The audience code "everyone" is given twice (lines 1 and 2): give each audience its own code'],
      ],
      [
        `${base}/audiences`,
        { audiences: 'everyone | Everyone | | manager staff\nothers | Others | | staff' },
        ['Audience “Others” (others), its role groups: role group "staff" is already in audience "everyone". Put each role group in one audience only.'],
      ],
      // A condition on a later question.
      [
        `${base}/questions/uses_ai/condition`,
        { on: 'later', mode: 'anyOf', answers: 'yes' },
        ['The question "uses_ai" (Do you use AI at work?) can only depend on a question asked before it: question "later" (Which tools?) is asked after it'],
      ],
      [
        `${base}/sections/about/condition`,
        { on: 'later', mode: 'anyOf', answers: 'yes' },
        ['The section "about" (About you) can only depend on a question asked before it: question "later" (Which tools?) is asked after it'],
      ],
      [
        `${base}/questions/later/move`,
        { direction: 'up' },
        [
          'Section “About you” (about), question “Which tools?” (later), the condition (showIf), question: depends on question “Do you use AI at work?” (uses_ai), which is asked after it. A condition can only use an earlier answer: choose a question asked before this one, or move this one after that question.',
        ],
      ],
      // An option removed that a condition reads; a question removed that one reads.
      [
        `${base}/questions/uses_ai`,
        question({ options: 'no | No\nmaybe | Maybe' }),
        ['The option "yes" of question "uses_ai" (Do you use AI at work?) decides whether question "later" (Which tools?) is shown: change that condition before removing the option'],
      ],
      [`${base}/questions/uses_ai/remove`, {}, ['Question "uses_ai" (Do you use AI at work?) decides whether question "later" (Which tools?) is shown: change or remove that condition first']],
      // Other bad input, each named.
      [
        `${base}/questions/later/condition`,
        { on: 'uses_ai', mode: 'anyOf' },
        ['Choose at least one answer to "Do you use AI at work?" that decides whether question "later" (Which tools?) is shown'],
      ],
      [`${base}/questions/later/condition`, { on: 'uses_ai', mode: 'anyOf', answers: 'perhaps' }, ['"perhaps" is not an answer to "Do you use AI at work?"']],
      [`${base}/sections/about/questions`, question({ code: 'Bad Code' }), ['The code "Bad Code" of the question must start with a lower-case letter and use only a-z, 0-9 and _']],
      [`${base}/sections/about/questions`, question({ code: 'one', options: 'yes | Yes' }), ['Give question "one" at least 2 options, one a line']],
      [
        `${base}/sections/about/questions`,
        question({ code: 'nolabel', options: 'yes\nno | No' }),
        ['Write option line 1 of question "nolabel" as code | English | Welsh (the Welsh may be left out)'],
      ],
      [
        `${base}/sections/about/questions`,
        { type: 'number', code: 'hours', text_en: 'Hours?', min: '10', max: 'lots' },
        ['The largest answer to question "hours" must be a number, such as 10'],
      ],
      [
        `${base}/sections/about/questions`,
        { type: 'number', code: 'hours', text_en: 'Hours?', min: '10', max: '5' },
        ['The largest answer to question "hours" must be more than the smallest'],
      ],
      [
        `${base}/sections/about/questions`,
        { type: 'text', code: 'why', text_en: 'Why?', maxLength: '0' },
        ['The longest answer to question "why" must be a whole number of characters from 1 to 10000'],
      ],
      [`${base}/sections/about/questions`, { type: 'matrix', code: 'grid', text_en: 'Agree?', options: 'a | A' }, ['Give question "grid" at least 2 statements, one a line']],
      [
        `${base}/sections/about/questions`,
        { type: 'multiple', code: 'tools', text_en: 'Tools?', options: 'a | A\nb | B', exclusive: 'c', other: 'yes' },
        ['"c" is not an option of question "tools", so it cannot be exclusive', 'Enter the English label of the "Other" option of question "tools"'],
      ],
      [`${base}/sections/about/questions`, { type: 'essay', code: 'x', text_en: 'X?' }, ['Choose the type of question']],
      [
        `${base}/questions/role/remove`,
        {},
        [
          'Question "role" (Which of these best describes your role?) cannot be removed: the role question places each respondent in a group, which the workforce profile, the staff list and the rules that keep small groups hidden all need',
        ],
      ],
      [`${base}/questions/role/move`, { direction: 'sideways' }, ['Choose whether to move question "role" up or down']],
      [`${base}/settings`, { title_en: 'Pulse', estimatedMinutes: '0' }, ['The time it takes must be a whole number of minutes from 1 to 120']],
      [
        `${base}/audiences`,
        { audiences: 'everyone | Everyone | | manager' },
        ['The audiences: role group "staff" is not in any audience, so those respondents would see only the questions asked of everyone. Add it to an audience.'],
      ],
      [`${base}/audiences`, { audiences: 'everyone' }, ['Write audience line 1 as code | English | Welsh | role groups (the Welsh may be left out, the role groups separated by spaces)']],
      [`${base}/start`, { from: 'elsewhere' }, ['Choose the standard instrument or a blank survey']],
    ];
    for (const [url, fields, expected] of cases) {
      const response = await lead.post(url, fields);
      expect(response.statusCode, `${url} ${JSON.stringify(fields)}`).toBe(422);
      expect(response.body).toMatch(/<title>Error: /);
      expect(summary(response.body), `${url} ${JSON.stringify(fields)}`).toEqual(expected);
    }
    const upload = await lead.upload(`${base}/upload`, {}, { file: { name: 'survey.yaml', content: 'code: x\nversion: 1\n' } });
    expect(upload.statusCode).toBe(422);
    expect(summary(upload.body)).toEqual([
      'Line 1, title: is missing. Add the title.',
      'Line 1, estimatedMinutes: is missing. Add the minutes the survey takes, a whole number from 1 to 120.',
      'Line 1, sections: is missing. Add the sections, a list.',
    ]);
    expect(await definition()).toEqual(before);
  });

  it('marks the standard instrument’s comparison items, refuses rewording them with the reason, lets them be left out, and takes the council’s own directorates', async () => {
    const { lead, base, definition, id } = await draft('standard');
    const overview = await lead.get(base);
    expect(text(overview.body)).toContain("How engaged are you with your organisation's plans for digital change? Compared");
    const edit = await lead.get(`${base}/questions/engaged`);
    expect(text(edit.body)).toContain(
      'Compared with other councils and the national figures. Its wording and options cannot be changed: changing them would break the comparison with other councils and the national figures.',
    );
    expect(edit.body).toMatch(/name="text_en"[^>]*readonly/);
    const engaged = findQuestion(await definition(), 'engaged')!;
    const refused = await lead.post(`${base}/questions/engaged`, {
      type: 'engagement',
      text_en: 'How keen are you?',
      text_cy: engaged.text.cy!,
      hint_en: engaged.hint!.en,
      hint_cy: engaged.hint!.cy!,
      required: 'yes',
    });
    expect(refused.statusCode).toBe(422);
    expect(summary(refused.body)[0]).toContain('is compared with other councils and the national figures. Its wording and options cannot be changed: changing them would break the comparison');
    const leaveOut = await lead.get(`${base}/questions/engaged/remove`);
    expect(text(leaveOut.body)).toContain('leaving it out removes it from those comparisons');
    expect(text(leaveOut.body)).toContain('These indices go with it');
    expect((await lead.post(`${base}/questions/engaged/remove`)).statusCode).toBe(303);
    expect(findQuestion(await definition(), 'engaged')).toBeUndefined();

    // The council's own directorates, which the workforce profile then takes.
    const directorate = findQuestion(await definition(), 'directorate')!;
    const own = await lead.post(`${base}/questions/directorate`, {
      type: 'single',
      text_en: directorate.text.en,
      text_cy: directorate.text.cy!,
      required: 'yes',
      options: 'people | People | Pobl\nplace | Place | Lle',
    });
    expect(own.statusCode).toBe(303);
    const profile = await lead.upload(
      `/admin/surveys/${id}/profile`,
      {},
      { file: { name: 'profile.csv', content: 'role_group,directorate,headcount\nfrontline,people,40\nfrontline,housing,30\n' } },
    );
    expect(profile.statusCode).toBe(422);
    expect(text(profile.body)).toContain('"housing" is not a directorate of this survey; use one of people, place');

    // A bilingual survey with Welsh missing lists it, and does not open.
    await lead.get(`${base}/sections/about/questions/new?type=single`);
    expect((await lead.post(`${base}/sections/about/questions`, question({ code: 'uses_ai' }))).statusCode).toBe(303);
    expect(text((await lead.get(base)).body)).toContain('3 texts have no Welsh yet.');
    await lead.get(`/admin/surveys/${id}`);
    const open = await lead.post(`/admin/surveys/${id}/open`);
    expect(open.statusCode).toBe(422);
    expect(text(open.body)).toContain('This survey is in English and Welsh, but 3 texts have no Welsh yet: section “About you” (about), question “Do you use AI at work?” (uses_ai), text;');
  });

  it('creates a wave from blank: the role question and one audience, titled as the wave', async () => {
    const { lead, organisationId, storage } = await draft('standard');
    const created = await lead.upload(`/admin/organisations/${organisationId}/surveys`, { title: 'Pulse', source: 'blank', threshold: '10', previousSurveyId: '' }, {});
    expect(created.statusCode).toBe(303);
    const survey = await findSurveyById(storage.db, String(created.headers.location).split('/').pop()!);
    expect(survey!.definition.title).toEqual({ en: 'Pulse' });
    expect(survey!.definition.sections.flatMap((s) => s.questions.map((q) => q.code))).toEqual(['role']);
  });

  it('refuses changes once the wave is open, and to anyone not the survey’s lead', async () => {
    const { lead, base, id, app, storage, organisationId } = await draft('blank');
    await lead.get(`/admin/surveys/${id}`);
    expect((await lead.post(`/admin/surveys/${id}/open`)).statusCode).toBe(303);
    const overview = await lead.get(base);
    expect(text(overview.body)).toContain('its questions are frozen');
    const refused = await lead.post(`${base}/settings`, { title_en: 'Changed', estimatedMinutes: '5' });
    expect(refused.statusCode).toBe(409);
    expect(summary(refused.body)).toEqual(["This survey is open, so its questions are frozen: only a draft survey's questions can be changed"]);
    const viewer = new Browser(app, (await userWithRoles(storage.db, { [organisationId]: 'viewer' })).cookie);
    expect((await viewer.get(base)).statusCode).toBe(403);
    expect((await lead.get(`${base}/questions/nonesuch`)).statusCode).toBe(404);
  });
});
