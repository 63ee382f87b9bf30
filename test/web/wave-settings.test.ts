import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { accountsApp, userWithRoles } from '../support/accounts.js';
import { Browser, text } from '../support/browser.js';
import { closeWave } from '../support/waves.js';

const opened: { app: FastifyInstance }[] = [];
afterEach(async () => {
  for (const { app } of opened.splice(0)) await app.close();
});

async function leadWithDraft() {
  const setup = await accountsApp();
  opened.push(setup);
  const lead = new Browser(setup.app, (await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' })).cookie);
  await lead.get(`/admin/organisations/${setup.organisationId}/surveys/new`);
  const created = await lead.upload(`/admin/organisations/${setup.organisationId}/surveys`, { title: 'Spring wave', source: 'standard', threshold: '10', previousSurveyId: '' }, {});
  const id = String(created.headers.location).split('/').pop()!;
  return { ...setup, lead, id };
}

const dates = (prefix: string, d: string, m: string, y: string) => ({ [`${prefix}-day`]: d, [`${prefix}-month`]: m, [`${prefix}-year`]: y });

describe('a wave’s settings after creation', () => {
  it('changes the title, dates and threshold of a draft, and says what is wrong with each field', async () => {
    const { lead, id, storage, organisationId } = await leadWithDraft();
    const form = await lead.get(`/admin/surveys/${id}/settings`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="Spring wave"');
    const refused = await lead.post(`/admin/surveys/${id}/settings`, { title: '', threshold: 'ten', ...dates('opensOn', '30', '2', '2027'), ...dates('closesOn', '', '', '') });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('<a href="#title">Enter a title for the survey</a>');
    expect(refused.body).toContain('<a href="#threshold">The threshold must be a whole number, such as 10</a>');
    expect(refused.body).toContain('<a href="#opensOn-day">The opening date must be a real date, for example 18 12 2026</a>');
    expect(text(refused.body)).toMatch(/^\s*Error: /);
    const saved = await lead.post(`/admin/surveys/${id}/settings`, {
      title: 'Spring wave 2027',
      threshold: '12',
      ...dates('opensOn', '1', '3', '2027'),
      ...dates('closesOn', '29', '3', '2027'),
    });
    expect(saved.statusCode).toBe(303);
    const page = text((await lead.get(String(saved.headers.location))).body);
    expect(page).toContain('Settings saved.');
    expect(page).toContain('Spring wave 2027');
    expect(page).toContain('Opening (planned, or the day it opened) 1 March 2027');
    expect(page).toContain('Smallest group shown 12 responses');
    expect(await storage.db.selectFrom('scheduled_job').select('kind').where('subject', '=', id).orderBy('due_at').execute()).toEqual([{ kind: 'wave.open' }, { kind: 'wave.close' }]);
    expect((await listAuditEntries(storage.db, organisationId)).map((e) => e.action)).toContain('wave.settings');
  });

  it('refuses a lower threshold once the survey is open', async () => {
    const { lead, id } = await leadWithDraft();
    await lead.get(`/admin/surveys/${id}`);
    await lead.post(`/admin/surveys/${id}/open`);
    const form = await lead.get(`/admin/surveys/${id}/settings`);
    expect(form.body).not.toContain('opensOn-day');
    const refused = await lead.post(`/admin/surveys/${id}/settings`, { title: 'Spring wave', threshold: '8', ...dates('closesOn', '', '', '') });
    expect(refused.statusCode).toBe(422);
    expect(text(refused.body)).toContain('The survey is open, so the threshold can only be raised from 10');
  });

  it('keeps members who are not the lead out', async () => {
    const { app, id, storage, organisationId } = await leadWithDraft();
    const viewer = new Browser(app, (await userWithRoles(storage.db, { [organisationId]: 'viewer' })).cookie);
    expect((await viewer.get(`/admin/surveys/${id}/settings`)).statusCode).toBe(403);
    await viewer.get(`/admin/surveys/${id}`);
    expect((await viewer.post(`/admin/surveys/${id}/delete`)).statusCode).toBe(403);
  });

  it('deletes a draft after a confirmation page, and refuses to delete an open survey', async () => {
    const { lead, id, organisationId, survey } = await leadWithDraft();
    const confirm = await lead.get(`/admin/surveys/${id}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(text(confirm.body)).toContain('Are you sure you want to delete this draft?');
    const deleted = await lead.post(`/admin/surveys/${id}/delete`);
    expect(deleted.headers.location).toBe(`/admin/organisations/${organisationId}?deleted=1`);
    expect(text((await lead.get(String(deleted.headers.location))).body)).toContain('The draft was deleted.');
    expect((await lead.get(`/admin/surveys/${id}`)).statusCode).toBe(404);
    // accountsApp's own wave is open.
    const refused = await lead.get(`/admin/surveys/${survey.id}/delete`);
    expect(refused.statusCode).toBe(422);
    expect(text(refused.body)).toContain('This survey is open: only a draft can be deleted');
    expect(text((await lead.post(`/admin/surveys/${survey.id}/delete`)).body)).toContain('only a draft can be deleted, as people may be answering it');
  });

  it('duplicates a wave into a new draft', async () => {
    const { lead, id } = await leadWithDraft();
    await lead.get(`/admin/surveys/${id}`);
    const copied = await lead.post(`/admin/surveys/${id}/duplicate`);
    expect(copied.statusCode).toBe(303);
    expect(copied.headers.location).not.toContain(id);
    const page = text((await lead.get(String(copied.headers.location))).body);
    expect(page).toContain('Copy of Spring wave');
    expect(page).toContain('State draft');
    expect(page).toContain('This is a copy');
  });

  it('no longer says a closed survey’s link works once it is open', async () => {
    const { lead, survey, storage } = await leadWithDraft();
    await closeWave(storage.db, survey.id);
    const page = text((await lead.get(`/admin/surveys/${survey.id}`)).body);
    expect(page).not.toContain('works once the survey is open');
    expect(page).toContain('Open link for staff no longer works: the survey is closed and takes no more answers');
  });
});
