import { TEST_ACTOR } from '../support/waves.js';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { createOrganisation, findSurveyById } from '../../src/storage/surveys.js';
import { generateResponses } from '../../src/admin/demo.js';
import { accountsApp, capturingMailer, userWithRoles } from '../support/accounts.js';
import { Browser, text } from '../support/browser.js';

const opened: { app: FastifyInstance }[] = [];
afterEach(async () => {
  for (const { app } of opened.splice(0)) await app.close();
});

async function leadApp(mailKind: Parameters<typeof capturingMailer>[0] = 'outbox') {
  const mailer = capturingMailer(mailKind);
  const setup = await accountsApp({ services: { mailer } });
  opened.push(setup);
  const lead = await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' });
  return { ...setup, mailer, lead: new Browser(setup.app, lead.cookie), leadEmail: lead.email };
}

async function createSurvey(browser: Browser, organisationId: string, fields: Record<string, string> = {}) {
  await browser.get(`/admin/organisations/${organisationId}/surveys/new`);
  const response = await browser.upload(
    `/admin/organisations/${organisationId}/surveys`,
    { title: 'Digital readiness 2027', source: 'standard', threshold: '10', previousSurveyId: '', ...fields },
    {},
  );
  expect(response.statusCode).toBe(303);
  return String(response.headers.location).split('/').pop()!;
}

