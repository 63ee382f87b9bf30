import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TDefinition } from '../../src/instrument/definition.js';
import { validateDefinitionText } from '../../src/instrument/validate.js';
import { memberCookie } from '../support/accounts.js';
import { Respondent, answerAll, testApp, type TestApp } from '../support/app.js';
import { respondentAnswers } from '../support/server.js';
import { closeWave } from '../support/waves.js';

/** A small pulse survey as a lead would write it: no role question, so no segments and no audiences. */
const PULSE = `
code: pulse
version: 1
title: Pulse survey
estimatedMinutes: 3
sections:
  - code: work
    title: Your work
    questions:
      - code: tools
        type: single
        text: Do you have the digital tools you need?
        options:
          - { code: 'yes', label: 'Yes' }
          - { code: 'no', label: 'No' }
      - code: engaged
        type: engagement
        text: How engaged are you with your organisation's plans for digital change?
  - code: more
    title: Your tools
    showIf: { question: tools, anyOf: ['yes'] }
    questions:
      - code: hours
        type: number
        text: How many hours a week do you spend on them?
        min: 0
        max: 60
      - code: comments
        type: text
        required: false
        text: Anything else?
`;

function pulse(): TDefinition {
  const result = validateDefinitionText(PULSE);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.definition;
}

const RESPONDENTS = 24;
const definition = pulse();
let t: TestApp;
let cookie: string;
const visits: string[][] = [];

beforeAll(async () => {
  t = await testApp(definition);
  for (let seed = 1; seed <= RESPONDENTS; seed++) {
    const respondent = new Respondent(t.app);
    const answers = respondentAnswers(definition, seed);
    const { visited, last } = await answerAll(respondent, definition, `/s/${t.survey.slug}`, answers);
    expect(last.headers.location).toBe(`/s/${t.survey.slug}/check`);
    expect((await respondent.get(`/s/${t.survey.slug}/check`)).statusCode).toBe(200);
    expect((await respondent.post(`/s/${t.survey.slug}/submit`)).statusCode).toBe(303);
    visits.push(visited);
  }
  await closeWave(t.storage.db, t.survey.id);
  cookie = await memberCookie(t.storage.db, t.survey.id, 'analyst');
}, 120_000);
afterAll(async () => t.app.close());

const get = (path: string) => t.app.inject({ method: 'GET', url: `/surveys/${t.survey.id}/${path}`, headers: { cookie } });

describe('a survey without a role question, from answers to every output', () => {
  it('asks every section to everyone, following its condition, and stores each response in the one cell there is', async () => {
    expect(visits.every((v) => v[0] === 'work')).toBe(true);
    // The condition decides the second section: both routes were taken.
    expect(new Set(visits.map((v) => v.join(',')))).toEqual(new Set(['work', 'work,more']));
    const rows = await t.storage.db.selectFrom('response').select(['role_group', 'directorate']).where('survey_id', '=', t.survey.id).execute();
    expect(rows).toHaveLength(RESPONDENTS);
    expect(new Set(rows.map((r) => `${r.role_group}/${r.directorate}`))).toEqual(new Set(['/']));
  });

  it('publishes results for all respondents, with no role breakdown', async () => {
    const page = await get('results');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`All (${RESPONDENTS})`);
    expect(page.body).toContain('How engaged are you with your organisation');
    const headers = [...page.body.matchAll(/<th scope="col" class="govuk-table__header[^"]*">([^<]*)<\/th>/g)].map((m) => m[1]!.trim()).filter((h) => /\(\d+\)$/.test(h));
    expect(new Set(headers)).toEqual(new Set([`All (${RESPONDENTS})`]));
    const api = await t.app.inject({ method: 'GET', url: `/api/surveys/${t.survey.id}/results`, headers: { cookie } });
    expect(api.statusCode).toBe(200);
    const report = await get('report');
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain('Pulse survey');
  });

  it('exports every file, each respondent once', async () => {
    const respondents = await get('exports/respondents.csv');
    expect(respondents.statusCode).toBe(200);
    const rows = parse<Record<string, string>>(respondents.body, { columns: true });
    expect(rows).toHaveLength(RESPONDENTS);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['tools', 'engaged', 'hours']));
    for (const file of ['codebook.csv', 'aggregates.csv', 'respondents.xlsx', 'respondents.sav', 'aggregates.xlsx']) {
      const download = await get(`exports/${file}`);
      expect(download.statusCode, file).toBe(200);
      expect(download.rawPayload.length, file).toBeGreaterThan(100);
    }
    const aggregates = parse<Record<string, string>>((await get('exports/aggregates.csv')).body, { columns: true });
    expect(aggregates.some((row) => Object.values(row).includes('tools'))).toBe(true);
  });
});
