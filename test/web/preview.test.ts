import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { accountsApp, userWithRoles } from '../support/accounts.js';
import { standardInstrument } from '../support/app.js';
import { Browser, text } from '../support/browser.js';
import { respondentAnswers, sectionFields } from '../support/server.js';

const opened: { app: FastifyInstance }[] = [];
afterEach(async () => {
  for (const { app } of opened.splice(0)) await app.close();
});

const definition = standardInstrument();

async function previewOfStandardWave() {
  const setup = await accountsApp();
  opened.push(setup);
  const lead = new Browser(setup.app, (await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' })).cookie);
  await lead.get(`/admin/organisations/${setup.organisationId}/surveys/new`);
  const created = await lead.upload(`/admin/organisations/${setup.organisationId}/surveys`, { title: 'Preview wave', source: 'standard', threshold: '10', previousSurveyId: '' }, {});
  const id = String(created.headers.location).split('/').pop()!;
  return { ...setup, lead, id, base: `/admin/surveys/${id}/preview` };
}

/** A synthetic respondent's answers whose role is `role`. */
function answersWithRole(role: string): Answers {
  for (let seed = 1; seed < 500; seed++) {
    const answers = respondentAnswers(definition, seed);
    if (answers.role === role) return answers;
  }
  throw new Error(`no synthetic respondent is ${role}`);
}

/** Follows the preview from its start, answering each page it leads to, and returns the pages in the order seen. */
async function walk(lead: Browser, base: string, answers: Answers, lang?: 'cy') {
  let response = await lead.get(`${base}${lang ? `?lang=${lang}` : ''}`);
  const pages: { code: string; body: string }[] = [];
  while (response.statusCode === 303 && String(response.headers.location).startsWith(`${base}/q/`)) {
    const url = String(response.headers.location);
    const page = await lead.get(url);
    expect(page.statusCode, url).toBe(200);
    const code = url.split('/q/')[1]!;
    pages.push({ code, body: page.body });
    response = await lead.post(url, { action: 'continue', ...sectionFields(definition, code, answers) });
    if (pages.length > 30) throw new Error(`the preview went round in circles: ${pages.map((p) => p.code).join(', ')}`);
  }
  return { pages, last: response };
}

describe('preview as a respondent', () => {
  // The sections each audience sees, read from the instrument's audiences by hand.
  const everyone = ['about', 'engagement', 'strategy', 'leadership', 'impact', 'barriers', 'automation', 'skills_funding', 'technology', 'voice', 'own_words'];
  it.each([
    ['frontline', 'manager_support', 'it_focus'],
    ['senior_executive', 'it_focus', 'manager_support'],
    ['elected_member', 'member_scrutiny', 'manager_support'],
  ])('walks every page in order for a %s respondent, then check your answers and a confirmation, storing nothing', async (role, asked, notAsked) => {
    const { lead, base, storage } = await previewOfStandardWave();
    const answers = answersWithRole(role);
    const { pages, last } = await walk(lead, base, answers);
    expect(pages.map((p) => p.code)).toEqual(everyone);
    for (const page of pages) {
      expect(text(page.body)).toContain('Preview This is a preview of the survey as a respondent sees it. Your answers are not stored.');
      expect(page.body).not.toContain('Save and come back later');
    }
    const all = pages.map((p) => p.body).join('');
    expect(all).toContain(`name="${asked}`);
    expect(all).not.toContain(`name="${notAsked}`);
    expect(last.headers.location).toBe(`${base}/check`);
    const check = await lead.get(`${base}/check`);
    expect(check.statusCode).toBe(200);
    expect(text(check.body)).toContain('Check your answers before sending them');
    expect(text(check.body)).toContain('This is a preview');
    expect(check.body).toContain(`href="${base}/q/about?returnTo=check#role"`);
    const sent = await lead.post(`${base}/submit`);
    expect(sent.headers.location).toBe(`${base}/done`);
    const done = await lead.get(`${base}/done`);
    expect(text(done.body)).toContain('This is where a respondent is told their answers have been sent');
    expect(text(done.body)).toContain('This is a preview');
    for (const table of ['answer_session', 'response', 'submission_key'] as const) {
      expect(await storage.db.selectFrom(table).selectAll().execute(), table).toEqual([]);
    }
  });

  it('follows showIf: the question on an achievable strategy is asked only after "yes"', async () => {
    const { lead, base } = await previewOfStandardWave();
    const answers = answersWithRole('manager');
    await walk(lead, base, { ...answers, strategy: 'yes' });
    expect((await lead.get(`${base}/q/strategy`)).body).toContain('Only answer this if you answered');
    const noStrategy = { ...answers, strategy: 'no' };
    const again = await walk(lead, base, noStrategy);
    expect(again.last.headers.location).toBe(`${base}/check`);
    expect(text((await lead.get(`${base}/check`)).body)).not.toContain('Our digital strategy can be achieved');
  });

  it('shows each question’s own error message, as the live survey does', async () => {
    const { lead, base } = await previewOfStandardWave();
    await lead.get(base);
    await lead.get(`${base}/q/about`);
    const refused = await lead.post(`${base}/q/about`, { action: 'continue' });
    expect(refused.statusCode).toBe(422);
    expect(text(refused.body)).toContain('Select the role that best describes yours');
    expect(text(refused.body)).toContain('Select the service area you mainly work in');
    expect(text(refused.body)).not.toContain('Answer this question');
  });

  it('goes back and changes an answer from check your answers, keeping the others', async () => {
    const { lead, base } = await previewOfStandardWave();
    const answers = answersWithRole('frontline');
    await walk(lead, base, answers);
    const back = await lead.get(`${base}/q/engagement`);
    expect(back.body).toContain(`href="${base}/q/about"`);
    const change = await lead.get(`${base}/q/about?returnTo=check`);
    expect(change.body).toContain('value="frontline" checked');
    const changed = await lead.post(`${base}/q/about`, { action: 'continue', returnTo: 'check', ...sectionFields(definition, 'about', answers) });
    expect(changed.headers.location).toBe(`${base}/check`);
  });

  it('is in Welsh when asked, banner and questions', async () => {
    const { lead, base } = await previewOfStandardWave();
    const { pages } = await walk(lead, base, answersWithRole('frontline'), 'cy');
    expect(pages).toHaveLength(everyone.length);
    expect(text(pages[0]!.body)).toContain('Rhagolwg');
    expect(text(pages[0]!.body)).toContain("Pa un o'r rhain sy'n disgrifio eich rôl orau?");
    expect(text((await lead.get(`${base}/check`)).body)).toContain('Gwiriwch eich atebion cyn eu hanfon');
  });

  it('starts afresh: opening the preview again forgets the last one’s answers', async () => {
    const { lead, base } = await previewOfStandardWave();
    await walk(lead, base, answersWithRole('frontline'));
    await lead.get(base);
    const check = await lead.get(`${base}/check`);
    expect(check.statusCode).toBe(303);
    expect(check.headers.location).toBe(`${base}/q/about`);
  });
});
