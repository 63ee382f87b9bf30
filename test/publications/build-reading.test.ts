import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { responseBatches, responsePages } from '../../src/storage/exports.js';
import { createSurvey } from '../../src/storage/surveys.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../support/app.js';

const definition = standardInstrument();

/**
 * The publication build and the exports read a wave's rows in pages: by id ranges and keyset
 * within them (so each query touches about one page of rows whatever plan the database
 * picks), re-cut into pages of the size asked for. Every row must come exactly once, in id
 * order, and none of another wave's.
 */
for (const database of testDatabases) {
  describe.skipIf(database.skip)(`reading a wave's responses in pages ${database.title}`, () => {
    it('gives every response of the wave once, in id order, in pages of the size asked for, with other waves in the table', { timeout: 120_000 }, async () => {
      const { storage, survey } = await openSurveyDatabase(definition, await database.fresh());
      try {
        const organisation = await storage.db.selectFrom('survey').select('organisation_id').where('id', '=', survey.id).executeTakeFirstOrThrow();
        const other = await createSurvey(storage.db, { organisationId: organisation.organisation_id, instrumentVersionId: survey.instrumentVersionId, title: 'Other wave' });
        const row = (surveyId: string, i: number, id: string = randomUUID()) => ({
          id,
          survey_id: surveyId,
          instrument_version_id: survey.instrumentVersionId,
          role_group: i % 2 === 0 ? 'manager' : 'frontline',
          directorate: '',
          submitted_on: '2026-03-01',
          answers: JSON.stringify({ role: i % 2 === 0 ? 'manager' : 'frontline', n: i }),
        });
        // Ids at the edges of the id space and of its ranges too, besides random ones.
        const edges = ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff', '80000000-0000-4000-8000-000000000000', '7fffffff-ffff-4fff-bfff-ffffffffffff'];
        const mine = [...edges.map((id, i) => row(survey.id, i, id)), ...Array.from({ length: 496 }, (_, i) => row(survey.id, i + edges.length))];
        const theirs = Array.from({ length: 3000 }, (_, i) => row(other.id, i));
        for (let i = 0; i < theirs.length; i += 500)
          await storage.db
            .insertInto('response')
            .values(theirs.slice(i, i + 500))
            .execute();
        await storage.db.insertInto('response').values(mine).execute();
        const expected = mine.map((r) => r.id).sort();

        for (const size of [1, 7, 64, 500, 1000]) {
          const ids: string[] = [];
          const sizes: number[] = [];
          for await (const page of responsePages(storage.db, survey.id, size)) {
            sizes.push(page.length);
            ids.push(...page.map((r) => r.id));
          }
          // The database's own order of ids (its collation), which keyset pages follow.
          const ordered = (await storage.db.selectFrom('response').select('id').where('survey_id', '=', survey.id).orderBy('id').execute()).map((r) => r.id);
          expect(ids).toEqual(ordered);
          expect([...ids].sort()).toEqual(expected);
          expect(sizes.slice(0, -1).every((n) => n === size)).toBe(true);
          expect(sizes.at(-1)).toBe(expected.length - size * (sizes.length - 1));
        }
        const parsed: unknown[] = [];
        for await (const batch of responseBatches(storage.db, survey.id, 64)) parsed.push(...batch.map((r) => r.answers));
        expect(parsed).toHaveLength(500);
        expect(parsed).toContainEqual({ role: 'manager', n: 0 });

        // A wave with no responses gives no pages.
        const pages: unknown[] = [];
        for await (const page of responsePages(storage.db, randomUUID())) pages.push(page);
        expect(pages).toEqual([]);
      } finally {
        await storage.close();
      }
    });
  });
}
