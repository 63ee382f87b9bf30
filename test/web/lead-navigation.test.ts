import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { validateDefinitionText } from '../../src/instrument/validate.js';
import { accountsApp, capturingMailer, userWithRoles } from '../support/accounts.js';
import { testApp, Respondent } from '../support/app.js';
import { Browser, text } from '../support/browser.js';
import { closeWave } from '../support/waves.js';
import { minimalDefinition } from '../fixtures/minimal-definition.js';

/** The header's navigation: the links (and the sign-out form) inside it, in order. */
function headerLinks(html: string): string[] {
  const nav = /<header[\s\S]*?<\/header>/.exec(html)?.[0] ?? '';
  return [...nav.matchAll(/<a class="govuk-header__link" href="([^"]+)"|<form method="post" action="(\/sign-out)"/g)].map((m) => m[1] ?? `POST ${m[2]}`);
}

const opened: { app: FastifyInstance }[] = [];
afterEach(async () => {
  for (const { app } of opened.splice(0)) await app.close();
});

async function leadApp(options: Parameters<typeof accountsApp>[0] = {}) {
  const mailer = capturingMailer();
  const setup = await accountsApp({ ...options, services: { mailer, ...options.services } });
  opened.push(setup);
  const lead = await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' });
  return { ...setup, mailer, lead: new Browser(setup.app, lead.cookie) };
}

describe('the header', () => {
  it('gives a signed-in member Surveys, Manage, Account and Sign out on every staff page, and a signed-out visitor none of them', async () => {
    const { lead, survey, organisationId, app } = await leadApp();
    for (const url of ['/', `/admin/organisations/${organisationId}`, `/admin/surveys/${survey.id}`, '/account', `/surveys/${survey.id}/results`]) {
      const page = await lead.get(url);
      expect(page.statusCode, url).toBe(200);
      expect(headerLinks(page.body), url).toEqual(['/', '/admin', '/account', 'POST /sign-out']);
    }
    // The current page is marked for screen readers.
    expect((await lead.get('/admin')).statusCode).toBe(303);
    expect((await lead.get('/account')).body).toMatch(/href="\/account" aria-current="page"/);
    expect(headerLinks((await new Browser(app).get('/')).body)).toEqual([]);
  });

  it('leaves out Manage for someone in no organisation', async () => {
    const { storage, app } = await leadApp();
    const loner = await userWithRoles(storage.db, {});
    expect(headerLinks((await new Browser(app, loner.cookie).get('/account')).body)).toEqual(['/', '/account', 'POST /sign-out']);
  });

  it('signs out from any page with the form in the header', async () => {
    const { lead } = await leadApp();
    await lead.get('/');
    const out = await lead.post('/sign-out');
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/sign-in');
    expect((await lead.get('/account')).statusCode).not.toBe(200);
  });
});

describe('the home page for a signed-in lead', () => {
  it('lists their waves with state, a response count withheld as on the response-rate table, and a link to manage each', async () => {
    const { lead, survey } = await leadApp();
    const home = await lead.get('/');
    expect(text(home.body)).toMatch(/Test Council Wave 1 open Fewer than 10 or withheld Manage Wave 1 · Answer Wave 1/);
    expect(home.body).toContain(`href="/admin/surveys/${survey.id}"`);
    // No results link while open: there are none to see.
    expect(home.body).not.toContain(`href="/surveys/${survey.id}/results"`);
  });
});

describe('ways back', () => {
  it('puts breadcrumbs or a back link on results, report, exports and every admin page', async () => {
    const { lead, survey, organisationId, storage } = await leadApp();
    const adminPages = [
      `/admin/organisations/${organisationId}`,
      `/admin/surveys/${survey.id}`,
      `/admin/organisations/${organisationId}/surveys/new`,
      `/admin/surveys/${survey.id}/profile`,
      `/admin/surveys/${survey.id}/invitations`,
      `/admin/surveys/${survey.id}/close`,
      `/admin/surveys/${survey.id}/invitations/send`,
      `/admin/surveys/${survey.id}/invitations/remind`,
      `/organisations/${organisationId}/members`,
      `/organisations/${organisationId}/audit`,
    ];
    for (const url of adminPages) {
      const page = await lead.get(url);
      expect(page.statusCode, url).toBe(200);
      expect(page.body, url).toMatch(/class="govuk-(breadcrumbs|back-link)[ "]/);
    }
    await closeWave(storage.db, survey.id);
    for (const [url, here] of [
      [`/surveys/${survey.id}/results`, 'Results'],
      [`/surveys/${survey.id}/report`, 'Report'],
      [`/surveys/${survey.id}/exports`, 'Exports'],
    ] as const) {
      const page = await lead.get(url);
      expect(page.statusCode, url).toBe(200);
      const crumbs = /<nav class="govuk-breadcrumbs[\s\S]*?<\/nav>/.exec(page.body)?.[0] ?? '';
      expect(crumbs, url).toContain(`href="/admin/surveys/${survey.id}"`);
      expect(text(crumbs).trim(), url).toBe(`Surveys Wave 1 ${here}`);
    }
  });
});

