import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_TYPE } from '../../src/admin/rounds.js';
import { createOrganisation, createSurvey } from '../../src/storage/surveys.js';
import { accountsApp, userWithRoles } from '../support/accounts.js';
import { standardInstrument, testDatabases } from '../support/app.js';
import { insertAnswers } from '../support/rounds.js';
import { openWave } from '../support/waves.js';

/** A signed-in browser for inject: its session cookie, plus the form token and cookie read from each page. */
function browser(app: Awaited<ReturnType<typeof accountsApp>>['app'], session: string) {
  let csrf = '';
  let csrfCookie = '';
  const cookie = () => [session, csrfCookie].filter(Boolean).join('; ');
  return {
    async get(url: string) {
      const response = await app.inject({ method: 'GET', url, headers: { cookie: cookie() } });
      csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? csrf;
      const set = [response.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]!);
      if (set.length) csrfCookie = set.join('; ');
      return response;
    },
    post(url: string, fields: Record<string, string> = {}) {
      const payload = new URLSearchParams({ _csrf: csrf, ...fields }).toString();
      return app.inject({ method: 'POST', url, headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' }, payload });
    },
  };
}

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`benchmark rounds on the web ${database.title}`, () => {
    let t: Awaited<ReturnType<typeof accountsApp>>;
    let hostId: string;
    let host: ReturnType<typeof browser>;
    let council: ReturnType<typeof browser>;
    let waveId: string;
    let roundUrl: string;
    beforeAll(async () => {
      t = await accountsApp({ target: await database.fresh() });
      hostId = await createOrganisation(t.storage.db, { name: 'Coastal Councils Partnership', type: HOST_TYPE, nation: 'England', region: 'South West' });
      host = browser(t.app, (await userWithRoles(t.storage.db, { [hostId]: 'org_admin' })).cookie);
      council = browser(t.app, (await userWithRoles(t.storage.db, { [t.organisationId]: 'org_admin' })).cookie);
      waveId = (await createSurvey(t.storage.db, { organisationId: t.organisationId, instrumentVersionId: t.survey.instrumentVersionId, title: 'Round wave 2026' })).id;
    }, 120_000);
    afterAll(async () => t?.app.close());

    it('the host creates a round: a bad form is answered 422 with the error summary and inline errors', async () => {
      expect((await host.get(`/admin/organisations/${hostId}/rounds`)).statusCode).toBe(200);
      expect((await host.get(`/admin/organisations/${hostId}/rounds/new`)).statusCode).toBe(200);
      const bad = await host.post(`/admin/organisations/${hostId}/rounds`, { title: '', 'opensOn-day': '31', 'opensOn-month': '2', 'opensOn-year': '2027' });
      expect(bad.statusCode).toBe(422);
      expect(bad.body).toContain('govuk-error-summary');
      expect(bad.body).toContain('href="#title">Enter a title for the round');
      expect(bad.body).toContain('The opening date must be a real date');
      expect(bad.body).toContain('Enter the date fieldwork closes');
      const created = await host.post(`/admin/organisations/${hostId}/rounds`, {
        title: 'Coastal 2027',
        'opensOn-day': '1',
        'opensOn-month': '3',
        'opensOn-year': '2027',
        'closesOn-day': '30',
        'closesOn-month': '4',
        'closesOn-year': '2027',
      });
      expect(created.statusCode).toBe(303);
      roundUrl = String(created.headers.location).split('?')[0]!;
      expect(roundUrl).toMatch(new RegExp(`^/admin/organisations/${hostId}/rounds/[0-9a-f-]{36}$`));
    });

    it('the host invites a council once; inviting it again is a 422 that says why', async () => {
      await host.get(roundUrl);
      expect((await host.post(`${roundUrl}/invite`, { organisation: '' })).statusCode).toBe(422);
      expect((await host.post(`${roundUrl}/invite`, { organisation: t.organisationId })).statusCode).toBe(303);
      await host.get(roundUrl);
      const twice = await host.post(`${roundUrl}/invite`, { organisation: t.organisationId });
      expect(twice.statusCode).toBe(422);
      expect(twice.body).toContain('Test Council has already been invited and has not answered yet');
    });

    it('the council’s admin accepts and links one wave; the host watches participation and sees no results', async () => {
      const councilRound = roundUrl.replace(hostId, t.organisationId);
      expect((await council.get(`/admin/organisations/${t.organisationId}/rounds`)).body).toContain('Coastal 2027');
      expect((await council.get(councilRound)).body).toContain('Accept the invitation');
      expect((await council.post(`${councilRound}/accept`)).statusCode).toBe(303);
      const page = await council.get(councilRound);
      expect(page.body).toContain('Round wave 2026');
      expect((await council.post(`${councilRound}/link`, { survey: '' })).statusCode).toBe(422);
      expect((await council.post(`${councilRound}/link`, { survey: waveId })).statusCode).toBe(303);
      const second = await council.post(`${councilRound}/link`, { survey: t.survey.id });
      expect(second.statusCode).toBe(422);
      expect(second.body).toContain('is already this council');
      // The council's pages of the round are the council's: the host cannot post to them, nor the council to the host's.
      expect((await host.post(`${councilRound}/leave`)).statusCode).toBe(404);
      expect((await council.post(`${roundUrl}/close`)).statusCode).toBe(404);

      await openWave(t.storage.db, waveId);
      await insertAnswers(t.storage.db, { id: waveId, instrumentVersionId: t.survey.instrumentVersionId }, standardInstrument(), 12, 5);
      const watched = await host.get(roundUrl);
      expect(watched.body).toContain('1 invited, 1 joined, 1 opened their wave, 0 closed it');
      expect(watched.body).toMatch(/district<\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>12<\/td>/);
      expect(watched.body).not.toContain('Round wave 2026');
      // The host has no way into the council's wave.
      for (const url of [`/admin/surveys/${waveId}`, `/surveys/${waveId}/results`, `/surveys/${waveId}/report`, `/api/surveys/${waveId}/results`]) {
        expect((await host.get(url)).statusCode, url).toBe(404);
      }
    });

    it('closing the round while the council is in fieldwork is refused with the reason, and nothing changes', async () => {
      await host.get(roundUrl);
      const refused = await host.post(`${roundUrl}/close`);
      expect(refused.statusCode).toBe(422);
      expect(refused.body).toContain('Coastal 2027 cannot close while a council is still in fieldwork (Test Council)');
      expect((await host.get(roundUrl)).body).toMatch(/State\s*<\/dt>\s*<dd[^>]*>\s*open\s*</);
    });
  });
}