describe('the survey lead’s pages', () => {
  it('lists the organisation’s surveys and creates a wave from the standard instrument', async () => {
    const { lead, organisationId, storage, leadEmail } = await leadApp();
    const list = await lead.get('/admin');
    expect(list.statusCode).toBe(303);
    expect(list.headers.location).toBe(`/admin/organisations/${organisationId}`);
    const surveys = await lead.get(`/admin/organisations/${organisationId}`);
    expect(surveys.statusCode).toBe(200);
    expect(text(surveys.body)).toContain('Wave 1 open');
    const id = await createSurvey(lead, organisationId);
    const page = await lead.get(`/admin/surveys/${id}`);
    expect(page.statusCode).toBe(200);
    expect(text(page.body)).toContain('State draft');
    expect(text(page.body)).toContain('Smallest group shown 10 responses');
    expect(page.body).toContain(`href="/surveys/${id}/results"`);
    expect(page.body).toContain(`href="/surveys/${id}/report"`);
    expect(page.body).toContain(`href="/surveys/${id}/exports"`);
    const audit = await listAuditEntries(storage.db, organisationId);
    expect(audit.map((e) => [e.action, e.actorEmail])).toContainEqual(['wave.create', leadEmail]);
  });

  it('shows every form problem in the GOV.UK error summary with a 422 and the Error: title', async () => {
    const { lead, organisationId } = await leadApp();
    await lead.get(`/admin/organisations/${organisationId}/surveys/new`);
    const response = await lead.upload(
      `/admin/organisations/${organisationId}/surveys`,
      { title: '', source: 'standard', threshold: '3', 'opensOn-day': '31', 'opensOn-month': '2', 'opensOn-year': '2027' },
      {},
    );
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatch(/<title>Error: /);
    expect(response.body).toContain('govuk-error-summary');
    expect(response.body).toContain('<a href="#title">Enter a title for the survey</a>');
    expect(response.body).toContain('<a href="#threshold">The threshold must be at least 5: smaller groups cannot be kept anonymous</a>');
    expect(response.body).toContain('<a href="#opensOn-day">The opening date must be a real date, for example 18 12 2026</a>');
    // What was typed is kept.
    expect(response.body).toMatch(/name="threshold"[^>]*value="3"/);
  });

  it('lists an uploaded definition’s problems by line and path, and creates nothing', async () => {
    const { lead, organisationId } = await leadApp();
    await lead.get(`/admin/organisations/${organisationId}/surveys/new`);
    const yaml = 'code: digital_readiness\nversion: one\ntitle: {en: "Mine"}\n';
    const response = await lead.upload(
      `/admin/organisations/${organisationId}/surveys`,
      { title: 'Custom', source: 'upload', threshold: '10' },
      { definition: { name: 'mine.yaml', content: yaml } },
    );
    expect(response.statusCode).toBe(422);
    expect(text(response.body)).toContain('Line 2, version: must be a number');
    const surveys = await lead.get(`/admin/organisations/${organisationId}`);
    expect(text(surveys.body)).not.toContain('Custom');
  });

  it('previews the respondent’s pages, checking answers without storing them', async () => {
    const { lead, organisationId, storage } = await leadApp();
    const id = await createSurvey(lead, organisationId);
    const first = await lead.get(`/admin/surveys/${id}/preview`);
    expect(first.statusCode).toBe(303);
    const page = await lead.get(String(first.headers.location));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Preview – answers are not stored');
    const invalid = await lead.post(String(first.headers.location), {});
    expect(invalid.statusCode).toBe(422);
    expect(invalid.body).toContain('govuk-error-summary');
    const valid = await lead.post(String(first.headers.location), { role: 'frontline', directorate: 'housing' });
    expect(valid.statusCode).toBe(303);
    expect(valid.headers.location).toMatch(new RegExp(`^/admin/surveys/${id}/preview/q/[a-z_]+$`));
    expect(await storage.db.selectFrom('answer_session').selectAll().execute()).toEqual([]);
  });

  it('opens and closes a wave, once each', async () => {
    const { lead, organisationId } = await leadApp();
    const id = await createSurvey(lead, organisationId);
    await lead.get(`/admin/surveys/${id}`);
    const opened = await lead.post(`/admin/surveys/${id}/open`);
    expect(opened.statusCode).toBe(303);
    const page = await lead.get(String(opened.headers.location));
    expect(text(page.body)).toContain('The survey is open: its link and invitations now work.');
    expect(text(page.body)).toContain('State open');
    const again = await lead.post(`/admin/surveys/${id}/open`);
    expect(again.statusCode).toBe(422);
    expect(text(again.body)).toContain('This survey is open, so it cannot be opened');
    expect((await lead.post(`/admin/surveys/${id}/close`)).statusCode).toBe(303);
  });

  it('refuses a state change without the form’s CSRF token', async () => {
    const { lead, organisationId, app } = await leadApp();
    const id = await createSurvey(lead, organisationId);
    lead.csrf = 'forged';
    const response = await lead.post(`/admin/surveys/${id}/open`);
    expect(response.statusCode).toBe(403);
    expect(text((await app.inject({ method: 'GET', url: `/admin/surveys/${id}` })).body)).not.toContain('State open');
  });

  it('shows response rates against headcount, withholding small groups', async () => {
    const { lead, storage, survey } = await leadApp();
    await lead.get(`/admin/surveys/${survey.id}/profile`);
    const profile = ['role_group,directorate,headcount', 'frontline,housing,300', 'manager,housing,100', 'senior_executive,housing,4'].join('\n');
    const uploaded = await lead.upload(`/admin/surveys/${survey.id}/profile`, {}, { file: { name: 'profile.csv', content: profile } });
    expect(uploaded.statusCode).toBe(303);
    await generateResponses(storage.db, TEST_ACTOR, survey.id, 120, 3);
    const page = await lead.get(`/admin/surveys/${survey.id}`);
    const counts = await storage.db.selectFrom('response').select('role_group').where('survey_id', '=', survey.id).execute();
    const byRole = new Map<string, number>();
    for (const c of counts) byRole.set(c.role_group, (byRole.get(c.role_group) ?? 0) + 1);
    const frontline = byRole.get('frontline')!;
    expect(frontline).toBeGreaterThanOrEqual(10);
    // Frontline staff: 300 in the profile; its count and rate are shown (rounded to a whole per cent).
    expect(text(page.body)).toContain(`Frontline staff 300 ${frontline} ${Math.round((100 * frontline) / 300)}%`);
    // No group count under 10 appears in a rates table.
    const cells = [...page.body.matchAll(/<td class="govuk-table__cell govuk-table__cell--numeric">\s*(\d+)\s*<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">\s*\d+%/g)].map(
      (m) => Number(m[1]),
    );
    expect(cells.length).toBeGreaterThan(0);
    for (const n of cells) expect(n).toBeGreaterThanOrEqual(10);
    for (const [role, n] of byRole) if (n < 10) expect(text(page.body)).not.toMatch(new RegExp(`${role} \\d+ ${n} `));
  });
});

describe('uploads with problems', () => {
  it('lists a staff list’s bad rows in the error summary and saves none of it', async () => {
    const { lead, survey, storage } = await leadApp();
    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    const csv = ['email,role_group,directorate', 'a@council.gov.uk,frontline,housing', 'a@council.gov.uk,manager,housing', 'b@council.gov.uk,janitor,housing'].join('\n');
    const response = await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: csv } });
    expect(response.statusCode).toBe(422);
    expect(text(response.body)).toContain('The file was not loaded: nothing in it was saved');
    expect(text(response.body)).toContain('Row 3, email: a@council.gov.uk is already listed in row 2; list each person once');
    expect(text(response.body)).toContain('Row 4, role_group: "janitor" is not a role group of this survey');
    expect(await storage.db.selectFrom('invitation').selectAll().execute()).toEqual([]);
  });

  it('names the wrong columns and the rows that are not UTF-8', async () => {
    const { lead, survey } = await leadApp();
    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    const wrong = await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: 'name,email\nAnn,a@x.gov.uk\n' } });
    expect(wrong.statusCode).toBe(422);
    expect(text(wrong.body)).toContain('Row 1, name: unknown column "name"');
    const latin1 = Buffer.from('email,role_group,directorate\ns\xedan@x.gov.uk,frontline,housing\n', 'latin1');
    const encoding = await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: latin1 } });
    expect(text(encoding.body)).toContain('Row 2: is not UTF-8 text');
    const none = await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, {});
    expect(text(none.body)).toContain('File: choose a CSV file to upload');
  });

  it('refuses a file over the upload limit with a plain message, not a 500', async () => {
    const { lead, survey } = await leadApp();
    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    const huge = 'email,role_group,directorate\n' + 'someone@council.gov.uk,frontline,housing\n'.repeat(1_000_000);
    const response = await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: huge } });
    expect(response.statusCode).toBe(413);
    expect(text(response.body)).toContain('The file is larger than 16 MB, the most one upload takes. Split it into smaller files.');
  });

  it('answers a malformed upload with a 400 that says what to do, and a mangled invitation link with 404', async () => {
    const { lead, survey, app } = await leadApp();
    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    const cookie = lead.cookie();
    const broken = await app.inject({
      method: 'POST',
      url: `/admin/surveys/${survey.id}/invitations`,
      headers: { cookie, 'content-type': 'multipart/form-data; boundary=zzz' },
      payload: 'not multipart at all',
    });
    expect(broken.statusCode).toBe(400);
    expect(text(broken.body)).toContain('The form could not be read: send it again from the page');
    for (const url of [`/i/${'x'.repeat(100)}`, '/i/short', `/i/${'A'.repeat(32)}`]) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
      expect((await new Browser(app).post(`${url}/start`)).statusCode, url).not.toBe(500);
    }
  });

  it('lists a workforce profile’s problems by row', async () => {
    const { lead, survey } = await leadApp();
    await lead.get(`/admin/surveys/${survey.id}/profile`);
    const response = await lead.upload(`/admin/surveys/${survey.id}/profile`, {}, { file: { name: 'p.csv', content: 'role_group,directorate,headcount\nfrontline,housing,1,000\n' } });
    expect(response.statusCode).toBe(422);
    expect(text(response.body)).toMatch(/Row 2.*: has 4 values but the header has 3 columns/);
  });
});

