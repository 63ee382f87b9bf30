import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicationResponseRows, responseShares } from '../../src/storage/publications.js';
import { createSurvey } from '../../src/storage/surveys.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../support/app.js';

const definition = standardInstrument();

/**
 * A publication build reads its wave's rows once, in id order (PostgreSQL: a cursor in the
 * close's transaction; SQLite: keyset pages). Every row must come exactly once, none of
 * another wave's, in or out of a transaction, and stopping early must leave the connection
 * usable.
 */
for (const database of testDatabases) {
  describe.skipIf(database.skip)(`reading a wave's rows for its publication ${database.title}`, () => {
    it('gives every response of the wave once, in id order, in pages, inside a transaction or not', { timeout: 120_000 }, async () => {
      const { storage, survey } = await openSurveyDatabase(definition, await database.fresh());
      try {
        const db = storage.db;
        const organisation = await db.selectFrom('survey').select('organisation_id').where('id', '=', survey.id).executeTakeFirstOrThrow();
        const other = await createSurvey(db, { organisationId: organisation.organisation_id, instrumentVersionId: survey.instrumentVersionId, title: 'Other wave' });
        const row = (surveyId: string, i: number, id: string = randomUUID()) => ({
          id,
          survey_id: surveyId,
          instrument_version_id: survey.instrumentVersionId,
          role_group: i % 2 === 0 ? 'manager' : 'frontline',
          directorate: i % 3 === 0 ? '' : 'housing',
          submitted_on: '2026-03-01',
          answers: JSON.stringify({ role: i % 2 === 0 ? 'manager' : 'frontline', n: i }),
        });
        const edges = ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff'];
        const mine = [...edges.map((id, i) => row(survey.id, i, id)), ...Array.from({ length: 498 }, (_, i) => row(survey.id, i + edges.length))];
        const theirs = Array.from({ length: 1500 }, (_, i) => row(other.id, i));
        for (let i = 0; i < theirs.length; i += 500)
          await db
            .insertInto('response')
            .values(theirs.slice(i, i + 500))
            .execute();
        await db.insertInto('response').values(mine).execute();
        // The database's own order of ids (its collation).
        const ordered = (await db.selectFrom('response').select(['id', 'answers']).where('survey_id', '=', survey.id).orderBy('id').execute()).map((r) => r.answers);
        const byAnswers = new Map(mine.map((r) => [r.answers, r]));

        const read = async (source: typeof db, size: number) => {
          const answers: string[] = [];
          const sizes: number[] = [];
          for await (const page of publicationResponseRows(source, survey.id, { pageSize: size })) {
            sizes.push(page.length);
            for (const r of page) {
              const stored = byAnswers.get(r.answers)!;
              expect({ role_group: r.role_group, directorate: r.directorate }).toEqual({ role_group: stored.role_group, directorate: stored.directorate });
              answers.push(r.answers);
            }
          }
          expect(answers).toEqual(ordered);
          expect(sizes.slice(0, -1).every((n) => n === size)).toBe(true);
        };
        for (const size of [1, 7, 500, 1000]) await read(db, size);
        await db.transaction().execute((trx) => read(trx, 64));
        // Cut into shares for threads of their own (publications/tally.ts): the shares, read in turn, give every row once, in order.
        for (const n of [2, 3, 4]) {
          const shares = responseShares(n);
          expect(shares).toHaveLength(n);
          const answers: string[] = [];
          for (const share of shares) for await (const page of publicationResponseRows(db, survey.id, { pageSize: 7, share })) answers.push(...page.map((r) => r.answers));
          expect(answers).toEqual(ordered);
        }

        // Stopping after the first page (the next one already asked for) leaves the connection usable.
        await db.transaction().execute(async (trx) => {
          for await (const page of publicationResponseRows(trx, survey.id, { pageSize: 10 })) {
            expect(page).toHaveLength(10);
            break;
          }
          expect((await trx.selectFrom('survey').select('id').where('id', '=', survey.id).execute()).length).toBe(1);
        });

        // A wave with no responses gives no pages.
        const pages: unknown[] = [];
        for await (const page of publicationResponseRows(db, randomUUID())) pages.push(page);
        expect(pages).toEqual([]);
      } finally {
        await storage.close();
      }
    });
  });
}
