import { closeWave } from '../support/waves.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keepShownAnswers, shownSections } from '../../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import type { Answers } from '../../src/instrument/question-types/index.js';

import { Respondent, answerAll as answerAllFor, standardInstrument, testApp, testDatabases, type TestApp } from '../support/app.js';

const definition = standardInstrument();

const answerAll = (respondent: Respondent, base: string, answers: Answers) => answerAllFor(respondent, definition, base, answers);

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`${database.title}`, () => {
    let t: TestApp;
    let base: string;
    beforeEach(async () => {
      t = await testApp(definition, database.fresh());
      base = `/s/${t.survey.slug}`;
    });
    afterEach(async () => t.app.close());

    const countResponses = async () =>
      Number(
        (
          await t.storage.db
            .selectFrom('response')
            .select((s) => s.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    describe('the respondent journey', () => {
      it('goes from the start page through every shown section to check answers, then stores one response', async () => {
        const answers = keepShownAnswers(definition, syntheticAnswers(definition, seededRandom(7)));
        const respondent = new Respondent(t.app);
        const { visited, last } = await answerAll(respondent, base, answers);
        expect(visited).toEqual(shownSections(definition, answers).map((s) => s.code));
        expect(last.headers.location).toBe(`${base}/check`);

        const check = await respondent.get(`${base}/check`);
        expect(check.statusCode).toBe(200);
        expect(check.body).toContain('Check your answers before sending them');
        expect(check.body).toContain(`${base}/q/about?returnTo=check#role`);

        const submitted = await respondent.post(`${base}/submit`);
        expect(submitted.headers.location).toBe(`${base}/done`);
        expect((await respondent.get(`${base}/done`)).body).toContain('your answers have been sent');
        const stored = await t.storage.db.selectFrom('response').selectAll().execute();
        expect(stored).toHaveLength(1);
        expect(JSON.parse(stored[0]!.answers)).toEqual(answers);
      });

      it('never stores a second response when the same answers are sent again (double click, retry, back and resubmit)', async () => {
        const answers = keepShownAnswers(definition, syntheticAnswers(definition, seededRandom(3)));
        const respondent = new Respondent(t.app);
        await answerAll(respondent, base, answers);
        await respondent.get(`${base}/check`);
        const [first, second] = await Promise.all([respondent.post(`${base}/submit`), respondent.post(`${base}/submit`)]);
        const third = await respondent.post(`${base}/submit`);
        for (const r of [first, second, third]) expect(r.headers.location).toBe(`${base}/done`);
        expect(await countResponses()).toBe(1);
      });

      it('shows every error at once with a GOV.UK error summary linking to each field, and status 422', async () => {
        const respondent = new Respondent(t.app);
        await respondent.get(base);
        await respondent.post(`${base}/start`);
        await respondent.get(`${base}/q/about`);
        const page = await respondent.post(`${base}/q/about`, { action: 'continue', role: 'wizard' });
        expect(page.statusCode).toBe(422);
        expect(page.body).toMatch(/<title>Error: About you/);
        expect(page.body).toContain('govuk-error-summary');
        expect(page.body).toContain('href="#role">Select one of the options given');
        // The instrument's own message for a blank answer, not the general "Answer this question".
        expect(page.body).toContain('href="#directorate">Select the service area you mainly work in');
        expect(page.body).toContain('govuk-error-message');
      });

      it('skips a question whose condition does not hold, and asks it when it does', async () => {
        const respondent = new Respondent(t.app);
        await respondent.get(base);
        await respondent.post(`${base}/start`);
        await respondent.get(`${base}/q/about`);
        await respondent.post(`${base}/q/about`, { action: 'continue', role: 'frontline', directorate: 'housing' });
        const asked = await respondent.get(`${base}/q/strategy`);
        expect(asked.body).toContain('name="strategy"');
        const withoutStrategy = await respondent.post(`${base}/q/strategy`, { action: 'continue', strategy: 'no' });
        expect(withoutStrategy.statusCode).toBe(303);
        const withStrategy = await respondent.post(`${base}/q/strategy`, { action: 'continue', strategy: 'yes' });
        expect(withStrategy.statusCode).toBe(422);
        expect(withStrategy.body).toContain('href="#strategy_achievable"');
      });

      it('saves for later with a resume code that brings the answers back on another device, once', async () => {
        const first = new Respondent(t.app);
        await first.get(base);
        await first.post(`${base}/start`);
        await first.get(`${base}/q/about`);
        await first.post(`${base}/q/about`, { action: 'continue', role: 'manager', directorate: 'housing' });
        await first.get(`${base}/q/engagement`);
        const saved = await first.post(`${base}/q/engagement`, { action: 'save' });
        const code = /<strong class="sounding-code">([A-Z0-9]{8})<\/strong>/.exec(saved.body)?.[1];
        expect(code).toBeDefined();

        const second = new Respondent(t.app);
        await second.get(`${base}/resume`);
        const wrong = await second.post(`${base}/resume`, { code: 'AAAA2222' });
        expect(wrong.statusCode).toBe(422);
        expect(wrong.body).toContain('No unfinished answers match that code');
        const resumed = await second.post(`${base}/resume`, { code: code!.toLowerCase().replace(/(....)/, '$1 ') });
        expect(resumed.headers.location).toBe(`${base}/q/engagement`);
        const about = await second.get(`${base}/q/about`);
        expect(about.body).toMatch(/value="manager" checked/);

        const third = new Respondent(t.app);
        await third.get(`${base}/resume`);
        expect((await third.post(`${base}/resume`, { code: code! })).statusCode).toBe(422);
      });

      it('answers a closed survey with 410 and an unknown one with 404, never a 500', async () => {
        await closeWave(t.storage.db, t.survey.id);
        const closed = await t.app.inject({ method: 'GET', url: base });
        expect(closed.statusCode).toBe(410);
        expect(closed.body).toContain('This survey has closed');
        expect((await t.app.inject({ method: 'GET', url: `${base}/q/about` })).statusCode).toBe(410);
        expect((await t.app.inject({ method: 'GET', url: '/s/doesnotexist' })).statusCode).toBe(404);
        expect((await t.app.inject({ method: 'GET', url: '/s/..%2f..%2fetc' })).statusCode).toBe(404);
      });

      it('refuses oversized and malformed bodies with a clear 4xx', async () => {
        const respondent = new Respondent(t.app);
        await respondent.get(base);
        await respondent.post(`${base}/start`);
        const huge = await respondent.post(`${base}/q/about`, { action: 'continue', role: 'x'.repeat(100_000) });
        expect(huge.statusCode).toBe(413);
        expect(huge.body).toContain('There is a problem with the request');
        const json = await t.app.inject({ method: 'POST', url: `${base}/q/about`, headers: { 'content-type': 'application/json' }, payload: '{"role":' });
        expect(json.statusCode).toBeGreaterThanOrEqual(400);
        expect(json.statusCode).toBeLessThan(500);
        const noCsrf = await t.app.inject({ method: 'POST', url: `${base}/start`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b' });
        expect(noCsrf.statusCode).toBe(403);
      });
    });

    describe('anonymity of stored responses', () => {
      it('stores no IP address, user agent or time of day with a response', async () => {
        const answers = keepShownAnswers(definition, syntheticAnswers(definition, seededRandom(11)));
        const respondent = new Respondent(t.app);
        await answerAll(respondent, base, answers);
        await respondent.get(`${base}/check`);
        await respondent.post(`${base}/submit`);
        const rows = await t.storage.db.selectFrom('response').selectAll().execute();
        expect(rows).toHaveLength(1);
        const row = rows[0]!;
        expect(Object.keys(row).sort()).toEqual(['answers', 'directorate', 'id', 'instrument_version_id', 'role_group', 'source', 'submitted_on', 'survey_id']);
        expect(row.source).toBe('online');
        expect(row.submitted_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        const everything = JSON.stringify(rows);
        expect(everything).not.toMatch(/127\.0\.0\.1|lightMyRequest|\d{2}:\d{2}:\d{2}|T\d{2}:/);
        // Nothing of the answer session (cookie token hash) is left to link the respondent to the response.
        expect(await t.storage.db.selectFrom('answer_session').selectAll().execute()).toHaveLength(0);
      });
    });
  });
}