describe('confirming what cannot be undone', () => {
  it('asks before closing: the survey page links to a page that says what happens and that it cannot be undone, and only its button closes', async () => {
    const { lead, survey } = await leadApp();
    const page = await lead.get(`/admin/surveys/${survey.id}`);
    expect(page.body).not.toContain(`action="/admin/surveys/${survey.id}/close"`);
    expect(page.body).toContain(`href="/admin/surveys/${survey.id}/close"`);
    const confirm = await lead.get(`/admin/surveys/${survey.id}/close`);
    expect(text(confirm.body)).toContain('Close Wave 1?');
    expect(text(confirm.body)).toContain('The results are published straight away');
    expect(text(confirm.body)).toContain('This cannot be undone: a closed survey never reopens');
    expect(confirm.body).toContain(`action="/admin/surveys/${survey.id}/close"`);
    // Looking at the question changed nothing.
    expect(text((await lead.get(`/admin/surveys/${survey.id}`)).body)).toContain('State open');
    const closed = await lead.post(`/admin/surveys/${survey.id}/close`);
    expect(closed.statusCode).toBe(303);
    expect(text((await lead.get(`/admin/surveys/${survey.id}`)).body)).toContain('State closed');
    // Asked again once closed, there is nothing to confirm.
    const again = await lead.get(`/admin/surveys/${survey.id}/close`);
    expect([again.statusCode, again.headers.location]).toEqual([303, `/admin/surveys/${survey.id}`]);
  });

  it('asks before opening a draft, sending invitations and sending reminders, saying how many people each would mail', async () => {
    const { lead, survey, organisationId } = await leadApp();
    await lead.get(`/admin/organisations/${organisationId}/surveys/new`);
    const created = await lead.upload(`/admin/organisations/${organisationId}/surveys`, { title: 'Draft wave', source: 'standard', threshold: '10', previousSurveyId: '' }, {});
    const draftId = String(created.headers.location).split('/').pop()!;
    const open = await lead.get(`/admin/surveys/${draftId}/open`);
    expect(text(open.body)).toContain('Open Draft wave?');
    expect(text(open.body)).toContain('This cannot be undone: an open survey never goes back to draft.');
    expect(open.body).toContain(`action="/admin/surveys/${draftId}/open"`);
    // An open wave cannot be opened: no question is asked.
    expect((await lead.get(`/admin/surveys/${survey.id}/open`)).statusCode).toBe(303);

    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    const csv = ['email,role_group,directorate', 'ann@council.gov.uk,head_of_service,housing', 'bob@council.gov.uk,frontline,housing'].join('\n');
    await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: csv } });
    const send = await lead.get(`/admin/surveys/${survey.id}/invitations/send`);
    expect(text(send.body)).toContain('2 people on the staff list who have not had an invitation are written to the outbox file for you to mail-merge');
    expect(text(send.body)).toContain('This cannot be undone: an email cannot be recalled once it has gone.');
    expect(send.body).toContain(`action="/admin/surveys/${survey.id}/invitations/send"`);
    const remind = await lead.get(`/admin/surveys/${survey.id}/invitations/remind`);
    // The outbox would list who has not started: reminders are not offered through it (admin/invitations.ts NO_OUTBOX_REMINDERS).
    expect(text(remind.body)).toContain('Reminders cannot go to the outbox file');
    expect(remind.body).not.toContain(`action="/admin/surveys/${survey.id}/invitations/remind"`);
  });
});

