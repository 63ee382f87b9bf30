import { openWave, TEST_ACTOR } from '../support/waves.js';
import { answerInvitation, closeRound, createRound, HOST_TYPE, inviteToRound, linkWaveToRound, roundFormOfDays } from '../../src/admin/rounds.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { buildReport, type ReportView } from '../../src/reporting/report.js';
import { loadSurveyResults } from '../../src/reporting/survey-data.js';
import { createOrganisation, createSurvey } from '../../src/storage/surveys.js';
import { allQuestions } from '../../src/instrument/definition.js';
import { addFixtureResponses, definition, pct, reportFixture, type Fixture } from './fixture.js';

/** Type 7 quantile (R's default), written out here independently of the benchmark module. */
function quantile7(values: number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  const h = (v.length - 1) * p;
  return v[Math.floor(h)]! + (h - Math.floor(h)) * (v[Math.ceil(h)]! - v[Math.floor(h)]!);
}
const ENGAGEMENT: Record<string, number> = { very: 100, quite: 200 / 3, not_very: 100 / 3, not_at_all: 0 };
const engagementScore = (answers: { answers: Answers }[]) => {
  const values = answers.flatMap((a) => (typeof a.answers.engaged === 'string' ? [ENGAGEMENT[a.answers.engaged]!] : []));
  return values.reduce((s, v) => s + v, 0) / values.length;
};

let f: Fixture;
let wave2: { id: string; answers: Fixture['answers'] };
let others: Fixture['answers'][];
let report: ReportView;
beforeAll(async () => {
  f = await reportFixture();
  const db = f.storage.db;
  const { organisation_id } = await db.selectFrom('survey').select('organisation_id').where('id', '=', f.survey.id).executeTakeFirstOrThrow();
  // The second wave of the same organisation, pointing back at the first.
  const second = await createSurvey(db, { organisationId: organisation_id, instrumentVersionId: f.survey.instrumentVersionId, title: 'Wave 2' });
  await db.updateTable('survey').set({ previous_survey_id: f.survey.id }).where('id', '=', second.id).execute();
  // The second wave and five other councils' waves take part in one benchmark round, so a benchmark can be given.
  const host = await createOrganisation(db, { name: 'Benchmark host', type: HOST_TYPE, nation: 'England', region: 'South West' });
  const round = await createRound(db, TEST_ACTOR, host, roundFormOfDays('Round 2026', '2026-10-01', '2026-11-30'));
  if (!round.ok) throw new Error('round not created');
  const join = async (organisationId: string, surveyId: string) => {
    await inviteToRound(db, TEST_ACTOR, round.id, organisationId);
    await answerInvitation(db, TEST_ACTOR, round.id, organisationId, true);
    await linkWaveToRound(db, TEST_ACTOR, round.id, organisationId, surveyId);
    await openWave(db, surveyId);
  };
  await join(organisation_id, second.id);
  wave2 = { id: second.id, answers: await addFixtureResponses({ storage: f.storage, survey: { ...second, instrumentVersionId: f.survey.instrumentVersionId } }, 100) };
  others = [];
  for (let k = 0; k < 5; k++) {
    const organisationId = await createOrganisation(db, { name: `Other council ${k}`, type: 'district', nation: 'England', region: 'South West' });
    const survey = await createSurvey(db, { organisationId, instrumentVersionId: f.survey.instrumentVersionId, title: 'Wave 1' });
    await join(organisationId, survey.id);
    others.push(await addFixtureResponses({ storage: f.storage, survey: { ...survey, instrumentVersionId: f.survey.instrumentVersionId } }, 200 + 10 * k));
  }
  await closeRound(db, TEST_ACTOR, round.id);
  report = await buildReport((await loadSurveyResults(db, wave2.id))!);
}, 240_000);
afterAll(async () => f.app.close());

const section = (id: string) => report.sections.find((s) => s.id === id)!;

describe('trend against the previous wave', () => {
  it('compares figures with the previous wave, each single-choice figure checked against both waves’ answers', () => {
    const trend = section('trend');
    expect(trend.heading).toBe('Change since the previous survey (Wave 1)');
    const rows = trend.figures[0]!.table.rows;
    let checked = 0;
    for (const row of rows) {
      // Each row names its question and answer: "question: answer".
      const question = allQuestions(definition)
        .map((p) => p.question)
        .find((q) => q.type === 'single' && row[0]!.text.startsWith(`${q.text.en}: `));
      if (!question || question.type !== 'single') continue;
      const optionLabel = row[0]!.text.slice(question.text.en.length + 2);
      const option = question.options.find((o) => o.label.en === optionLabel)!;
      const share = (answers: { answers: Answers }[]) => {
        const answered = answers.filter((a) => typeof a.answers[question.code] === 'string');
        return pct(answered.filter((a) => a.answers[question.code] === option.code).length, answered.length);
      };
      expect(row[1]!.text, row[0]!.text).toBe(share(f.answers));
      expect(row[2]!.text, row[0]!.text).toBe(share(wave2.answers));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    expect(report.headlines.some((h) => /since Wave 1/.test(h))).toBe(true);
  });
});

describe('benchmark against other organisations', () => {
  it('gives the median and middle half of the six organisations’ engagement scores in the round, computed here', () => {
    const bench = section('benchmark');
    expect(bench.paragraphs[0]).toContain('Round 2026, hosted by Benchmark host: 6 organisations including this one');
    // With six organisations the type 7 quantiles fall between two organisations (positions 1.25, 2.5 and 3.75), so no widening here.
    const scores = [engagementScore(wave2.answers), ...others.map(engagementScore)];
    const row = bench.figures[0]!.table.rows.find((r) => r[0]!.text === 'Digital engagement' && r[1]!.text === 'All organisations')!;
    expect(row[2]!.text).toBe(String(Math.round(scores[0]!)));
    expect(row[3]!.text).toBe(String(Math.round(quantile7(scores, 0.5))));
    expect(row[4]!.text).toBe(`${Math.round(quantile7(scores, 0.25))} to ${Math.round(quantile7(scores, 0.75))}`);
    expect(row[5]!.text).toBe('6');
    expect(report.methodology.find((m) => m.heading === 'Benchmark')?.text).toContain('No median or quartile is ever one organisation’s exact figure');
    // Never another organisation's own figure: only the median and quartiles of six.
    expect(JSON.stringify(bench)).not.toContain('Other council');
  });
});
