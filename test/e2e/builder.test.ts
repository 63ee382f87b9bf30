import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQuestion } from '../../src/instrument/definition.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { accountsApp, TEST_PASSWORD, userWithRoles } from '../support/accounts.js';
import { BROWSER_TEST_TIMEOUT, CHROMIUM_SKIP_REASON, chromiumAvailable, launchChromium, newPage } from './support/browser.js';
import { checkPage, journey, navigates } from './support/respondent.js';

type Setup = Awaited<ReturnType<typeof accountsApp>>;

describe.skipIf(!chromiumAvailable)(`the survey builder in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
  let setup: Setup;
  let baseUrl: string;
  let browser: Browser;
  let leadEmail: string;

  beforeAll(async () => {
    setup = await accountsApp();
    await setup.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(setup.app.server.address() as AddressInfo).port}`;
    leadEmail = (await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' })).email;
    browser = await launchChromium();
  }, BROWSER_TEST_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await setup?.app.close();
  });

  /** Signs in and creates a wave from the given source; returns its id, at its builder. */
  async function newWave(page: Page, title: string, source: 'A blank survey' | 'The standard Digital Readiness instrument'): Promise<string> {
    await page.goto(`${baseUrl}/sign-in?next=%2Fadmin`);
    await page.getByLabel('Email address').fill(leadEmail);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await navigates(page, () => page.getByRole('button', { name: 'Sign in' }).click());
    await page.goto(`${baseUrl}/admin/organisations/${setup.organisationId}/surveys/new`);
    await page.getByLabel('Title').fill(title);
    await page.getByLabel(source).check();
    await navigates(page, () => page.getByRole('button', { name: 'Create survey' }).click());
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await navigates(page, () => page.getByRole('link', { name: 'Change the questions' }).click());
    return id;
  }

  /** Adds a question of a type through the type page and the question form, filling fields by label. */
  async function addQuestion(page: Page, section: string, type: string, fields: Record<string, string>, check = false) {
    await navigates(page, () => page.getByRole('link', { name: `Add a question to ${section}` }).click());
    if (check) await checkPage(page);
    await page.getByLabel(type, { exact: true }).check();
    await navigates(page, () => page.getByRole('button', { name: 'Continue' }).click());
    if (check) await checkPage(page);
    for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
    await navigates(page, () => page.getByRole('button', { name: 'Save question' }).click());
  }

  it(
    'builds a small survey from blank with each question type and a condition, opens it and answers it (JavaScript on)',
    async () => {
      const { context, page } = await newPage(browser);
      const id = await newWave(page, 'Pulse 2027', 'A blank survey');
      await checkPage(page, { shot: 'builder-blank' });

      await addQuestion(page, 'About you', 'Single choice', { 'Question code': 'uses_ai', 'Question (English)': 'Do you use AI at work?', 'Options, one a line': 'yes | Yes\nno | No' }, true);
      // A duplicate code: the error summary, the field's own message, a 422 page that passes the checks.
      await addQuestion(page, 'About you', 'Agreement scale', { 'Question code': 'uses_ai', 'Question (English)': 'AI helps me' });
      expect(await page.locator('.govuk-error-summary').innerText()).toContain('The question code "uses_ai" is already used by question "uses_ai" (Do you use AI at work?): choose another');
      await checkPage(page, { errors: true, shot: 'builder-question-error' });
      await page.getByLabel('Question code', { exact: true }).fill('helps');
      await navigates(page, () => page.getByRole('button', { name: 'Save question' }).click());
      await addQuestion(page, 'About you', 'Multiple choice', {
        'Question code': 'tools',
        'Question (English)': 'Which tools do you use?',
        'Options, one a line': 'email | Email\nchat | Chat',
      });
      await addQuestion(page, 'About you', 'Engagement scale', { 'Question code': 'engaged', 'Question (English)': 'How engaged are you with the plans?' });
      await addQuestion(page, 'About you', 'Number', { 'Question code': 'hours', 'Question (English)': 'Hours a week using AI', 'Smallest answer': '0', 'Largest answer': '80' });
      await addQuestion(page, 'About you', 'Grid of statements on one scale', {
        'Question code': 'grid',
        'Question (English)': 'How far do you agree?',
        'Statements, one a line': 'fast | It saves time\nsafe | It is safe',
      });
      await addQuestion(page, 'About you', 'Free text', { 'Question code': 'why', 'Question (English)': 'What would help you most?' });
      await checkPage(page, { shot: 'builder-overview' });

      // The condition: the earlier answer chosen from a list, then its options.
      await navigates(page, () => page.getByRole('link', { name: 'When shown question helps' }).click());
      await checkPage(page);
      await page.getByLabel('Do you use AI at work?').check();
      await navigates(page, () => page.getByRole('button', { name: 'Continue' }).click());
      await checkPage(page);
      await page.getByLabel('Yes', { exact: true }).check();
      await navigates(page, () => page.getByRole('button', { name: 'Save condition' }).click());
      expect(await page.locator('main').innerText()).toContain('Shown when the answer to “Do you use AI at work?” is Yes');
      for (const path of ['settings', 'audiences', 'start', 'questions/why/remove']) {
        await page.goto(`${baseUrl}/admin/surveys/${id}/builder/${path}`);
        await checkPage(page, { shot: `builder-${path.replace(/\//g, '-')}` });
      }

      const definition = (await findSurveyById(setup.storage.db, id))!.definition;
      expect(definition.sections[0]!.questions.map((q) => q.type)).toEqual(['single', 'single', 'agree', 'multiple', 'engagement', 'number', 'matrix', 'text']);
      expect(findQuestion(definition, 'helps')!.showIf).toEqual({ question: 'uses_ai', anyOf: ['yes'] });

      await page.goto(`${baseUrl}/admin/surveys/${id}`);
      await navigates(page, () => page.getByRole('button', { name: 'Open the survey' }).click());
      await navigates(page, () => page.getByRole('button', { name: 'Yes, open the survey' }).click());
      const { slug } = (await findSurveyById(setup.storage.db, id))!;
      const respondent = await newPage(browser);
      await respondent.page.goto(`${baseUrl}/s/${slug}`);
      await journey(respondent.page, 'mouse');
      const rows = await setup.storage.db.selectFrom('response').select('answers').where('survey_id', '=', id).execute();
      expect(rows).toHaveLength(1);
      // The first option of each: "yes", so the conditioned question was shown and answered.
      expect(JSON.parse(rows[0]!.answers)).toMatchObject({ role: 'manager', uses_ai: 'yes', helps: 'strongly_agree', tools: { selected: ['email'] }, engaged: 'very', hours: 5 });
      await respondent.context.close();
      await context.close();
    },
    BROWSER_TEST_TIMEOUT * 5,
  );

  it(
    'changes the standard instrument’s directorates and adds a question; the comparison items refuse rewording with the reason (JavaScript off)',
    async () => {
      const { context, page } = await newPage(browser, { javaScript: false });
      const id = await newWave(page, 'Readiness 2027', 'The standard Digital Readiness instrument');
      await checkPage(page, { shot: 'builder-standard' });

      await navigates(page, () => page.getByRole('link', { name: 'Edit question directorate', exact: true }).click());
      await checkPage(page, { shot: 'builder-directorate' });
      await page.getByLabel('Options, one a line').fill('people | People | Pobl\nplace | Place | Lle\nresources | Resources | Adnoddau');
      await navigates(page, () => page.getByRole('button', { name: 'Save question' }).click());
      await addQuestion(page, 'About you', 'Single choice', {
        'Question code': 'hybrid',
        'Question (English)': 'Do you work from home some of the week?',
        'Question (Welsh)': 'Ydych chi’n gweithio gartref rywfaint o’r wythnos?',
        'Options, one a line': 'yes | Yes | Ydw\nno | No | Nac ydw',
      });
      expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Saved.');
      const definition = (await findSurveyById(setup.storage.db, id))!.definition;
      const directorate = findQuestion(definition, 'directorate')!;
      expect(directorate.type === 'single' && directorate.options.map((o) => o.code)).toEqual(['people', 'place', 'resources']);
      expect(findQuestion(definition, 'hybrid')).toBeDefined();

      await navigates(page, () => page.getByRole('link', { name: 'Edit question engaged', exact: true }).click());
      await checkPage(page, { shot: 'builder-locked' });
      expect(await page.locator('.govuk-inset-text').innerText()).toContain(
        'Compared with other councils and the national figures. Its wording and options cannot be changed: changing them would break the comparison with other councils and the national figures.',
      );
      expect(await page.getByLabel('Question (English)').getAttribute('readonly')).not.toBeNull();
      // Typed over anyway (the attribute taken away): refused with the same reason.
      await page.getByLabel('Question (English)').evaluate((el: { removeAttribute: (name: string) => void }) => el.removeAttribute('readonly'));
      await page.getByLabel('Question (English)').fill('How keen are you?');
      await navigates(page, () => page.getByRole('button', { name: 'Save question' }).click());
      expect(await page.locator('.govuk-error-summary').innerText()).toContain('changing them would break the comparison with other councils and the national figures');
      await checkPage(page, { errors: true });
      await context.close();
    },
    BROWSER_TEST_TIMEOUT * 3,
  );
});