describe('republishing', () => {
  it('asks before a new workforce profile republishes a closed wave, and publishes only once confirmed', async () => {
    const { lead, survey, storage } = await leadApp();
    await closeWave(storage.db, survey.id);
    const versions = async () => (await storage.db.selectFrom('publication').select('version').where('survey_id', '=', survey.id).execute()).map((p) => p.version);
    expect(await versions()).toEqual([1]);
    expect(text((await lead.get(`/admin/surveys/${survey.id}/profile`)).body)).toContain('a new profile publishes a new version of its results');
    const csv = 'role_group,directorate,headcount\nfrontline,housing,40\nmanager,housing,12\n';
    const asked = await lead.upload(`/admin/surveys/${survey.id}/profile`, {}, { file: { name: 'profile.csv', content: csv } });
    expect(asked.statusCode).toBe(200);
    expect(text(asked.body)).toContain('Publish a new version of the results?');
    expect(text(asked.body)).toContain('This cannot be undone');
    expect(await versions()).toEqual([1]);
    // A profile with problems is refused before anything is asked.
    const wrong = await lead.upload(`/admin/surveys/${survey.id}/profile`, {}, { file: { name: 'profile.csv', content: 'role_group,directorate,headcount\nfrontline,housing,many\n' } });
    expect(wrong.statusCode).toBe(422);
    const profile = /name="profile" value="([^"]*)"/.exec(asked.body)![1]!.replace(/&#10;/g, '\n');
    const confirmed = await lead.upload(`/admin/surveys/${survey.id}/profile`, { confirmed: 'yes', profile }, {});
    expect(confirmed.statusCode).toBe(303);
    expect(await versions()).toEqual([1, 2]);
    const saved = await storage.db.selectFrom('workforce_profile_cell').select(['role_group', 'headcount']).where('survey_id', '=', survey.id).orderBy('role_group').execute();
    expect(saved.map((c) => [c.role_group, Number(c.headcount)])).toEqual([
      ['frontline', 40],
      ['manager', 12],
    ]);
  });
});

describe('uploading a staff list again', () => {
  /** Uploads a list, invites everyone, lets `starters` start, then uploads a longer list: what the lead is told at each step. */
  async function reupload(starters: string[]) {
    const { lead, survey, mailer, app, storage } = await leadApp();
    const people = ['ann@council.gov.uk', 'bob@council.gov.uk'];
    const list = (emails: string[]) => ['email,role_group,directorate', ...emails.map((e) => `${e},frontline,housing`)].join('\n');
    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: list(people) } });
    await lead.post(`/admin/surveys/${survey.id}/invitations/send`);
    await expect.poll(() => mailer.sent.length).toBe(2);
    for (const email of starters) {
      const link = /https:\/\/sounding\.example\.org(\/i\/[A-Za-z0-9_-]{32})/.exec(mailer.sent.find((m) => m.to === email)!.body)![1]!;
      const respondent = new Respondent(app);
      await respondent.get(link);
      expect((await respondent.post(`${link}/start`)).statusCode).toBe(303);
    }
    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    const again = await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: list([...people, 'cat@council.gov.uk']) } });
    const page = (await lead.get(String(again.headers.location))).body;
    const notice = /govuk-notification-banner__heading">([^<]*)</.exec(page)?.[1]?.trim();
    const onTheList = /On the staff list\s*<\/dt>\s*<dd[^>]*>\s*(\d+)/.exec(page)?.[1];
    // Invitations sent after the second list: the new person only, never again someone who started.
    await lead.post(`/admin/surveys/${survey.id}/invitations/send`);
    await expect.poll(() => mailer.sent.length).toBe(3);
    const audit = await storage.db.selectFrom('audit_log').select(['action', 'target']).where('action', 'like', 'invitations.import%').orderBy('at').execute();
    return {
      status: again.statusCode,
      location: String(again.headers.location).replace(survey.id, 'ID'),
      notice,
      onTheList,
      invitedAfter: mailer.sent.slice(2).map((m) => m.to),
      audit: audit.map((a) => `${a.action} ${a.target.replace(survey.id, 'ID')}`),
    };
  }

  it('gives the same answer, and audits the same, whether or not people on it have started', async () => {
    const nobody = await reupload([]);
    const ann = await reupload(['ann@council.gov.uk']);
    const both = await reupload(['ann@council.gov.uk', 'bob@council.gov.uk']);
    expect(nobody.notice).toBe('Staff list read: 1 new person added, to be invited when you send invitations; 2 already invited before, so not invited again.');
    expect(nobody.onTheList).toBe('3');
    expect(nobody.invitedAfter).toEqual(['cat@council.gov.uk']);
    expect(ann).toEqual(nobody);
    expect(both).toEqual(nobody);
    expect(nobody.audit).toEqual(['invitations.import survey ID: 2 listed, 2 added, 0 already invited', 'invitations.import survey ID: 3 listed, 1 added, 2 already invited']);
  });

  it('says in plain words what a lead can and cannot know about who answered', async () => {
    const { lead, survey } = await leadApp();
    const page = text((await lead.get(`/admin/surveys/${survey.id}/invitations`)).body);
    expect(page).toContain('What you can and cannot know about who answered');
    expect(page).toContain('You cannot find out who has started or who has answered.');
    expect(page).toContain('that answer is the same whether or not anyone on the list has started');
  });

  it('audits a refused upload', async () => {
    const { lead, survey, storage } = await leadApp();
    await lead.get(`/admin/surveys/${survey.id}/invitations`);
    const refused = await lead.upload(
      `/admin/surveys/${survey.id}/invitations`,
      {},
      { file: { name: 'staff.csv', content: 'email,role_group,directorate\nnot-an-address,frontline,housing\n' } },
    );
    expect(refused.statusCode).toBe(422);
    const audit = await storage.db.selectFrom('audit_log').select('target').where('action', '=', 'invitations.import-refused').execute();
    expect(audit).toEqual([{ target: `survey ${survey.id}: 1 problem` }]);
  });
});

