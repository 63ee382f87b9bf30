import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { generateResponses } from '../../src/admin/demo.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { createSurvey, findSurveyById } from '../../src/storage/surveys.js';
import { setWavePlan } from '../../src/storage/waves.js';
import { buildApp } from '../../src/web/app.js';
import { userWithRoles } from '../support/accounts.js';
import { openSurveyDatabase, standardInstrument, testConfig, testDatabases, testServices } from '../support/app.js';
import { Browser, text } from '../support/browser.js';
import { closeWave, openWave, TEST_ACTOR } from '../support/waves.js';

const opened: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
});

async function publishedWave(target: Awaited<ReturnType<(typeof testDatabases)[number]['fresh']>>) {
  const { storage, survey } = await openSurveyDatabase(standardInstrument(), target);
  await generateResponses(storage.db, TEST_ACTOR, survey.id, 60, 3);
  const app = await buildApp(testConfig(), testServices(storage));
  opened.push(app);
  const { organisationId } = (await findSurveyById(storage.db, survey.id))!;
  const lead = new Browser(app, (await userWithRoles(storage.db, { [organisationId]: 'org_admin' })).cookie);
  return { app, storage, survey, organisationId, lead, manage: `/admin/surveys/${survey.id}/actions` };
}

const ACTION = {
  finding: 'theme:engagement',
  group: '',
  what: 'Run drop-in sessions on the new systems',
  ownerRole: 'Head of ICT',
  'due-day': '31',
  'due-month': '3',
  'due-year': '2027',
  status: 'planned',
};

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`you said, we did ${database.title}`, () => {
    it('records actions only once the wave is published, shows every form problem, and audits each change', async () => {
      const { storage, survey, organisationId, lead, manage } = await publishedWave(await database.fresh());
      expect(text((await lead.get(manage)).body)).toContain('this page opens once the survey has closed');
      // The keying page carries a form token; the service refuses an action on a wave not yet published.
      await lead.get(`/admin/surveys/${survey.id}/paper`);
      const early = await lead.post(manage, ACTION);
      expect(early.statusCode).toBe(422);
      expect(text(early.body)).toContain('Actions can be recorded once the survey has closed');
      await closeWave(storage.db, survey.id);

      await lead.get(manage);
      const wrong = await lead.post(manage, {
        finding: 'question:shoe_size',
        group: 'roleGroup:nobody',
        what: '',
        ownerRole: '',
        'due-day': '31',
        'due-month': '2',
        'due-year': '2027',
        status: 'maybe',
      });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.body).toMatch(/<title>Error: /);
      for (const [field, message] of [
        ['finding', 'Choose the finding the action is about'],
        ['group', 'Choose a group from the list, or everyone'],
        ['what', 'Say what will be done'],
        ['ownerRole', 'Enter the role responsible'],
        ['status', 'Choose a status'],
        ['due-day', 'The due date must be a real date'],
      ]) {
        expect(wrong.body).toContain(`<a href="#${field}">${message}`);
      }

      expect((await lead.post(manage, ACTION)).statusCode).toBe(303);
      const page = await lead.get(`${manage}?done=added`);
      expect(text(page.body)).toContain('Run drop-in sessions on the new systems');
      const actionId = /actions\/([0-9a-f-]{36})"/.exec(page.body)![1]!;
      expect((await lead.post(`${manage}/${actionId}`, { status: 'in_progress', note: 'First two sessions held' })).statusCode).toBe(303);
      const audit = await listAuditEntries(storage.db, organisationId);
      expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['action.add', 'action.update']));
      expect(audit.find((e) => e.action === 'action.update')?.target).toBe(`survey ${survey.id}: action ${actionId} in_progress, progress note added`);
    });

    it('shows staff the headline findings and the actions with their status, without signing in, in English and Welsh', async () => {
      const { app, storage, survey, lead, manage } = await publishedWave(await database.fresh());
      await closeWave(storage.db, survey.id);
      await lead.get(manage);
      expect((await lead.post(manage, ACTION)).statusCode).toBe(303);
      expect(
        (await lead.post(manage, { ...ACTION, finding: 'question:strategy', what: 'Publish the digital strategy on the intranet', ownerRole: 'Chief executive', status: 'done' })).statusCode,
      ).toBe(303);

      // The survey's own link says it has closed and leads to the page.
      const closed = await app.inject({ method: 'GET', url: `/s/${survey.slug}` });
      expect(closed.statusCode).toBe(410);
      expect(closed.body).toContain(`href="/s/${survey.slug}/actions"`);

      const staff = new Browser(app);
      const english = await staff.get(`/s/${survey.slug}/actions`);
      expect(english.statusCode).toBe(200);
      const en = text(english.body);
      expect(en).toContain('60 people answered the survey.');
      expect(en).toMatch(/Digital engagement: a score of \d+ out of 100 for everyone/);
      expect(en).toContain('Run drop-in sessions on the new systems');
      expect(en).toContain('Head of ICT');
      expect(en).toContain('31 March 2027');
      expect(en).toContain('Planned');
      expect(en).toContain('Done');

      const welsh = await staff.get(`/s/${survey.slug}/actions?lang=cy`);
      expect(welsh.body).toContain('<html lang="cy"');
      const cy = text(welsh.body);
      expect(cy).toContain('Atebodd 60 o bobl yr arolwg.');
      expect(cy).toContain('Beth rydyn ni');
      expect(cy).toContain('31 Mawrth 2027');
      expect(cy).toContain('Wedi’i gynllunio');
    });

    it('shows the previous wave’s actions and their status in the next wave’s report', async () => {
      const { storage, survey, organisationId, lead, manage, app } = await publishedWave(await database.fresh());
      await closeWave(storage.db, survey.id);
      await lead.get(manage);
      expect((await lead.post(manage, ACTION)).statusCode).toBe(303);
      const next = await createSurvey(storage.db, { organisationId, instrumentVersionId: survey.instrumentVersionId, title: 'Wave 2', synthetic: true });
      await setWavePlan(storage.db, next.id, { opensOn: null, closesOn: null, previousSurveyId: survey.id });
      await openWave(storage.db, next.id);
      await generateResponses(storage.db, TEST_ACTOR, next.id, 40, 9);
      await closeWave(storage.db, next.id);
      const report = text((await new Browser(app, (await userWithRoles(storage.db, { [organisationId]: 'viewer' })).cookie).get(`/surveys/${next.id}/report`)).body);
      expect(report).toContain('What was done after Wave 1');
      expect(report).toMatch(/Digital engagement Run drop-in sessions on the new systems Head of ICT 31 March 2027 planned/);
    });

    it('shows nothing the publication withholds: a wave with too few responses shows no figures', async () => {
      const { storage, survey } = await openSurveyDatabase(standardInstrument(), await database.fresh());
      await generateResponses(storage.db, TEST_ACTOR, survey.id, 4, 5);
      await closeWave(storage.db, survey.id);
      const app = await buildApp(testConfig(), testServices(storage));
      opened.push(app);
      const page = text((await app.inject({ method: 'GET', url: `/s/${survey.slug}/actions` })).body);
      expect(page).toContain('Fewer than 10 people answered, so no results can be shown.');
      expect(page).not.toMatch(/a score of \d+/);
      expect(page).not.toMatch(/\b4 people\b/);
    });
  });
}
