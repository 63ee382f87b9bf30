import { closeWave } from '../support/waves.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keepShownAnswers } from '../../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import { submitResponse } from '../../src/storage/responses.js';

import { memberCookie } from '../support/accounts.js';
import { segmentCellOf } from '../../src/instrument/definition.js';
import { standardInstrument, testApp, type TestApp } from '../support/app.js';

const definition = standardInstrument();
let t: TestApp;
beforeEach(async () => {
  t = await testApp(definition);
});
afterEach(async () => t.app.close());

async function addResponses(role: string, count: number, seed: number) {
  const random = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const answers = keepShownAnswers(definition, { ...syntheticAnswers(definition, random), role });
    await submitResponse(t.storage.db, `${role}-${seed}-${i}`, {
      surveyId: t.survey.id,
      instrumentVersionId: t.survey.instrumentVersionId,
      roleGroup: role,
      directorate: segmentCellOf(definition, answers).directorate,
      submittedOn: '2026-11-24',
      answers,
    });
  }
}

describe('results page suppression', () => {
  it('shows no figure anywhere for a role group of 9, and withholds one more group so it cannot be found by subtraction', async () => {
    await addResponses('frontline', 40, 1);
    await addResponses('manager', 12, 2);
    await addResponses('procurement', 9, 3);
    await closeWave(t.storage.db, t.survey.id);
    const page = await t.app.inject({ method: 'GET', url: `/surveys/${t.survey.id}/results`, headers: { cookie: await memberCookie(t.storage.db, t.survey.id) } });
    expect(page.statusCode).toBe(200);
    const headers = [...page.body.matchAll(/<th scope="col" class="govuk-table__header[^"]*">([^<]*)<\/th>/g)].map((m) => m[1]!.trim());
    // Procurement is never a column; it is named only in the note that says it is not shown.
    expect(headers.some((h) => h.startsWith('Procurement'))).toBe(false);
    // Procurement and the group withheld to protect it are named together, for one reason: which is the small one is not said.
    expect(page.body).toMatch(
      /Not shown separately, because fewer than 10 people in the group answered or so that a smaller group’s figures cannot be worked out from the others: [^<]*Manager[^<]*Procurement/,
    );
    // "All" (61) minus frontline minus manager would give procurement's 9: so manager is withheld too.
    const firstTable = page.body.slice(page.body.indexOf('<table'), page.body.indexOf('</table>'));
    expect(firstTable).toMatch(/All \(61\)/);
    expect(firstTable).toMatch(/Frontline[^<]*\(40\)/);
    expect(headers.some((h) => h.startsWith('Manager'))).toBe(false);
    expect(page.body).not.toMatch(/Manager[^<]*\(12\)/);
  });
});

describe('results of an open survey', () => {
  it('are published nowhere until the survey closes, so nobody can difference them around a colleague’s answer', async () => {
    await addResponses('frontline', 40, 1);
    const cookie = await memberCookie(t.storage.db, t.survey.id, 'analyst');
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie } });
    for (const path of ['results', 'report', 'report.pdf', 'exports', 'exports/csv']) {
      const page = await get(`/surveys/${t.survey.id}/${path}`);
      expect(page.statusCode, path).toBe(200);
      expect(page.body, path).toContain('Results are not published yet');
      expect(page.body, path).not.toMatch(/Frontline[^<]*\(40\)|40 responses/);
    }
    const api = await get(`/api/surveys/${t.survey.id}/results`);
    expect(api.statusCode).toBe(409);
    expect(api.json()).toMatchObject({ error: 'not_released' });

    await closeWave(t.storage.db, t.survey.id);
    expect((await get(`/surveys/${t.survey.id}/results`)).body).toMatch(/All \(40\)/);
    expect((await get(`/api/surveys/${t.survey.id}/results`)).statusCode).toBe(200);
  });
});