describe('invitations from the web', () => {
  it('uploads a staff list, sends invitations through the mailer, and the link starts the journey with the segment given', async () => {
    const { lead, survey, mailer, app, storage } = await leadApp('smtp');
    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    const csv = ['email,role_group,directorate', 'ann@council.gov.uk,head_of_service,housing', 'bob@council.gov.uk,frontline,housing'].join('\n');
    const uploaded = await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: csv } });
    expect(uploaded.statusCode).toBe(303);
    expect(text((await lead.get(String(uploaded.headers.location))).body)).toContain(
      'Staff list read: 2 new people added, to be invited when you send invitations; 0 already invited before, so not invited again.',
    );
    const sent = await lead.post(`/admin/surveys/${survey.id}/invitations/send`);
    expect(sent.statusCode).toBe(303);
    expect(text((await lead.get(String(sent.headers.location))).body)).toContain('2 invitations being sent.');
    await expect.poll(() => mailer.sent.length).toBe(2);
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(['ann@council.gov.uk', 'bob@council.gov.uk']);
    await expect.poll(async () => text((await lead.get(`/admin/surveys/${survey.id}`)).body)).toContain('Invited 2');
    // Nobody is left to invite, so a second click sends nothing.
    expect(text((await lead.get(String((await lead.post(`/admin/surveys/${survey.id}/invitations/send`)).headers.location))).body)).toContain('Nobody is waiting for an invitation.');
    const link = /https:\/\/sounding\.example\.org(\/i\/[A-Za-z0-9_-]{32})/.exec(mailer.sent.find((m) => m.to === 'ann@council.gov.uk')!.body)![1]!;

    const respondent = new Browser(app);
    const start = await respondent.get(link);
    expect(start.statusCode).toBe(200);
    expect(start.body).toContain(`action="${link}/start"`);
    const started = await respondent.post(`${link}/start`);
    expect(started.statusCode).toBe(303);
    const first = await respondent.get(String(started.headers.location));
    expect(first.statusCode).toBe(200);
    expect(first.body).toMatch(/value="head_of_service" checked/);
    expect(first.body).toMatch(/value="housing" checked/);
    const spent = await new Browser(app).get(link);
    expect(spent.statusCode).toBe(410);
    expect(text(spent.body)).toContain('This link has already been used');
    expect(text((await new Browser(app).get(`${link}?lang=cy`)).body)).toContain("Mae'r ddolen hon eisoes wedi'i defnyddio");

    const reminded = await lead.post(`/admin/surveys/${survey.id}/invitations/remind`);
    expect(text((await lead.get(String(reminded.headers.location))).body)).toContain('1 reminder being sent.');
    await expect.poll(() => mailer.sent.length).toBe(3);
    expect(mailer.sent.slice(2).map((m) => m.to)).toEqual(['bob@council.gov.uk']);
    const organisationId = (await storage.db.selectFrom('survey').select('organisation_id').executeTakeFirstOrThrow()).organisation_id;
    await expect
      .poll(async () => (await listAuditEntries(storage.db, organisationId)).map((e) => e.action))
      .toEqual(expect.arrayContaining(['invitations.import', 'invitations.send', 'invitations.sent', 'invitations.remind', 'reminders.sent']));
  });
});

