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
        {
          code: 'role',
          type: 'single',
          text: 'Role',
          options: [
            { code: 'staff', label: 'Staff' },
            { code: 'leader', label: 'Leader' },
          ],
        },
        {
          code: 'barriers',
          type: 'multiple',
          text: 'Barriers',
          options: [
            { code: 'budget', label: 'Budget' },
            { code: 'skills', label: 'Skills' },
          ],
        },
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

  it.skipIf(skip)(
    'commits submissions that arrive together together, each once, with its own outcome; one bad submission does not fail the rest; a close racing them keeps none it did not count',
    async () => {
      const storage = openStorage(await target());
      try {
        await migrate(storage);
        const { db } = storage;
        const organisationId = await createOrganisation(db, { name: 'Test council', type: 'district', nation: 'England', region: 'South East' });
        const instrumentVersionId = await publishInstrument(db, definition);
        const [a, b] = [await createSurvey(db, { organisationId, instrumentVersionId, title: 'A' }), await createSurvey(db, { organisationId, instrumentVersionId, title: 'B' })];
        await openWave(db, a.id);
        await openWave(db, b.id);
        const response = (surveyId: string, years: number) => ({
          surveyId,
          instrumentVersionId,
          roleGroup: 'staff',
          directorate: '',
          submittedOn: '2026-11-24',
          answers: { role: 'staff', years },
        });

        // 300 at once across two waves, every tenth session sent twice, and one naming a wave that does not exist.
        const sent = Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, response: response(i % 2 ? a.id : b.id, i % 60) }));
        const twice = sent.filter((_, i) => i % 10 === 0);
        const outcomes = await Promise.all([
          ...[...sent, ...twice].map((s) => submitResponse(db, s.key, s.response)),
          submitResponse(db, 'no-such-wave', response('00000000-0000-0000-0000-000000000000', 1)).then(
            () => 'stored',
            () => 'refused',
          ),
        ]);
        expect(outcomes.filter((o) => o === 'stored')).toHaveLength(300);
        expect(outcomes.filter((o) => o === 'already_submitted')).toHaveLength(30);
        expect(outcomes.at(-1)).toBe('refused');
        expect(await responsesByCell(db, a.id)).toEqual([{ roleGroup: 'staff', directorate: '', responses: 150 }]);
        expect(await responsesByCell(db, b.id)).toEqual([{ roleGroup: 'staff', directorate: '', responses: 150 }]);
        const years = (await db.selectFrom('response').select('answers').execute()).map((r) => (JSON.parse(r.answers) as { years: number }).years);
        expect(years.reduce((x, y) => x + y, 0)).toBe(sent.reduce((x, s) => x + s.response.answers.years, 0));

        // Wave A closes while 200 more arrive for both: A's are stored only if they were acknowledged before the close.
        const late = Array.from({ length: 200 }, (_, i) => ({ key: `late${i}`, response: response(i % 2 ? a.id : b.id, 1) }));
        const racing = late.map((s) => submitResponse(db, s.key, s.response));
        await closeWave(db, a.id);
        const lateOutcomes = await Promise.all(racing);
        const storedInA = late.filter((s, i) => s.response.surveyId === a.id && lateOutcomes[i] === 'stored').length;
        expect(lateOutcomes.filter((o, i) => late[i]!.response.surveyId === b.id && o === 'stored')).toHaveLength(100);
        expect(lateOutcomes.filter((o, i) => late[i]!.response.surveyId === a.id && o !== 'stored').every((o) => o === 'closed')).toBe(true);
        expect(await responsesByCell(db, a.id)).toEqual([{ roleGroup: 'staff', directorate: '', responses: 150 + storedInA }]);
        // What the close counted is what was stored: its publication holds every row of wave A.
        const publication = await db.selectFrom('publication').select('document').where('survey_id', '=', a.id).executeTakeFirstOrThrow();
        expect((JSON.parse(publication.document) as { responses: number }).responses).toBe(150 + storedInA);
        const keys = await db
          .selectFrom('submission_key')
          .select((s) => s.fn.countAll<number>().as('n'))
          .where('survey_id', '=', a.id)
          .executeTakeFirstOrThrow();
        expect(Number(keys.n)).toBe(storedInA + 150);
      } finally {
        await storage.close();
      }
    },
  );
});