describe('links follow PORT and PUBLIC_URL', () => {
  it('defaults PUBLIC_URL to this machine on PORT, and takes PUBLIC_URL when it is set', () => {
    expect(readConfig({}).publicUrl).toBe('http://localhost:3000');
    expect(readConfig({ PORT: '3361' }).publicUrl).toBe('http://localhost:3361');
    expect(readConfig({ PORT: '3361', PUBLIC_URL: 'https://survey.council.gov.uk/' }).publicUrl).toBe('https://survey.council.gov.uk');
  });

  for (const [env, base] of [
    [{ PORT: '3361' }, 'http://localhost:3361'],
    [{ PORT: '3361', PUBLIC_URL: 'https://survey.council.gov.uk' }, 'https://survey.council.gov.uk'],
  ] as const) {
    it(`builds the open link, invitation links and a new member's password link from ${base}`, async () => {
      const { publicUrl } = readConfig({ ...env, LOG_LEVEL: 'silent' });
      const { lead, survey, mailer, organisationId } = await leadApp({ config: { publicUrl, secureCookies: false } });
      expect(text((await lead.get(`/admin/surveys/${survey.id}`)).body)).toMatch(new RegExp(`Open link for staff ${base.replace(/[.]/g, '\\.')}/s/[a-z0-9]+ `));
      await lead.get(`/admin/surveys/${survey.id}/invitations`);
      await lead.upload(`/admin/surveys/${survey.id}/invitations`, {}, { file: { name: 'staff.csv', content: 'email,role_group,directorate\nann@council.gov.uk,frontline,housing\n' } });
      await lead.post(`/admin/surveys/${survey.id}/invitations/send`);
      await expect.poll(() => mailer.sent.length).toBe(1);
      expect(mailer.sent[0]!.body).toContain(`${base}/i/`);
      await lead.get(`/organisations/${organisationId}/members`);
      await lead.post(`/organisations/${organisationId}/members`, { email: 'new.member@council.gov.uk', name: 'New Member', role: 'viewer' });
      await expect.poll(() => mailer.sent.length).toBe(2);
      expect(mailer.sent[1]!.body).toContain(`${base}/password-reset/`);
      expect(mailer.sent.map((m) => m.body).join('\n')).not.toContain('localhost:3000');
    });
  }
});

describe('a survey written only in English', () => {
  async function englishOnly() {
    const result = validateDefinitionText(stringify(minimalDefinition()));
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.definition.languages).toEqual(['en']);
    const setup = await testApp(result.definition);
    opened.push(setup);
    return setup;
  }

  it('offers no Welsh switch on its respondent pages, and stays English for someone who chose Welsh before', async () => {
    const { app, survey } = await englishOnly();
    const respondent = new Respondent(app);
    for (const url of [`/s/${survey.slug}`, `/s/${survey.slug}?lang=cy`, `/s/${survey.slug}/resume`]) {
      const page = await respondent.get(url);
      expect(page.statusCode, url).toBe(200);
      expect(page.body, url).not.toContain('hreflang="cy"');
      expect(page.body, url).not.toContain('Cymraeg');
      expect(page.body, url).toContain('<html lang="en"');
    }
    expect(text((await respondent.get(`/s/${survey.slug}`)).body)).toContain('Start now');
    await respondent.post(`/s/${survey.slug}/start`);
    const first = await respondent.get(`/s/${survey.slug}/q/about`);
    expect(first.body).not.toContain('hreflang="cy"');
    expect(text(first.body)).toContain('Continue');
  });

  it('still offers Welsh on a bilingual survey', async () => {
    const setup = await testApp();
    opened.push(setup);
    const page = await new Respondent(setup.app).get(`/s/${setup.survey.slug}`);
    expect(page.body).toContain('hreflang="cy"');
  });
});