describe('sending in the background', () => {
  it('refuses a second run while one is sending, and shows where a failed run stopped', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((done) => (release = done));
    const sent: string[] = [];
    // The third email fails, whoever it is for.
    const mailer = {
      kind: 'smtp' as const,
      async send(message: { to: string }) {
        await gate;
        if (sent.length === 2) throw new Error('The SMTP server at mail.test did not accept the email (550)');
        sent.push(message.to);
      },
    };
    const setup = await accountsApp({ services: { mailer } });
    opened.push(setup);
    const lead = new Browser(setup.app, (await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' })).cookie);
    const id = setup.survey.id;
    await lead.get(`/admin/surveys/${id}/invitations`);
    const csv = 'email,role_group,directorate\na@council.gov.uk,frontline,housing\nb@council.gov.uk,frontline,housing\nc@council.gov.uk,manager,housing\nd@council.gov.uk,manager,housing\n';
    await lead.upload(`/admin/surveys/${id}/invitations`, {}, { file: { name: 'staff.csv', content: csv } });
    await lead.get(`/admin/surveys/${id}`);
    expect((await lead.post(`/admin/surveys/${id}/invitations/send`)).statusCode).toBe(303);
    expect(text((await lead.get(`/admin/surveys/${id}`)).body)).toContain('Sending invitations now.');
    const second = await lead.post(`/admin/surveys/${id}/invitations/send`);
    expect(second.statusCode).toBe(422);
    expect(text(second.body)).toContain('Invitations or reminders for this survey are already being sent.');
    release();
    await expect
      .poll(async () => text((await lead.get(`/admin/surveys/${id}`)).body))
      .toContain('The last invitations stopped after 2 had gone: The SMTP server at mail.test did not accept the email (550). 2 were not sent; send again to try them.');
    expect(sent).toHaveLength(2);
  });
});

describe('who may do what', () => {
  it('sends anonymous visitors to sign in, hides other organisations’ surveys (404) and refuses viewers’ changes (403)', async () => {
    const { app, storage, survey, organisationId } = await leadApp();
    const anonymous = await app.inject({ method: 'GET', url: `/admin/surveys/${survey.id}` });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/sign-in/);
    const anonymousUpload = await app.inject({ method: 'POST', url: `/admin/surveys/${survey.id}/invitations`, headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: 'x' });
    expect(anonymousUpload.statusCode).toBe(303);

    const elsewhere = await createOrganisation(storage.db, { name: 'Other Council', type: 'county', nation: 'England', region: 'East' });
    const stranger = new Browser(app, (await userWithRoles(storage.db, { [elsewhere]: 'org_admin' })).cookie);
    expect((await stranger.get(`/admin/surveys/${survey.id}`)).statusCode).toBe(404);
    expect((await stranger.get(`/admin/organisations/${organisationId}`)).statusCode).toBe(404);

    const viewer = new Browser(app, (await userWithRoles(storage.db, { [organisationId]: 'viewer' })).cookie);
    const page = await viewer.get(`/admin/surveys/${survey.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Upload a staff list');
    expect((await viewer.post(`/admin/surveys/${survey.id}/close`)).statusCode).toBe(403);
    expect((await viewer.get(`/admin/surveys/${survey.id}/invitations`)).statusCode).toBe(403);
    expect((await viewer.get(`/admin/organisations/${organisationId}/surveys/new`)).statusCode).toBe(403);
  });
});

describe('publishing choices on the lead’s page', () => {
  it('releases and withholds free-text comments for analysts’ files, audited, and shows the published version once closed', async () => {
    const { lead, storage, survey } = await leadApp();
    const before = await lead.get(`/admin/surveys/${survey.id}`);
    expect(text(before.body)).toContain('Free-text comments in respondent-level files: not released');
    expect(text(before.body)).toContain('Results are published when the survey closes, and not before');
    const released = await lead.post(`/admin/surveys/${survey.id}/free-text`, { decision: 'release' });
    expect(released.statusCode).toBe(303);
    expect((await findSurveyById(storage.db, survey.id))!.releaseFreeText).toBe(true);
    const after = await lead.get(String(released.headers.location));
    expect(text(after.body)).toContain('Free-text comments (redacted) are now included in respondent-level files for analysts.');
    expect(text(after.body)).toContain('Free-text comments in respondent-level files: released');
    const bad = await lead.post(`/admin/surveys/${survey.id}/free-text`, { decision: 'maybe' });
    expect(bad.statusCode).toBe(422);
    expect((await lead.post(`/admin/surveys/${survey.id}/free-text`, { decision: 'withhold' })).statusCode).toBe(303);
    expect((await findSurveyById(storage.db, survey.id))!.releaseFreeText).toBe(false);
    const audit = await storage.db.selectFrom('audit_log').select(['action', 'actor_id']).where('action', 'like', 'wave.free-text.%').orderBy('at').execute();
    expect(audit.map((a) => a.action)).toEqual(['wave.free-text.release', 'wave.free-text.withhold']);
    expect(audit.every((a) => a.actor_id !== null)).toBe(true);

    expect((await lead.post(`/admin/surveys/${survey.id}/close`, {})).statusCode).toBe(303);
    const closed = await lead.get(`/admin/surveys/${survey.id}`);
    expect(text(closed.body)).toMatch(/Results were published when the survey closed \(version 1, built \d{1,2} [A-Z][a-z]+ \d{4}\)/);
  });
});

describe('the previous wave on the new-wave form', () => {
  const offered = (html: string) => {
    const select = /<select[^>]*name="previousSurveyId"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    return [...select.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((m) => [m[1], m[2]!.trim()]);
  };

  it('offers only the organisation’s closed waves, says why, and keeps to them when an open one is refused', async () => {
    const { lead, organisationId, storage } = await leadApp();
    const newForm = `/admin/organisations/${organisationId}/surveys/new`;
    // The organisation's open "Wave 1", and a draft: neither is offered.
    const openId = (await storage.db.selectFrom('survey').select('id').where('organisation_id', '=', organisationId).where('title', '=', 'Wave 1').executeTakeFirstOrThrow()).id;
    await createSurvey(lead, organisationId, { title: 'Draft wave' });
    const before = await lead.get(newForm);
    expect(before.statusCode).toBe(200);
    expect(offered(before.body)).toEqual([['', 'None: this is the first wave']]);
    expect(text(before.body)).toContain('Only closed waves are listed: only a closed wave has published results to compare with. This organisation has no closed wave yet.');

    // Once a wave has closed (and so has a publication), it is offered; the open and draft waves still are not.
    const closedId = await createSurvey(lead, organisationId, { title: 'Closed wave' });
    await lead.get(`/admin/surveys/${closedId}`);
    expect((await lead.post(`/admin/surveys/${closedId}/open`)).statusCode).toBe(303);
    expect((await lead.post(`/admin/surveys/${closedId}/close`)).statusCode).toBe(303);
    const after = await lead.get(newForm);
    expect(offered(after.body)).toEqual([
      ['', 'None: this is the first wave'],
      [closedId, 'Closed wave'],
    ]);
    expect(text(after.body)).toContain('Only closed waves are listed: only a closed wave has published results to compare with.');
    expect(text(after.body)).not.toContain('no closed wave yet');

    // An open wave posted anyway is refused, and the form shown again still offers only the closed one.
    const refused = await lead.upload(`/admin/organisations/${organisationId}/surveys`, { title: 'Next wave', source: 'standard', threshold: '10', previousSurveyId: openId }, {});
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('The previous wave must be a closed one');
    expect(offered(refused.body).map(([id]) => id)).toEqual(['', closedId]);
  });
});
