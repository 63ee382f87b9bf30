/**
 * A closed wave never reopens, whichever way it is asked: the lead's page, the command line
 * and the service all refuse, and nothing changes (state, dates, publication, audit log).
 */
import { describe, expect, it } from 'vitest';
import { changeWaveState } from '../../src/admin/waves.js';
import { testDatabases } from '../support/app.js';
import { TEST_ACTOR } from '../support/waves.js';
import { answersFor, auditRows, cli, createWaveOnWeb, instrumentVersionOf, leadSetup, pressWaveButton, publications, roster, submitAll, text } from './support.js';

const NEVER_REOPENS = 'This survey is closed, so it cannot be opened: a closed survey never reopens';

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`a closed wave never reopens ${database.title}`, () => {
    it('is refused by the web page, the command line and the service, and stays closed with nothing new in the audit log', { timeout: 240_000 }, async () => {
      const s = await leadSetup(database);
      const { lead, storage, organisationId } = s;
      const db = storage.db;
      try {
        const id = await createWaveOnWeb(lead, organisationId, 'Closed for good');
        expect((await pressWaveButton(lead, id, 'open')).statusCode).toBe(303);
        await submitAll(
          db,
          { id, instrumentVersionId: await instrumentVersionOf(db, id) },
          roster({ frontline: 12, manager: 11 }).map((r, i) => answersFor(300 + i, r.role, r.directorate)),
        );
        expect((await pressWaveButton(lead, id, 'close')).statusCode).toBe(303);

        const surveyRow = () => db.selectFrom('survey').select(['state', 'opens_on', 'closes_on']).where('id', '=', id).executeTakeFirstOrThrow();
        const before = { survey: await surveyRow(), audit: await auditRows(db), publications: await publications(db, id) };
        expect(before.survey.state).toBe('closed');
        expect(before.audit.filter((a) => a.action === 'wave.open')).toHaveLength(1);
        expect(before.publications).toHaveLength(1);

        // The web: the closed wave's page offers neither button; posting to the open action shows the refusal.
        const page = await lead.get(`/admin/surveys/${id}`);
        expect(text(page.body)).toContain('State closed');
        expect(page.body).not.toContain(`action="/admin/surveys/${id}/open"`);
        expect(page.body).not.toContain(`action="/admin/surveys/${id}/close"`);
        const web = await lead.post(`/admin/surveys/${id}/open`);
        expect(web.statusCode).toBe(422);
        expect(web.body).toContain('govuk-error-summary');
        expect(text(web.body)).toContain(NEVER_REOPENS);
        expect(text(web.body)).toContain('State closed');
        // Closing again is refused too, and builds no second publication.
        const reclose = await lead.post(`/admin/surveys/${id}/close`);
        expect(reclose.statusCode).toBe(422);
        expect(text(reclose.body)).toContain('This survey is closed, so it cannot be closed');

        // The command line: exit code 1 and the message on stderr.
        const command = await cli(s.target, 'survey', 'open', id);
        expect([command.status, command.stderr.trim(), command.stdout]).toEqual([1, NEVER_REOPENS, '']);

        // The service every entry point calls.
        expect(await changeWaveState(db, TEST_ACTOR, id, 'open')).toEqual({ ok: false, message: NEVER_REOPENS, status: 409 });

        // Nothing moved: still closed on the same dates, the same publication, not one new audit row.
        expect(await surveyRow()).toEqual(before.survey);
        expect(await publications(db, id)).toEqual(before.publications);
        expect(await auditRows(db)).toEqual(before.audit);
        // Its respondents' link stays shut.
        const slug = (await db.selectFrom('survey').select('slug').where('id', '=', id).executeTakeFirstOrThrow()).slug;
        expect((await s.app.inject({ method: 'GET', url: `/s/${slug}` })).statusCode).toBe(410);
      } finally {
        await s.app.close();
      }
    });
  });
}
