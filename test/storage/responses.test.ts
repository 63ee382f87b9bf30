import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../src/instrument/validate.js';
import { tally } from '../../src/fieldwork/tally.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { submitResponse } from '../../src/storage/responses.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { POSTGRES_SKIP_REASON, freshPostgres, freshSqlite, postgresUrl } from './targets.js';

const result = validateDefinition({
  code: 'tiny',
  version: 1,
  title: 'Tiny',
  estimatedMinutes: 2,
  segments: { roleGroup: 'role' },
  audiences: [{ code: 'all', label: 'All', roleGroups: ['staff', 'leader'] }],
  sections: [
    {
      code: 'about',
      title: 'About',
      questions: [
        { code: 'role', type: 'single', text: 'Role', options: [{ code: 'staff', label: 'Staff' }, { code: 'leader', label: 'Leader' }] },
        { code: 'barriers', type: 'multiple', text: 'Barriers', options: [{ code: 'budget', label: 'Budget' }, { code: 'skills', label: 'Skills' }] },
        { code: 'years', type: 'number', text: 'Years', min: 0, max: 60 },
      ],
    },
  ],
});
if (!result.ok) throw new Error(JSON.stringify(result.problems));
const definition = result.definition;

const backends = [
  { name: 'SQLite', target: async () => freshSqlite(), skip: false },
  { name: `PostgreSQL${postgresUrl ? '' : ` (${POSTGRES_SKIP_REASON})`}`, target: freshPostgres, skip: !postgresUrl },
];

describe.each(backends)('submitting responses on $name', ({ target, skip }) => {
  it.skipIf(skip)('stores a response once, however often it is submitted, and keeps the counts', async () => {
    const storage = openStorage(await target());
    try {
      await migrate(storage);
      const { db } = storage;
      const organisationId = await createOrganisation(db, { name: 'Test council', type: 'district', nation: 'England', region: 'South East' });
      const instrumentVersionId = await publishInstrument(db, definition);
      expect(await publishInstrument(db, definition)).toBe(instrumentVersionId);
      const survey = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Wave 1' });

      const answers = { role: 'staff', barriers: { selected: ['budget', 'skills'] }, years: 4 };
      const response = {
        surveyId: survey.id,
        instrumentVersionId,
        roleGroup: 'staff',
        directorate: '',
        submittedOn: '2026-11-24',
        answers,
        tally: tally(definition, answers),
      };
      const outcomes = await Promise.all([submitResponse(db, 'session-a', response), submitResponse(db, 'session-a', response)]);
      expect(outcomes.sort()).toEqual(['already_submitted', 'stored']);
      expect(await submitResponse(db, 'session-b', { ...response, answers: { ...answers, years: 6 }, tally: tally(definition, { ...answers, years: 6 }) })).toBe('stored');

      const responses = await db.selectFrom('response').selectAll().execute();
      expect(responses).toHaveLength(2);
      for (const row of responses) expect(row.submitted_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const cells = await db.selectFrom('cell_count').select(['role_group', 'responses']).execute();
      expect(cells).toEqual([{ role_group: 'staff', responses: 2 }]);
      const budget = await db.selectFrom('option_count').select('n').where('option', '=', 'budget').executeTakeFirstOrThrow();
      expect(Number(budget.n)).toBe(2);
      const years = await db.selectFrom('numeric_sum').selectAll().where('variable', '=', 'years').executeTakeFirstOrThrow();
      expect([Number(years.n), Number(years.sum), Number(years.sum_squares)]).toEqual([2, 10, 16 + 36]);
    } finally {
      await storage.close();
    }
  });
});
