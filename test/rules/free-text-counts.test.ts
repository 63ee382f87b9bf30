/**
 * Free-text counts are published: how many people answered each free-text question is given
 * (shown) for all respondents in aggregates.csv and in the API, equal to the count of the
 * answers put in.
 */
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../support/app.js';
import { closeWave } from '../support/waves.js';
import { answersFor, createWaveOnWeb, instrumentVersionOf, leadSetup, parseCsv, pressWaveButton, roster, submitAll, type Overrides, type Setup, type Submitted } from './support.js';

/** one_change from every third respondent, holds_back from every second, from the rest nothing. */
function given(): Submitted[] {
  return roster().map((r, i) => {
    const overrides: Overrides = { one_change: i % 3 === 0 ? `A shared calendar that works, ${i}` : undefined, holds_back: i % 2 === 0 ? `Old systems ${i}` : undefined };
    return answersFor(3000 + i, r.role, r.directorate, overrides);
  });
}

const answeredCount = (responses: Submitted[], question: string) => responses.filter((r) => typeof r.answers[question] === 'string' && r.answers[question].trim() !== '').length;

/** Every object anywhere in a JSON value, for finding a figure whatever the shape of the answer. */
function* objects(value: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(value)) for (const v of value) yield* objects(v);
  else if (value && typeof value === 'object') {
    yield value as Record<string, unknown>;
    for (const v of Object.values(value)) yield* objects(v);
  }
}

async function fixture(s: Setup) {
  const db = s.storage.db;
  const id = await createWaveOnWeb(s.lead, s.organisationId, 'Comments wave');
  expect((await pressWaveButton(s.lead, id, 'open')).statusCode).toBe(303);
  const answers = given();
  await submitAll(db, { id, instrumentVersionId: await instrumentVersionOf(db, id) }, answers);
  await closeWave(db, id);
  return { id, answers };
}

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`free-text counts are published ${database.title}`, () => {
    it('aggregates.csv gives the number who answered each free-text question, for all respondents and each shown role group', { timeout: 120_000 }, async () => {
      const s = await leadSetup(database);
      try {
        const { id, answers } = await fixture(s);
        const expected = { one_change: answeredCount(answers, 'one_change'), holds_back: answeredCount(answers, 'holds_back') };
        // The overrides took: a third and a half of the respondents, not everyone and not no one.
        expect(expected).toEqual({ one_change: Math.ceil(answers.length / 3), holds_back: Math.ceil(answers.length / 2) });
        const response = await s.app.inject({ method: 'GET', url: `/surveys/${id}/exports/aggregates.csv`, headers: { cookie: s.leadCookie } });
        expect(response.statusCode).toBe(200);
        const csv = parseCsv(response.body);
        for (const question of ['one_change', 'holds_back'] as const) {
          const total = csv.filter((r) => r.question === question && r.group === 'all respondents' && r.measure === 'answered');
          expect(total).toHaveLength(1);
          expect(total[0]).toMatchObject({ count: String(expected[question]), status: 'shown', estimate: '' });
          // A role group's count is its own when shown; under the threshold (10) it is withheld, with no number.
          let shown = 0;
          for (const role of ['frontline', 'manager', 'senior_executive', 'head_of_service', 'it_digital']) {
            const row = csv.find((r) => r.question === question && r.group === role && r.measure === 'answered')!;
            const count = answeredCount(
              answers.filter((a) => a.role === role),
              question,
            );
            if (count < 10) expect([row.status?.startsWith('withheld'), row.count], `${question} ${role}`).toEqual([true, '']);
            else if (row.status === 'shown') expect(row.count, `${question} ${role}`).toBe(String(count));
            if (row.status === 'shown') shown++;
          }
          if (question === 'holds_back') expect(shown).toBeGreaterThan(0);
        }
      } finally {
        await s.app.close();
      }
    });

    it('the API gives the number who answered each free-text question for all respondents', { timeout: 120_000 }, async () => {
      const s = await leadSetup(database);
      try {
        const { id, answers } = await fixture(s);
        const response = await s.app.inject({ method: 'GET', url: `/api/surveys/${id}/results`, headers: { cookie: s.leadCookie } });
        expect(response.statusCode).toBe(200);
        const body = response.json<unknown>();
        for (const question of ['one_change', 'holds_back']) {
          const expected = answeredCount(answers, question);
          // Whatever the shape: an entry for the question whose figure for all respondents is shown with the count.
          const entry = [...objects(body)].find((o) => (o.question === question || o.code === question) && Array.isArray(o.groups));
          expect(entry, `the API has an entry for the free-text question ${question}`).toBeDefined();
          const total = (entry!.groups as { group: { kind: string }; figure: { shown: boolean; value?: unknown } }[]).find((g) => g.group.kind === 'total');
          expect(total?.figure.shown, `${question}: the total is shown`).toBe(true);
          const value = total!.figure.value;
          const count = typeof value === 'number' ? value : (value as Record<string, unknown>).answered;
          expect(count, `${question}: answered by ${expected}`).toBe(expected);
        }
      } finally {
        await s.app.close();
      }
    });
  });
}
