import { describe, expect, it } from 'vitest';
import { migrate, openStorage } from '../../src/storage/db.js';
import { findAnswerSession, hashSecret, resumeWithCode, saveAnswers, setResumeCode, startAnswerSession } from '../../src/storage/answer-sessions.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { validateDefinition } from '../../src/instrument/validate.js';
import { POSTGRES_SKIP_REASON, freshPostgres, freshSqlite, postgresUrl } from './targets.js';

const parsed = validateDefinition({
  code: 'tiny',
  version: 1,
  title: 'Tiny',
  estimatedMinutes: 1,
  segments: { roleGroup: 'role' },
  audiences: [{ code: 'all', label: 'All', roleGroups: ['a', 'b'] }],
  sections: [
    {
      code: 's',
      title: 'S',
      questions: [
        {
          code: 'role',
          type: 'single',
          text: 'Role',
          options: [
            { code: 'a', label: 'A' },
            { code: 'b', label: 'B' },
          ],
        },
      ],
    },
  ],
});
if (!parsed.ok) throw new Error('fixture invalid');
const definition = parsed.definition;

const backends = [
  { name: 'SQLite', target: async () => freshSqlite(), skip: false },
  { name: `PostgreSQL${postgresUrl ? '' : ` (${POSTGRES_SKIP_REASON})`}`, target: freshPostgres, skip: !postgresUrl },
];

describe.each(backends)('answer sessions on $name', ({ target, skip }) => {
  it.skipIf(skip)('keep answers, store only hashes, and resume once with the code', async () => {
    const storage = openStorage(await target());
    try {
      await migrate(storage);
      const { db } = storage;
      const organisationId = await createOrganisation(db, { name: 'C', type: 'county', nation: 'Wales', region: 'Wales' });
      const survey = await createSurvey(db, { organisationId, instrumentVersionId: await publishInstrument(db, definition), title: 'W' });

      await startAnswerSession(db, 'cookie-token', survey.id, '2026-12-31');
      const session = await findAnswerSession(db, 'cookie-token', survey.id);
      expect(session?.key).toBe(hashSecret('cookie-token'));
      await saveAnswers(db, session!.key, { role: 'a' });
      await setResumeCode(db, session!.key, 'K7PM2QXD');

      const raw = await db.selectFrom('answer_session').selectAll().executeTakeFirstOrThrow();
      expect(JSON.stringify(raw)).not.toContain('cookie-token');
      expect(JSON.stringify(raw)).not.toContain('K7PM2QXD');

      expect(await resumeWithCode(db, survey.id, 'WRONGCODE', 'new-token')).toBe(false);
      expect(await resumeWithCode(db, survey.id, 'K7PM2QXD', 'new-token')).toBe(true);
      expect(await resumeWithCode(db, survey.id, 'K7PM2QXD', 'third-token')).toBe(false);
      expect(await findAnswerSession(db, 'cookie-token', survey.id)).toBeUndefined();
      expect((await findAnswerSession(db, 'new-token', survey.id))?.answers).toEqual({ role: 'a' });
    } finally {
      await storage.close();
    }
  });
});
