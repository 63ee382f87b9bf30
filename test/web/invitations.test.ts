import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createMailer, type Mailer } from '../../src/admin/mailer.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { accountsApp, capturingMailer, userWithRoles } from '../support/accounts.js';
import { Browser, text } from '../support/browser.js';

const opened: { app: FastifyInstance }[] = [];
afterEach(async () => {
  for (const { app } of opened.splice(0)) await app.close();
});

async function leadApp(mailer: Mailer = capturingMailer('smtp')) {
  const setup = await accountsApp({ services: { mailer } });
  opened.push(setup);
  const lead = await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' });
  return { ...setup, lead: new Browser(setup.app, lead.cookie) };
}

const STAFF = 'email,role_group,directorate\nann@council.gov.uk,frontline,housing\nbob@council.gov.uk,manager,housing\n';

describe('the invitation and reminder emails', () => {
  const form = (overrides: Record<string, string> = {}) => ({
    languages: 'both',
    contact: 'the HR team, hr@council.gov.uk',
    'invitation-en-subject': 'Have your say: ((survey))',
    'invitation-en-body': '((organisation)) asks you to take part.\n\nStart here: ((link))\n\nQuestions: ((contact)).',
    'invitation-cy-subject': 'Dweud eich dweud: ((survey))',
    'invitation-cy-body': 'Mae ((organisation)) yn gofyn i chi gymryd rhan.\n\nDechreuwch yma: ((link))',
    'reminder-en-subject': 'Reminder: ((survey))',
    'reminder-en-body': 'There is still time: ((link))',
    'reminder-cy-subject': 'Nodyn atgoffa: ((survey))',
    'reminder-cy-body': 'Mae amser o hyd: ((link))',
    ...overrides,
  });

  it("start from the catalogue's wording in both languages, preview without saving, and save audited", async () => {
    const mailer = capturingMailer('smtp');
    const { lead, survey, storage, organisationId } = await leadApp(mailer);
    const page = await lead.get(`/admin/surveys/${survey.id}/emails`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/value="both" checked/);
    expect(page.body).toContain('value="Cymerwch ran: ((survey))"');
    expect(text(page.body)).toContain('Take part: Wave 1');
    expect(text(page.body)).toContain('Test Council would like to hear what you think in its staff survey, Wave 1.');

    const preview = await lead.post(`/admin/surveys/${survey.id}/emails`, { ...form(), action: 'preview' });
    expect(preview.statusCode).toBe(200);
    expect(text(preview.body)).toContain('Preview (not saved yet)');
    expect(text(preview.body)).toContain('Have your say: Wave 1');
    expect(text(preview.body)).toContain('Questions: the HR team, hr@council.gov.uk.');
    expect(preview.body).toContain('https://sounding.example.org/i/a-link-of-their-own');
    expect(text((await lead.get(`/admin/surveys/${survey.id}/emails`)).body)).not.toContain('Have your say');

    const saved = await lead.post(`/admin/surveys/${survey.id}/emails`, { ...form(), action: 'save' });
    expect(saved.statusCode).toBe(303);
    expect(text((await lead.get(String(saved.headers.location))).body)).toContain('Emails saved');
    const audit = await listAuditEntries(storage.db, organisationId);
    expect(audit.map((e) => [e.action, e.target])).toContainEqual(['invitations.wording', `survey ${survey.id}: invitation and reminder emails changed (Welsh and English)`]);

    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: STAFF } });
    await lead.post(`/admin/surveys/${survey.id}/invitations/send`);
    await expect.poll(() => mailer.sent.length).toBe(2);
    expect(mailer.sent[0]!.subject).toBe('Dweud eich dweud: Wave 1 / Have your say: Wave 1');
    expect(mailer.sent[0]!.body).toMatch(
      /^Mae Test Council yn gofyn i chi gymryd rhan\.\n\nDechreuwch yma: https:\/\/sounding\.example\.org\/i\/[A-Za-z0-9_-]{32}\n\n---\n\nTest Council asks you/,
    );
  });

  it('name every field that is wrong, with a placeholder Sounding does not know named', async () => {
    const { lead, survey } = await leadApp();
    await lead.get(`/admin/surveys/${survey.id}/emails`);
    const refused = await lead.post(`/admin/surveys/${survey.id}/emails`, {
      ...form({ 'invitation-en-body': 'Dear ((name)), ((link))', 'reminder-cy-body': 'Dim dolen', 'invitation-cy-subject': '', 'reminder-en-subject': 'Closes ((closes))' }),
      action: 'save',
    });
    expect(refused.statusCode).toBe(422);
    const summary = text(/<div class="govuk-error-summary[\s\S]*?<\/ul>/.exec(refused.body)![0]);
    expect(summary).toContain(
      'The English invitation body uses ((name)), which Sounding does not fill in: use ((organisation)), ((contact)), ((survey)), ((link)), ((closes)), or take it out',
    );
    expect(summary).toContain('Enter the Welsh invitation subject');
    expect(summary).toContain('The English reminder subject uses ((closes)), but the survey has no closing date: set one in its settings, or take ((closes)) out');
    expect(summary).toContain("The Welsh reminder body must include ((link)), where each person's own link goes");
    expect(refused.body).toContain('href="#invitation-en-body"');
    // What was typed stays in the form.
    expect(refused.body).toContain('Dear ((name)), ((link))');
    // Only the languages the emails are in are checked.
    const englishOnly = await lead.post(`/admin/surveys/${survey.id}/emails`, { ...form({ languages: 'en', 'invitation-cy-subject': '', 'reminder-cy-body': '' }), action: 'save' });
    expect(englishOnly.statusCode).toBe(303);
  });

  it('refuse a post without the form token', async () => {
    const { app, survey, lead } = await leadApp();
    const response = await app.inject({
      method: 'POST',
      url: `/admin/surveys/${survey.id}/emails`,
      headers: { cookie: lead.cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'languages=en',
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('planned reminders from the web', () => {
  it('plans reminders for a date, lists them on the wave, cancels them, and audits both', async () => {
    const { lead, survey, storage, organisationId } = await leadApp();
    await lead.get(`/admin/surveys/${survey.id}/reminders`);
    const bad = await lead.post(`/admin/surveys/${survey.id}/reminders`, { 'on-day': '31', 'on-month': '2', 'on-year': '2030' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('href="#on-day"');
    expect(text(bad.body)).toContain('The reminder date must be a real date, for example 18 12 2026');
    const planned = await lead.post(`/admin/surveys/${survey.id}/reminders`, { 'on-day': '2', 'on-month': '3', 'on-year': '2099' });
    expect(planned.statusCode).toBe(303);
    const page = await lead.get(String(planned.headers.location));
    expect(text(page.body)).toContain('Reminders planned.');
    expect(text(page.body)).toContain('Reminders on 2 March 2099');
    expect(text((await lead.get(`/admin/surveys/${survey.id}`)).body)).toContain('Plan reminders for a date (planned: 2 March 2099)');
    const job = /reminders\/([0-9a-f-]{36})\/cancel/.exec(page.body)![1]!;
    const cancelled = await lead.post(`/admin/surveys/${survey.id}/reminders/${job}/cancel`);
    expect(cancelled.statusCode).toBe(303);
    expect(text((await lead.get(String(cancelled.headers.location))).body)).toContain('No reminders are planned.');
    expect((await lead.post(`/admin/surveys/${survey.id}/reminders/${job}/cancel`)).statusCode).toBe(422);
    const audit = (await listAuditEntries(storage.db, organisationId)).filter((e) => e.action.startsWith('reminders.'));
    expect(audit.map((e) => [e.action, e.target]).sort()).toEqual([
      ['reminders.cancelled', `survey ${survey.id}: reminders on 2099-03-02`],
      ['reminders.planned', `survey ${survey.id}: reminders on 2099-03-02`],
    ]);
  });
});

describe('the outbox file', () => {
  it("is downloaded by the wave's lead, then deleted from the server, audited; reminders never go into it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sounding-outbox-'));
    const { lead, survey, storage, organisationId, app } = await leadApp(createMailer({ kind: 'outbox', file: join(dataDir, 'outbox.csv') }));
    expect(text((await lead.get(`/admin/surveys/${survey.id}`)).body)).toContain('No email is waiting in the outbox.');
    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: STAFF } });
    await lead.post(`/admin/surveys/${survey.id}/invitations/send`);
    await expect.poll(async () => text((await lead.get(`/admin/surveys/${survey.id}`)).body)).toContain('Emails are waiting in the outbox.');

    // Someone who may see the wave but not run it cannot take its mail.
    const viewer = new Browser(app, (await userWithRoles(storage.db, { [organisationId]: 'viewer' })).cookie);
    await viewer.get(`/admin/surveys/${survey.id}`);
    expect((await viewer.post(`/admin/surveys/${survey.id}/outbox`)).statusCode).toBe(403);

    const download = await lead.post(`/admin/surveys/${survey.id}/outbox`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="outbox-[\w-]+-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parse<{ email: string; subject: string; body: string }>(download.body, { columns: true });
    expect(rows.map((r) => r.email).sort()).toEqual(['ann@council.gov.uk', 'bob@council.gov.uk']);
    expect(rows[0]!.body).toMatch(/https:\/\/sounding\.example\.org\/i\/[A-Za-z0-9_-]{32}/);
    expect(existsSync(join(dataDir, 'outbox', `${survey.id}.csv`))).toBe(false);
    expect(text((await lead.get(`/admin/surveys/${survey.id}`)).body)).toContain('No email is waiting in the outbox.');
    const again = await lead.post(`/admin/surveys/${survey.id}/outbox`);
    expect(again.statusCode).toBe(422);
    expect(text(again.body)).toContain('No email is waiting in the outbox for this survey');
    const audit = (await listAuditEntries(storage.db, organisationId)).filter((e) => e.action === 'outbox.download');
    expect(audit.map((e) => e.target)).toEqual([`survey ${survey.id}: 2 emails downloaded and deleted from the server`]);

    const remind = text((await lead.get(`/admin/surveys/${survey.id}/invitations/remind`)).body);
    expect(remind).toContain('Reminders cannot go to the outbox file: it would list the people who have not started');
    expect(remind).not.toContain('Yes, send reminders');
    expect(text((await lead.get(`/admin/surveys/${survey.id}/reminders`)).body)).toContain('Reminders cannot go to the outbox file');
  });
});
