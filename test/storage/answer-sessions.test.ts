import { describe, expect, it } from 'vitest';
import { migrate, openStorage } from '../../src/storage/db.js';
import { findAnswerSession, hashSecret, resumeWithCode, saveAnswers, setResumeCode, startAnswerSession } from '../../src/storage/answer-sessions.js';
import { createOrganisation, createSurvey, findSurveyBySlugWithSession, publishInstrument } from '../../src/storage/surveys.js';
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

describe.each(backends)('respondents reading their survey and session together on $name', ({ target, skip }) => {
  it.skipIf(skip)("answers each request with its own session, never another survey's, when the reads of a moment share a query", async () => {
    const storage = openStorage(await target());
    try {
      await migrate(storage);
      const { db } = storage;
      const organisationId = await createOrganisation(db, { name: 'C', type: 'county', nation: 'Wales', region: 'Wales' });
      const version = await publishInstrument(db, definition);
      const first = await createSurvey(db, { organisationId, instrumentVersionId: version, title: 'First' });
      const second = await createSurvey(db, { organisationId, instrumentVersionId: version, title: 'Second' });
      for (let i = 0; i < 12; i++) {
        await startAnswerSession(db, `first-${i}`, first.id, '2026-12-31');
        await saveAnswers(db, hashSecret(`first-${i}`), { role: i % 2 === 0 ? 'a' : 'b', n: i });
      }
      await startAnswerSession(db, 'second-0', second.id, '2026-12-31');
      await saveAnswers(db, hashSecret('second-0'), { role: 'b', n: 100 });

      // All at once, as concurrent requests are: sessions of both surveys, a repeat, an unknown cookie, no cookie, a session named on the wrong survey, an unknown link.
      const asks = [
        ...Array.from({ length: 12 }, (_, i) => ({ slug: first.slug, key: hashSecret(`first-${i}`), want: { survey: first.id, n: i } })),
        { slug: first.slug, key: hashSecret('first-3'), want: { survey: first.id, n: 3 } },
        { slug: second.slug, key: hashSecret('second-0'), want: { survey: second.id, n: 100 } },
        { slug: first.slug, key: hashSecret('nobody'), want: { survey: first.id, n: undefined } },
        { slug: first.slug, key: '', want: { survey: first.id, n: undefined } },
        { slug: second.slug, key: hashSecret('first-5'), want: { survey: second.id, n: undefined } },
        { slug: 'no-such-link', key: hashSecret('first-1'), want: undefined },
      ];
      const got = await Promise.all(asks.map((a) => findSurveyBySlugWithSession(db, a.slug, a.key)));
      expect(got.map((g) => (g ? { survey: g.survey.id, n: g.session?.answers.n } : undefined))).toEqual(asks.map((a) => a.want));
      // Each request has its own copy of the answers: changing one changes no other request's.
      const repeats = got.filter((g) => g?.session?.answers.n === 3);
      expect(repeats).toHaveLength(2);
      repeats[0]!.session!.answers.role = 'changed';
      expect(repeats[1]!.session!.answers.role).toBe('b');
    } finally {
      await storage.close();
    }
  });
});
