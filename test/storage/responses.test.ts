import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../src/instrument/validate.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { responsesByCell, submitResponse } from '../../src/storage/responses.js';
import { closeWave, openWave } from '../support/waves.js';
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
  it.skipIf(skip)('stores a response once, however often it is submitted, as one row and nothing else; a closed wave takes none', async () => {
    const storage = openStorage(await target());
    try {
      await migrate(storage);
      const { db } = storage;
      const organisationId = await createOrganisation(db, { name: 'Test council', type: 'district', nation: 'England', region: 'South East' });
      const instrumentVersionId = await publishInstrument(db, definition);
      expect(await publishInstrument(db, definition)).toBe(instrumentVersionId);
      const survey = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Wave 1' });
      await openWave(db, survey.id);

      const answers = { role: 'staff', barriers: { selected: ['budget', 'skills'] }, years: 4 };
      const response = {
        surveyId: survey.id,
        instrumentVersionId,
        roleGroup: 'staff',
        directorate: '',
        submittedOn: '2026-11-24',
        answers,
      };
      const outcomes = await Promise.all([submitResponse(db, 'session-a', response), submitResponse(db, 'session-a', response)]);
      expect(outcomes.sort()).toEqual(['already_submitted', 'stored']);
      expect(await submitResponse(db, 'session-b', { ...response, answers: { ...answers, years: 6 } })).toBe('stored');

      const responses = await db.selectFrom('response').selectAll().execute();
      expect(responses).toHaveLength(2);
      for (const row of responses) expect(row.submitted_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(await db.selectFrom('submission_key').select('key').orderBy('key').execute()).toEqual([{ key: 'session-a' }, { key: 'session-b' }]);
      expect(await responsesByCell(db, survey.id)).toEqual([{ roleGroup: 'staff', directorate: '', responses: 2 }]);

      await closeWave(db, survey.id);
      expect(await submitResponse(db, 'session-c', response)).toBe('closed');
      expect(await db.selectFrom('response').select('id').execute()).toHaveLength(2);
      // Refused whole: not even its submission key is kept, so the session can still be seen as unsent.
      expect(await db.selectFrom('submission_key').select('key').where('key', '=', 'session-c').execute()).toEqual([]);
    } finally {
      await storage.close();
    }
  });
});
